"""Rolling-origin backtest, accuracy scores, model choice and calibrated intervals (pure).

:func:`forecast_with_model_choice` is the one entry point every adapter uses: it backtests the
candidate models on the series' own recent past, adds the mean of the two best ones (an
ensemble, named ``a+b``), picks the candidate with the lowest MASE (ties go to the simpler
one: single models in registry order, then the ensemble), refits it on the whole history,
forecasts ``horizon`` steps and replaces the model's own interval widths by the ones its
backtest errors call for (:mod:`finops.forecasting.calibration`, split conformal).

Backtest design. The fold horizon is ``min(horizon, (n - min_train) // 2)``; origins (training
lengths) are ``n - h``, ``n - h - step``, ... with ``step = max(1, h // 2)`` (folds may
overlap), at most ``origins`` (default 5) of them, none shorter than
``min_train = max(3 * season, 28)``: a long history gets five origins, a short one fewer.
Every candidate is scored on the same folds, the earliest origin first (so an estimate a model
carries forward never saw the data it is scored on). Racing: a model whose mean MASE over the
first half of the folds (the first fold of two, the first three of five) exceeds 1.25 times
the best one's is not fitted on the later folds (it is listed under ``dropped`` with that
MASE); the others are scored on every fold, which is what the calibration needs.

Scores, pooled over folds: MASE (mean absolute error divided by the in-sample mean absolute
seasonal difference of each fold's training data), MAPE and sMAPE in percent (MAPE skips actual
zeros), and the share of actuals inside the model's own 80% and 95% intervals (before
calibration).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from finops.forecasting.calibration import SD_FLOOR, Calibration, calibrate
from finops.forecasting.models import (
    MODELS,
    ModelFailedError,
    ModelForecast,
    Reuse,
    TrainingData,
)
from finops.forecasting.monthstart import MonthStartCharge, month_start_charges
from finops.forecasting.series import FloatArray, RegularSeries

REPORT_HORIZONS = (7, 30, 90, 180)
DEFAULT_ORIGINS = 5
FALLBACK_MODEL = "sma"
RACE_FACTOR = 1.25
ENSEMBLE_JOIN = "+"
CALIBRATION_ORIGINS = 12
SLOW_MODELS = frozenset({"prophet"})


@dataclass(frozen=True)
class Scores:
    """Accuracy of one model over a set of backtest points."""

    mase: float
    mape: float | None
    smape: float
    coverage_80: float
    coverage_95: float
    points: int

    def as_dict(self) -> dict[str, float | int | None]:
        return {
            "mase": _round(self.mase),
            "mape": None if self.mape is None else _round(self.mape),
            "smape": _round(self.smape),
            "coverage_80": _round(self.coverage_80),
            "coverage_95": _round(self.coverage_95),
            "points": self.points,
        }


def _round(value: float) -> float:
    return float(round(value, 6))


@dataclass(frozen=True)
class BacktestResult:
    """Scores per model (over the whole fold horizon, and per reported horizon prefix)."""

    horizon: int
    origins: list[int]
    scores: dict[str, Scores]
    by_horizon: dict[str, dict[int, Scores]]
    failed: dict[str, str] = field(default_factory=dict)
    dropped: dict[str, float] = field(default_factory=dict)
    # per candidate, its raw (unclipped) forecast of every fold; the folds' actuals and MASE
    # scales (not serialised: what the ensemble and the calibration are built from)
    forecasts: dict[str, list[ModelForecast]] = field(default_factory=dict, repr=False)
    actuals: list[FloatArray] = field(default_factory=list, repr=False)
    scales: list[float] = field(default_factory=list, repr=False)

    def ranking(self, order: Sequence[str]) -> list[str]:
        """Candidates by MASE; ties go to the earlier model in ``order``, an ensemble last."""

        def rank(name: str) -> tuple[float, int]:
            return self.scores[name].mase, order.index(name) if name in order else len(order)

        return sorted(self.scores, key=rank)

    def best(self, order: Sequence[str]) -> str:
        """The candidate with the lowest MASE (see :meth:`ranking`)."""
        return self.ranking(order)[0]

    def as_dict(self) -> dict[str, object]:
        return {
            "horizon": self.horizon,
            "origins": list(self.origins),
            "scores": {name: s.as_dict() for name, s in self.scores.items()},
            "by_horizon": {
                name: {str(h): s.as_dict() for h, s in per.items()}
                for name, per in self.by_horizon.items()
            },
            "failed": dict(self.failed),
            "dropped_after_first_fold": dict(self.dropped),
        }


@dataclass(frozen=True)
class SeriesForecast:
    """The chosen model's forecast of a series, with the backtest that chose it."""

    model: str
    timestamps: np.ndarray
    forecast: ModelForecast
    backtest: BacktestResult | None
    calibration: Calibration | None = None
    month_start: MonthStartCharge | None = None


