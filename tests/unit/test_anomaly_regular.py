"""``regularize``: the dominant step, duplicates combined per rule, gaps left missing, repairs."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from finops.anomalies.regular import dominant_step, regularize
from finops.core.errors import InvalidInputError

T0 = dt.datetime(2026, 3, 29, 0, 0, tzinfo=dt.UTC)


def at(minutes: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def test_dominant_step_is_the_most_common_gap_despite_gaps_and_repeats() -> None:
    # 5-minute samples with one missed sample, one repeat and one 2-hour outage
    minutes = [0, 5, 10, 20, 25, 25, 30, 150, 155, 160]
    seconds = np.array([m * 60.0 for m in minutes])
    assert dominant_step(seconds) == 300.0


def test_dominant_step_of_jittered_samples_is_the_median_gap() -> None:
    # every gap different (agent jitter of a few seconds around one minute): no gap dominates
    seconds = np.cumsum([0, 58, 61, 59, 62, 57, 60.4, 63, 56, 64, 55])
    assert dominant_step(seconds) == 60.0


def test_gaps_stay_missing_and_are_listed() -> None:
    times = [at(m) for m in (0, 5, 10, 25, 30)]  # 15 and 20 missing
    series = regularize(times, [1.0, 2.0, 3.0, 6.0, 7.0])
    assert series.step_seconds == 300.0
    assert series.values.tolist()[:3] == [1.0, 2.0, 3.0]
    assert math.isnan(series.values[3])
    assert math.isnan(series.values[4])
    assert series.values.tolist()[5:] == [6.0, 7.0]
    assert [(g.start, g.end, g.first_missing) for g in series.repairs.gaps] == [(3, 5, at(15))]
    assert series.repairs.missing_points == 2
    assert series.index_of.tolist() == [0, 1, 2, 5, 6]


@pytest.mark.parametrize(
    ("rule", "expected"),
    [("mean", 15.0), ("sum", 30.0), ("max", 20.0), ("min", 10.0), ("first", 10.0), ("last", 20.0)],
)
def test_a_repeated_timestamp_is_combined_by_the_rule(rule: str, expected: float) -> None:
    # a daylight-saving repeat in a local-time export: 01:00 appears twice (10 then 20)
    times = [at(0), at(60), at(60), at(120)]
    series = regularize(times, [1.0, 10.0, 20.0, 3.0], combine=rule)
    assert series.values.tolist() == [1.0, expected, 3.0]
    assert series.repairs.duplicates_combined == 1
    assert series.repairs.duplicate_times == 1
    assert series.repairs.combine == rule


def test_a_missing_value_beside_its_duplicate_does_not_poison_the_mean() -> None:
    series = regularize([at(0), at(0), at(60), at(120)], [math.nan, 4.0, 5.0, 6.0])
    assert series.values.tolist() == [4.0, 5.0, 6.0]
    assert series.repairs.missing_values == 1


def test_points_off_the_grid_are_snapped_to_the_nearest_step() -> None:
    times = [at(0), at(60), at(120.5), at(180), at(239), at(300)]
    series = regularize(times, [1, 2, 3, 4, 5, 6], texts=[t.isoformat() for t in times])
    assert series.values.tolist() == [1, 2, 3, 4, 5, 6]
    assert series.repairs.snapped == 2
    assert series.labels[2] == at(120.5).isoformat()  # the input's own text is kept


def test_unsorted_input_is_placed_in_time_order() -> None:
    series = regularize([at(120), at(0), at(60)], [3.0, 1.0, 2.0])
    assert series.values.tolist() == [1.0, 2.0, 3.0]
    assert series.start == T0


def test_an_unknown_rule_and_a_single_instant_are_refused() -> None:
    with pytest.raises(InvalidInputError, match="parameter 'combine'"):
        regularize([at(0), at(5)], [1, 2], combine="median")
    with pytest.raises(InvalidInputError, match="same timestamp"):
        regularize([at(0), at(0)], [1, 2], source="x.csv")


def test_repairs_as_json_lists_the_largest_gaps_in_time_order() -> None:
    minutes = [0, 60, 180, 240, 600, 660]  # one missing hour, then five missing hours
    summary = regularize([at(m) for m in minutes], [1, 1, 1, 1, 1, 1]).repairs.as_json()
    assert summary["gaps"] == 2
    assert summary["missing_points"] == 6
    assert summary["largest_gaps"] == [
        {"first_missing": at(120).isoformat(), "points": 1},
        {"first_missing": at(300).isoformat(), "points": 5},
    ]
    assert summary["grid_points"] == 12
    assert summary["input_points"] == 6
