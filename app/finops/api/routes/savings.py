"""Savings routes: estimated vs realized savings per recommendation, account and currency, and
per day."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from finops.api.models import ResponseModel
from finops.api.spec import OperationContext, Reply, RouteSpec
from finops.auth.roles import Role
from finops.core.models import InputModel
from finops.savings.views import SavingsDayView, SavingsSummaryView


class SavingsParams(InputModel):
    account_id: str | None = None
    recommendation_id: int | None = Field(default=None, ge=1)


class SavingsDailyParams(InputModel):
    """``GET /savings/daily``: half-open ``[start, end)``; all tracked days when unset."""

    start: dt.date | None = None
    end: dt.date | None = None
    account_id: str | None = None


class SavingsDailyResponse(ResponseModel):
    items: list[SavingsDayView]


def _savings_daily(ctx: OperationContext, params: SavingsDailyParams) -> Reply:
    from finops.savings import savings_daily

    rows = savings_daily(
        session=ctx.session, start=params.start, end=params.end, account_id=params.account_id
    )
    return Reply(SavingsDailyResponse(items=rows))


def _savings(ctx: OperationContext, params: SavingsParams) -> Reply:
    from finops.savings import savings_summary

    summary = savings_summary(
        session=ctx.session,
        account_id=params.account_id,
        recommendation_id=params.recommendation_id,
    )
    return Reply(summary)


ROUTES: tuple[RouteSpec, ...] = (
    RouteSpec(
        operation_id="getSavings",
        method="GET",
        path="/savings",
        summary="Estimated vs realized savings per recommendation, account and currency.",
        tag="savings",
        query_model=SavingsParams,
        response_model=SavingsSummaryView,
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