def mase_scale(train: FloatArray, season: int) -> float:
    """In-sample mean absolute seasonal difference (lag ``season``, lag 1 when too short)."""
    lag = season if len(train) > season else 1
    if len(train) <= lag:
        return 0.0
    return float(np.mean(np.abs(train[lag:] - train[:-lag])))


@dataclass
class _Pooled:
    abs_err: list[FloatArray] = field(default_factory=list)
    scaled: list[FloatArray] = field(default_factory=list)
    actual: list[FloatArray] = field(default_factory=list)
    predicted: list[FloatArray] = field(default_factory=list)
    in_80: list[FloatArray] = field(default_factory=list)
    in_95: list[FloatArray] = field(default_factory=list)

    def add(self, actual: FloatArray, fc: ModelForecast, scale: float) -> None:
        err = np.abs(actual - fc.yhat)
        self.abs_err.append(err)
        self.scaled.append(err / scale)
        self.actual.append(actual)
        self.predicted.append(fc.yhat)
        self.in_80.append(((actual >= fc.lower_80) & (actual <= fc.upper_80)).astype(float))
        self.in_95.append(((actual >= fc.lower_95) & (actual <= fc.upper_95)).astype(float))

    def scores(self, prefix: int | None = None) -> Scores:
        def cat(parts: list[FloatArray]) -> FloatArray:
            return np.concatenate([p[:prefix] for p in parts])

        err, actual, predicted = cat(self.abs_err), cat(self.actual), cat(self.predicted)
        nonzero = np.abs(actual) > 1e-12
        mape = (
            float(np.mean(err[nonzero] / np.abs(actual[nonzero])) * 100) if nonzero.any() else None
        )
        denominator = np.abs(actual) + np.abs(predicted)
        smape_terms = np.where(
            denominator > 0, 2 * err / np.where(denominator > 0, denominator, 1), 0
        )
        return Scores(
            mase=float(np.mean(cat(self.scaled))),
            mape=mape,
            smape=float(np.mean(smape_terms) * 100),
            coverage_80=float(np.mean(cat(self.in_80))),
            coverage_95=float(np.mean(cat(self.in_95))),
            points=len(err),
        )


