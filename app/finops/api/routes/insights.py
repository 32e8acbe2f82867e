"""Insights route: the daily insights (top movers, new services, waste, budget risk)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import ConfigDict, Field

from finops.api.models import ResponseModel
from finops.api.spec import OperationContext, Reply, RouteSpec
from finops.auth.roles import Role
from finops.core.models import InputModel
from finops.insights.service import InsightKind


class InsightsParams(InputModel):
    day: dt.date | None = Field(default=None, description="Default: the newest day built.")
    kind: InsightKind | None = None


class InsightOut(ResponseModel):
    model_config = ConfigDict(from_attributes=True, frozen=True)

    id: int
    day: dt.date
    kind: InsightKind
    title: str
    data: dict[str, Any]


class InsightsResponse(ResponseModel):
    items: list[InsightOut]


def _insights(ctx: OperationContext, params: InsightsParams) -> Reply:
    from finops.insights import list_insights

    items = list_insights(session=ctx.session, day=params.day, kind=params.kind)
    return Reply(InsightsResponse(items=[InsightOut.model_validate(i) for i in items]))


ROUTES: tuple[RouteSpec, ...] = (
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
