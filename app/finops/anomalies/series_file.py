"""Run the detector on any ``timestamp,value`` CSV (the ``finops anomalies detect-series`` door).

Accepted headers: ``timestamp,value`` or the Microsoft cloud-monitoring dataset's
``TimeStamp,Value[,Label]`` (case-insensitive; extra columns are ignored). The sampling step is
the most common gap between consecutive timestamps; points are placed on that regular grid and
missing steps are treated as missing values (never flagged). The seasonal period (day or week)
is chosen from the data; the threshold is the detector's own, as in production.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import math
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

TIMESTAMP_COLUMNS = ("timestamp",)
VALUE_COLUMNS = ("value",)
MAX_GRID_POINTS = 2_000_000


@dataclass(frozen=True)
class RegularSeries:
    """A series on a regular grid: ``labels[i]`` is the input's timestamp text (``None`` for a
    step missing from the input), ``values[i]`` NaN when missing."""

    labels: list[str | None]
    values: np.ndarray[Any, np.dtype[np.float64]]
    step_seconds: float


def _parse_time(text: str, path: Path, row: int) -> dt.datetime:
    raw = text.strip().strip('"')
    try:
        moment = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidInputError(
            f"{path}: row {row}, column 'timestamp': expected an ISO 8601 timestamp, got {raw!r}",
            details={"file": str(path), "row": row, "column": "timestamp"},
        ) from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def _parse_value(text: str, path: Path, row: int) -> float:
    raw = text.strip().strip('"')
    if raw == "" or raw.lower() in ("nan", "null", "na"):
        return math.nan  # a missing measurement: kept on the grid, never flagged
    try:
        value = float(raw)
    except ValueError as exc:
        raise InvalidInputError(
            f"{path}: row {row}, column 'value': expected a number, got {raw!r}",
            details={"file": str(path), "row": row, "column": "value"},
        ) from exc
    if not math.isfinite(value):
        raise InvalidInputError(
            f"{path}: row {row}, column 'value': expected a finite number, got {raw!r}",
            details={"file": str(path), "row": row, "column": "value"},
        )
    return value


def read_series_csv(path: Path) -> tuple[list[str], list[dt.datetime], list[float], list[int]]:
    """``(timestamp texts, UTC times, values, labels)`` of a series CSV, in file order.

    ``labels`` is the optional ``Label`` column (0/1), empty when the file has none.
    """
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise InvalidInputError(
            f"{path}: cannot read the file ({exc.strerror})", details={"file": str(path)}
        ) from exc
    texts: list[str] = []
    times: list[dt.datetime] = []
    values: list[float] = []
    labels: list[int] = []
    with handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            raise InvalidInputError(f"{path}: the file is empty", details={"file": str(path)})
        names = [h.strip().lower() for h in header]
        try:
            t_col = next(i for i, h in enumerate(names) if h in TIMESTAMP_COLUMNS)
            v_col = next(i for i, h in enumerate(names) if h in VALUE_COLUMNS)
        except StopIteration:
            raise InvalidInputError(
                f"{path}: row 1: expected a header with 'timestamp' and 'value' columns, "
                f"got {','.join(header)!r}",
                details={"file": str(path), "row": 1},
            ) from None
        l_col = names.index("label") if "label" in names else None
        for row_number, row in enumerate(reader, start=2):
            if not row or all(not cell.strip() for cell in row):
                continue
            if len(row) <= max(t_col, v_col):
                raise InvalidInputError(
                    f"{path}: row {row_number}: expected {len(header)} columns, got {len(row)}",
                    details={"file": str(path), "row": row_number},
                )
            texts.append(row[t_col].strip())
            times.append(_parse_time(row[t_col], path, row_number))
            values.append(_parse_value(row[v_col], path, row_number))
            if l_col is not None and len(row) > l_col:
                labels.append(1 if row[l_col].strip() not in ("", "0", "0.0") else 0)
    if len(times) < 2:
        raise InvalidInputError(
            f"{path}: expected at least 2 data rows, got {len(times)}", details={"file": str(path)}
        )
    return texts, times, values, labels


def to_regular_grid(
    texts: list[str], times: list[dt.datetime], values: list[float], *, path: Path
) -> RegularSeries:
    """Place points on the most common step. A repeated timestamp keeps its first row; a point
    off the grid is refused."""
    order = sorted(range(len(times)), key=lambda i: times[i])
    gaps = Counter((times[b] - times[a]).total_seconds() for a, b in itertools.pairwise(order))
    gaps.pop(0.0, None)
    step = gaps.most_common(1)[0][0] if gaps else 0.0
    if step <= 0:
        raise InvalidInputError(
            f"{path}: column 'timestamp': timestamps repeat; expected one row per time step",
            details={"file": str(path), "column": "timestamp"},
        )
    first = times[order[0]]
    span = (times[order[-1]] - first).total_seconds()
    size = round(span / step) + 1
    if size > MAX_GRID_POINTS:
        raise InvalidInputError(
            f"{path}: the series spans {size} steps of {step:g} s; at most {MAX_GRID_POINTS}",
            details={"file": str(path)},
        )
    grid_values = np.full(size, np.nan)
    labels: list[str | None] = [None] * size
    for i in order:
        offset = (times[i] - first).total_seconds() / step
        index = round(offset)
        if abs(offset - index) > 1e-6:
            raise InvalidInputError(
                f"{path}: row {i + 2}, column 'timestamp': {texts[i]!r} is off the series' "
                f"regular step of {step:g} seconds",
                details={"file": str(path), "row": i + 2, "column": "timestamp"},
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
    texts, times, values, _ = read_series_csv(path)
    series = to_regular_grid(texts, times, values, path=path)
    result = detect_regular_series(series)
    anomalies = [
        {"timestamp": series.labels[i], "score": round(float(result.score[0, i]), 4)}
        for i in np.flatnonzero(result.flags[0])
        if series.labels[i] is not None
    ]
    return {"anomalies": anomalies}
