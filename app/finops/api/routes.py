"""The route table of the REST API and the operation behind each route.

Each :class:`RouteSpec` names its path, method, summary, query model, response model and the
minimum role. The OpenAPI document is generated from this table and the Chalice app registers
exactly these routes, so documentation, validation and routing share one source. Operations are
thin: parse -> call the capability -> shape the response.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

import finops as core
from finops.api.analytics import ANALYTICS_ROUTES
from finops.api.forecast_routes import FORECAST_ROUTES
from finops.api.models import (
    AccountOut,
    AccountsPage,
    AccountsParams,
    CostQueryEcho,
    CostRowOut,
    CostsParams,
    CostsResponse,
    CostTotalOut,
    CurrencySummaryOut,
    DatabaseHealth,
    DateWindowOut,
    HealthResponse,
    IngestionFileOut,
    IngestionRunOut,
    IngestionsPage,
    IngestionsParams,
    NoParams,
    ResourceOut,
    ResourcesPage,
    ResourcesParams,
    SummaryParams,
    SummaryResponse,
    TagKeyOut,
    TagKeysOut,
    UsageMetricOut,
    UsagePage,
    UsageParams,
    WhoAmIOut,
)
from finops.api.remediation_routes import REMEDIATION_ROUTES
from finops.api.spec import API_PREFIX, Operation, OperationContext, Reply, RouteSpec
from finops.auth.roles import Role
from finops.core.paging import Page
from finops.core.window import DateWindow
from finops.costs import inventory, query, summary

__all__ = ["API_PREFIX", "ROUTES", "Operation", "OperationContext", "Reply", "RouteSpec"]


# --------------------------------------------------------------------------- operations


def _whoami(ctx: OperationContext, _params: NoParams) -> Reply:
    principal = ctx.principal
    assert principal is not None  # the route needs a key
    allowed = [role.value for role in Role if principal.role.includes(role)]
    return Reply(WhoAmIOut(name=principal.name, role=principal.role.value, permissions=allowed))


def _tag_keys(ctx: OperationContext, _params: NoParams) -> Reply:
    """Tag keys seen on resources (billing and inventory), most common first, with up to 20
    example values each: what the cost explorer can group and filter by (``tag:KEY``)."""
    from finops.costs.inventory import tag_keys

    return Reply(
        TagKeysOut(
            items=[
                TagKeyOut(
                    key=k.key,
                    resources=k.resources,
                    values=list(k.values),
                    values_total=k.values_total,
                )
                for k in tag_keys(session=ctx.session)
            ]
        )
    )


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
            version=core.__version__,
            database=DatabaseHealth(reachable=False, dialect=ctx.database.dialect),
        )
        return Reply(body, status=503)
    return Reply(
        HealthResponse(
            status="ok",
            version=core.__version__,
            database=DatabaseHealth(
                reachable=True, dialect=ctx.database.dialect, schema_revision=revision
            ),
        )
    )


def _costs(ctx: OperationContext, params: CostsParams) -> Reply:
    cost_query = params.to_cost_query()
    result = query.query_costs(session=ctx.session, query=cost_query)

    def figures(amounts: query.CostAmounts) -> dict[str, Any]:
        return {
            "billed": amounts.billed,
            "effective": amounts.effective,
            "list": amounts.list,
            "contracted": amounts.contracted,
            "line_items": amounts.line_items,
            "fact_count": amounts.fact_count,
        }

    return Reply(
        CostsResponse(
            query=CostQueryEcho(**cost_query.model_dump()),
            rows=[
                CostRowOut(
                    period_start=row.period_start,
                    period_end=row.period_end,
                    keys=row.keys,
                    currency=row.currency,
                    is_other=row.is_other,
                    **figures(row.amounts),
                )
                for row in result.rows
            ],
            totals=[
                CostTotalOut(currency=total.currency, **figures(total.amounts))
                for total in result.totals
            ],
            line_items=result.line_items,
            fact_count=result.fact_count,
            generated_at=result.generated_at,
        )
    )


def _summary(ctx: OperationContext, params: SummaryParams) -> Reply:
    today = params.today or ctx.now.astimezone(dt.UTC).date()
    result = summary.cost_summary(session=ctx.session, today=today, metric=params.metric)

    def window(w: DateWindow) -> DateWindowOut:
        return DateWindowOut(start=w.start, end=w.end)

    return Reply(
        SummaryResponse(
            today=result.today,
            metric=result.metric,
            month_to_date=window(result.month_to_date),
            previous_same_span=window(result.previous_same_span),
            previous_month=window(result.previous_month),
            currencies=[
                CurrencySummaryOut(
                    currency=c.currency,
                    month_to_date=c.month_to_date,
                    previous_same_span=c.previous_same_span,
                    previous_month=c.previous_month,
                    change=c.change,
                    change_percent=c.change_percent,
                )
                for c in result.currencies
            ],
        )
    )


def _page_fields(page: Page[Any]) -> dict[str, Any]:
    return {
        "total": page.total,
        "limit": page.limit,
        "offset": page.offset,
        "next_offset": page.next_offset,
    }


def _accounts(ctx: OperationContext, params: AccountsParams) -> Reply:
    page = inventory.list_accounts(
        session=ctx.session,
        provider=params.provider,
        billing_account=params.billing_account,
        limit=params.limit,
        offset=params.offset,
    )
    items = [AccountOut.model_validate(a) for a in page.items]
    return Reply(AccountsPage(items=items, **_page_fields(page)))


def _resources(ctx: OperationContext, params: ResourcesParams) -> Reply:
    page = inventory.list_resources(
        session=ctx.session,
        provider=params.provider,
        account=params.account,
        service=params.service,
        region=params.region,
        resource_type=params.resource_type,
        limit=params.limit,
        offset=params.offset,
    )
    items = [ResourceOut.model_validate(r) for r in page.items]
    return Reply(ResourcesPage(items=items, **_page_fields(page)))


def _usage(ctx: OperationContext, params: UsageParams) -> Reply:
    page = inventory.list_usage(
        session=ctx.session,
        start=params.start,
        end=params.end,
        resource=params.resource,
        metric=params.metric,
        limit=params.limit,
        offset=params.offset,
    )
    items = [UsageMetricOut.model_validate(u) for u in page.items]
    return Reply(UsagePage(items=items, **_page_fields(page)))


def _ingestions(ctx: OperationContext, params: IngestionsParams) -> Reply:
    page = inventory.list_ingestions(
        session=ctx.session, status=params.status, limit=params.limit, offset=params.offset
    )
    items = [
        IngestionRunOut(
            id=entry.run.id,
            source=entry.run.source,
            trigger=entry.run.trigger,
            status=entry.run.status,
            delivered_at=entry.run.delivered_at,
            started_at=entry.run.started_at,
            finished_at=entry.run.finished_at,
            rows_read=entry.run.rows_read,
            rows_written=entry.run.rows_written,
            error=entry.run.error,
            files=[IngestionFileOut.model_validate(f) for f in entry.files],
        )
        for entry in page.items
    ]
    return Reply(IngestionsPage(items=items, **_page_fields(page)))


def _openapi(_ctx: OperationContext, _params: NoParams) -> Reply:
    from finops.api.openapi import openapi_document

    return Reply(openapi_document())


# --------------------------------------------------------------------------- the table

CORE_ROUTES: tuple[RouteSpec, ...] = (
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
    RouteSpec(
        operation_id="listTagKeys",
        method="GET",
        path="/tags",
        summary="Tag keys seen on resources, with resource counts and example values.",
        tag="costs",
        query_model=NoParams,
        response_model=TagKeysOut,
        min_role=Role.VIEWER,
        operation=_tag_keys,
    ),
    RouteSpec(
        operation_id="getOpenApi",
        method="GET",
        path="/openapi.json",
        summary="This API's OpenAPI 3.1 document.",
        tag="system",
        query_model=NoParams,
        response_model=None,
        min_role=None,
        operation=_openapi,
    ),
    RouteSpec(
        operation_id="queryCosts",
        method="GET",
        path="/costs",
        summary="Exact cost sums by period, dimensions and currency.",
        tag="costs",
        query_model=CostsParams,
        response_model=CostsResponse,
        min_role=Role.VIEWER,
        operation=_costs,
    ),
    RouteSpec(
        operation_id="getCostSummary",
        method="GET",
        path="/costs/summary",
        summary="Month to date vs the same span of last month, and last month, per currency.",
        tag="costs",
        query_model=SummaryParams,
        response_model=SummaryResponse,
        min_role=Role.VIEWER,
        operation=_summary,
    ),
    RouteSpec(
        operation_id="listAccounts",
        method="GET",
        path="/accounts",
        summary="Known accounts.",
        tag="inventory",
        query_model=AccountsParams,
        response_model=AccountsPage,
        min_role=Role.VIEWER,
        operation=_accounts,
    ),
    RouteSpec(
        operation_id="listResources",
        method="GET",
        path="/resources",
        summary="Known resources with their latest attributes and tags.",
        tag="inventory",
        query_model=ResourcesParams,
        response_model=ResourcesPage,
        min_role=Role.VIEWER,
        operation=_resources,
    ),
    RouteSpec(
        operation_id="listUsage",
        method="GET",
        path="/usage",
        summary="Daily utilization statistics by resource and metric.",
        tag="inventory",
        query_model=UsageParams,
        response_model=UsagePage,
        min_role=Role.VIEWER,
        operation=_usage,
    ),
    RouteSpec(
        operation_id="listIngestions",
        method="GET",
        path="/ingestions",
        summary="Ingestion runs, newest first, with their files.",
        tag="ingestion",
        query_model=IngestionsParams,
        response_model=IngestionsPage,
        min_role=Role.VIEWER,
        operation=_ingestions,
    ),
)
"""Every documented route of ``/api/v1``."""

FALLBACK_PATHS: tuple[str, ...] = ("/{p1}", "/{p1}/{p2}", "/{p1}/{p2}/{p3}")
"""Undocumented catch-all paths under ``/api/v1`` that answer 404 in the error envelope (without
them API Gateway and Chalice answer an unknown path with 403 "Missing Authentication Token")."""
FALLBACK_METHODS: tuple[str, ...] = ("GET", "POST", "PUT", "PATCH", "DELETE")

ROUTES: tuple[RouteSpec, ...] = (
    *CORE_ROUTES,
    *ANALYTICS_ROUTES,
    *FORECAST_ROUTES,
    *REMEDIATION_ROUTES,
)
"""Every route of the API, in the order the OpenAPI document lists them."""
