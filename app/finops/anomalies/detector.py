"""The anomaly detector: a seasonal, robust, causal baseline over regular series (no I/O).

For every point the detector estimates an expected value from the past only (so the newest
point is judged exactly as it will be in production), a band, a score and a flag:

- **Seasonal pattern**: the offset of each phase of the period (weekday for daily data, hour of
  day for hourly data) is the median of the same phase's offsets over the last
  ``season_cycles`` cycles (phases next to each other are pooled for long periods, e.g. minutes
  of a day).
- **Level**: the median of the deseasonalised values over the last ``level_window`` points of
  the current segment.
- **Scale**: 1.4826 x the median absolute deviation of recent residuals of non-anomalous points;
  with ``mean_deviation_floor`` > 0, at least that factor x the mean absolute deviation of the
  recent residuals of *all* points (1.2533 is consistent with a normal distribution). The floor
  keeps the scale honest on sparse or discrete telemetry (a request count that is zero most
  hours has a median absolute deviation of zero, which would make every non-zero hour an
  anomaly); cost series leave it off.
- **Score** = |actual - expected| / scale. A point is flagged when its score reaches
  ``z_threshold`` *and* the deviation reaches both ``min_impact`` (absolute) and ``min_percent``
  (relative to the expected value), in the reported ``direction``.
- **Robust to past anomalies**: a point out of band is replaced by its expected value in the
  history the baseline is computed from, so a spike does not lift the next days' baseline.
- **Level shifts**: ``shift_confirm`` consecutive out-of-band points on the same side, close to
  each other (spread at most ``shift_stability`` x the jump; any run three times that long),
  start a new segment: those points are reported (the shift is flagged once) and the level is then
  computed from the new segment only, so the shift is absorbed instead of flagged for weeks.
- **Feedback**: points marked ``accepted`` (an anomaly a person called "planned activity" or
  "not an anomaly") are never flagged; a step that began inside an accepted period is absorbed
  at once when the period ends.

Everything is vectorised across series: :func:`detect_matrix` walks the time axis once for a
whole (series x points) matrix, which is what makes 10,000 scope series a few seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
Direction = Literal["up", "down", "both"]

MAD_TO_SIGMA = 1.4826


@dataclass(frozen=True)
class DetectorSettings:
    """Thresholds and windows. Windows left ``None`` are derived from the period."""

    z_threshold: float = 4.5
    min_impact: float = 0.0
    min_percent: float = 0.0
    direction: Direction = "both"
    season_cycles: int = 4
    level_window: int | None = None
    scale_window: int | None = None
    shift_confirm: int = 3
    shift_stability: float = 0.5
    relative_scale_floor: float = 0.01
    absolute_scale_floor: float = 1e-9
    mean_deviation_floor: float = 0.0

    def windows(self, period: int) -> tuple[int, int, int]:
        """``(level_window, scale_window, warmup)`` in points for ``period``."""
        level = self.level_window or int(min(max(2 * period, 14), 48))
        scale = self.scale_window or int(min(max(2 * period, 4 * level, 28), 720))
        warmup = max(2 * period, level) if period > 1 else level
        return level, scale, warmup


@dataclass(frozen=True)
class MatrixDetection:
    """Per-point results, each shaped like the input matrix (series x points).

    ``score`` is |actual - expected| / scale (0 where the value is missing); ``residual`` is
    actual - expected (NaN where missing or in the warm-up); ``lower`` and ``upper`` are
    ``expected -/+ z_threshold x scale``; ``flags`` are the reported anomalies.
    """

    expected: FloatArray
    lower: FloatArray
    upper: FloatArray
    score: FloatArray
    flags: BoolArray
    period: int
    warmup: int
    residual: FloatArray


def row_nanmedian(values: FloatArray) -> FloatArray:
    """Median of each row ignoring NaN (NaN for an all-NaN row); faster than ``np.nanmedian``
    on many short rows because it is one sort plus two gathers."""
    ordered = np.sort(values, axis=1)  # NaN sorts last
    count = np.count_nonzero(~np.isnan(values), axis=1)
    lo = np.maximum(count - 1, 0) // 2
    hi = count // 2
    hi = np.minimum(hi, values.shape[1] - 1)
    a = np.take_along_axis(ordered, lo[:, None], axis=1)[:, 0]
    b = np.take_along_axis(ordered, hi[:, None], axis=1)[:, 0]
    median: FloatArray = (a + b) / 2.0
    median[count == 0] = np.nan
    return median


def _initial_fit(values: FloatArray, period: int, warmup: int) -> tuple[FloatArray, FloatArray]:
    """Level and per-phase offsets fitted on the warm-up points (batch, not causal)."""
    head = values[:, :warmup]
    level = row_nanmedian(head)
    level = np.where(np.isnan(level), 0.0, level)
    offsets = np.zeros((values.shape[0], max(period, 1)))
    if period > 1:
        for phase in range(period):
            cols = head[:, phase::period]
            if cols.shape[1]:
                offsets[:, phase] = row_nanmedian(cols - level[:, None])
        # not centred: offsets are relative to the median level, as in the causal pass
        offsets = np.where(np.isnan(offsets), 0.0, offsets)
    return level, offsets


def detect_matrix(
    values: npt.ArrayLike,
    *,
    period: int,
    settings: DetectorSettings | None = None,
    accepted: npt.ArrayLike | None = None,
) -> MatrixDetection:
    """Run the detector on every row of ``values`` (series x points; NaN = missing).

    ``period`` is the seasonal period in points (1 = no seasonality). ``accepted`` (same shape,
    bool) marks points covered by feedback ("planned activity" / "not an anomaly"). Points in the
    warm-up (the first ``warmup`` points) are never flagged.
    """
    cfg = settings or DetectorSettings()
    y = np.array(values, dtype=np.float64, ndmin=2)
    n_series, n = y.shape
    period = max(int(period), 1)
    ok_mask = (
        np.zeros_like(y, dtype=bool)
        if accepted is None
        else np.array(accepted, dtype=bool, ndmin=2).reshape(y.shape)
    )
    level_w, scale_w, warmup = cfg.windows(period)
    warmup = min(warmup, n)

    expected = np.full_like(y, np.nan)
    lower = np.full_like(y, np.nan)
    upper = np.full_like(y, np.nan)
    score = np.zeros_like(y)
    flags = np.zeros_like(y, dtype=bool)
    if n == 0 or n_series == 0:
        return MatrixDetection(
            expected, lower, upper, score, flags, period, warmup, np.full_like(y, np.nan)
        )

    clean = y.copy()
    level = np.zeros_like(y)
    seas = np.zeros_like(y)
    resid = np.full_like(y, np.nan)
    raw_resid = np.full_like(y, np.nan)

    # Warm-up: a batch fit, refitted once without its outliers (which are not reported, as
    # there is no baseline yet, but must not shape the baseline either).
    head = y[:, :warmup].copy()
    phases = np.arange(warmup) % period
    for _ in range(2):
        level0, offsets = _initial_fit(head, period, warmup)
        fitted = level0[:, None] + offsets[:, phases]
        head_r = y[:, :warmup] - fitted
        sigma0 = MAD_TO_SIGMA * row_nanmedian(np.abs(head_r - row_nanmedian(head_r)[:, None]))
        sigma0 = np.maximum(
            np.where(np.isnan(sigma0), 0.0, sigma0),
            np.maximum(cfg.relative_scale_floor * np.abs(level0), cfg.absolute_scale_floor),
        )
        wild = np.abs(head_r) > cfg.z_threshold * sigma0[:, None]
        head = np.where(wild, np.nan, y[:, :warmup])
    level[:, :warmup] = level0[:, None]
    seas[:, :warmup] = offsets[:, phases]
    expected[:, :warmup] = fitted
    clean[:, :warmup] = np.where(wild, fitted, y[:, :warmup])
    resid[:, :warmup] = np.where(wild, np.nan, head_r)
    raw_resid[:, :warmup] = head_r
    mean_floor = cfg.mean_deviation_floor

    # Phases next to each other are pooled when a period has many points (minutes of a day).
    spread = period // 96 if period > 1 else 0
    season_lags = [
        k * period - d for k in range(1, cfg.season_cycles + 1) for d in range(-spread, spread + 1)
    ]
    seg_start = np.zeros(n_series, dtype=np.int64)
    run_start = np.zeros(n_series, dtype=np.int64)
    run_len = np.zeros(n_series, dtype=np.int64)
    run_sign = np.zeros(n_series)
    rows = np.arange(n_series)
    z = cfg.z_threshold
    min_pct = cfg.min_percent / 100.0

    for t in range(warmup, n):
        # seasonal offset of this phase
        if period > 1:
            cols = [t - lag for lag in season_lags if 0 <= t - lag < t]
            seas_t = row_nanmedian(clean[:, cols] - level[:, cols])
            seas_t = np.where(np.isnan(seas_t), 0.0, seas_t)
        else:
            seas_t = np.zeros(n_series)
        # level of the current segment
        lo = max(t - level_w, 0)
        window = clean[:, lo:t] - seas[:, lo:t]
        before_segment = np.arange(lo, t)[None, :] < seg_start[:, None]
        window = np.where(before_segment, np.nan, window)
        level_t = row_nanmedian(window)
        level_t = np.where(np.isnan(level_t), level[:, t - 1], level_t)
        exp_t = level_t + seas_t
        # scale from recent residuals of points that were not anomalous
        r_window = resid[:, max(t - scale_w, 0) : t]
        centre = row_nanmedian(r_window)
        mad = row_nanmedian(np.abs(r_window - centre[:, None]))
        sigma = MAD_TO_SIGMA * np.where(np.isnan(mad), 0.0, mad)
        if mean_floor > 0:
            raw_window = raw_resid[:, max(t - scale_w, 0) : t]
            raw_centre = row_nanmedian(raw_window)
            deviation = np.abs(raw_window - raw_centre[:, None])
            known = np.count_nonzero(~np.isnan(deviation), axis=1)
            spread_t = np.nansum(deviation, axis=1) / np.maximum(known, 1)
            sigma = np.maximum(sigma, mean_floor * spread_t)
        sigma = np.maximum(
            sigma,
            np.maximum(cfg.relative_scale_floor * np.abs(exp_t), cfg.absolute_scale_floor),
        )

        y_t = y[:, t]
        present = ~np.isnan(y_t)
        r_t = np.where(present, y_t - exp_t, 0.0)
        score_t = np.abs(r_t) / sigma
        out = (
            present
            & (score_t >= z)
            & (np.abs(r_t) >= cfg.min_impact)
            & (np.abs(r_t) >= min_pct * np.abs(exp_t))
        )
        sign_t = np.sign(r_t)
        if cfg.direction == "up":
            reportable = out & (sign_t > 0)
        elif cfg.direction == "down":
            reportable = out & (sign_t < 0)
        else:
            reportable = out

        # level-shift bookkeeping (both directions, whatever is reported)
        continuing = out & (run_len > 0) & (sign_t == run_sign)
        run_start = np.where(out & ~continuing, t, run_start)
        run_len = np.where(out, np.where(continuing, run_len + 1, 1), 0)
        run_sign = np.where(out, sign_t, 0.0)
        started_in_feedback = ok_mask[rows, run_start] & ~ok_mask[:, t]
        confirm = out & started_in_feedback
        m = cfg.shift_confirm
        for i in np.flatnonzero(out & (run_len >= m) & ~confirm):
            # a step, not a spike: the run sits at one new level (or has lasted long anyway)
            recent = y[i, t - m + 1 : t + 1] - np.append(seas[i, t - m + 1 : t], seas_t[i])
            jump: float = abs(float(np.nanmedian(recent)) - float(level_t[i]))
            width = float(np.nanmax(recent) - np.nanmin(recent))
            confirm[i] = width <= cfg.shift_stability * jump or run_len[i] >= 3 * m

        level[:, t] = level_t
        seas[:, t] = seas_t
        expected[:, t] = exp_t
        lower[:, t] = exp_t - z * sigma
        upper[:, t] = exp_t + z * sigma
        score[:, t] = score_t
        flags[:, t] = reportable & ~ok_mask[:, t]
        clean[:, t] = np.where(out, exp_t, y_t)
        resid[:, t] = np.where(out | ~present, np.nan, r_t)
        raw_resid[:, t] = np.where(present, r_t, np.nan)

        for i in np.flatnonzero(confirm):
            start = int(run_start[i])
            seg_start[i] = start
            clean[i, start : t + 1] = y[i, start : t + 1]
            new_level = np.nanmedian(y[i, start : t + 1] - seas[i, start : t + 1])
            level[i, start : t + 1] = new_level
            run_len[i] = 0
            if started_in_feedback[i]:
                # a step that began in a planned period is the new normal, not an anomaly
                flags[i, t] = False

    residual = np.where(np.arange(n)[None, :] < warmup, np.nan, y - expected)
    return MatrixDetection(expected, lower, upper, score, flags, period, warmup, residual)


def event_spans(flags: npt.ArrayLike) -> list[tuple[int, int]]:
    """Runs of consecutive flagged points as half-open index ranges ``[start, end)``."""
    row = np.asarray(flags, dtype=bool)
    if row.size == 0:
        return []
    padded = np.concatenate(([False], row, [False]))
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def _strongest_period(y: FloatArray, candidates: list[int], floor: float) -> int:
    if y.size == 0 or np.std(y) == 0:
        return 1
    centred = y - y.mean()
    denom = float(np.dot(centred, centred))
    best, best_acf = 1, floor
    for p in candidates:
        if p < 2 or y.size < 3 * p:
            continue
        acf = float(np.dot(centred[:-p], centred[p:]) / denom)
        if acf > best_acf:
            best, best_acf = p, acf
    return best


def choose_period(values: npt.ArrayLike, candidates: list[int]) -> int:
    """The candidate period with the strongest autocorrelation (at least 0.3), else 1.

    Only candidates with at least three full cycles in the data are considered. When the raw
    series shows no season, a copy clipped to a robust band is tried with a stricter bar
    (0.6): one large spike can carry most of the variance and hide a clean weekly pattern.
    Last, the ranks of the values are tried (0.3): a sparse count that is zero most hours and
    bursts at the same hour every day has a clear daily pattern in its ranks only.
    """
    y = np.asarray(values, dtype=np.float64)
    y = y[~np.isnan(y)]
    if y.size == 0 or np.nanstd(y) == 0:
        return 1
    raw = _strongest_period(y, candidates, 0.3)
    if raw > 1:
        return raw
    median = float(np.median(y))
    mad = float(np.median(np.abs(y - median)))
    if mad > 0:
        low, high = median - 4.5 * MAD_TO_SIGMA * mad, median + 4.5 * MAD_TO_SIGMA * mad
    else:
        low, high = (float(q) for q in np.quantile(y, [0.05, 0.95]))
    clipped = _strongest_period(np.clip(y, low, high), candidates, 0.6)
    if clipped > 1:
        return clipped
    return _strongest_period(average_ranks(y), candidates, 0.3)


def average_ranks(values: FloatArray) -> FloatArray:
    """0-based ranks of ``values``, ties sharing their average rank."""
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    ends = np.cumsum(counts)
    ranks: FloatArray = ((ends - counts + ends - 1) / 2.0)[inverse]
    return ranks


def candidate_periods(step_seconds: float) -> list[int]:
    """Seasonal periods worth trying for a sampling step: the day and the week."""
    day = 86_400.0
    out: list[int] = []
    for span in (day, 7 * day):
        points = span / step_seconds
        if points >= 2 and abs(points - round(points)) < 1e-6:
            out.append(round(points))
    return out
