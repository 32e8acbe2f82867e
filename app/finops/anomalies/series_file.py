"""Run the detector on any ``timestamp,value`` CSV (the ``finops anomalies detect-series`` door).

The file format is :mod:`finops.core.series_csv`'s (``timestamp,value``, ``ds,y`` or the
Microsoft cloud-monitoring dataset's ``TimeStamp,Value,Label``). The sampling step is
the most common gap between consecutive timestamps; points are placed on that regular grid and
missing steps are treated as missing values (never flagged). The seasonal period (day or week)
is chosen from the data; the threshold is the detector's own, as in production.
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from finops.anomalies.detector import (
    DetectorSettings,
    MatrixDetection,
    candidate_periods,
    choose_period,
    detect_matrix,
)
from finops.core.errors import InvalidInputError
from finops.core.series_csv import SeriesRows, read_series_csv

MAX_GRID_POINTS = 2_000_000


@dataclass(frozen=True)
class RegularSeries:
    """A series on a regular grid: ``labels[i]`` is the input's timestamp text (``None`` for a
    step missing from the input), ``values[i]`` NaN when missing."""

    labels: list[str | None]
    values: np.ndarray[Any, np.dtype[np.float64]]
    step_seconds: float


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


def to_regular_grid(rows: SeriesRows) -> RegularSeries:
    """Place points on the most common step. A repeated timestamp keeps its first row; a point
    off the grid is refused."""
    path, texts, times, values = rows.source, rows.texts, rows.times, rows.values
    order = sorted(range(len(times)), key=lambda i: times[i])
    gaps = Counter((times[b] - times[a]).total_seconds() for a, b in itertools.pairwise(order))
    gaps.pop(0.0, None)
    step = gaps.most_common(1)[0][0] if gaps else 0.0
    if step <= 0:
        raise InvalidInputError(
            f"{path}: column 'timestamp': timestamps repeat; expected one row per time step",
            details={"file": path, "column": "timestamp"},
        )
    first = times[order[0]]
    span = (times[order[-1]] - first).total_seconds()
    size = round(span / step) + 1
    if size > MAX_GRID_POINTS:
        raise InvalidInputError(
            f"{path}: the series spans {size} steps of {step:g} s; at most {MAX_GRID_POINTS}",
            details={"file": path},
        )
    grid_values = np.full(size, np.nan)
    labels: list[str | None] = [None] * size
    for i in order:
        offset = (times[i] - first).total_seconds() / step
        index = round(offset)
        if abs(offset - index) > 1e-6:
            raise InvalidInputError(
                f"{path}: row {rows.rows[i]}, column 'timestamp': {texts[i]!r} is off the "
                f"series' regular step of {step:g} seconds",
                details={"file": path, "row": rows.rows[i], "column": "timestamp"},
            )
        if labels[index] is not None:
            continue  # a repeated timestamp (real exports have some): the first row counts
        labels[index] = texts[i]
        grid_values[index] = values[i]
    return RegularSeries(labels=labels, values=grid_values, step_seconds=step)


def detect_regular_series(
    series: RegularSeries, settings: DetectorSettings | None = None
) -> MatrixDetection:
    """The detector on one regular series, with the period chosen from the data."""
    period = choose_period(series.values, candidate_periods(series.step_seconds))
    return detect_matrix(series.values[None, :], period=period, settings=settings)


def detect_series_file(path: Path) -> dict[str, Any]:
    """``{"anomalies": [{"timestamp": "<as in the input>", "score": <number>}, ...]}`` for the
    flagged points of the CSV at ``path``, in time order (scores rounded to 4 decimals)."""
    series = to_regular_grid(read_series(path))
    result = detect_regular_series(series)
    anomalies = [
        {"timestamp": series.labels[i], "score": round(float(result.score[0, i]), 4)}
        for i in np.flatnonzero(result.flags[0])
        if series.labels[i] is not None
    ]
    return {"anomalies": anomalies}
