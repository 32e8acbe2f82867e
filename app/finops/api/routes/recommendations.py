"""Recommendation routes: rightsizing and idle recommendations with their evidence, and the
operator's accept / dismiss / apply (which records the savings baseline)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import Field

from finops.api.models import PageParams, PageResponse, page_fields
from finops.api.spec import OperationContext, Reply, RouteSpec
from finops.auth.roles import Role
from finops.core.models import InputModel
from finops.rightsizing.recommendation import RecommendationKind, RecommendationStatus
from finops.rightsizing.views import RecommendationView


class RecommendationsParams(PageParams):
    status: RecommendationStatus | None = None
    kind: RecommendationKind | None = None
    account_id: str | None = None
    resource_id: str | None = None


class RecommendationIdParams(InputModel):
    recommendation_id: int = Field(ge=1, description="The recommendation's id.")


class NoteBody(InputModel):
    note: str | None = Field(default=None, max_length=2000, description="Why (audited).")


class ApplyBody(NoteBody):
    applied_on: dt.date = Field(description="The day the change took effect (UTC).")


class RecommendationsPage(PageResponse):
    items: list[RecommendationView]


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
    return Reply(RecommendationsPage(items=page.items, **page_fields(page.total, params)))


def _get_recommendation(ctx: OperationContext, params: RecommendationIdParams) -> Reply:
    from finops.rightsizing import get_recommendation

    return Reply(
        get_recommendation(session=ctx.session, recommendation_id=params.recommendation_id)
    )


def _accept(ctx: OperationContext, params: RecommendationIdParams) -> Reply:
    from finops.rightsizing import accept_recommendation

    assert isinstance(ctx.body, NoteBody)
    view = accept_recommendation(
        session=ctx.session,
        recommendation_id=params.recommendation_id,
        actor=ctx.actor,
        note=ctx.body.note,
    )
    return Reply(view)


def _dismiss(ctx: OperationContext, params: RecommendationIdParams) -> Reply:
    from finops.rightsizing import dismiss_recommendation

    assert isinstance(ctx.body, NoteBody)
    view = dismiss_recommendation(
        session=ctx.session,
        recommendation_id=params.recommendation_id,
        actor=ctx.actor,
        note=ctx.body.note,
    )
    return Reply(view)


def _apply(ctx: OperationContext, params: RecommendationIdParams) -> Reply:
    from finops.rightsizing import mark_recommendation_applied

    assert isinstance(ctx.body, ApplyBody)
    view = mark_recommendation_applied(
        session=ctx.session,
        recommendation_id=params.recommendation_id,
        actor=ctx.actor,
        applied_on=ctx.body.applied_on,
        note=ctx.body.note,
    )
    return Reply(view)


def _status_route(action: str, operation: Any, body: type[InputModel], summary: str) -> RouteSpec:
    return RouteSpec(
        operation_id=f"{action}Recommendation",
        method="POST",
        path=f"/recommendations/{{recommendation_id}}/{action}",
        summary=summary,
        tag="recommendations",
        query_model=RecommendationIdParams,
        response_model=RecommendationView,
        min_role=Role.OPERATOR,
        operation=operation,
        body_model=body,
        extra_statuses=(404, 409),
    )


ROUTES: tuple[RouteSpec, ...] = (
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
        response_model=RecommendationView,
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
)
