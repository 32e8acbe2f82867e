"""The pure detector on series whose answer is known by construction."""

from __future__ import annotations

import numpy as np
import pytest

from finops.anomalies.detector import (
    DetectorSettings,
    candidate_periods,
    choose_period,
    detect_matrix,
    event_spans,
    row_nanmedian,
)

DAYS = 98
WEEKDAY_COST = 100.0
WEEKEND_COST = 60.0


def weekly_costs(days: int = DAYS, seed: int = 11) -> np.ndarray:
    """Weekdays cost 100, weekends 60, plus +-1 noise (a week starts on day 0)."""
    rng = np.random.default_rng(seed)
    base = np.where(np.arange(days) % 7 >= 5, WEEKEND_COST, WEEKDAY_COST)
    return np.asarray(base + rng.uniform(-1, 1, size=days))


def flagged(values: np.ndarray, **kwargs: object) -> list[int]:
    result = detect_matrix(values[None, :], period=7, **kwargs)  # type: ignore[arg-type]
    return [int(i) for i in np.flatnonzero(result.flags[0])]


def test_weekly_pattern_alone_is_not_flagged() -> None:
    assert flagged(weekly_costs()) == []


def test_planted_spike_is_found_and_nothing_else() -> None:
    values = weekly_costs()
    values[70] += 80.0  # a Monday at 180 instead of 100
    result = detect_matrix(values[None, :], period=7)
    assert [int(i) for i in np.flatnonzero(result.flags[0])] == [70]
    # the expected value is the weekday level, not the weekend one, and not lifted by the spike
    assert result.expected[0, 70] == pytest.approx(WEEKDAY_COST, abs=1.5)
    assert result.upper[0, 70] < 180
    assert result.expected[0, 71] == pytest.approx(WEEKDAY_COST, abs=1.5)


def test_weekend_spike_is_judged_against_the_weekend_level() -> None:
    values = weekly_costs()
    values[75] += 40.0  # a Saturday at 100: a normal weekday value, but not for a Saturday
    assert flagged(values) == [75]


def test_level_shift_is_flagged_once_then_absorbed() -> None:
    values = weekly_costs()
    values[60:] += 50.0
    result = detect_matrix(values[None, :], period=7)
    assert event_spans(result.flags[0]) == [(60, 63)]
    assert result.expected[0, 80] == pytest.approx(150.0, abs=2.0)


def test_planned_activity_is_not_flagged_again() -> None:
    values = weekly_costs()
    values[60:] += 50.0
    accepted = np.zeros(DAYS, dtype=bool)
    accepted[60:63] = True  # the step the detector reported, marked "planned activity"
    assert flagged(values, accepted=accepted[None, :]) == []


def test_a_step_that_began_in_a_short_planned_period_is_absorbed_when_it_ends() -> None:
    values = weekly_costs()
    values[60:] += 50.0
    accepted = np.zeros(DAYS, dtype=bool)
    accepted[60] = True
    assert flagged(values, accepted=accepted[None, :]) == []


def test_spike_detection_recovers_after_a_short_spike() -> None:
    values = weekly_costs()
    values[50:52] += 90.0
    values[80] += 90.0
    assert event_spans(detect_matrix(values[None, :], period=7).flags[0]) == [(50, 52), (80, 81)]


def test_direction_up_ignores_drops_and_thresholds_apply() -> None:
    values = weekly_costs()
    values[70] -= 70.0
    values[85] += 8.0  # far outside the noise, but below the 10 absolute / 10 % floors
    settings = DetectorSettings(direction="up", min_impact=10.0, min_percent=10.0)
    assert flagged(values, settings=settings) == []
    assert flagged(values) == [70, 85]


def test_missing_points_are_never_flagged_and_warmup_is_quiet() -> None:
    values = weekly_costs()
    values[40] = np.nan
    values[3] += 500.0  # inside the warm-up: no baseline yet
    result = detect_matrix(values[None, :], period=7)
    assert not result.flags[0].any()
    assert result.warmup == 14


def test_many_series_are_judged_independently() -> None:
    a, b = weekly_costs(seed=1), weekly_costs(seed=2)
    b[77] += 100.0
    result = detect_matrix(np.vstack([a, b]), period=7)
    assert not result.flags[0].any()
    assert [int(i) for i in np.flatnonzero(result.flags[1])] == [77]


def test_row_nanmedian_matches_numpy() -> None:
    data = np.array([[1.0, np.nan, 3.0, 2.0], [np.nan, np.nan, np.nan, np.nan], [4, 1, 2, 3]])
    got = row_nanmedian(data)
    assert got[0] == 2.0
    assert np.isnan(got[1])
    assert got[2] == 2.5


def test_period_is_chosen_from_the_data() -> None:
    hours = np.arange(24 * 21)
    daily_shape = 100 + 30 * np.sin(2 * np.pi * hours / 24)
    assert candidate_periods(3600) == [24, 168]
    assert candidate_periods(86400) == [7]
    assert choose_period(daily_shape, [24, 168]) in (24, 168)
    assert choose_period(np.random.default_rng(1).normal(size=500), [24]) == 1


def test_event_spans_are_half_open_runs() -> None:
    assert event_spans([False, True, True, False, True]) == [(1, 3), (4, 5)]
    assert event_spans([]) == []


def test_sparse_daily_bursts_have_a_daily_period_in_their_ranks() -> None:
    from finops.anomalies.detector import average_ranks, candidate_periods, choose_period

    assert average_ranks(np.array([0.0, 0.0, 5.0, 0.0, 3.0])).tolist() == [1.0, 1.0, 4.0, 1.0, 3.0]
    rng = np.random.default_rng(5)
    y = np.zeros(24 * 30)
    y[10::24] = rng.uniform(50, 150, 30)  # a nightly batch job: zero every other hour
    y[300] = 5000.0  # one incident carrying most of the variance
    assert choose_period(y, candidate_periods(3600.0)) == 24


def test_mean_deviation_floor_keeps_a_mostly_zero_count_from_flagging_every_count() -> None:
    rng = np.random.default_rng(9)
    y = np.where(rng.random(1000) < 0.2, rng.integers(1, 4, 1000), 0).astype(float)
    plain = detect_matrix(y, period=1, settings=DetectorSettings(z_threshold=4.0))
    floored = detect_matrix(
        y, period=1, settings=DetectorSettings(z_threshold=4.0, mean_deviation_floor=1.2533)
    )
    nonzero_after_warmup = int((y[plain.warmup :] > 0).sum())
    assert plain.flags.sum() > 0.5 * nonzero_after_warmup  # MAD is 0: every count is "anomalous"
    # with the floor the scale follows the counts' mean spread: about half as many flagged
    assert floored.flags.sum() < 0.6 * plain.flags.sum()  # here 94 of 191
