"""The ledger's arithmetic (pure).

For each billed day from the apply day on: realized = baseline daily cost - actual daily cost
(a day the resource has no cost at all, e.g. after it was terminated, realizes the whole
baseline); estimated = the recommendation's monthly estimate spread over the month's hours
(``monthly x 24 / 730``). Only days the bill already covers are accrued.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from finops.core.units import HOURS_PER_MONTH


@dataclass(frozen=True)
class DailySaving:
    day: dt.date
    baseline: Decimal
    actual: Decimal
    estimated: Decimal
    realized: Decimal


def estimated_daily(monthly: Decimal) -> Decimal:
    """A monthly (730-hour) estimate spread over one day."""
    return monthly * Decimal(24) / HOURS_PER_MONTH


def accrue_daily_savings(
    *,
    baseline_daily_cost: Decimal,
    estimated_daily_saving: Decimal,
    actual_by_day: dict[dt.date, Decimal],
    start: dt.date,
    end: dt.date,
) -> list[DailySaving]:
    """One entry per day of ``[start, end)``; a day missing from ``actual_by_day`` costs zero."""
    out: list[DailySaving] = []
    day = start
    while day < end:
        actual = actual_by_day.get(day, Decimal(0))
        out.append(
            DailySaving(
                day=day,
                baseline=baseline_daily_cost,
                actual=actual,
                estimated=estimated_daily_saving,
                realized=baseline_daily_cost - actual,
            )
        )
        day += dt.timedelta(days=1)
    return out


def realization_rate(realized: Decimal, estimated: Decimal) -> Decimal | None:
    """``realized / estimated`` (6 decimals), ``None`` when nothing was estimated."""
    if estimated == 0:
        return None
    return (realized / estimated).quantize(Decimal("0.000001"))
