"""Prediction intervals calibrated on backtest residuals (split conformal, pure).

A model's own intervals assume its error model is right; on real series they are often too
narrow (a monthly series with a changing trend) or too wide (a daily series with rare spikes).
:class:`Calibration` replaces their *width* by what the rolling-origin backtest measured, and
keeps their *shape* (how the width grows with the horizon, and the daily pattern):

- Score. For every backtest point, ``s = (actual - yhat) / sd`` where ``sd`` is the model's
  own standard deviation at that step, ``(upper_80 - lower_80) / (2 * z_0.90)``, floored at a
  tenth of the training window's MASE scale (so a model that saw no error still gets a width).
- Step buckets. Steps ``0, 1, ...`` are grouped from the first one until a bucket holds
  ``MIN_SCORES`` scores (a short last group joins the previous one); each bucket keeps the
  empirical 2.5/10/90/97.5% quantiles of its scores, with the split-conformal finite-sample
  correction (level ``ceil((n + 1) p) / n`` for an upper quantile, the mirror for a lower
  one). A step past the backtest's horizon uses the last bucket.
- Bands. ``yhat + q * sd`` with the bucket's quantiles, so 80% is ``[q10, q90]`` and 95% is
  ``[q2.5, q97.5]`` of the scores (asymmetric when the errors were); the 95% bounds are kept at
  least ``Z_95 / Z_80`` times as far from the 80% band's centre as its own bounds (a normal
  shape: a few dozen scores' extreme order statistics underestimate the tails).

Sums (month-end projections). A sum of forecasts over a window of days has its own error: the
daily errors are correlated (a level that moved stays moved), so the sum's interval is neither
the sum of the daily intervals (perfect correlation) nor their root-sum-square (independence).
For every backtest origin and every window ``[a, a + L)`` of its residuals with ``L`` up to
``MAX_WINDOW`` and ``a < NEAR_START`` (a month-end window starts at its forecast's first day,
where errors are smallest; all starts when those are too few), ``z = sum(actual - yhat) /
sum(w)`` with ``w`` the 80% half-width of each step of the fold's forecast as it would be issued
(calibrated, clipped to hold the point forecast, floored at 0 for a non-negative series: what
:func:`sum_interval` reads off a stored forecast); the quantiles of ``z`` are kept per
window-length bucket (1, 2-3, 4-7, 8-15, 16-31), with normal-shaped 95% tails at least. The
interval of a future window sum is then ``sum(yhat) + q * sum(w)``: the backtested distribution
of window-sum errors, scaled by the forecast's own widths.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from finops.forecasting.models import Z_80, Z_95, ModelForecast
from finops.forecasting.series import FloatArray

LEVELS = (0.025, 0.10, 0.90, 0.975)
MIN_SCORES = 40
MAX_WINDOW = 31
NEAR_START = 21  # window scores from windows starting in a fold's first three weeks
WINDOW_EDGES = (1, 2, 4, 8, 16, MAX_WINDOW + 1)
SD_FLOOR = 0.1  # of the MASE scale
Z_95_OVER_80 = Z_95 / Z_80  # a normal 95% half-width in 80% half-widths

Quantiles = tuple[float, float, float, float]


def model_sd(fc: ModelForecast, floor: float) -> FloatArray:
    """The model's own standard deviation per step, read off its 80% band, at least ``floor``."""
    return np.maximum((fc.upper_80 - fc.lower_80) / (2 * Z_80), floor)


def conformal_quantiles(scores: FloatArray) -> Quantiles:
    """The 2.5/10/90/97.5% quantiles of ``scores`` with the split-conformal finite-sample
    correction (an upper level ``p`` becomes ``ceil((n + 1) p) / n``, capped at the maximum;
    a lower one mirrors it), so that a new exchangeable score falls below the upper quantile
    with probability at least ``p``."""
    values = np.sort(np.asarray(scores, dtype=np.float64))
    n = len(values)
    if n == 0:
        raise ValueError("no scores to calibrate on")
    out: list[float] = []
    for p in LEVELS:
        if p >= 0.5:
            rank = min(n, math.ceil((n + 1) * p))  # 1-based order statistic
        else:
            rank = max(1, n + 1 - math.ceil((n + 1) * (1 - p)))
        out.append(float(values[rank - 1]))
    return out[0], out[1], out[2], out[3]


def _step_buckets(counts: Sequence[int]) -> list[int]:
    """Bucket start steps: grow each bucket until it holds ``MIN_SCORES`` scores."""
    edges = [0]
    held = 0
    for step, count in enumerate(counts):
        held += count
        if held >= MIN_SCORES and step + 1 < len(counts):
            edges.append(step + 1)
            held = 0
    if len(edges) > 1 and held < MIN_SCORES:
        edges.pop()  # the short tail joins the previous bucket
    return edges


