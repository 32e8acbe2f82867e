"""Inventory routes: accounts, resources, daily usage statistics and ingestion runs (listings of
:mod:`finops.inventory.listings`, :mod:`finops.usage.listings` and :mod:`finops.ingest.runs`),
with their request and response models."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import ConfigDict, Field

from finops.api.models import PageParams, PageResponse, ResponseModel
from finops.api.spec import OperationContext, Reply, RouteSpec
from finops.auth.roles import Role
from finops.core.money import MoneyStr
from finops.core.paging import Page
from finops.ingest.runs import IngestStatus, list_ingestions
from finops.inventory.listings import list_accounts, list_resources
from finops.usage.listings import list_usage

# --------------------------------------------------------------------------- requests


class AccountsParams(PageParams):
    """``GET /accounts``."""

    provider: str | None = Field(default=None, description="Exact provider, e.g. AWS.")
    billing_account: str | None = Field(default=None, description="Exact billing account id.")


class ResourcesParams(PageParams):
    """``GET /resources`` (every filter is an exact match)."""

    provider: str | None = None
    account: str | None = None
    service: str | None = None
    region: str | None = None
    resource_type: str | None = None


class UsageParams(PageParams):
    """``GET /usage``: daily statistics with day in [start, end)."""

    start: dt.date = Field(description="First day included, YYYY-MM-DD.")
    end: dt.date = Field(description="First day excluded, YYYY-MM-DD.")
    resource: str | None = Field(default=None, description="Exact resource id.")
    metric: str | None = Field(default=None, description="Metric name, e.g. CPUUtilization.")


class IngestionsParams(PageParams):
    """``GET /ingestions``."""

    status: IngestStatus | None = None


# --------------------------------------------------------------------------- responses


class AccountOut(ResponseModel):
    model_config = ConfigDict(from_attributes=True, frozen=True)

    provider: str
    account_id: str
    name: str | None
    billing_account_id: str | None
    first_seen: dt.datetime
    last_seen: dt.datetime


class AccountsPage(PageResponse):
    items: list[AccountOut]


class ResourceOut(ResponseModel):
    model_config = ConfigDict(from_attributes=True, frozen=True)

    provider: str
    resource_id: str
    resource_type: str | None
    service_name: str | None
    account_id: str | None
    region_id: str | None
    name: str | None
    instance_type: str | None
    tags: dict[str, str]
    first_seen: dt.datetime
    last_seen: dt.datetime


class ResourcesPage(PageResponse):
    items: list[ResourceOut]


class UsageMetricOut(ResponseModel):
    model_config = ConfigDict(from_attributes=True, frozen=True)

    provider: str
    resource_id: str
    metric_name: str
    unit: str | None
    day: dt.date
    samples: int
    avg: MoneyStr | None
    p50: MoneyStr | None
    p95: MoneyStr | None
    p99_5: MoneyStr | None
    max: MoneyStr | None
    source: str


class UsagePage(PageResponse):
    items: list[UsageMetricOut]


class IngestionFileOut(ResponseModel):
    model_config = ConfigDict(from_attributes=True, frozen=True)

    id: int
    key: str
    size_bytes: int
    sha256: str
    detected_format: str | None
    billing_period_start: dt.datetime | None
    billing_period_end: dt.datetime | None
    rows_read: int
    rows_written: int
    cost_totals: dict[str, Any]
    status: IngestStatus
    error: str | None
    created_at: dt.datetime


class IngestionRunOut(ResponseModel):
    model_config = ConfigDict(from_attributes=True, frozen=True)

    id: int
    source: str
    trigger: str
    status: IngestStatus
    delivered_at: dt.datetime | None
    started_at: dt.datetime
    finished_at: dt.datetime | None
    rows_read: int
    rows_written: int
    error: str | None
    files: list[IngestionFileOut]


class IngestionsPage(PageResponse):
    items: list[IngestionRunOut]


# --------------------------------------------------------------------------- operations


def _page_fields(page: Page[Any]) -> dict[str, Any]:
    return {
        "total": page.total,
        "limit": page.limit,
        "offset": page.offset,
        "next_offset": page.next_offset,
    }


def _accounts(ctx: OperationContext, params: AccountsParams) -> Reply:
    page = list_accounts(
        session=ctx.session,
        provider=params.provider,
        billing_account=params.billing_account,
        limit=params.limit,
        offset=params.offset,
    )
    items = [AccountOut.model_validate(a) for a in page.items]
    return Reply(AccountsPage(items=items, **_page_fields(page)))


def _resources(ctx: OperationContext, params: ResourcesParams) -> Reply:
    page = list_resources(
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
    page = list_usage(
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
    page = list_ingestions(
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


# --------------------------------------------------------------------------- the routes

ROUTES: tuple[RouteSpec, ...] = (
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
"""Inventory listings (tag ``inventory``) and ingestion runs (tag ``ingestion``)."""
