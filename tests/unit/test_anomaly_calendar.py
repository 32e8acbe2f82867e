"""Holidays as known calendar effects: known dates, and the detector ignoring them."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from finops.anomalies import DetectorSettings, detect_matrix
from finops.anomalies.calendar import holiday_days, holiday_mask
from finops.core.errors import InvalidInputError


def test_us_holidays_in_a_half_open_window() -> None:
    days = holiday_days(dt.date(2026, 11, 1), dt.date(2026, 12, 26), "US")
    # Veterans Day (Wed 11 Nov), Thanksgiving (4th Thursday: 26 Nov), Christmas (25 Dec).
    assert days == {dt.date(2026, 11, 11), dt.date(2026, 11, 26), dt.date(2026, 12, 25)}
    assert dt.date(2026, 12, 25) not in holiday_days(
        dt.date(2026, 12, 1), dt.date(2026, 12, 25), "US"
    )
    assert holiday_days(dt.date(2026, 1, 1), dt.date(2027, 1, 1), None) == set()


def test_unknown_country_names_the_parameter() -> None:
    with pytest.raises(InvalidInputError, match="holiday_country"):
        holiday_days(dt.date(2026, 1, 1), dt.date(2026, 2, 1), "XX")


def test_a_holiday_spike_is_not_flagged_and_does_not_move_the_baseline() -> None:
    start = dt.date(2026, 9, 1)
    rng = np.random.default_rng(3)
    values = np.array([100 + (30 if d % 7 < 5 else 0) + rng.normal(0, 1) for d in range(90)])
    thanksgiving = (dt.date(2026, 11, 26) - start).days
    values[thanksgiving] = 400.0  # a Black-Friday-week surge on the holiday itself
    settings = DetectorSettings(direction="up", min_impact=10, min_percent=10)
    plain = detect_matrix(values[None, :], period=7, settings=settings)
    assert plain.flags[0, thanksgiving]
    mask = holiday_mask(start, 90, holiday_days(start, start + dt.timedelta(days=90), "US"), 1)
    with_calendar = detect_matrix(values[None, :], period=7, settings=settings, accepted=mask)
    assert not with_calendar.flags[0].any()
    expected_next_day = with_calendar.expected[0, thanksgiving + 1]
    assert abs(expected_next_day - plain.expected[0, thanksgiving + 1]) < 5
