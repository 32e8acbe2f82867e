"""Request (query parameter) and response models of the REST API.

The routes validate with these models and the OpenAPI document is generated from them, so the
two cannot drift. Money and other exact decimals are strings (see :mod:`finops.core.money`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from finops.core.models import InputModel
from finops.core.money import MoneyStr
from finops.core.paging import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from finops.costs.query import MAX_GROUP_BY, MAX_LIMIT, CostQuery, Granularity, Metric

NULL_FILTER_VALUE = "null"

# --------------------------------------------------------------------------- requests


class NoParams(InputModel):
    """A route without query parameters (any parameter is refused)."""


class PageParams(InputModel):
    """Offset pagination."""

    limit: int = Field(
        default=DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Page size (1-1000)."
    )
    offset: int = Field(default=0, ge=0, description="Items to skip.")


class CostsParams(InputModel):
    """``GET /costs``: see :class:`finops.costs.query.CostQuery` for the semantics."""

    start: dt.date = Field(description="First day included, YYYY-MM-DD (UTC).")
    end: dt.date = Field(description="First day excluded, YYYY-MM-DD (UTC).")
    granularity: Granularity | None = Field(
        default=None, description="day or month; omitted = one bucket for the whole range."
    )
    group_by: list[str] = Field(
        default_factory=list,
        max_length=MAX_GROUP_BY,
        description="Up to 3 dimensions (service, account, region, tag:<key>, ...).",
    )
    filter: dict[str, list[str]] = Field(
        default_factory=dict,
        description="filter[<dimension>]=A,B keeps facts whose dimension is A or B; "
        "the value null matches a missing value.",
    )
    metric: Metric = Field(default="effective", description="Sort and top-N key.")
    limit: int | None = Field(
        default=None, ge=1, le=MAX_LIMIT, description="Top N groups per period and currency."
    )

    def to_cost_query(self) -> CostQuery:
        """The service query (raises InvalidInputError naming the bad parameter)."""
        return CostQuery(
            start=self.start,
            end=self.end,
            granularity=self.granularity,
            group_by=self.group_by,
            filters={
                name: [None if v == NULL_FILTER_VALUE else v for v in values]
                for name, values in self.filter.items()
            },
            metric=self.metric,
            limit=self.limit,
        )


class SummaryParams(InputModel):
    """``GET /costs/summary``."""

    today: dt.date | None = Field(
        default=None, description="The (excluded) current day; defaults to today in UTC."
    )
    metric: Metric = Field(default="effective", description="Which cost to compare.")


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

    status: str | None = Field(default=None, description="running, succeeded, failed, ...")


# --------------------------------------------------------------------------- responses


class ResponseModel(BaseModel):
    model_config = ConfigDict(frozen=True)


class ErrorBody(ResponseModel):
    code: str = Field(description="Stable machine-readable code, e.g. invalid_input.")
    message: str = Field(description="Human-readable; names the parameter and the expectation.")
    details: dict[str, Any] = Field(default_factory=dict)


class ErrorEnvelope(ResponseModel):
    """Every error response has this shape."""

    error: ErrorBody


class DatabaseHealth(ResponseModel):
    reachable: bool
    dialect: str | None = None
    schema_revision: str | None = None


class HealthResponse(ResponseModel):
    status: Literal["ok", "degraded"]
    version: str
    database: DatabaseHealth


class CostFigures(ResponseModel):
    billed: MoneyStr
    effective: MoneyStr
    list: MoneyStr
    contracted: MoneyStr
    line_items: int = Field(description="Source line items behind these sums.")
    fact_count: int = Field(description="Daily facts behind these sums.")


class CostRowOut(CostFigures):
    period_start: dt.date
    period_end: dt.date = Field(description="Exclusive; clipped to the query range.")
    keys: dict[str, str | None] = Field(description="Group dimension -> value (null = missing).")
    currency: str
    is_other: bool = Field(description="True for the row folding groups beyond the limit.")


class CostTotalOut(CostFigures):
    currency: str


class CostQueryEcho(ResponseModel):
    start: dt.date
    end: dt.date
    granularity: Granularity | None
    group_by: list[str]
    filters: dict[str, list[str | None]]
    metric: Metric
    limit: int | None


class CostsResponse(ResponseModel):
    query: CostQueryEcho
    rows: list[CostRowOut]
    totals: list[CostTotalOut] = Field(description="One per currency; currencies never mix.")
    line_items: int
    fact_count: int
    generated_at: dt.datetime


class DateWindowOut(ResponseModel):
    start: dt.date
    end: dt.date = Field(description="Exclusive.")


class CurrencySummaryOut(ResponseModel):
    currency: str
    month_to_date: MoneyStr
    previous_same_span: MoneyStr
    previous_month: MoneyStr
    change: MoneyStr
    change_percent: MoneyStr | None = Field(description="Null when the base is zero.")


class SummaryResponse(ResponseModel):
    today: dt.date
    metric: Metric
    month_to_date: DateWindowOut
    previous_same_span: DateWindowOut
    previous_month: DateWindowOut
    currencies: list[CurrencySummaryOut]


class PageResponse(ResponseModel):
    total: int
    limit: int
    offset: int
    next_offset: int | None = Field(description="Offset of the next page; null on the last.")


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
    status: str
    error: str | None
    created_at: dt.datetime


class IngestionRunOut(ResponseModel):
    model_config = ConfigDict(from_attributes=True, frozen=True)

    id: int
    source: str
    trigger: str
    status: str
    delivered_at: dt.datetime | None
    started_at: dt.datetime
    finished_at: dt.datetime | None
    rows_read: int
    rows_written: int
    error: str | None
    files: list[IngestionFileOut]


class IngestionsPage(PageResponse):
    items: list[IngestionRunOut]


class WhoAmIOut(ResponseModel):
    """The calling API key: its name and role (never the key)."""

    name: str
    role: str
    permissions: list[str]


class TagKeyOut(ResponseModel):
    key: str
    resources: int = Field(description="Resources carrying the key.")
    values: list[str] = Field(description="The most common values first, at most 20.")
    values_total: int = Field(description="How many distinct values the key has in all.")


class TagKeysOut(ResponseModel):
    items: list[TagKeyOut]
