"""The savings ledger's arithmetic (pure)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from finops.savings import accrue_daily_savings, realization_rate
from finops.savings.ledger import estimated_daily


def test_each_day_realizes_baseline_minus_actual_and_missing_days_cost_nothing() -> None:
    start = dt.date(2026, 3, 1)
    entries = accrue_daily_savings(
        baseline_daily_cost=Decimal("9.216"),
        estimated_daily_saving=Decimal("7.152"),
        actual_by_day={start: Decimal("2.064"), start + dt.timedelta(days=1): Decimal("2.064")},
        start=start,
        end=start + dt.timedelta(days=3),
    )
    assert [e.day for e in entries] == [start + dt.timedelta(days=k) for k in range(3)]
    assert [e.realized for e in entries] == [Decimal("7.152"), Decimal("7.152"), Decimal("9.216")]
    assert all(e.estimated == Decimal("7.152") for e in entries)


def test_estimate_per_day_and_realization_rate() -> None:
    assert estimated_daily(Decimal("217.54")) == Decimal("7.152")
    assert realization_rate(Decimal("7.152"), Decimal("7.152")) == Decimal("1.000000")
    assert realization_rate(Decimal(1), Decimal(3)) == Decimal("0.333333")
    assert realization_rate(Decimal(1), Decimal(0)) is None
