"""Build the Chalice app from the route table in :mod:`finops.api.routes` (one blueprint per tag).

Views only translate: headers -> principal, query string -> request model, reply -> Response.
The database is created on first use, never at import time.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from typing import Any

from chalice.app import Blueprint, Chalice, Response

from chalicelib.errors import (
    envelope_chalice_errors,
    json_response,
    map_errors,
    response_document,
)
from finops.api.errors import error_envelope
from finops.api.params import parse_json_body, parse_query_params
from finops.api.routes import API_PREFIX, FALLBACK_METHODS, FALLBACK_PATHS, ROUTES
from finops.api.spec import OperationContext, RouteSpec
from finops.auth.keys import api_key_from_headers, authenticate
from finops.auth.roles import require_role
from finops.db.database import Database, database_from_env
from finops.db.engine import session_scope
from finops.observability.http import UNMATCHED_ROUTE, RequestObserver
from finops.observability.logs import log_context

APP_NAME = "finops-api"

DatabaseFactory = Callable[[], Database]


class LazyDatabase:
    """The database, created by ``factory`` on first use (thread-safe), then reused."""

    def __init__(self, factory: DatabaseFactory) -> None:
        self._factory = factory
        self._database: Database | None = None
        self._lock = threading.Lock()

    def get(self) -> Database:
        if self._database is None:
            with self._lock:
                if self._database is None:
                    self._database = self._factory()
        return self._database


def _query_params(blueprint: Blueprint) -> dict[str, list[str]]:
    params = blueprint.current_request.query_params
    if not params:
        return {}
    return {name: list(params.getlist(name)) for name in params}


def _make_view(spec: RouteSpec, blueprint: Blueprint, database: LazyDatabase) -> Callable[[], Any]:
    def view(**path_params: str) -> Response:
        request = blueprint.current_request
        db = database.get()
        with session_scope(db.sessions) as session:
            principal = None
            if spec.min_role is not None:
                presented = api_key_from_headers(dict(request.headers))
                principal = authenticate(session=session, presented=presented)
                require_role(principal, spec.min_role)
            raw = _query_params(blueprint)
            raw.update({name: [value] for name, value in path_params.items()})
            params = parse_query_params(spec.query_model, raw)
            body = parse_json_body(spec.body_model, request.raw_body)
            reply = spec.operation(
                OperationContext(
                    session=session,
                    database=db,
                    principal=principal,
                    now=dt.datetime.now(dt.UTC),
                    body=body,
                ),
                params,
            )
            document = reply.json_body()
        return json_response(document, reply.status)

    view.__name__ = spec.operation_id
    return map_errors(view)


def _not_found_view(**path: str) -> Response:
    requested = "/".join(path.values())
    return json_response(
        error_envelope(
            "not_found",
            f"no route {API_PREFIX}/{requested}; see {API_PREFIX}/openapi.json",
            {"path": f"{API_PREFIX}/{requested}"},
        ),
        404,
    )


def _error_code(response: Response) -> str | None:
    """The error envelope's code of an error reply (``http_error`` when it has none)."""
    if response.status_code < 400:
        return None
    body = response_document(response)
    error = body.get("error") if isinstance(body, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    return code if isinstance(code, str) else "http_error"


def _metrics_middleware(
    metrics: RequestObserver,
) -> Callable[[Any, Callable[[Any], Response]], Response]:
    def record(event: Any, get_response: Callable[[Any], Response]) -> Response:
        started = time.perf_counter()
        response = get_response(event)
        context = getattr(event, "context", None) or {}
        route = context.get("resourcePath") or UNMATCHED_ROUTE
        if route in _FALLBACK_TEMPLATES:
            route = UNMATCHED_ROUTE
        metrics.observe(
            route=route,
            method=getattr(event, "method", "GET"),
            status=response.status_code,
            seconds=time.perf_counter() - started,
            error_code=_error_code(response),
        )
        return response

    return record


def _log_context_middleware(event: Any, get_response: Callable[[Any], Response]) -> Response:
    """Every log line written while answering carries the request id and the route template."""
    context = getattr(event, "context", None) or {}
    with log_context(
        request_id=context.get("requestId"), route=context.get("resourcePath") or UNMATCHED_ROUTE
    ):
        return get_response(event)


_FALLBACK_TEMPLATES = frozenset(f"{API_PREFIX}{path}" for path in FALLBACK_PATHS)


def create_app(
    database_factory: DatabaseFactory | None = None, metrics: RequestObserver | None = None
) -> Chalice:
    """The Chalice app serving every route of :data:`finops.api.routes.ROUTES` under ``/api/v1``.

    ``database_factory`` defaults to :func:`finops.db.database.database_from_env`; it is called
    once, on the first request that needs the database. With ``metrics``, every answered request
    is counted and timed by route template (unknown paths as ``unmatched``).
    """
    from chalicelib.events import register_event_handlers

    chalice_app = Chalice(app_name=APP_NAME)
    database = LazyDatabase(database_factory or database_from_env)
    blueprints: dict[str, Blueprint] = {}
    for spec in ROUTES:
        blueprint = blueprints.setdefault(spec.tag, Blueprint(f"chalicelib.{spec.tag}"))
        blueprint.route(spec.path, methods=[spec.method], name=spec.operation_id)(
            _make_view(spec, blueprint, database)
        )
    fallback = Blueprint("chalicelib.fallback")
    for index, path in enumerate(FALLBACK_PATHS):
        fallback.route(path, methods=list(FALLBACK_METHODS), name=f"notFound{index}")(
            map_errors(_not_found_view)
        )
    for blueprint in [*blueprints.values(), fallback]:
        chalice_app.register_blueprint(blueprint, url_prefix=API_PREFIX)
    chalice_app.register_middleware(envelope_chalice_errors, "http")
    chalice_app.register_middleware(_log_context_middleware, "http")
    if metrics is not None:
        chalice_app.register_middleware(_metrics_middleware(metrics), "http")
    register_event_handlers(chalice_app, database)
    return chalice_app
