"""Cost changes between two windows, per group: what rose and what fell, in dollars.

Guarantees of :func:`cost_changes`:

- both windows are summed by :func:`finops.costs.query.query_costs` (exact, half-open, one
  currency per row), so each figure equals a ``GET /costs`` over that window;
- a group present in only one window counts as zero in the other;
- ``change = current - previous``; ``rising`` keeps changes > 0, largest first; ``falling``
  keeps changes < 0, most negative first; ``all`` sorts by change, largest first;
- the previous window defaults to the same number of days just before ``start``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from pydantic import Field, model_validator
from sqlalchemy.orm import Session

from finops.core.models import InputModel
from finops.costs.query import MAX_LIMIT, CostQuery, Metric, query_costs
from finops.costs.summary import percent_change

Direction = Literal["rising", "falling", "all"]


class ChangeQuery(InputModel):
    """Two half-open windows and one dimension to compare them by."""

    start: dt.date = Field(description="First day of the current window (UTC).")
    end: dt.date = Field(description="First day after the current window (exclusive).")
    previous_start: dt.date | None = Field(
        default=None, description="First day of the base window; default: same length before."
    )
    previous_end: dt.date | None = Field(
        default=None, description="First day after the base window; default: start."
    )
    group_by: str = Field(default="service", description="One dimension (service, tag:<key>...).")
    filters: dict[str, list[str | None]] = Field(default_factory=dict)
    metric: Metric = Field(default="effective")
    direction: Direction = Field(default="all")
    limit: int | None = Field(default=None, ge=1, le=MAX_LIMIT)

    @model_validator(mode="after")
    def _windows(self) -> ChangeQuery:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        if (self.previous_start is None) != (self.previous_end is None):
            raise ValueError("previous_start and previous_end go together")
        if (
            self.previous_start is not None
            and self.previous_end is not None
            and self.previous_end <= self.previous_start
        ):
            raise ValueError("previous_end must be after previous_start")
        return self

    def base_window(self) -> tuple[dt.date, dt.date]:
        """The base window, defaulted to the same length just before ``start``."""
        if self.previous_start is not None and self.previous_end is not None:
            return self.previous_start, self.previous_end
        return self.start - (self.end - self.start), self.start


@dataclass(frozen=True)
class CostChange:
    """One group in one currency: both windows' sums and the change."""

    key: str | None
    currency: str
    current: Decimal
    previous: Decimal

    @property
    def change(self) -> Decimal:
        return self.current - self.previous

    @property
    def change_percent(self) -> Decimal | None:
        return percent_change(self.current, self.previous)


@dataclass(frozen=True)
class ChangeResult:
    query: ChangeQuery
    current_window: tuple[dt.date, dt.date]
    previous_window: tuple[dt.date, dt.date]
    rows: list[CostChange]


def _sums(
    session: Session, query: ChangeQuery, start: dt.date, end: dt.date
) -> dict[tuple[str | None, str], Decimal]:
    result = query_costs(
        session=session,
        query=CostQuery(
            start=start,
            end=end,
            group_by=[query.group_by],
            filters=query.filters,
            metric=query.metric,
        ),
    )
    sums: dict[tuple[str | None, str], Decimal] = {}
    for row in result.rows:
        key = (row.keys.get(query.group_by), row.currency)
        sums[key] = sums.get(key, Decimal(0)) + row.amounts.metric(query.metric)
    return sums


def cost_changes(*, session: Session, query: ChangeQuery) -> ChangeResult:
    """The change of each group between the base window and the current one."""
    previous_start, previous_end = query.base_window()
    current = _sums(session, query, query.start, query.end)
    previous = _sums(session, query, previous_start, previous_end)
    rows = [
        CostChange(
            key=key,
            currency=currency,
            current=current.get((key, currency), Decimal(0)),
            previous=previous.get((key, currency), Decimal(0)),
        )
        for key, currency in sorted(set(current) | set(previous), key=lambda k: (k[1], k[0] or ""))
    ]
    if query.direction == "rising":
        rows = sorted((r for r in rows if r.change > 0), key=lambda r: (-r.change, r.key or ""))
    elif query.direction == "falling":
        rows = sorted((r for r in rows if r.change < 0), key=lambda r: (r.change, r.key or ""))
    else:
        rows = sorted(rows, key=lambda r: (-r.change, r.key or ""))
    if query.limit is not None:
        rows = rows[: query.limit]
    return ChangeResult(
        query=query,
        current_window=(query.start, query.end),
        previous_window=(previous_start, previous_end),
        rows=rows,
    )
