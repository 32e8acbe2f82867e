"""Regular time series: frequency inference, gap filling and future timestamps (pure).

A forecaster needs evenly spaced observations. :func:`regularize` turns sorted ``(timestamp,
value)`` pairs into a :class:`RegularSeries` on the input's own frequency (fixed steps such as
5 minutes, 1 hour or 1 day, or calendar steps such as month starts, month ends, quarters and
years). Missing steps and missing values are filled by linear interpolation so that a model can
be fitted; ``filled`` says how many were.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from pandas.tseries.frequencies import to_offset
from pandas.tseries.offsets import BaseOffset

from finops.core.errors import InvalidInputError

FloatArray = npt.NDArray[np.float64]

_DAY = pd.Timedelta(days=1)
_WEEK = pd.Timedelta(days=7)
# Seasonal period per fixed step: the natural cycle a cost or traffic series repeats.
_FIXED_SEASONS: dict[pd.Timedelta, int] = {
    pd.Timedelta(hours=1): 24,
    _DAY: 7,
    _WEEK: 52,
}


@dataclass(frozen=True)
class Frequency:
    """The step between observations: a fixed duration, or a calendar step (``MS``, ``ME``,
    ``QS``, ``QE``, ``YS``, ``YE``, i.e. month/quarter/year starts or ends).

    ``label`` is what the pandas offset is called (``D``, ``h``, ``MS``...).
    """

    label: str
    fixed: pd.Timedelta | None = None

    @property
    def offset(self) -> BaseOffset | pd.Timedelta:
        if self.fixed is not None:
            return self.fixed
        return to_offset(self.label)

    @property
    def season(self) -> int:
        """Seasonal period used by the models (1 = no seasonality)."""
        if self.fixed is None:
            return {"M": 12, "Q": 4}.get(self.label[0], 1)
        if self.fixed in _FIXED_SEASONS:
            return _FIXED_SEASONS[self.fixed]
        if self.fixed < _DAY and (_DAY % self.fixed) == pd.Timedelta(0):
            return int(_DAY / self.fixed)  # sub-daily: one day is the cycle
        return 1

    @property
    def is_daily(self) -> bool:
        return self.fixed == _DAY


DAILY = Frequency("D", _DAY)


@dataclass(frozen=True)
class RegularSeries:
    """Evenly spaced observations (``timestamps`` as ``datetime64[ns]``, naive = UTC)."""

    timestamps: npt.NDArray[np.datetime64]
    values: FloatArray
    frequency: Frequency
    filled: int = 0

    def __len__(self) -> int:
        return len(self.values)

    def future(self, horizon: int) -> npt.NDArray[np.datetime64]:
        """The ``horizon`` timestamps after the last one, on the same frequency."""
        return future_timestamps(self.timestamps[-1], self.frequency, horizon)


def future_timestamps(
    last: np.datetime64, frequency: Frequency, horizon: int
) -> npt.NDArray[np.datetime64]:
    """``horizon`` timestamps continuing ``frequency`` after ``last`` (excluded)."""
    start = pd.Timestamp(last)
    stamps = pd.date_range(start=start, periods=horizon + 1, freq=frequency.offset)
    return stamps[1:].to_numpy(dtype="datetime64[ns]")


_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


def _calendar_frequency(stamps: pd.DatetimeIndex, days: float) -> Frequency | None:
    if not all(stamps.normalize() == stamps):
        return None
    if 28 <= days <= 31:
        unit = "M"
    elif 89 <= days <= 92:
        unit = "Q"
    elif 365 <= days <= 366:
        unit = "Y"
    else:
        return None
    anchor = "" if unit == "M" else "-" + _MONTHS[stamps[0].month - 1]
    if unit != "M" and len(set(stamps.month % (3 if unit == "Q" else 12))) != 1:
        return None
    if all(stamps.is_month_start):
        return Frequency(f"{unit}S{anchor}")
    if all(stamps.is_month_end):
        return Frequency(f"{unit}E{anchor}")
    return None


def infer_frequency(stamps: pd.DatetimeIndex, *, source: str = "series") -> Frequency:
    """The step of sorted, distinct ``stamps``: the most common gap, as a fixed duration or as a
    calendar step when the gaps are month-, quarter- or year-sized and anchored.

    Raises :class:`InvalidInputError` when fewer than two timestamps are given.
    """
    if len(stamps) < 2:
        raise InvalidInputError(
            f"{source}: at least 2 observations are needed to infer a frequency",
            details={"file": source},
        )
    gaps = Counter(np.diff(stamps.as_unit("ns").asi8).tolist())
    step_ns, _ = max(gaps.items(), key=lambda item: (item[1], -item[0]))
    step = pd.Timedelta(step_ns, unit="ns")
    calendar = _calendar_frequency(stamps, step / _DAY)
    if calendar is not None:
        return calendar
    return Frequency(_fixed_label(step), step)


def _fixed_label(step: pd.Timedelta) -> str:
    for unit, label in (
        (_DAY, "D"),
        (pd.Timedelta(hours=1), "h"),
        (pd.Timedelta(minutes=1), "min"),
    ):
        if step % unit == pd.Timedelta(0):
            count = int(step / unit)
            return label if count == 1 else f"{count}{label}"
    return f"{int(step / pd.Timedelta(seconds=1))}s"


def regularize(
    stamps: pd.DatetimeIndex,
    values: Sequence[float] | FloatArray,
    *,
    source: str = "series",
    frequency: Frequency | None = None,
) -> RegularSeries:
    """Put observations on their regular grid (see module docstring).

    ``stamps`` must be distinct; they are sorted here. Raises :class:`InvalidInputError` naming
    ``source`` when a timestamp falls between grid steps (the series is not regular) or when
    no value is known.
    """
    index = pd.DatetimeIndex(stamps)
    if index.tz is not None:
        index = index.tz_convert("UTC").tz_localize(None)
    data = pd.Series(np.asarray(values, dtype=np.float64), index=index).sort_index()
    if data.index.has_duplicates:
        dup = data.index[data.index.duplicated()][0]
        raise InvalidInputError(
            f"{source}: timestamp {dup} appears more than once",
            details={"file": source, "timestamp": str(dup)},
        )
    freq = frequency or infer_frequency(pd.DatetimeIndex(data.index), source=source)
    grid = pd.date_range(start=data.index[0], end=data.index[-1], freq=freq.offset)
    off_grid = data.index.difference(grid)
    if len(off_grid):
        raise InvalidInputError(
            f"{source}: timestamp {off_grid[0]} is not on the series' regular {freq.label} "
            "steps; expected evenly spaced timestamps",
            details={"file": source, "timestamp": str(off_grid[0]), "expected": freq.label},
        )
    regular = data.reindex(grid)
    missing = int(regular.isna().sum())
    if missing == len(regular):
        raise InvalidInputError(f"{source}: no numeric value", details={"file": source})
    if missing:
        regular = regular.interpolate(method="linear", limit_direction="both")
    return RegularSeries(
        timestamps=grid.to_numpy(dtype="datetime64[ns]"),
        values=np.asarray(regular.to_numpy(dtype=np.float64), dtype=np.float64),
        frequency=freq,
        filled=missing,
    )
