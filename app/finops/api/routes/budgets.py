"""Budget routes: budgets with their status against actual and forecast spend, their alerts,
and admin create/replace/delete; the status document is shared with the CLI."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import ConfigDict, Field
from sqlalchemy.orm import Session

from finops import budgets
from finops.api.models import NoParams, ResponseModel
from finops.api.spec import OperationContext, Reply, RouteSpec
from finops.auth.roles import Role
from finops.core.models import InputModel
from finops.core.money import MoneyStr
from finops.db.models import Budget


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


ROUTES: tuple[RouteSpec, ...] = (
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
