"""Episodes: one alert per incident, a level shift once then the new normal, gaps never scored,
sensitivity monotone."""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import pytest

from finops.anomalies.episodes import find_episodes
from finops.anomalies.regular import regularize
from finops.anomalies.series_file import (
    TELEMETRY_LEVELS,
    detect_regular_series,
    telemetry_sensitivity,
)
from finops.core.errors import InvalidInputError

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def hourly(values: np.ndarray) -> list[dt.datetime]:
    return [T0 + dt.timedelta(hours=i) for i in range(values.size)]


def noisy(n: int, seed: int = 7) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.asarray(100.0 + rng.normal(0.0, 2.0, n))


def test_a_spike_is_one_episode_with_its_start_detection_peak_end_and_direction() -> None:
    y = noisy(400)
    y[300:303] = [112.0, 160.0, 130.0]  # rises, peaks at 301, back in band from 303
    result = detect_regular_series(regularize(hourly(y), y))
    [episode] = result.episodes
    assert (episode.start, episode.peak, episode.end) == (300, 301, 303)
    assert episode.detected in (300, 301)
    assert episode.direction == "up"
    assert episode.score == pytest.approx(result.detection.score[0, 301])


def test_a_drop_is_reported_down() -> None:
    y = noisy(400)
    y[250] = 40.0
    [episode] = detect_regular_series(regularize(hourly(y), y)).episodes
    assert (episode.start, episode.end, episode.direction) == (250, 251, "down")


def test_a_level_shift_is_one_episode_then_the_new_normal() -> None:
    y = noisy(600)
    y[300:] += 40.0  # a persistent step: 20 standard deviations
    result = detect_regular_series(regularize(hourly(y), y))
    [episode] = result.episodes
    assert episode.start == 300
    assert episode.detected == 300
    assert episode.end <= 310  # absorbed after a few points
    assert not result.detection.flags[0, 320:].any()  # the new level is normal
    assert abs(result.detection.expected[0, 500] - 140.0) < 3.0


def test_missing_points_are_never_scored_nor_part_of_an_episode() -> None:
    y = noisy(400)
    times = hourly(y)
    keep = [i for i in range(400) if not 200 <= i < 230]  # a 30-hour outage
    y[260] = 170.0
    series = regularize([times[i] for i in keep], y[keep])
    result = detect_regular_series(series)
    assert series.repairs.missing_points == 30
    assert not result.detection.flags[0, 200:230].any()
    assert [(e.start, e.end) for e in result.episodes] == [(260, 261)]


def test_out_of_band_points_close_together_are_one_episode() -> None:
    flags = np.zeros(20, dtype=bool)
    flags[[3, 5, 6, 12]] = True
    score = np.where(flags, 8.0, 0.0)
    score[5] = 20.0
    residual = np.where(flags, 1.0, 0.0)
    residual[6] = -1.0
    found = find_episodes(flags, score, residual, alert_score=6.0, merge_gap=1)
    assert [(e.start, e.detected, e.peak, e.end) for e in found] == [(3, 3, 5, 7), (12, 12, 12, 13)]
    only_strong = find_episodes(flags, score, residual, alert_score=10.0, merge_gap=1)
    assert [(e.start, e.detected, e.peak, e.end) for e in only_strong] == [(3, 5, 5, 7)]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_higher_sensitivity_never_finds_fewer_episodes(seed: int) -> None:
    rng = np.random.default_rng(seed)
    y = 50.0 + 10.0 * np.sin(np.arange(900) * 2 * np.pi / 24) + rng.standard_t(3, 900)
    y[rng.integers(100, 900, 12)] += rng.uniform(5, 60, 12)
    series = regularize(hourly(y), y)
    counts, detected = [], []
    for name in ("low", "medium", "high"):
        result = detect_regular_series(series, telemetry_sensitivity(name))
        counts.append(len(result.episodes))
        detected.append({e.start: e.detected for e in result.episodes})
    assert counts == sorted(counts)
    for weaker, stronger in itertools.pairwise(detected):
        assert set(weaker) <= set(stronger)
        assert all(stronger[s] <= weaker[s] for s in weaker)


def test_sensitivity_names_and_numbers() -> None:
    assert telemetry_sensitivity("HIGH").alert_score == TELEMETRY_LEVELS["high"]
    assert telemetry_sensitivity("12.5").alert_score == 12.5
    with pytest.raises(InvalidInputError, match="parameter 'sensitivity'"):
        telemetry_sensitivity("paranoid")
    with pytest.raises(InvalidInputError, match="expected a number >= 4"):
        telemetry_sensitivity("1")


def test_a_burst_no_louder_than_a_recent_one_is_not_a_new_alert() -> None:
    flags = np.zeros(40, dtype=bool)
    flags[[5, 15, 25, 38]] = True
    score = np.zeros(40)
    score[[5, 15, 25, 38]] = [20.0, 12.0, 30.0, 9.0]
    residual = np.where(flags, 1.0, 0.0)
    quiet = find_episodes(flags, score, residual, alert_score=6.0, quiet_after=12)
    # 15 follows a louder 5 within 12 points; 25 is louder than anything before; 38 is 13
    # points after 25 ended, outside the quiet period
    assert [e.start for e in quiet] == [5, 25, 38]
    assert [e.start for e in find_episodes(flags, score, residual, alert_score=6.0)] == [
        5,
        15,
        25,
        38,
    ]
    # at a high alert score only the loudest burst is reported
    assert [
        e.start for e in find_episodes(flags, score, residual, alert_score=25.0, quiet_after=12)
    ] == [25]
