"""System routes: health (with the version and schema revision), the calling key, the OpenAPI
document (its route is built by :func:`openapi_route` once the whole table is joined)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from finops import __version__
from finops.api.models import NoParams, ResponseModel
from finops.api.spec import OperationContext, Reply, RouteSpec
from finops.auth.roles import Role


class DatabaseHealth(ResponseModel):
    reachable: bool
    dialect: str | None = None
    schema_revision: str | None = None


class HealthResponse(ResponseModel):
    status: Literal["ok", "degraded"]
    version: str
    database: DatabaseHealth


class WhoAmIOut(ResponseModel):
    """The calling API key: its name and role (never the key)."""

    name: str
    role: str
    permissions: list[str]


def _whoami(ctx: OperationContext, _params: NoParams) -> Reply:
    principal = ctx.principal
    assert principal is not None  # the route needs a key
    allowed = [role.value for role in Role if principal.role.includes(role)]
    return Reply(WhoAmIOut(name=principal.name, role=principal.role.value, permissions=allowed))


def _health(ctx: OperationContext, _params: NoParams) -> Reply:
    from finops.db.migrate import current_revision

    try:
        with ctx.database.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        revision = current_revision(ctx.database.engine)
    except SQLAlchemyError:
        # The reason may name hosts or users; the log has it, the response does not.
        body = HealthResponse(
            status="degraded",
            version=__version__,
            database=DatabaseHealth(reachable=False, dialect=ctx.database.dialect),
        )
        return Reply(body, status=503)
    return Reply(
        HealthResponse(
            status="ok",
            version=__version__,
            database=DatabaseHealth(
                reachable=True, dialect=ctx.database.dialect, schema_revision=revision
            ),
        )
    )


def openapi_route(document: Callable[[], dict[str, Any]]) -> RouteSpec:
    """The public ``GET /openapi.json`` route, answering ``document()`` (the whole table's
    OpenAPI document; the caller must not let it be mutated)."""

    def _openapi(_ctx: OperationContext, _params: NoParams) -> Reply:
        return Reply(document())

    return RouteSpec(
        operation_id="getOpenApi",
        method="GET",
        path="/openapi.json",
        summary="This API's OpenAPI 3.1 document.",
        tag="system",
        query_model=NoParams,
        response_model=None,
        min_role=None,
        operation=_openapi,
    )


ROUTES: tuple[RouteSpec, ...] = (
    RouteSpec(
        operation_id="getHealth",
        method="GET",
        path="/health",
        summary="Liveness and database reachability with the schema revision.",
        tag="system",
        query_model=NoParams,
        response_model=HealthResponse,
        min_role=None,
        operation=_health,
        extra_statuses=(503,),
    ),
    RouteSpec(
        operation_id="whoAmI",
        method="GET",
        path="/me",
        summary="The calling API key's name and role (what the dashboard may offer).",
        tag="system",
        query_model=NoParams,
        response_model=WhoAmIOut,
        min_role=Role.VIEWER,
        operation=_whoami,
    ),
)
"""Health and the calling key (the OpenAPI route comes from :func:`openapi_route`)."""
