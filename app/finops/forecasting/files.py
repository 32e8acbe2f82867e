"""``forecast_series_file``: forecast any ``timestamp,value`` CSV with the production machinery.

The file is read whole (a series of a few hundred thousand rows at most); CR, LF and CRLF line
endings are all accepted (Prophet's ``example_air_passengers.csv`` uses bare CR).
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path
from typing import Any

import pandas as pd

from finops.core.errors import InvalidInputError
from finops.forecasting.backtest import forecast_with_model_choice
from finops.forecasting.series import RegularSeries, regularize

MAX_HORIZON = 10_000
_COLUMN_PAIRS = (("timestamp", "value"), ("ds", "y"))


def _read_rows(path: Path) -> tuple[list[str], list[str], str]:
    source = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InvalidInputError(
            f"{source}: cannot read file ({exc.strerror})", details={"file": source}
        ) from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInputError(
            f"{source}: not UTF-8 text (byte {exc.start})", details={"file": source}
        ) from exc
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    rows = [row for row in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in row)]
    if not rows:
        raise InvalidInputError(f"{source}: empty file", details={"file": source})
    header = [cell.strip().lower() for cell in rows[0]]
    for time_col, value_col in _COLUMN_PAIRS:
        if time_col in header and value_col in header:
            t_index, v_index = header.index(time_col), header.index(value_col)
            break
    else:
        raise InvalidInputError(
            f"{source}: row 1: expected columns 'timestamp,value' (or 'ds,y'), got "
            f"{','.join(rows[0])!r}",
            details={"file": source, "row": 1, "expected": ["timestamp", "value"]},
        )
    stamps: list[str] = []
    values: list[str] = []
    for number, row in enumerate(rows[1:], start=2):
        if len(row) <= max(t_index, v_index):
            raise InvalidInputError(
                f"{source}: row {number}: expected {len(header)} columns, got {len(row)}",
                details={"file": source, "row": number},
            )
        stamps.append(row[t_index].strip())
        values.append(row[v_index].strip())
    return stamps, values, source


def _parse_values(values: list[str], source: str) -> list[float]:
    parsed: list[float] = []
    for number, cell in enumerate(values, start=2):
        if cell == "" or cell.lower() in ("nan", "na", "null"):
            parsed.append(math.nan)
            continue
        try:
            value = float(cell)
        except ValueError:
            value = math.inf
        if math.isinf(value):
            raise InvalidInputError(
                f"{source}: row {number}, column 'value': expected a finite number, got {cell!r}",
                details={"file": source, "row": number, "column": "value", "got": cell},
            )
        parsed.append(value)
    return parsed


def _parse_stamps(stamps: list[str], source: str) -> pd.DatetimeIndex:
    try:
        return pd.DatetimeIndex(pd.to_datetime(stamps, format="ISO8601", utc=True))
    except (ValueError, TypeError):
        for number, cell in enumerate(stamps, start=2):
            try:
                pd.to_datetime(cell, format="ISO8601")
            except (ValueError, TypeError) as exc:
                raise InvalidInputError(
                    f"{source}: row {number}, column 'timestamp': expected an ISO 8601 date or "
                    f"date-time, got {cell!r}",
                    details={"file": source, "row": number, "column": "timestamp", "got": cell},
                ) from exc
        raise


def _timestamp_format(samples: list[str]) -> str:
    """Render future timestamps the way the input wrote them (date only, or date and time)."""
    if all(len(s) == 10 for s in samples):
        return "%Y-%m-%d"
    if any("T" in s for s in samples):
        return "%Y-%m-%dT%H:%M:%S"
    return "%Y-%m-%d %H:%M:%S"


def read_series_file(path: Path) -> tuple[RegularSeries, str]:
    """The regular series in a ``timestamp,value`` (or ``ds,y``) CSV and its timestamp format.

    Raises :class:`InvalidInputError` naming the file, row and column of the first bad cell.
    """
    stamps, values, source = _read_rows(path)
    index = _parse_stamps(stamps, source)
    series = regularize(index, _parse_values(values, source), source=source)
    return series, _timestamp_format(stamps[:50])


def _number(value: float) -> float:
    return float(round(float(value), 6))


def forecast_series_file(path: Path, horizon: int) -> dict[str, Any]:
    """Forecast the series in ``path`` ``horizon`` steps past its last timestamp, on its own
    frequency, with the backtested model choice used for cost forecasts.

    Returns ``{"model", "frequency", "forecast": [{"timestamp", "yhat", "lower_80",
    "upper_80", "lower_95", "upper_95"}...], "backtest"}`` (numbers are JSON floats; the
    ``backtest`` entry holds the chosen model's scores, or ``null`` for a very short series).
    """
    if not 1 <= horizon <= MAX_HORIZON:
        raise InvalidInputError(
            f"parameter 'horizon': expected an integer from 1 to {MAX_HORIZON}, got {horizon}",
            details={"parameter": "horizon"},
        )
    series, stamp_format = read_series_file(path)
    result = forecast_with_model_choice(series, horizon)
    fc = result.forecast
    stamps = pd.DatetimeIndex(result.timestamps).strftime(stamp_format)
    rows = [
        {
            "timestamp": str(stamps[i]),
            "yhat": _number(fc.yhat[i]),
            "lower_80": _number(fc.lower_80[i]),
            "upper_80": _number(fc.upper_80[i]),
            "lower_95": _number(fc.lower_95[i]),
            "upper_95": _number(fc.upper_95[i]),
        }
        for i in range(len(fc))
    ]
    backtest = result.backtest
    scores = backtest.scores.get(result.model) if backtest is not None else None
    return {
        "model": result.model,
        "frequency": series.frequency.label,
        "forecast": rows,
        "backtest": None if scores is None else scores.as_dict(),
    }


__all__ = ["MAX_HORIZON", "forecast_series_file", "read_series_file"]
