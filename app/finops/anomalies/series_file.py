"""Run the detector on any ``timestamp,value`` CSV (the ``finops anomalies detect-series`` door).

The file format is :mod:`finops.core.series_csv`'s (``timestamp,value``, ``ds,y`` or the
Microsoft cloud-monitoring dataset's ``TimeStamp,Value,Label``); only what cannot be parsed is
refused, with the row and column. Irregular timestamps are normal input: the series is placed on
its dominant step's grid, duplicates combined and gaps left missing
(:func:`finops.anomalies.regular.regularize`), and the repairs are reported. The seasonal period
(day or week) is chosen from the data; the result is a list of episodes
(:mod:`finops.anomalies.episodes`) at the chosen sensitivity.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from finops.anomalies.detector import (
    DetectorSettings,
    MatrixDetection,
    candidate_periods,
    choose_period,
    detect_matrix,
)
from finops.anomalies.episodes import Episode, Sensitivity, find_episodes, parse_sensitivity
from finops.anomalies.regular import DEFAULT_COMBINE, RegularSeries, regularize
from finops.core.errors import InvalidInputError
from finops.core.series_csv import SeriesRows, read_series_csv

TELEMETRY_BAND = 4.0
"""The score at which the telemetry detector draws its band (points beyond it are out of band,
kept out of the baseline and grouped into episodes)."""
TELEMETRY_LEVELS: dict[str, float] = {"high": 5.0, "medium": 6.0, "low": 8.0}
"""Peak score an episode must reach per named sensitivity (tuned: docs/accuracy-anomalies.md)."""
DEFAULT_SENSITIVITY = "medium"
TELEMETRY_SETTINGS = DetectorSettings(
    z_threshold=TELEMETRY_BAND, mean_deviation_floor=1.2533, scale_window=1500
)
"""The detector's settings on telemetry (see :class:`DetectorSettings`)."""
MERGE_SECONDS = 3_600.0
"""Out-of-band points less than this apart (and at least one step) are one episode."""
QUIET_SECONDS = 43_200.0
"""A burst no higher than one in the previous 12 hours is not a new alert."""


@dataclass(frozen=True)
class SeriesDetection:
    """The detector's per-point result on a regular series and its episodes."""

    series: RegularSeries
    detection: MatrixDetection
    episodes: list[Episode]
    sensitivity: Sensitivity


def read_series(path: Path) -> SeriesRows:
    """The series CSV at ``path`` (:func:`finops.core.series_csv.read_series_csv`), refused
    with the file named when it has fewer than 2 data rows."""
    series = read_series_csv(path)
    if len(series.times) < 2:
        raise InvalidInputError(
            f"{path}: expected at least 2 data rows, got {len(series.times)}",
            details={"file": str(path)},
        )
    return series


def telemetry_sensitivity(value: str | float = DEFAULT_SENSITIVITY) -> Sensitivity:
    """The telemetry path's sensitivity (``low``, ``medium``, ``high`` or a peak score)."""
    return parse_sensitivity(value, levels=TELEMETRY_LEVELS, band=TELEMETRY_BAND)


def merge_gap_points(step_seconds: float) -> int:
    """How many in-band points may separate two parts of one episode at this step."""
    return max(int(MERGE_SECONDS // step_seconds) - 1, 1)


def quiet_points(step_seconds: float) -> int:
    """:data:`QUIET_SECONDS` in points at this step."""
    return int(QUIET_SECONDS // step_seconds)


def detect_regular_series(
    series: RegularSeries,
    sensitivity: Sensitivity | None = None,
    settings: DetectorSettings | None = None,
) -> SeriesDetection:
    """The detector on one regular series, with the period chosen from the data, and its
    episodes at ``sensitivity`` (default: medium)."""
    chosen = sensitivity or telemetry_sensitivity()
    cfg = settings or TELEMETRY_SETTINGS
    period = choose_period(series.values, candidate_periods(series.step_seconds))
    detection = detect_matrix(series.values[None, :], period=period, settings=cfg)
    episodes = find_episodes(
        detection.flags[0],
        detection.score[0],
        detection.residual[0],
        alert_score=chosen.alert_score,
        merge_gap=merge_gap_points(series.step_seconds),
        quiet_after=quiet_points(series.step_seconds),
    )
    return SeriesDetection(series, detection, episodes, chosen)


def _stamp(series: RegularSeries, index: int) -> str:
    """The input's timestamp text at a grid index, else the grid time in ISO 8601."""
    if 0 <= index < len(series.labels) and series.labels[index] is not None:
        return str(series.labels[index])
    return series.time_at(index).isoformat()


def episode_json(result: SeriesDetection, episode: Episode) -> dict[str, Any]:
    """One episode as JSON: times as written in the input (grid times for gap positions);
    ``end`` is exclusive (the first point back in band); scores rounded to 4 decimals."""
    series = result.series
    peak = episode.peak
    return {
        "start": _stamp(series, episode.start),
        "detected": _stamp(series, episode.detected),
        "peak": _stamp(series, peak),
        "end": _stamp(series, episode.end),
        "points": episode.points,
        "score": round(episode.score, 4),
        "direction": episode.direction,
        "peak_value": float(series.values[peak]),
        "expected_at_peak": round(float(result.detection.expected[0, peak]), 6),
    }


def detect_series_file(
    path: Path, *, combine: str = DEFAULT_COMBINE, sensitivity: str | float = DEFAULT_SENSITIVITY
) -> dict[str, Any]:
    """The episodes of the CSV at ``path`` with the repairs made to its timestamps::

        {"step_seconds", "period", "sensitivity", "repairs": {...},
         "episodes": [{"start", "detected", "peak", "end", "points", "score", "direction",
                       "peak_value", "expected_at_peak"}, ...],
         "anomalies": [{"timestamp", "score"}, ...]}

    ``anomalies`` are the out-of-band points inside reported episodes, in time order.
    ``combine`` is the duplicate rule (:data:`finops.anomalies.regular.COMBINE_RULES`).
    """
    chosen = telemetry_sensitivity(sensitivity)
    rows = read_series(path)
    series = regularize(
        rows.times, rows.values, combine=combine, texts=rows.texts, source=rows.source
    )
    result = detect_regular_series(series, chosen)
    flags, score = result.detection.flags[0], result.detection.score[0]
    anomalies = [
        {"timestamp": _stamp(series, i), "score": round(float(score[i]), 4)}
        for e in result.episodes
        for i in range(e.start, e.end)
        if flags[i]
    ]
    return {
        "step_seconds": series.step_seconds,
        "period": result.detection.period,
        "sensitivity": chosen.name,
        "alert_score": chosen.alert_score,
        "repairs": series.repairs.as_json(),
        "episodes": [episode_json(result, e) for e in result.episodes],
        "anomalies": anomalies,
    }
