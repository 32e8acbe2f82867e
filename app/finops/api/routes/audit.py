"""Audit route: the append-only audit log, newest first, with its query and page models."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import ConfigDict, Field

from finops.api.models import PageParams, PageResponse, ResponseModel, page_fields
from finops.api.spec import OperationContext, Reply, RouteSpec
from finops.audit import count_audit, list_audit
from finops.auth.roles import Role


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


ROUTES: tuple[RouteSpec, ...] = (
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
