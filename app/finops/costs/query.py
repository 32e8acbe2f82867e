"""Cost queries over the daily billing facts: sums by period, dimensions and currency.

Guarantees of :func:`query_costs`:

- sums are exact (``money_sum``: NUMERIC on PostgreSQL, a Decimal aggregate on SQLite);
- a fact counts when its ``charge_period_start`` lies in ``[start, end)`` (UTC days);
- amounts in different billing currencies are never added: every row and every total carries
  exactly one ``currency``;
- rows come sorted by period, then by the chosen metric (largest first), then by their keys;
- the answer does not depend on where it is read from: a query whose groups and filters are all
  kept by a daily roll-up (:mod:`finops.db.rollups`) is summed from the smallest such roll-up,
  any other (resource, usage type, tags) from the facts. Roll-ups hold exact sums of the facts,
  per charge day, replaced in the facts' own transaction, so both give the same figures to the
  last digit, line items and fact counts included (``route="facts"`` forces the facts).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator
from sqlalchemy import Select, and_, func, literal, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import FromClause
from sqlalchemy.sql.elements import ColumnElement

from finops.core.errors import InvalidInputError
from finops.core.models import InputModel
from finops.core.window import window_problem
from finops.costs.buckets import add_months, parse_bucket, utc_day, utc_month
from finops.costs.dimensions import DimensionRef, parse_dimension
from finops.db.models import BillingFact, table_of
from finops.db.rollups import RollupSpec, rollup_for
from finops.db.types import money_sum

MAX_SPAN_DAYS = 3 * 366
MAX_GROUP_BY = 3
MAX_FILTER_VALUES = 200
MAX_LIMIT = 1000

Granularity = Literal["day", "month"]
Route = Literal["auto", "facts"]
"""``auto``: the smallest roll-up that can answer exactly, else the facts; ``facts``: always."""
Metric = Literal["billed", "effective", "list"]
METRICS: tuple[Metric, ...] = ("billed", "effective", "list")


def utc_midnight(day: dt.date) -> dt.datetime:
    """Midnight UTC at the start of ``day``."""
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def _canonical_dimension(text: str, parameter: str) -> str:
    try:
        return str(parse_dimension(text, parameter=parameter))
    except InvalidInputError as exc:
        # pydantic only attributes ValueError to the field; keep the platform's wording.
        raise ValueError(exc.message.split(": ", 1)[-1]) from exc


class CostQuery(InputModel):
    """What to sum: a half-open date range, an optional time bucket, groups and filters.

    ``filters`` maps a dimension to the values it may take (SQL ``IN``); a ``None`` value matches
    facts where the dimension is missing. ``limit`` keeps the top N groups by ``metric`` in each
    period and currency and folds the rest into one ``is_other`` row.
    """

    start: dt.date = Field(description="First day included (UTC).")
    end: dt.date = Field(description="First day excluded (UTC); after start, at most 3 years on.")
    granularity: Granularity | None = Field(
        default=None, description="Time bucket: day, month, or none (one bucket for the range)."
    )
    group_by: list[str] = Field(
        default_factory=list,
        max_length=MAX_GROUP_BY,
        description="Up to 3 dimensions: service, account, billing_account, region, resource, "
        "charge_category, service_category, pricing_category, provider, usage_type, currency, "
        "tag:<key>.",
    )
    filters: dict[str, list[str | None]] = Field(
        default_factory=dict,
        description="Dimension -> allowed values; null matches a missing value.",
    )
    metric: Metric = Field(default="effective", description="Sort and top-N key.")
    limit: int | None = Field(
        default=None, ge=1, le=MAX_LIMIT, description="Top N groups per period and currency."
    )

    @field_validator("end")
    @classmethod
    def _end_after_start(cls, end: dt.date, info: ValidationInfo) -> dt.date:
        start = info.data.get("start")
        if isinstance(start, dt.date):
            if end <= start:
                raise ValueError(window_problem(start, end).removeprefix("parameter 'end': "))
            if (end - start).days > MAX_SPAN_DAYS:
                raise ValueError(f"a date at most {MAX_SPAN_DAYS} days after start")
        return end

    @field_validator("group_by")
    @classmethod
    def _known_group_dimensions(cls, values: list[str]) -> list[str]:
        canonical = [_canonical_dimension(v, "group_by") for v in values]
        if len(set(canonical)) != len(canonical):
            raise ValueError("distinct dimensions (a dimension was repeated)")
        return canonical

    @field_validator("filters")
    @classmethod
    def _known_filter_dimensions(
        cls, filters: dict[str, list[str | None]]
    ) -> dict[str, list[str | None]]:
        result: dict[str, list[str | None]] = {}
        for name, values in filters.items():
            key = _canonical_dimension(name, "filters")
            if not values:
                raise ValueError(f"at least one value for dimension {key!r}")
            if len(values) > MAX_FILTER_VALUES:
                raise ValueError(f"at most {MAX_FILTER_VALUES} values for dimension {key!r}")
            result[key] = list(dict.fromkeys(values))
        return result

    def group_dimensions(self) -> list[DimensionRef]:
        return [parse_dimension(name) for name in self.group_by]


@dataclass(frozen=True)
class CostAmounts:
    """The four FOCUS cost metrics of one group, in one currency, plus traceability counts."""

    billed: Decimal = Decimal(0)
    effective: Decimal = Decimal(0)
    list: Decimal = Decimal(0)
    contracted: Decimal = Decimal(0)
    line_items: int = 0
    fact_count: int = 0

    def metric(self, name: Metric) -> Decimal:
        value: Decimal = getattr(self, name)
        return value

    def __add__(self, other: CostAmounts) -> CostAmounts:
        return CostAmounts(
            billed=self.billed + other.billed,
            effective=self.effective + other.effective,
            list=self.list + other.list,
            contracted=self.contracted + other.contracted,
            line_items=self.line_items + other.line_items,
            fact_count=self.fact_count + other.fact_count,
        )


@dataclass(frozen=True)
class CostRow:
    """One period bucket x group x currency. ``period_end`` is exclusive and clipped to the
    query range. ``is_other`` rows fold the groups beyond ``limit`` (their keys are ``None``)."""

    period_start: dt.date
    period_end: dt.date
    keys: dict[str, str | None]
    currency: str
    amounts: CostAmounts
    is_other: bool = False


@dataclass(frozen=True)
class CostTotal:
    """All rows of one currency added up."""

    currency: str
    amounts: CostAmounts


@dataclass(frozen=True)
class CostResult:
    """Rows, per-currency totals and traceability counts of a :class:`CostQuery`."""

    query: CostQuery
    rows: list[CostRow]
    totals: list[CostTotal]
    line_items: int
    fact_count: int
    generated_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))


def fact_filter_clauses(
    filters: dict[str, list[str | None]], source: FromClause | None = None
) -> list[ColumnElement[bool]]:
    """SQL conditions for dimension filters (``IN``, with ``None`` meaning "missing") over the
    facts, or over ``source`` (a roll-up keeping every filtered dimension)."""
    clauses: list[ColumnElement[bool]] = []
    for name, values in filters.items():
        column = parse_dimension(name).column(source)
        present = [v for v in values if v is not None]
        options: list[ColumnElement[bool]] = []
        if present:
            options.append(column.in_(present))
        if len(present) != len(values):
            options.append(column.is_(None))
        clauses.append(or_(*options) if len(options) > 1 else options[0])
    return clauses


def charge_day_range(
    start: dt.date, end: dt.date, source: FromClause | None = None
) -> ColumnElement[bool]:
    """Facts (or ``source`` rows) whose charge period starts in ``[start, end)`` (UTC days)."""
    column = (source if source is not None else table_of(BillingFact)).c.charge_period_start
    return and_(column >= utc_midnight(start), column < utc_midnight(end))


def rollup_for_query(
    group_by: list[str], filters: dict[str, list[str | None]], route: Route = "auto"
) -> RollupSpec | None:
    """The roll-up that answers a query grouped by ``group_by`` and filtered by ``filters``
    exactly (it keeps every one of those dimensions), or ``None``: read the facts."""
    if route == "facts":
        return None
    columns: set[str] = set()
    for name in (*group_by, *filters):
        column = parse_dimension(name).fact_column
        if column is None:
            return None
        columns.add(column)
    return rollup_for(columns)


def _build_statement(query: CostQuery, rollup: RollupSpec | None) -> Select[Any]:
    dims = query.group_dimensions()
    source = None if rollup is None else rollup.table
    table = table_of(BillingFact) if source is None else source
    day = table.c.charge_period_start
    if query.granularity == "day":
        bucket: ColumnElement[Any] = utc_day(day)
    elif query.granularity == "month":
        bucket = utc_month(day)
    else:
        bucket = literal(query.start.isoformat())
    facts: ColumnElement[Any] = literal(1) if source is None else table.c.fact_count
    # Grouping happens over a subquery's plain columns: grouping directly by an expression with
    # bound parameters (tags ->> :key) fails on PostgreSQL, which sees two different parameters.
    inner = (
        select(
            bucket.label("bucket"),
            table.c.billing_currency.label("currency"),
            *(dim.column(source).label(f"d{i}") for i, dim in enumerate(dims)),
            table.c.billed_cost,
            table.c.effective_cost,
            table.c.list_cost,
            table.c.contracted_cost,
            table.c.line_items,
            facts.label("fact_count"),
        )
        .where(
            charge_day_range(query.start, query.end, source),
            *fact_filter_clauses(query.filters, source),
        )
        .subquery("facts")
    )
    group_cols = [inner.c.bucket, inner.c.currency, *(inner.c[f"d{i}"] for i in range(len(dims)))]
    return select(
        *group_cols,
        money_sum(inner.c.billed_cost).label("billed"),
        money_sum(inner.c.effective_cost).label("effective"),
        money_sum(inner.c.list_cost).label("list"),
        money_sum(inner.c.contracted_cost).label("contracted"),
        func.sum(inner.c.line_items).label("line_items"),
        func.sum(inner.c.fact_count).label("fact_count"),
    ).group_by(*group_cols)


def _period_of(query: CostQuery, bucket_text: str) -> tuple[dt.date, dt.date]:
    if query.granularity is None:
        return query.start, query.end
    first = parse_bucket(bucket_text)
    if query.granularity == "day":
        return first, first + dt.timedelta(days=1)
    return max(first, query.start), min(add_months(first, 1), query.end)


def _sort_key(metric: Metric, row: CostRow) -> tuple[Any, ...]:
    keys = tuple((v is None, v or "") for v in row.keys.values())
    return (row.period_start, row.currency, row.is_other, -row.amounts.metric(metric), keys)


def _apply_limit(rows: list[CostRow], query: CostQuery) -> list[CostRow]:
    if query.limit is None:
        return rows
    by_slot: dict[tuple[dt.date, str], list[CostRow]] = defaultdict(list)
    for row in rows:
        by_slot[(row.period_start, row.currency)].append(row)
    kept: list[CostRow] = []
    for slot_rows in by_slot.values():
        slot_rows.sort(key=lambda r: _sort_key(query.metric, r))
        kept.extend(slot_rows[: query.limit])
        rest = slot_rows[query.limit :]
        if rest:
            folded = CostAmounts()
            for row in rest:
                folded = folded + row.amounts
            first = rest[0]
            kept.append(
                CostRow(
                    period_start=first.period_start,
                    period_end=first.period_end,
                    keys=dict.fromkeys(query.group_by),
                    currency=first.currency,
                    amounts=folded,
                    is_other=True,
                )
            )
    return kept


def query_costs(*, session: Session, query: CostQuery, route: Route = "auto") -> CostResult:
    """Sum billed, effective, list and contracted cost for ``query`` (see module guarantees).

    Rows with ``fact_count`` 0 never appear; an empty range gives no rows and no totals.
    """
    rows: list[CostRow] = []
    n_dims = len(query.group_by)
    rollup = rollup_for_query(query.group_by, query.filters, route)
    for record in session.execute(_build_statement(query, rollup)):
        period_start, period_end = _period_of(query, str(record.bucket))
        amounts = CostAmounts(
            billed=record.billed,
            effective=record.effective,
            list=record.list,
            contracted=record.contracted,
            line_items=int(record.line_items or 0),
            fact_count=int(record.fact_count),
        )
        keys = {
            name: (None if record[2 + i] is None else str(record[2 + i]))
            for i, name in zip(range(n_dims), query.group_by, strict=True)
        }
        rows.append(
            CostRow(
                period_start=period_start,
                period_end=period_end,
                keys=keys,
                currency=str(record.currency),
                amounts=amounts,
            )
        )
    rows = _apply_limit(rows, query)
    # Within a period, currencies stay apart but the largest amounts still come first.
    rows.sort(
        key=lambda r: (
            r.period_start,
            r.is_other,
            -r.amounts.metric(query.metric),
            r.currency,
            tuple((v is None, v or "") for v in r.keys.values()),
        )
    )
    totals_by_currency: dict[str, CostAmounts] = {}
    for row in rows:
        totals_by_currency[row.currency] = (
            totals_by_currency.get(row.currency, CostAmounts()) + row.amounts
        )
    totals = [CostTotal(currency=c, amounts=a) for c, a in sorted(totals_by_currency.items())]
    return CostResult(
        query=query,
        rows=rows,
        totals=totals,
        line_items=sum(t.amounts.line_items for t in totals),
        fact_count=sum(t.amounts.fact_count for t in totals),
    )