def backtest_origins(n: int, horizon: int, season: int, origins: int) -> tuple[int, list[int]]:
    """The fold horizon and the training lengths of the backtest (earliest first); no origins
    when the series is too short to hold out anything."""
    min_train = max(3 * season, 28)
    fold = min(horizon, (n - min_train) // 2)
    if fold < 1:
        return 0, []
    step = max(1, fold // 2)
    lengths = [n - fold - i * step for i in range(origins)]
    return fold, sorted(length for length in lengths if length >= min_train)


def _fold_scale(window: FloatArray, season: int) -> float:
    scale = mase_scale(window, season)
    return max(scale, 1e-9 * max(1.0, float(np.mean(np.abs(window))))) if len(window) else 1.0


def mean_forecast(forecasts: Iterable[ModelForecast]) -> ModelForecast:
    """The step-by-step mean of forecasts (point forecasts and bounds alike)."""
    parts = list(forecasts)
    return ModelForecast(*(np.mean([getattr(f, k) for f in parts], axis=0) for k in _BAND_FIELDS))


_BAND_FIELDS = ("yhat", "lower_80", "upper_80", "lower_95", "upper_95")


def run_backtest(
    series: RegularSeries,
    horizon: int,
    *,
    models: Sequence[str],
    origins: int = DEFAULT_ORIGINS,
    nonnegative: bool = False,
    holidays: npt.NDArray[np.datetime64] | None = None,
    ensemble: bool = True,
    stop_when_alone: bool = False,
) -> BacktestResult | None:
    """Score every model in ``models`` on the rolling origins (see module docstring), plus
    (``ensemble``) the mean of the two best survivors.

    A model that fails on any fold is left out of ``scores`` and named in ``failed``. With
    ``stop_when_alone`` the backtest stops once racing leaves one model (its scores then cover
    the first fold only; no calibration can be built from that). Returns ``None`` when the
    series is too short to backtest.
    """
    train = TrainingData(series.values, series.timestamps, series.frequency)
    if holidays is not None:
        train = TrainingData(train.values, train.timestamps, train.frequency, holidays)
    season = series.frequency.season
    fold, lengths = backtest_origins(len(series), horizon, season, origins)
    if not lengths:
        return None
    raw: dict[str, list[ModelForecast]] = {name: [] for name in models}
    reuse: dict[str, Reuse] = {name: {} for name in models}
    failed: dict[str, str] = {}
    dropped: dict[str, float] = {}
    actuals: list[FloatArray] = []
    scales: list[float] = []
    for number, length in enumerate(lengths):
        window = train.head(length)
        scales.append(_fold_scale(window.values, season))
        actuals.append(series.values[length : length + fold])
        for name in list(raw):
            try:
                raw[name].append(MODELS[name](window, fold, reuse[name]))
            except ModelFailedError as exc:
                failed[name] = str(exc)
                del raw[name]
        if number == (len(lengths) - 1) // 2 and len(lengths) > 1 and raw:
            # Racing: a model far behind on the first half of the folds cannot catch up; skip
            # its later fits.
            so_far = {
                name: float(
                    np.mean(
                        [
                            np.mean(np.abs(a - f.yhat)) / c
                            for a, f, c in zip(actuals, fcs, scales, strict=False)
                        ]
                    )
                )
                for name, fcs in raw.items()
            }
            best = min(so_far.values())
            for name, value in so_far.items():
                if value > RACE_FACTOR * best + 1e-9:
                    dropped[name] = _round(value)
                    del raw[name]
            if stop_when_alone and len(raw) == 1:
                break  # the choice is made; a lone survivor is scored on those folds only
    done = len(next(iter(raw.values()))) if raw else 0
    pooled = {name: _pool(fcs, actuals, scales, nonnegative) for name, fcs in raw.items()}
    if ensemble and len(pooled) >= 2:
        order = list(models)
        pair = sorted(pooled, key=lambda n: (pooled[n].scores().mase, order.index(n)))[:2]
        name = ENSEMBLE_JOIN.join(sorted(pair, key=order.index))
        raw[name] = [mean_forecast(f) for f in zip(*(raw[m] for m in pair), strict=True)]
        pooled[name] = _pool(raw[name], actuals, scales, nonnegative)
    reported = sorted({h for h in REPORT_HORIZONS if h < fold} | {fold})
    return BacktestResult(
        horizon=fold,
        origins=lengths,
        scores={name: pool.scores() for name, pool in pooled.items()},
        by_horizon={name: {h: pool.scores(h) for h in reported} for name, pool in pooled.items()},
        failed=failed,
        dropped=dropped,
        forecasts=raw,
        actuals=actuals[:done],
        scales=scales[:done],
    )


def _pool(
    forecasts: Sequence[ModelForecast],
    actuals: Sequence[FloatArray],
    scales: Sequence[float],
    nonnegative: bool,
) -> _Pooled:
    pool = _Pooled()
    for fc, actual, scale in zip(forecasts, actuals, scales, strict=False):
        pool.add(actual, fc.clipped_at_zero() if nonnegative else fc, scale)
    return pool


def holiday_array(days: Iterable[dt.date] | None) -> npt.NDArray[np.datetime64] | None:
    """Holiday days as sorted ``datetime64[D]`` (``None`` for none)."""
    if days is None:
        return None
    array = np.array(sorted(set(days)), dtype="datetime64[D]")
    return array if len(array) else None


def fit_candidate(name: str, train: TrainingData, horizon: int) -> ModelForecast:
    """Fit one candidate on ``train``: a registry model, or the mean of an ``a+b`` ensemble.
    Raises ``ModelFailedError`` when any member fails."""
    members = name.split(ENSEMBLE_JOIN)
    return mean_forecast(MODELS[m](train, horizon, None) for m in members)


def forecast_with_model_choice(
    series: RegularSeries,
    horizon: int,
    *,
    models: Sequence[str] = tuple(MODELS),
    origins: int = DEFAULT_ORIGINS,
    nonnegative: bool | None = None,
    holidays: Iterable[dt.date] | None = None,
    ensemble: bool = True,
    calibrated: bool = True,
    month_start: bool = True,
) -> SeriesForecast:
    """Backtest ``models`` (and, with ``ensemble``, the mean of the two best), pick the lowest
    MASE, refit it on all of ``series`` and forecast ``horizon`` steps on the series'
    frequency; with ``calibrated`` the bands are the conformal ones of the chosen candidate's
    backtest errors (its own bands when the backtest holds too few points).

    ``holidays`` (public-holiday days, history and future) reach the daily models that use
    them. ``nonnegative`` (default: the history has no negative value) floors forecasts and
    bounds at zero. A series too short to backtest gets the moving average. If the chosen
    candidate fails on the full history, the next best one is used.

    With ``month_start``, a daily series with a charge on the first day of every month has it
    taken out before the backtest and the fits, and added back to the forecast's first days
    (:mod:`finops.forecasting.monthstart`); the backtest scores and the calibration are then
    those of the ordinary days.
    """
    if horizon < 1:
        raise ValueError("horizon must be >= 1")
    unknown = [name for name in models if name not in MODELS]
    if unknown or not models:
        raise ValueError(f"unknown models {unknown}; expected some of {list(MODELS)}")
    floor = bool(np.all(series.values >= 0)) if nonnegative is None else nonnegative
    charge: MonthStartCharge | None = None
    if month_start:
        series, charge = month_start_charges(series)
    days = holiday_array(holidays) if series.frequency.is_daily else None
    backtest = run_backtest(
        series,
        horizon,
        models=models,
        origins=origins,
        nonnegative=floor,
        holidays=days,
        ensemble=ensemble,
        stop_when_alone=not calibrated,
    )
    if backtest is None or not backtest.scores:
        ranking = [FALLBACK_MODEL, "seasonal_naive"]
    else:
        ranking = backtest.ranking(list(models))
    train = TrainingData(series.values, series.timestamps, series.frequency)
    if days is not None:
        train = TrainingData(train.values, train.timestamps, train.frequency, days)
    sd_floor = SD_FLOOR * _fold_scale(series.values, series.frequency.season)
    for name in ranking:
        try:
            fc = fit_candidate(name, train, horizon)
        except ModelFailedError:
            continue
        calibration = (
            _calibration(series, train, backtest, name, nonnegative=floor) if calibrated else None
        )
        if calibration is not None:
            fc = calibration.apply(fc, sd_floor)
        future = series.future(horizon)
        if charge is not None:
            fc = charge.add_to(fc, future)
        return SeriesForecast(
            model=name,
            timestamps=future,
            forecast=fc.clipped_at_zero() if floor else fc,
            backtest=backtest,
            calibration=calibration,
            month_start=charge,
        )
    fc = MODELS["seasonal_naive"](train, horizon, None)  # cannot fail: needs one observation
    future = series.future(horizon)
    if charge is not None:
        fc = charge.add_to(fc, future)
    return SeriesForecast("seasonal_naive", future, fc, backtest, month_start=charge)


def _calibration(
    series: RegularSeries,
    train: TrainingData,
    backtest: BacktestResult | None,
    name: str,
    *,
    nonnegative: bool,
) -> Calibration | None:
    """The chosen candidate's calibration: its backtest folds, plus (when no member is slow)
    earlier folds on the same schedule up to ``CALIBRATION_ORIGINS`` origins in all, which the
    choice never saw (so the residuals are not only those of the winner on its own folds)."""
    if backtest is None or name not in backtest.forecasts:
        return None
    done = len(backtest.forecasts[name])
    forecasts = list(backtest.forecasts[name])
    actuals = list(backtest.actuals[:done])
    scales = list(backtest.scales[:done])
    members = name.split(ENSEMBLE_JOIN)
    if not SLOW_MODELS.intersection(members) and backtest.origins:
        season = series.frequency.season
        _, lengths = backtest_origins(len(series), backtest.horizon, season, CALIBRATION_ORIGINS)
        reuse: dict[str, Reuse] = {m: {} for m in members}
        for length in (x for x in lengths if x < min(backtest.origins)):
            window = train.head(length)
            try:
                fc = mean_forecast(MODELS[m](window, backtest.horizon, reuse[m]) for m in members)
            except ModelFailedError:
                continue
            forecasts.append(fc)
            actuals.append(series.values[length : length + backtest.horizon])
            scales.append(_fold_scale(window.values, season))
    floors = [SD_FLOOR * scale for scale in scales]
    return calibrate(forecasts, actuals, floors, nonnegative=nonnegative)
