"""Pure budget arithmetic: periods, run-rate projection, which thresholds are crossed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

HUNDRED = Decimal(100)


def period_bounds(period: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """The half-open [start, end) calendar month or quarter that contains ``day``."""
    if period == "monthly":
        start = day.replace(day=1)
        months = 1
    elif period == "quarterly":
        start = day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
        months = 3
    else:
        raise ValueError(f"unknown budget period {period!r}; expected monthly or quarterly")
    month_index = start.month - 1 + months
    end = start.replace(year=start.year + month_index // 12, month=month_index % 12 + 1)
    return start, end


def run_rate_projection(actual: Decimal, elapsed_days: int, total_days: int) -> Decimal:
    """Spend at the end of the period if the rate so far continues (actual when no day passed)."""
    if elapsed_days <= 0:
        return actual
    return actual * Decimal(total_days) / Decimal(elapsed_days)


def percent_of(value: Decimal, amount: Decimal) -> Decimal:
    """``value`` as a percentage of ``amount`` (two decimals, banker's rounding)."""
    if amount == 0:
        return Decimal(0)
    return (value * HUNDRED / amount).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)


@dataclass(frozen=True)
class Crossing:
    """A threshold that the actual or forecast spend has reached."""

    kind: str  # actual | forecast
    percent: Decimal
    value: Decimal


def crossed_thresholds(
    *, amount: Decimal, actual: Decimal, forecast: Decimal, thresholds: list[tuple[str, Decimal]]
) -> list[Crossing]:
    """Every (kind, percent) threshold reached: value >= amount * percent / 100."""
    crossings = []
    for kind, percent in thresholds:
        value = actual if kind == "actual" else forecast
        if value >= amount * percent / HUNDRED:
            crossings.append(Crossing(kind, percent, value))
    return crossings
