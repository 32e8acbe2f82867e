"""``forecast_series_file``: forecast any ``timestamp,value`` CSV with the production machinery.

The file is read whole (a series of a few hundred thousand rows at most) in
:mod:`finops.core.series_csv`'s format, the one the anomaly detector's series files use too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from finops.core.errors import InvalidInputError
from finops.core.series_csv import read_series_csv
from finops.forecasting.backtest import forecast_with_model_choice
from finops.forecasting.series import RegularSeries, regularize

MAX_HORIZON = 10_000


def _timestamp_format(samples: list[str]) -> str:
    """Render future timestamps the way the input wrote them (date only, or date and time)."""
    if all(len(s) == 10 for s in samples):
        return "%Y-%m-%d"
    if any("T" in s for s in samples):
        return "%Y-%m-%dT%H:%M:%S"
    return "%Y-%m-%d %H:%M:%S"


def read_series_file(path: Path) -> tuple[RegularSeries, str]:
    """The regular series in a series CSV (:mod:`finops.core.series_csv`) and its timestamp
    format.

    Raises :class:`InvalidInputError` naming the file, row and column of the first bad cell.
    """
    rows = read_series_csv(path)
    index = pd.DatetimeIndex(rows.times)
    series = regularize(index, rows.values, source=rows.source)
    return series, _timestamp_format(rows.texts[:50])


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
