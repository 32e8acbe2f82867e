"""Budget arithmetic with hand-computed answers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as Dec

import pytest

from finops.budgets.rules import crossed_thresholds, percent_of, period_bounds, run_rate_projection


@pytest.mark.parametrize(
    ("period", "day", "expected"),
    [
        ("monthly", dt.date(2026, 2, 14), (dt.date(2026, 2, 1), dt.date(2026, 3, 1))),
        ("monthly", dt.date(2026, 12, 31), (dt.date(2026, 12, 1), dt.date(2027, 1, 1))),
        ("quarterly", dt.date(2026, 5, 2), (dt.date(2026, 4, 1), dt.date(2026, 7, 1))),
        ("quarterly", dt.date(2026, 11, 27), (dt.date(2026, 10, 1), dt.date(2027, 1, 1))),
        ("quarterly", dt.date(2026, 1, 1), (dt.date(2026, 1, 1), dt.date(2026, 4, 1))),
    ],
)
def test_period_bounds_are_half_open_calendar_periods(
    period: str, day: dt.date, expected: tuple[dt.date, dt.date]
) -> None:
    assert period_bounds(period, day) == expected


def test_unknown_period_is_refused() -> None:
    with pytest.raises(ValueError, match="weekly"):
        period_bounds("weekly", dt.date(2026, 1, 1))


def test_run_rate_projects_the_period_end() -> None:
    # 300 spent in the first 10 of 30 days -> 900 at this rate.
    assert run_rate_projection(Dec("300"), 10, 30) == Dec("900")
    assert run_rate_projection(Dec("5"), 0, 30) == Dec("5")


def test_percent_of_rounds_to_cents_of_a_percent() -> None:
    assert percent_of(Dec("1"), Dec("3")) == Dec("33.33")
    assert percent_of(Dec("5"), Dec("0")) == Dec("0")


def test_thresholds_crossed_on_actual_and_forecast() -> None:
    crossings = crossed_thresholds(
        amount=Dec("1000"),
        actual=Dec("800"),
        forecast=Dec("1200"),
        thresholds=[
            ("actual", Dec("50")),
            ("actual", Dec("80")),
            ("actual", Dec("100")),
            ("forecast", Dec("100")),
            ("forecast", Dec("150")),
        ],
    )
    assert [(c.kind, c.percent) for c in crossings] == [
        ("actual", Dec("50")),
        ("actual", Dec("80")),
        ("forecast", Dec("100")),
    ]
