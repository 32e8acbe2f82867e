"""Cost routes: exact cost sums (``/costs``), the month-to-date summary and the tag keys the
explorer groups and filters by, with their request and response models."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import Field

from finops.api.models import NoParams, ResponseModel
from finops.api.spec import OperationContext, Reply, RouteSpec
from finops.auth.roles import Role
from finops.core.models import InputModel
from finops.core.money import MoneyStr
from finops.core.window import DateWindow
from finops.costs import query, summary
from finops.costs.query import MAX_GROUP_BY, MAX_LIMIT, CostQuery, Granularity, Metric

NULL_FILTER_VALUE = "null"

# --------------------------------------------------------------------------- requests


def query_filters(filter_: dict[str, list[str]]) -> dict[str, list[str | None]]:
    """``filter[<dimension>]=A,B`` values as service filters (``null`` matches a missing value)."""
    return {
        name: [None if v == NULL_FILTER_VALUE else v for v in values]
        for name, values in filter_.items()
    }


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
            filters=query_filters(self.filter),
            metric=self.metric,
            limit=self.limit,
        )


class SummaryParams(InputModel):
    """``GET /costs/summary``."""

    today: dt.date | None = Field(
        default=None, description="The (excluded) current day; defaults to today in UTC."
    )
    metric: Metric = Field(default="effective", description="Which cost to compare.")


class ChangesParams(InputModel):
    """``GET /costs/changes``: see :class:`finops.costs.changes.ChangeQuery`."""

    start: dt.date = Field(description="First day of the window, YYYY-MM-DD (UTC).")
    end: dt.date = Field(description="First day after the window (exclusive).")
    previous_start: dt.date | None = Field(
        default=None, description="First day of the base window; default: same length before."
    )
    previous_end: dt.date | None = Field(
        default=None, description="First day after the base window (exclusive)."
    )
    group_by: str = Field(default="service", description="One dimension (service, tag:<key>...).")
    filter: dict[str, list[str]] = Field(
        default_factory=dict, description="filter[<dimension>]=A,B as for /costs."
    )
    metric: Metric = Field(default="effective")
    direction: Literal["rising", "falling", "all"] = Field(default="all")
    limit: int | None = Field(default=None, ge=1, le=MAX_LIMIT)


# --------------------------------------------------------------------------- responses


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


class CostChangeOut(ResponseModel):
    group: str | None
    currency: str
    current: MoneyStr
    previous: MoneyStr
    change: MoneyStr = Field(description="current - previous.")
    change_percent: MoneyStr | None = Field(description="Null when the base is zero.")


class CostChangesResponse(ResponseModel):
    start: dt.date
    end: dt.date
    previous_start: dt.date
    previous_end: dt.date
    group_by: str
    metric: Metric
    direction: str
    rows: list[CostChangeOut]


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


class TagKeyOut(ResponseModel):
    key: str
    resources: int = Field(description="Resources carrying the key.")
    values: list[str] = Field(description="The most common values first, at most 20.")
    values_total: int = Field(description="How many distinct values the key has in all.")


class TagKeysOut(ResponseModel):
    items: list[TagKeyOut]


# --------------------------------------------------------------------------- operations


def _tag_keys(ctx: OperationContext, _params: NoParams) -> Reply:
    """Tag keys seen on resources (billing and inventory), most common first, with up to 20
    example values each: what the cost explorer can group and filter by (``tag:KEY``)."""
    from finops.inventory.listings import tag_keys

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


def _changes(ctx: OperationContext, params: ChangesParams) -> Reply:
    from finops.costs.changes import ChangeQuery, cost_changes

    result = cost_changes(
        session=ctx.session,
        query=ChangeQuery(
            start=params.start,
            end=params.end,
            previous_start=params.previous_start,
            previous_end=params.previous_end,
            group_by=params.group_by,
            filters=query_filters(params.filter),
            metric=params.metric,
            direction=params.direction,
            limit=params.limit,
        ),
    )
    return Reply(
        CostChangesResponse(
            start=result.current_window[0],
            end=result.current_window[1],
            previous_start=result.previous_window[0],
            previous_end=result.previous_window[1],
            group_by=result.query.group_by,
            metric=result.query.metric,
            direction=result.query.direction,
            rows=[
                CostChangeOut(
                    group=r.key,
                    currency=r.currency,
                    current=r.current,
                    previous=r.previous,
                    change=r.change,
                    change_percent=r.change_percent,
                )
                for r in result.rows
            ],
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


# --------------------------------------------------------------------------- the routes

ROUTES: tuple[RouteSpec, ...] = (
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
        operation_id="queryCostChanges",
        method="GET",
        path="/costs/changes",
        summary="How each group's cost changed between two windows (rising, falling).",
        tag="costs",
        query_model=ChangesParams,
        response_model=CostChangesResponse,
        min_role=Role.VIEWER,
        operation=_changes,
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
)
"""Cost sums, the summary and the tag keys (tag ``costs``)."""
