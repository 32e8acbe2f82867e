"""Routes of the analytics capabilities (issue 3): audit, and the stages built on the core.

Each operation is thin: validate -> call the capability's service function -> shape the reply.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pydantic import ConfigDict, Field
from sqlalchemy.orm import Session

from app import budgets
from app.api.models import NoParams, PageParams, PageResponse, ResponseModel
from app.api.money import MoneyStr
from app.api.spec import OperationContext, Reply, RouteSpec
from app.audit import count_audit, list_audit
from app.auth.roles import Role
from app.costs.validation import InputModel
from app.db.models import Budget


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
    from app.insights import list_insights

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