@dataclass(frozen=True)
class Calibration:
    """Conformal quantiles of the backtest's normalised errors, per step bucket and per
    window-length bucket (see module docstring)."""

    step_edges: tuple[int, ...]
    step_quantiles: tuple[Quantiles, ...]
    window_edges: tuple[int, ...]
    window_quantiles: tuple[Quantiles, ...]
    points: int

    def _step(self, step: int) -> Quantiles:
        index = int(np.searchsorted(self.step_edges, step, side="right")) - 1
        return self.step_quantiles[max(index, 0)]

    def apply(self, fc: ModelForecast, floor: float) -> ModelForecast:
        """``fc`` with its bands replaced by ``yhat + q * sd`` (the point forecast unchanged)."""
        sd = model_sd(fc, floor)
        q = np.array([self._step(i) for i in range(len(fc))], dtype=np.float64).reshape(-1, 4)
        low_95, low_80, high_80, high_95 = (fc.yhat + q[:, j] * sd for j in range(4))
        return ModelForecast(
            yhat=fc.yhat,
            lower_80=np.minimum(low_80, fc.yhat),
            upper_80=np.maximum(high_80, fc.yhat),
            lower_95=np.minimum(low_95, np.minimum(low_80, fc.yhat)),
            upper_95=np.maximum(high_95, np.maximum(high_80, fc.yhat)),
        )

    def window(self, length: int) -> Quantiles:
        """The quantiles of a window-sum error over ``length`` steps, per unit of the window's
        summed 80% half-width (the longest calibrated bucket beyond it)."""
        if not self.window_quantiles:
            return (-Z_95_OVER_80, -1.0, 1.0, Z_95_OVER_80)
        index = int(np.searchsorted(self.window_edges, max(length, 1), side="right")) - 1
        return self.window_quantiles[min(max(index, 0), len(self.window_quantiles) - 1)]

    def as_dict(self) -> dict[str, object]:
        return {
            "method": "split-conformal on rolling-origin residuals",
            "points": self.points,
            "step_edges": list(self.step_edges),
            "step_quantiles": [[round(v, 6) for v in q] for q in self.step_quantiles],
            "window_edges": list(self.window_edges),
            "window_quantiles": [[round(v, 6) for v in q] for q in self.window_quantiles],
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Calibration:
        """The inverse of :meth:`as_dict` (as stored with a forecast run)."""

        def quads(key: str) -> tuple[Quantiles, ...]:
            rows = data.get(key) or []
            assert isinstance(rows, list)
            return tuple((float(r[0]), float(r[1]), float(r[2]), float(r[3])) for r in rows)

        def ints(key: str) -> tuple[int, ...]:
            rows = data.get(key) or []
            assert isinstance(rows, list)
            return tuple(int(v) for v in rows)

        points = data.get("points", 0)
        return cls(
            step_edges=ints("step_edges"),
            step_quantiles=quads("step_quantiles"),
            window_edges=ints("window_edges"),
            window_quantiles=quads("window_quantiles"),
            points=int(points) if isinstance(points, int | float) else 0,
        )


def _normal_tails(q: Quantiles) -> Quantiles:
    """``q`` with its 95% bounds at least as far from the 80% band's centre as a normal
    distribution's would be (``Z_95 / Z_80`` times the 80% half-distances): a sum of many days'
    errors is close to normal, and the 2.5/97.5% order statistics of window scores from a dozen
    correlated folds underestimate the tails; the same holds for a step bucket's 40-odd scores,
    whose 2.5/97.5% order statistics are their extremes."""
    centre = (q[1] + q[2]) / 2
    low = min(q[0], centre - (centre - q[1]) * Z_95_OVER_80)
    high = max(q[3], centre + (q[2] - centre) * Z_95_OVER_80)
    return low, q[1], q[2], high


def calibrate(
    forecasts: Sequence[ModelForecast],
    actuals: Sequence[FloatArray],
    floors: Sequence[float],
    *,
    nonnegative: bool = False,
) -> Calibration | None:
    """The calibration of one model from its backtest folds (raw forecasts, the actuals they
    are scored on, and each fold's sd floor). ``None`` when there are too few points (fewer
    than ``MIN_SCORES // 2``): the model's own bands are then kept.

    The window scores are normalised by the 80% half-widths of the fold's forecast *as it
    would be issued* (banded by the step quantiles, clipped to contain the point forecast and,
    with ``nonnegative``, floored at 0), which is what :func:`sum_interval` reads off a stored
    forecast; and they come from windows starting in the first ``NEAR_START`` steps of a fold
    (all windows when those hold fewer than ``MIN_SCORES``), as a month-end projection's window
    starts at (or a few days after) its forecast's first day, where errors are smaller."""
    paths: list[FloatArray] = []
    sds: list[FloatArray] = []
    for fc, actual, floor in zip(forecasts, actuals, floors, strict=True):
        sd = model_sd(fc, floor)
        paths.append((actual - fc.yhat) / sd)
        sds.append(sd)
    horizon = max((len(p) for p in paths), default=0)
    counts = [sum(1 for p in paths if len(p) > step) for step in range(horizon)]
    if sum(counts) < MIN_SCORES // 2:
        return None
    edges = _step_buckets(counts)
    bounds = [*edges, horizon]
    step_q = tuple(
        _normal_tails(conformal_quantiles(np.concatenate([p[lo:hi] for p in paths if len(p) > lo])))
        for lo, hi in itertools.pairwise(bounds)
    )
    partial = Calibration(tuple(edges), step_q, (), (), sum(counts))
    near: dict[int, list[FloatArray]] = {}
    every: dict[int, list[FloatArray]] = {}
    for fc, floor, path, sd in zip(forecasts, floors, paths, sds, strict=True):
        banded = partial.apply(fc.head(len(path)), floor)
        if nonnegative:
            banded = banded.clipped_at_zero()
        half = np.maximum((banded.upper_80 - banded.lower_80) / 2, 1e-12 * sd)
        err = np.concatenate([[0.0], np.cumsum(path * sd)])
        width = np.concatenate([[0.0], np.cumsum(half)])
        for length in range(1, min(MAX_WINDOW, len(path)) + 1):
            z = (err[length:] - err[:-length]) / (width[length:] - width[:-length])
            bucket = int(np.searchsorted(WINDOW_EDGES, length, side="right")) - 1
            near.setdefault(bucket, []).append(z[:NEAR_START])
            every.setdefault(bucket, []).append(z)
    window_edges: list[int] = []
    window_q: list[Quantiles] = []
    for bucket in sorted(every):
        scores = np.concatenate(near[bucket])
        if len(scores) < MIN_SCORES:
            scores = np.concatenate(every[bucket])
        window_edges.append(WINDOW_EDGES[bucket])
        window_q.append(_normal_tails(conformal_quantiles(scores)))
    return Calibration(tuple(edges), step_q, tuple(window_edges), tuple(window_q), sum(counts))


def window_interval(
    yhat_sum: float, half_width_sum: float, length: int, calibration: Calibration
) -> tuple[float, float, float, float]:
    """The 95% low, 80% low, 80% high and 95% high of a sum of ``length`` forecast steps whose
    point forecasts sum to ``yhat_sum`` and whose calibrated 80% half-widths sum to
    ``half_width_sum``."""
    q = calibration.window(length)
    low_95, low_80, high_80, high_95 = (yhat_sum + v * half_width_sum for v in q)
    low_80, high_80 = min(low_80, yhat_sum), max(high_80, yhat_sum)
    return min(low_95, low_80), low_80, high_80, max(high_95, high_80)


def sum_interval(
    fc: ModelForecast,
    calibration: Calibration | None,
    *,
    nonnegative: bool,
    separate: npt.NDArray[np.bool_] | None = None,
) -> tuple[float, float, float, float, float]:
    """The point forecast and the 95% low, 80% low, 80% high and 95% high of the *sum* of the
    steps of ``fc`` (e.g. the rest of a month).

    With a ``calibration`` the interval is the backtested window-sum one
    (:func:`window_interval`, the 80% half-widths read off ``fc``'s bands); without one (a run
    stored before calibration, or a series too short to backtest) it is the sum of the step
    bounds, which assumes the step errors move together. ``separate`` marks steps whose error
    is not part of the backtested window errors (the first days of months that carry a
    month-start charge, :mod:`finops.forecasting.monthstart`): they are left out of the window
    and their own bands' distances to the point forecast are added to the window's in
    quadrature (an independent error). ``nonnegative`` floors the bounds at 0.
    """
    total = float(np.sum(fc.yhat))
    if calibration is None:
        bounds = tuple(
            float(np.sum(a)) for a in (fc.lower_95, fc.lower_80, fc.upper_80, fc.upper_95)
        )
    else:
        own = np.zeros(len(fc), dtype=bool) if separate is None else np.asarray(separate, bool)
        usual = ~own
        half = float(np.sum(fc.upper_80[usual] - fc.lower_80[usual])) / 2
        window = window_interval(0.0, half, int(np.sum(usual)), calibration)
        bands = (fc.lower_95, fc.lower_80, fc.upper_80, fc.upper_95)
        bounds = tuple(
            total
            + math.copysign(math.sqrt(w**2 + float(np.sum((band[own] - fc.yhat[own]) ** 2))), sign)
            for w, band, sign in zip(window, bands, (-1.0, -1.0, 1.0, 1.0), strict=True)
        )
    if nonnegative:
        bounds = tuple(max(b, 0.0) for b in bounds)
    return total, bounds[0], bounds[1], bounds[2], bounds[3]
