"""Month-to-date cost against the same span of last month, and last month in full."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from finops.core.window import DateWindow
from finops.costs.buckets import add_months
from finops.costs.query import Metric, Route, charge_day_range, rollup_for_query
from finops.db.models import BillingFact, table_of
from finops.db.types import money_sum

_METRIC_COLUMNS = {"billed": "billed_cost", "effective": "effective_cost", "list": "list_cost"}
PERCENT_QUANTUM = Decimal("0.01")


@dataclass(frozen=True)
class CurrencySummary:
    """One currency's month-to-date, previous same span and previous full month."""

    currency: str
    month_to_date: Decimal
    previous_same_span: Decimal
    previous_month: Decimal
    change: Decimal
    change_percent: Decimal | None


@dataclass(frozen=True)
class CostSummary:
    """The windows compared and one :class:`CurrencySummary` per currency seen in any window."""

    today: dt.date
    metric: Metric
    month_to_date: DateWindow
    previous_same_span: DateWindow
    previous_month: DateWindow
    currencies: list[CurrencySummary]


def summary_windows(today: dt.date) -> tuple[DateWindow, DateWindow, DateWindow]:
    """Month to date ``[1st, today)``, the same number of days from the 1st of last month
    (clipped to last month's end), and the whole of last month."""
    month_start = today.replace(day=1)
    prev_start = add_months(month_start, -1)
    span = today - month_start
    prev_same_end = min(prev_start + span, month_start)
    return (
        DateWindow(month_start, today),
        DateWindow(prev_start, prev_same_end),
        DateWindow(prev_start, month_start),
    )


def _totals(
    session: Session, window: DateWindow, metric: Metric, route: Route
) -> dict[str, Decimal]:
    if window.start >= window.end:
        return {}
    rollup = rollup_for_query([], {}, route)
    table = table_of(BillingFact) if rollup is None else rollup.table
    statement = (
        select(table.c.billing_currency, money_sum(table.c[_METRIC_COLUMNS[metric]]))
        .where(charge_day_range(window.start, window.end, table))
        .group_by(table.c.billing_currency)
    )
    return {str(currency): total for currency, total in session.execute(statement)}


def percent_change(current: Decimal, base: Decimal) -> Decimal | None:
    """``(current - base) / |base| * 100`` rounded half-even to 0.01; ``None`` when base is 0."""
    if base == 0:
        return None
    return ((current - base) / abs(base) * 100).quantize(PERCENT_QUANTUM, ROUND_HALF_EVEN)


def cost_summary(
    *, session: Session, today: dt.date, metric: Metric = "effective", route: Route = "auto"
) -> CostSummary:
    """Per-currency month-to-date vs the same span of last month (exact sums; ``today`` itself
    is excluded, it is not complete yet), plus last month in full. Read from the smallest daily
    roll-up (the same sums as the facts', see :mod:`finops.costs.query`) unless ``route`` is
    ``facts``."""
    mtd, same, full = summary_windows(today)
    mtd_totals = _totals(session, mtd, metric, route)
    same_totals = _totals(session, same, metric, route)
    full_totals = _totals(session, full, metric, route)
    zero = Decimal(0)
    currencies = sorted(set(mtd_totals) | set(same_totals) | set(full_totals))
    return CostSummary(
        today=today,
        metric=metric,
        month_to_date=mtd,
        previous_same_span=same,
        previous_month=full,
        currencies=[
            CurrencySummary(
                currency=c,
                month_to_date=mtd_totals.get(c, zero),
                previous_same_span=same_totals.get(c, zero),
                previous_month=full_totals.get(c, zero),
                change=mtd_totals.get(c, zero) - same_totals.get(c, zero),
                change_percent=percent_change(mtd_totals.get(c, zero), same_totals.get(c, zero)),
            )
            for c in currencies
        ],
    )
