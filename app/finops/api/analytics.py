"""Routes of the analytics capabilities (issue 3): audit, and the stages built on the core.

Each operation is thin: validate -> call the capability's service function -> shape the reply.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pydantic import ConfigDict, Field
from sqlalchemy.orm import Session

from finops import budgets
from finops.api.models import NoParams, PageParams, PageResponse, ResponseModel
from finops.api.spec import OperationContext, Reply, RouteSpec
from finops.audit import count_audit, list_audit
from finops.auth.roles import Role
from finops.core.models import InputModel
from finops.core.money import MoneyStr
from finops.db.models import Budget


class AuditParams(PageParams):
    """``GET /audit``: newest first."""

    entity_type: str | None = Field(default=None, description="e.g. recommendation, anomaly.")
    entity_id: str | None = Field(default=None, description="The entity's id.")
    actor: str | None = Field(default=None, description="A user, api:<key name> or job:<name>.")


class AuditEntryOut(ResponseModel):
    model_config = ConfigDict(from_attributes=True, frozen=True)

    id: int
    occurred_at: dt.datetime
    actor: str
    action: str
    entity_type: str
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    details: dict[str, Any]


class AuditPage(PageResponse):
    items: list[AuditEntryOut]


def _audit(ctx: OperationContext, params: AuditParams) -> Reply:
    filters = {
        "entity_type": params.entity_type,
        "entity_id": params.entity_id,
        "actor": params.actor,
    }
    entries = list_audit(session=ctx.session, limit=params.limit, offset=params.offset, **filters)
    total = count_audit(session=ctx.session, **filters)
    return Reply(
        AuditPage(
            items=[AuditEntryOut.model_validate(e) for e in entries], **page_fields(total, params)
        )
    )


def page_fields(total: int, params: PageParams) -> dict[str, int | None]:
    """total / limit / offset / next_offset of a page."""
    following = params.offset + params.limit
    return {
        "total": total,
        "limit": params.limit,
        "offset": params.offset,
        "next_offset": following if following < total else None,
    }


ANALYTICS_ROUTES: tuple[RouteSpec, ...] = (
    RouteSpec(
        operation_id="listAudit",
        method="GET",
        path="/audit",
        summary="The append-only audit log, newest first.",
        tag="audit",
        query_model=AuditParams,
        response_model=AuditPage,
        min_role=Role.VIEWER,
        operation=_audit,
    ),
)


# --------------------------------------------------------------------------- budgets


class BudgetIdParams(InputModel):
    budget_id: int = Field(ge=1, description="The budget's id.")


class AsOfParams(InputModel):
    as_of: dt.date | None = Field(
        default=None, description="Evaluate as of this day (spend counts days before it)."
    )


class BudgetStatusParams(BudgetIdParams, AsOfParams):
    pass


class ThresholdOut(ResponseModel):
    kind: str
    percent: MoneyStr


class BudgetOut(ResponseModel):
    id: int
    name: str
    scope_type: str
    scope_key: str | None
    period: str
    amount: MoneyStr
    currency: str
    metric: str
    thresholds: list[ThresholdOut]
    webhook_secret_name: str | None


class BudgetStatusOut(ResponseModel):
    budget: BudgetOut
    period_start: dt.date
    period_end: dt.date
    as_of: dt.date
    actual: MoneyStr
    forecast: MoneyStr
    actual_percent: MoneyStr
    forecast_percent: MoneyStr
    forecast_method: str
    crossed: list[ThresholdOut]


class BudgetsResponse(ResponseModel):
    items: list[BudgetStatusOut]


class BudgetAlertOut(ResponseModel):
    model_config = ConfigDict(from_attributes=True, frozen=True)

    id: int
    budget_id: int
    period_start: dt.date
    threshold_kind: str
    threshold_percent: MoneyStr
    amount_at_alert: MoneyStr
    raised_at: dt.datetime
    delivery_status: str
    delivery_attempts: int
    last_error: str | None


class BudgetAlertsResponse(ResponseModel):
    items: list[BudgetAlertOut]


class DeletedResponse(ResponseModel):
    deleted: bool
    id: int


def _budget_out(budget: Budget) -> BudgetOut:
    return BudgetOut(
        id=budget.id,
        name=budget.name,
        scope_type=budget.scope_type,
        scope_key=budget.scope_key,
        period=budget.period,
        amount=budget.amount,
        currency=budget.currency,
        metric=budget.metric,
        thresholds=[
            ThresholdOut(kind=t["kind"], percent=Decimal(str(t["percent"])))
            for t in budget.thresholds
        ],
        webhook_secret_name=budget.webhook_secret_name,
    )


def _status_out(ctx: OperationContext, budget: Budget, as_of: dt.date | None) -> BudgetStatusOut:
    return budget_status_document(session=ctx.session, budget=budget, as_of=as_of or ctx.now.date())


def budget_status_document(*, session: Session, budget: Budget, as_of: dt.date) -> BudgetStatusOut:
    """The budget and where it stands on ``as_of`` (the API's and the CLI's shape)."""
    status = budgets.budget_status(session=session, budget=budget, as_of=as_of)
    return BudgetStatusOut(
        budget=_budget_out(budget),
        period_start=status.period_start,
        period_end=status.period_end,
        as_of=status.as_of,
        actual=status.actual,
        forecast=status.forecast,
        actual_percent=status.actual_percent,
        forecast_percent=status.forecast_percent,
        forecast_method=status.forecast_method,
        crossed=[ThresholdOut(kind=c.kind, percent=c.percent) for c in status.crossed],
    )


def _list_budgets(ctx: OperationContext, params: AsOfParams) -> Reply:
    items = [_status_out(ctx, b, params.as_of) for b in budgets.list_budgets(session=ctx.session)]
    return Reply(BudgetsResponse(items=items))


def _get_budget(ctx: OperationContext, params: BudgetStatusParams) -> Reply:
    budget = budgets.get_budget(session=ctx.session, budget_id=params.budget_id)
    return Reply(_status_out(ctx, budget, params.as_of))


def _create_budget(ctx: OperationContext, _params: NoParams) -> Reply:
    assert isinstance(ctx.body, budgets.BudgetSpec)
    budget = budgets.create_budget(session=ctx.session, spec=ctx.body, actor=ctx.actor)
    return Reply(_status_out(ctx, budget, None), status=201)


def _update_budget(ctx: OperationContext, params: BudgetIdParams) -> Reply:
    assert isinstance(ctx.body, budgets.BudgetSpec)
    budget = budgets.update_budget(
        session=ctx.session, budget_id=params.budget_id, spec=ctx.body, actor=ctx.actor
    )
    return Reply(_status_out(ctx, budget, None))


def _delete_budget(ctx: OperationContext, params: BudgetIdParams) -> Reply:
    budgets.delete_budget(session=ctx.session, budget_id=params.budget_id, actor=ctx.actor)
    return Reply(DeletedResponse(deleted=True, id=params.budget_id))


def _budget_alerts(ctx: OperationContext, params: BudgetIdParams) -> Reply:
    budgets.get_budget(session=ctx.session, budget_id=params.budget_id)
    alerts = budgets.list_alerts(session=ctx.session, budget_id=params.budget_id)
    return Reply(BudgetAlertsResponse(items=[BudgetAlertOut.model_validate(a) for a in alerts]))


BUDGET_ROUTES: tuple[RouteSpec, ...] = (
    RouteSpec(
        operation_id="listBudgets",
        method="GET",
        path="/budgets",
        summary="Every budget with its status against actual and forecast spend.",
        tag="budgets",
        query_model=AsOfParams,
        response_model=BudgetsResponse,
        min_role=Role.VIEWER,
        operation=_list_budgets,
    ),
    RouteSpec(
        operation_id="createBudget",
        method="POST",
        path="/budgets",
        summary="Create a budget (admin).",
        tag="budgets",
        query_model=NoParams,
        response_model=BudgetStatusOut,
        min_role=Role.ADMIN,
        operation=_create_budget,
        body_model=budgets.BudgetSpec,
        extra_statuses=(201, 409),
    ),
    RouteSpec(
        operation_id="getBudget",
        method="GET",
        path="/budgets/{budget_id}",
        summary="One budget and its status.",
        tag="budgets",
        query_model=BudgetStatusParams,
        response_model=BudgetStatusOut,
        min_role=Role.VIEWER,
        operation=_get_budget,
        extra_statuses=(404,),
    ),
    RouteSpec(
        operation_id="updateBudget",
        method="PUT",
        path="/budgets/{budget_id}",
        summary="Replace a budget's definition (admin).",
        tag="budgets",
        query_model=BudgetIdParams,
        response_model=BudgetStatusOut,
        min_role=Role.ADMIN,
        operation=_update_budget,
        body_model=budgets.BudgetSpec,
        extra_statuses=(404, 409),
    ),
    RouteSpec(
        operation_id="deleteBudget",
        method="DELETE",
        path="/budgets/{budget_id}",
        summary="Delete a budget and its alerts (admin); the audit log keeps the history.",
        tag="budgets",
        query_model=BudgetIdParams,
        response_model=DeletedResponse,
        min_role=Role.ADMIN,
        operation=_delete_budget,
        extra_statuses=(404,),
    ),
    RouteSpec(
        operation_id="listBudgetAlerts",
        method="GET",
        path="/budgets/{budget_id}/alerts",
        summary="Alerts raised for a budget, newest first, with their delivery state.",
        tag="budgets",
        query_model=BudgetIdParams,
        response_model=BudgetAlertsResponse,
        min_role=Role.VIEWER,
        operation=_budget_alerts,
        extra_statuses=(404,),
    ),
)

ANALYTICS_ROUTES = (*ANALYTICS_ROUTES, *BUDGET_ROUTES)


# --------------------------------------------------------------------------- insights


class InsightsParams(InputModel):
    day: dt.date | None = Field(default=None, description="Default: the newest day built.")
    kind: str | None = Field(
        default=None, description="top_movers, new_services, waste or budget_risk."
    )


class InsightOut(ResponseModel):
    model_config = ConfigDict(from_attributes=True, frozen=True)

    id: int
    day: dt.date
    kind: str
    title: str
    data: dict[str, Any]


class InsightsResponse(ResponseModel):
    items: list[InsightOut]


def _insights(ctx: OperationContext, params: InsightsParams) -> Reply:
    from finops.insights import list_insights

    items = list_insights(session=ctx.session, day=params.day, kind=params.kind)
    return Reply(InsightsResponse(items=[InsightOut.model_validate(i) for i in items]))


ANALYTICS_ROUTES = (
    *ANALYTICS_ROUTES,
    RouteSpec(
        operation_id="listInsights",
        method="GET",
        path="/insights",
        summary="Daily insights (top movers, new services, waste, budget risk) with their data.",
        tag="insights",
        query_model=InsightsParams,
        response_model=InsightsResponse,
        min_role=Role.VIEWER,
        operation=_insights,
    ),
)


# --------------------------------------------------------------------------- recommendations

DecimalText = Field(description="Exact decimal as a string.", pattern=r"^-?[0-9]+(\.[0-9]+)?$")


class RecommendationsParams(PageParams):
    status: str | None = Field(
        default=None, description="open, accepted, applied, dismissed or superseded."
    )
    kind: str | None = Field(
        default=None,
        description="ec2_idle, ec2_rightsize, fargate_task, ecs_task_reservation, node_group, "
        "lambda_memory.",
    )
    account_id: str | None = None
    resource_id: str | None = None


class RecommendationIdParams(InputModel):
    recommendation_id: int = Field(ge=1, description="The recommendation's id.")


class NoteBody(InputModel):
    note: str | None = Field(default=None, max_length=2000, description="Why (audited).")


class ApplyBody(NoteBody):
    applied_on: dt.date = Field(description="The day the change took effect (UTC).")


class RecommendationOut(ResponseModel):
    id: int
    kind: str
    provider: str
    resource_id: str
    account_id: str | None
    region_id: str | None
    action: str
    status: str
    current_config: dict[str, Any]
    recommended_config: dict[str, Any]
    billing_currency: str
    estimated_monthly_saving: str = DecimalText
    performance_risk: str | None
    evidence: dict[str, Any]
    created_at: dt.datetime
    updated_at: dt.datetime
    applied_at: dt.datetime | None
    savings_baseline: dict[str, Any] | None = None


class RecommendationsPage(PageResponse):
    items: list[RecommendationOut]


class SavingsParams(InputModel):
    account_id: str | None = None
    recommendation_id: int | None = Field(default=None, ge=1)


class SavingsResponse(ResponseModel):
    recommendations: list[dict[str, Any]] = Field(
        description="Per applied recommendation: baseline, estimate, realized to date, rate."
    )
    accounts: list[dict[str, Any]] = Field(description="Per account and currency.")
    totals: list[dict[str, Any]] = Field(description="Per currency (never added across).")


def _list_recommendations(ctx: OperationContext, params: RecommendationsParams) -> Reply:
    from finops.rightsizing import list_recommendations

    page = list_recommendations(
        session=ctx.session,
        status=params.status,
        kind=params.kind,
        account_id=params.account_id,
        resource_id=params.resource_id,
        limit=params.limit,
        offset=params.offset,
    )
    items = [RecommendationOut.model_validate(item) for item in page["items"]]
    return Reply(RecommendationsPage(items=items, **page_fields(page["total"], params)))


def _get_recommendation(ctx: OperationContext, params: RecommendationIdParams) -> Reply:
    from finops.rightsizing import get_recommendation, recommendation_to_dict

    rec = get_recommendation(session=ctx.session, recommendation_id=params.recommendation_id)
    return Reply(RecommendationOut.model_validate(recommendation_to_dict(rec)))


def _accept(ctx: OperationContext, params: RecommendationIdParams) -> Reply:
    from finops.rightsizing import accept_recommendation

    assert isinstance(ctx.body, NoteBody)
    doc = accept_recommendation(
        session=ctx.session,
        recommendation_id=params.recommendation_id,
        actor=ctx.actor,
        note=ctx.body.note,
    )
    return Reply(RecommendationOut.model_validate(doc))


def _dismiss(ctx: OperationContext, params: RecommendationIdParams) -> Reply:
    from finops.rightsizing import dismiss_recommendation

    assert isinstance(ctx.body, NoteBody)
    doc = dismiss_recommendation(
        session=ctx.session,
        recommendation_id=params.recommendation_id,
        actor=ctx.actor,
        note=ctx.body.note,
    )
    return Reply(RecommendationOut.model_validate(doc))


def _apply(ctx: OperationContext, params: RecommendationIdParams) -> Reply:
    from finops.rightsizing import mark_recommendation_applied

    assert isinstance(ctx.body, ApplyBody)
    doc = mark_recommendation_applied(
        session=ctx.session,
        recommendation_id=params.recommendation_id,
        actor=ctx.actor,
        applied_on=ctx.body.applied_on,
        note=ctx.body.note,
    )
    return Reply(RecommendationOut.model_validate(doc))


class SavingsDailyParams(InputModel):
    """``GET /savings/daily``: half-open ``[start, end)``; all tracked days when unset."""

    start: dt.date | None = None
    end: dt.date | None = None
    account_id: str | None = None


class SavingsDayOut(ResponseModel):
    day: dt.date
    currency: str
    recommendations: int = Field(description="Applied recommendations tracked that day.")
    billed: int = Field(description="Of those, how many have that day's bill in.")
    estimated: str = DecimalText
    realized: str = DecimalText


class SavingsDailyResponse(ResponseModel):
    items: list[SavingsDayOut]


def _savings_daily(ctx: OperationContext, params: SavingsDailyParams) -> Reply:
    from finops.savings import savings_daily

    rows = savings_daily(
        session=ctx.session, start=params.start, end=params.end, account_id=params.account_id
    )
    return Reply(SavingsDailyResponse(items=[SavingsDayOut.model_validate(r) for r in rows]))


def _savings(ctx: OperationContext, params: SavingsParams) -> Reply:
    from finops.savings import savings_summary

    summary = savings_summary(
        session=ctx.session,
        account_id=params.account_id,
        recommendation_id=params.recommendation_id,
    )
    return Reply(SavingsResponse.model_validate(summary))


def _status_route(action: str, operation: Any, body: type[InputModel], summary: str) -> RouteSpec:
    return RouteSpec(
        operation_id=f"{action}Recommendation",
        method="POST",
        path=f"/recommendations/{{recommendation_id}}/{action}",
        summary=summary,
        tag="recommendations",
        query_model=RecommendationIdParams,
        response_model=RecommendationOut,
        min_role=Role.OPERATOR,
        operation=operation,
        body_model=body,
        extra_statuses=(404, 409),
    )


ANALYTICS_ROUTES = (
    *ANALYTICS_ROUTES,
    RouteSpec(
        operation_id="listRecommendations",
        method="GET",
        path="/recommendations",
        summary="Rightsizing and idle recommendations, largest saving first.",
        tag="recommendations",
        query_model=RecommendationsParams,
        response_model=RecommendationsPage,
        min_role=Role.VIEWER,
        operation=_list_recommendations,
    ),
    RouteSpec(
        operation_id="getRecommendation",
        method="GET",
        path="/recommendations/{recommendation_id}",
        summary="One recommendation with its evidence.",
        tag="recommendations",
        query_model=RecommendationIdParams,
        response_model=RecommendationOut,
        min_role=Role.VIEWER,
        operation=_get_recommendation,
        extra_statuses=(404,),
    ),
    _status_route("accept", _accept, NoteBody, "Accept a recommendation (operator)."),
    _status_route(
        "dismiss",
        _dismiss,
        NoteBody,
        "Dismiss a recommendation (operator); it is not raised again.",
    ),
    _status_route(
        "apply",
        _apply,
        ApplyBody,
        "Mark a recommendation applied on a day (operator); records the savings baseline.",
    ),
    RouteSpec(
        operation_id="getSavings",
        method="GET",
        path="/savings",
        summary="Estimated vs realized savings per recommendation, account and currency.",
        tag="savings",
        query_model=SavingsParams,
        response_model=SavingsResponse,
        min_role=Role.VIEWER,
        operation=_savings,
    ),
    RouteSpec(
        operation_id="getSavingsDaily",
        method="GET",
        path="/savings/daily",
        summary="Estimated vs realized savings per day and currency (exact sums).",
        tag="savings",
        query_model=SavingsDailyParams,
        response_model=SavingsDailyResponse,
        min_role=Role.VIEWER,
        operation=_savings_daily,
    ),
)


# --------------------------------------------------------------------------- anomalies


class AnomaliesParams(PageParams):
    status: str | None = Field(
        default=None,
        description="open, acknowledged, resolved, not_an_anomaly or planned_activity.",
    )
    scope_type: str | None = Field(
        default=None, description="total, account, service, account_service or tag:<key>."
    )
    scope_key: str | None = None
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    start: dt.date | None = Field(default=None, description="Overlapping [start, end).")
    end: dt.date | None = None


class AnomalyIdParams(InputModel):
    anomaly_id: int = Field(ge=1, description="The anomaly's id.")


class AnomalyFeedbackBody(InputModel):
    status: str = Field(
        description="acknowledged, resolved, not_an_anomaly, planned_activity or open. "
        "planned_activity and not_an_anomaly stop the same step being flagged again."
    )
    note: str | None = Field(default=None, max_length=2000)


class ContributorOut(ResponseModel):
    account: str | None
    service: str | None
    region: str | None
    usage_type: str | None
    resource: str | None
    actual: str = DecimalText
    expected: str = DecimalText
    deviation: str = DecimalText
    share: str = DecimalText


class AnomalyOut(ResponseModel):
    id: int
    scope_type: str
    scope_key: str
    currency: str
    start_day: dt.date
    end_day: dt.date = Field(description="Exclusive.")
    days: int
    expected_cost: str = DecimalText
    actual_cost: str = DecimalText
    impact: str = DecimalText
    impact_percent: str | None
    severity: str
    score: str = DecimalText
    status: str
    root_cause: list[ContributorOut]
    detected_at: dt.datetime


class AnomaliesResponse(ResponseModel):
    items: list[AnomalyOut]
    limit: int
    offset: int


def _anomalies(ctx: OperationContext, params: AnomaliesParams) -> Reply:
    from finops.anomalies import list_anomalies

    views = list_anomalies(
        session=ctx.session,
        status=params.status,
        scope_type=params.scope_type,
        scope_key=params.scope_key,
        currency=params.currency,
        start=params.start,
        end=params.end,
        limit=params.limit,
        offset=params.offset,
    )
    return Reply(
        AnomaliesResponse(
            items=[AnomalyOut.model_validate(v.as_json()) for v in views],
            limit=params.limit,
            offset=params.offset,
        )
    )


def _anomaly(ctx: OperationContext, params: AnomalyIdParams) -> Reply:
    from finops.anomalies import get_anomaly

    view = get_anomaly(session=ctx.session, anomaly_id=params.anomaly_id)
    return Reply(AnomalyOut.model_validate(view.as_json()))


class BandPointOut(ResponseModel):
    day: dt.date
    actual: str = DecimalText
    expected: str | None = Field(description="Exact decimal text; null during warm-up.")
    lower: str | None
    upper: str | None
    in_anomaly: bool


class AnomalyBandOut(ResponseModel):
    anomaly_id: int
    currency: str
    points: list[BandPointOut]


def _anomaly_band(ctx: OperationContext, params: AnomalyIdParams) -> Reply:
    from finops.anomalies import anomaly_band, get_anomaly
    from finops.config import get_settings

    view = get_anomaly(session=ctx.session, anomaly_id=params.anomaly_id)
    points = anomaly_band(
        session=ctx.session,
        anomaly_id=params.anomaly_id,
        holiday_country=get_settings().holiday_country or None,
    )
    return Reply(
        AnomalyBandOut(
            anomaly_id=params.anomaly_id,
            currency=view.currency,
            points=[BandPointOut.model_validate(p.as_json()) for p in points],
        )
    )


def _anomaly_feedback(ctx: OperationContext, params: AnomalyIdParams) -> Reply:
    from finops.anomalies import set_anomaly_status

    assert isinstance(ctx.body, AnomalyFeedbackBody)
    view = set_anomaly_status(
        session=ctx.session,
        anomaly_id=params.anomaly_id,
        status=ctx.body.status,
        actor=ctx.actor,
        note=ctx.body.note,
    )
    return Reply(AnomalyOut.model_validate(view.as_json()))


ANALYTICS_ROUTES = (
    *ANALYTICS_ROUTES,
    RouteSpec(
        operation_id="listAnomalies",
        method="GET",
        path="/anomalies",
        summary="Cost anomalies with impact, severity and root-cause contributors.",
        tag="anomalies",
        query_model=AnomaliesParams,
        response_model=AnomaliesResponse,
        min_role=Role.VIEWER,
        operation=_anomalies,
    ),
    RouteSpec(
        operation_id="getAnomaly",
        method="GET",
        path="/anomalies/{anomaly_id}",
        summary="One anomaly.",
        tag="anomalies",
        query_model=AnomalyIdParams,
        response_model=AnomalyOut,
        min_role=Role.VIEWER,
        operation=_anomaly,
        extra_statuses=(404,),
    ),
    RouteSpec(
        operation_id="getAnomalyBand",
        method="GET",
        path="/anomalies/{anomaly_id}/band",
        summary="The anomaly's scope day by day: actual cost with the expected value and band.",
        tag="anomalies",
        query_model=AnomalyIdParams,
        response_model=AnomalyBandOut,
        min_role=Role.VIEWER,
        operation=_anomaly_band,
        extra_statuses=(404,),
    ),
    RouteSpec(
        operation_id="setAnomalyFeedback",
        method="POST",
        path="/anomalies/{anomaly_id}/feedback",
        summary="Acknowledge, resolve, or mark as planned / not an anomaly (operator).",
        tag="anomalies",
        query_model=AnomalyIdParams,
        response_model=AnomalyOut,
        min_role=Role.OPERATOR,
        operation=_anomaly_feedback,
        body_model=AnomalyFeedbackBody,
        extra_statuses=(404,),
    ),
)
