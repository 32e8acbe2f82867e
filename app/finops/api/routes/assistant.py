"""``POST /ask``: a plain-language cost question answered with its plan, rows and sources."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import Field

from finops.api.models import NoParams, PageParams, PageResponse, ResponseModel, page_fields
from finops.api.spec import OperationContext, Reply, RouteSpec
from finops.auth.roles import Role
from finops.core.models import InputModel


class AskBody(InputModel):
    question: str = Field(min_length=1, max_length=1000, description="A question, in words.")
    as_of: dt.date | None = Field(
        default=None, description="The day the question is asked (default: today, UTC)."
    )


class AskRowOut(ResponseModel):
    group: str
    value: str = Field(description="Exact decimal; for rising/falling, the change.")
    currency: str
    current: str | None = None
    previous: str | None = None
    change_percent: str | None = None


class AskAnswerOut(ResponseModel):
    metric: str | None
    currency: str | None
    value: str | None = Field(description="The single figure, when the answer is one.")
    chart: str | None
    rows: list[AskRowOut]


class AskSourceOut(ResponseModel):
    method: str
    path: str
    params: dict[str, Any]


class AskResponse(ResponseModel):
    question: str
    as_of: dt.date
    status: str = Field(description="answered, clarify or refused.")
    message: str
    assumptions: list[str]
    options: list[str]
    plan: dict[str, Any] | None
    answer: AskAnswerOut
    sources: list[AskSourceOut]
    cli: str | None = Field(description="The finops command that prints the same figures.")
    log_id: int


class AskedOut(ResponseModel):
    id: int
    asked_at: dt.datetime
    asked_by: str
    question: str
    status: str = Field(description="answered, clarify or refused.")
    plan: dict[str, Any] | None
    command: str | None = Field(description="The finops command that reproduced the answer.")
    error: str | None = Field(description="The clarifying question or the refusal, if any.")


class AskHistoryPage(PageResponse):
    items: list[AskedOut]


def _history(ctx: OperationContext, params: PageParams) -> Reply:
    """The caller's own questions; an admin sees everyone's."""
    from finops.assistant.service import question_history

    principal = ctx.principal
    everyone = principal is not None and principal.role.includes(Role.ADMIN)
    items, total = question_history(
        session=ctx.session,
        asked_by=None if everyone else ctx.actor,
        limit=params.limit,
        offset=params.offset,
    )
    return Reply(
        AskHistoryPage(
            items=[AskedOut(**item.__dict__) for item in items], **page_fields(total, params)
        )
    )


def _ask(ctx: OperationContext, _params: NoParams) -> Reply:
    from finops.assistant.engines import build_reader
    from finops.assistant.service import ask
    from finops.config import get_settings

    assert isinstance(ctx.body, AskBody)
    settings = get_settings()
    result = ask(
        session=ctx.session,
        question=ctx.body.question,
        actor=ctx.actor,
        as_of=ctx.body.as_of or ctx.now.astimezone(dt.UTC).date(),
        reader=build_reader(settings.assistant_engine, settings.bedrock_model_id),
    )
    return Reply(AskResponse.model_validate(result.as_json()))


ROUTES: tuple[RouteSpec, ...] = (
    RouteSpec(
        operation_id="askQuestion",
        method="POST",
        path="/ask",
        summary="Answer a cost question in words: plan, rows, and the request that reproduces it.",
        tag="assistant",
        query_model=NoParams,
        response_model=AskResponse,
        min_role=Role.VIEWER,
        operation=_ask,
        body_model=AskBody,
    ),
    RouteSpec(
        operation_id="listAskHistory",
        method="GET",
        path="/ask/history",
        summary="Questions asked, newest first: your own (admins: everyone's), from the log.",
        tag="assistant",
        query_model=PageParams,
        response_model=AskHistoryPage,
        min_role=Role.VIEWER,
        operation=_history,
    ),
)
"""The assistant (tag ``assistant``)."""
