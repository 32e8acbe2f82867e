"""Irregular timestamps made regular: the dominant step, duplicates combined, gaps left missing,
and a record of every repair (pure; no I/O).

Real exports are never perfectly regular: a missed sample leaves a gap, a daylight-saving change
in a local-time export repeats an hour, an agent restart shifts a sample by a few seconds. The
rules, in order:

- **Step**: the most common positive gap between consecutive distinct timestamps (whole seconds);
  when no gap covers even a fifth of them (jittered samples), the median gap rounded to a second.
- **Grid**: ``first timestamp + k x step``. A point off the grid is snapped to the nearest grid
  time (counted as ``snapped``).
- **Duplicates**: points that land on the same grid time are combined with the series' rule
  (:data:`COMBINE_RULES`): ``mean`` for gauges (CPU %, latency, queue depth: two readings of one
  level), ``sum`` for counters (request counts, bytes: two partial counts of one interval),
  ``max`` / ``min`` for peak or floor statistics, ``first`` / ``last`` to keep one reading.
  The default is ``mean``: it keeps the value on the scale of its neighbours whatever the metric,
  whereas ``sum`` doubles a gauge (or a counter exported twice).
- **Gaps**: grid times without a point are missing (NaN). The detector never scores or flags a
  missing point and never interpolates it into an alert.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args

import numpy as np
import numpy.typing as npt

from finops.core.errors import InvalidInputError

CombineRule = Literal["mean", "sum", "max", "min", "first", "last"]
COMBINE_RULES: tuple[str, ...] = get_args(CombineRule)
DEFAULT_COMBINE: CombineRule = "mean"
MAX_GRID_POINTS = 2_000_000
MAX_LISTED_GAPS = 20
DOMINANT_SHARE = 0.2


@dataclass(frozen=True)
class Gap:
    """A run of missing grid points ``[start, end)`` (grid indexes) and its first missing time."""

    start: int
    end: int
    first_missing: dt.datetime

    @property
    def points(self) -> int:
        return self.end - self.start


@dataclass(frozen=True)
class Repairs:
    """What was done to make the series regular."""

    step_seconds: float
    input_points: int
    grid_points: int
    duplicates_combined: int
    duplicate_times: int
    snapped: int
    missing_values: int
    gaps: list[Gap]
    combine: str

    @property
    def missing_points(self) -> int:
        return sum(gap.points for gap in self.gaps)

    def as_json(self) -> dict[str, Any]:
        """JSON-ready summary; at most :data:`MAX_LISTED_GAPS` gaps are listed (longest first)."""
        listed = sorted(self.gaps, key=lambda g: (-g.points, g.start))[:MAX_LISTED_GAPS]
        return {
            "step_seconds": self.step_seconds,
            "input_points": self.input_points,
            "grid_points": self.grid_points,
            "combine": self.combine,
            "duplicates_combined": self.duplicates_combined,
            "duplicate_times": self.duplicate_times,
            "snapped_to_grid": self.snapped,
            "missing_values": self.missing_values,
            "gaps": len(self.gaps),
            "missing_points": self.missing_points,
            "largest_gaps": [
                {"first_missing": g.first_missing.isoformat(), "points": g.points}
                for g in sorted(listed, key=lambda g: g.start)
            ],
        }


@dataclass(frozen=True)
class RegularSeries:
    """A series on a regular grid.

    ``values[k]`` is the value at ``start + k x step`` (NaN when missing); ``index_of[i]`` is the
    grid index input point ``i`` went to; ``labels[k]`` the timestamp text of the first input
    point placed at ``k`` (``None`` for a gap) when texts were given.
    """

    start: dt.datetime
    step_seconds: float
    values: npt.NDArray[np.float64]
    index_of: npt.NDArray[np.int64]
    labels: list[str | None]
    repairs: Repairs

    def time_at(self, index: int) -> dt.datetime:
        """The grid time of ``index``."""
        return self.start + dt.timedelta(seconds=self.step_seconds * index)


def dominant_step(seconds: npt.NDArray[np.float64]) -> float:
    """The dominant step of sorted epoch ``seconds`` (see the module docstring); 0 when every
    timestamp is the same."""
    gaps = np.diff(seconds)
    gaps = np.round(gaps[gaps > 0.5])
    if gaps.size == 0:
        return 0.0
    step, count = Counter(gaps.tolist()).most_common(1)[0]
    if count >= DOMINANT_SHARE * gaps.size:
        return float(step)
    return float(max(np.round(np.median(gaps)), 1.0))


def _combine(
    rule: str, values: npt.NDArray[np.float64], index: npt.NDArray[np.int64], n: int
) -> npt.NDArray[np.float64]:
    """One value per grid index from time-ordered ``values`` by ``rule`` (NaN where none)."""
    out: npt.NDArray[np.float64] = np.full(n, np.nan)
    present = ~np.isnan(values)
    idx, vals = index[present], values[present]
    if rule in ("mean", "sum"):
        total = np.bincount(idx, weights=vals, minlength=n)
        count = np.bincount(idx, minlength=n)
        has = count > 0
        out[has] = total[has] / count[has] if rule == "mean" else total[has]
    elif rule in ("max", "min"):
        ufunc = np.fmax if rule == "max" else np.fmin
        ufunc.at(out, idx, vals)
    else:
        # input order is time order: first / last reading at each grid time wins
        order = np.arange(idx.size) if rule == "first" else np.arange(idx.size)[::-1]
        _, first = np.unique(idx[order], return_index=True)
        chosen = order[first]
        out[idx[chosen]] = vals[chosen]
    return out


def regularize(
    times: Sequence[dt.datetime],
    values: npt.ArrayLike,
    *,
    combine: str = DEFAULT_COMBINE,
    texts: Sequence[str] | None = None,
    source: str = "series",
) -> RegularSeries:
    """The series on its dominant step's grid with duplicates combined by ``combine`` and gaps
    missing (see the module docstring), plus the :class:`Repairs` made.

    ``times`` are aware UTC datetimes in any order. Raises :class:`InvalidInputError` for an
    unknown ``combine`` rule, fewer than two distinct timestamps, or a grid of more than
    :data:`MAX_GRID_POINTS` points.
    """
    if combine not in COMBINE_RULES:
        raise InvalidInputError(
            f"parameter 'combine': expected one of {', '.join(COMBINE_RULES)}, got {combine!r}",
            details={"parameter": "combine", "expected": list(COMBINE_RULES)},
        )
    y = np.asarray(values, dtype=np.float64)
    epoch = np.array([t.timestamp() for t in times], dtype=np.float64)
    order = np.argsort(epoch, kind="stable")
    sorted_epoch = epoch[order]
    step = dominant_step(sorted_epoch)
    if step <= 0:
        raise InvalidInputError(
            f"{source}: column 'timestamp': every row has the same timestamp; expected at least "
            "two distinct times",
            details={"file": source, "column": "timestamp"},
        )
    first = float(sorted_epoch[0])
    offsets = (epoch - first) / step
    index = np.round(offsets).astype(np.int64)
    size = int(index.max()) + 1
    if size > MAX_GRID_POINTS:
        raise InvalidInputError(
            f"{source}: the series spans {size} steps of {step:g} s; at most {MAX_GRID_POINTS}",
            details={"file": source},
        )
    snapped = int(np.count_nonzero(np.abs(offsets - index) > 1e-6))
    per_slot = np.bincount(index, minlength=size)
    grid = _combine(combine, y[order], index[order], size)
    labels: list[str | None] = [None] * size
    if texts is not None:
        for i in order[::-1]:
            labels[int(index[i])] = texts[int(i)]
    start = dt.datetime.fromtimestamp(first, tz=dt.UTC)
    empty = np.flatnonzero(per_slot == 0)
    gaps: list[Gap] = []
    if empty.size:
        breaks = np.flatnonzero(np.diff(empty) > 1)
        starts = np.concatenate(([empty[0]], empty[breaks + 1]))
        ends = np.concatenate((empty[breaks], [empty[-1]])) + 1
        gaps = [
            Gap(int(a), int(b), start + dt.timedelta(seconds=step * int(a)))
            for a, b in zip(starts, ends, strict=True)
        ]
    repairs = Repairs(
        step_seconds=step,
        input_points=int(y.size),
        grid_points=size,
        duplicates_combined=int((per_slot[per_slot > 1] - 1).sum()),
        duplicate_times=int(np.count_nonzero(per_slot > 1)),
        snapped=snapped,
        missing_values=int(np.count_nonzero(np.isnan(y))),
        gaps=gaps,
        combine=combine,
    )
    return RegularSeries(
        start=start,
        step_seconds=step,
        values=grid,
        index_of=index,
        labels=labels,
        repairs=repairs,
    )
