"""Rolling-origin backtest, accuracy scores and model choice (pure).

:func:`forecast_with_model_choice` is the one entry point every adapter uses: it backtests the
candidate models on the series' own recent past, picks the one with the lowest MASE (ties go to
the simpler model), refits it on the whole history and forecasts ``horizon`` steps.

Backtest design. The fold horizon is ``min(horizon, (n - min_train) // 2)``; origins (training
lengths) are ``n - h``, ``n - h - step``, ... with ``step = max(1, h // 2)`` (folds may
overlap), at most ``origins`` of them, none shorter than ``min_train = max(3 * season, 28)``.
Every candidate is scored on the same folds, the earliest origin first (so an estimate a model
carries forward never saw the data it is scored on). Racing: a model whose MASE on the first
fold exceeds 1.25 times the best one's is not fitted on the later folds (it is listed under
``dropped`` with that first-fold MASE); when a single model is left, the backtest stops there
(its scores then cover the first fold only, see ``points``). This saves a third of the fits.

Scores, pooled over folds: MASE (mean absolute error divided by the in-sample mean absolute
seasonal difference of each fold's training data), MAPE and sMAPE in percent (MAPE skips actual
zeros), and the share of actuals inside the 80% and 95% intervals.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from finops.forecasting.models import (
    MODELS,
    ModelFailedError,
    ModelForecast,
    Reuse,
    TrainingData,
)
from finops.forecasting.series import FloatArray, RegularSeries

REPORT_HORIZONS = (7, 30, 90, 180)
DEFAULT_ORIGINS = 2
FALLBACK_MODEL = "sma"
RACE_FACTOR = 1.25


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

    def best(self, order: Sequence[str]) -> str:
        """The model with the lowest MASE; ties go to the earlier model in ``order``."""
        ranked = sorted(self.scores, key=lambda name: (self.scores[name].mase, order.index(name)))
        return ranked[0]

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


def run_backtest(
    series: RegularSeries,
    horizon: int,
    *,
    models: Sequence[str],
    origins: int = DEFAULT_ORIGINS,
    nonnegative: bool = False,
) -> BacktestResult | None:
    """Score every model in ``models`` on the rolling origins (see module docstring).

    A model that fails on any fold is left out of ``scores`` and named in ``failed``. Returns
    ``None`` when the series is too short to backtest.
    """
    train = TrainingData(series.values, series.timestamps, series.frequency)
    fold, lengths = backtest_origins(len(series), horizon, series.frequency.season, origins)
    if not lengths:
        return None
    pooled: dict[str, _Pooled] = {name: _Pooled() for name in models}
    reuse: dict[str, Reuse] = {name: {} for name in models}
    failed: dict[str, str] = {}
    dropped: dict[str, float] = {}
    for number, length in enumerate(lengths):
        window = train.head(length)
        scale = mase_scale(window.values, series.frequency.season)
        scale = max(scale, 1e-9 * max(1.0, float(np.mean(np.abs(window.values)))))
        actual = series.values[length : length + fold]
        for name in list(pooled):
            try:
                fc = MODELS[name](window, fold, reuse[name])
            except ModelFailedError as exc:
                failed[name] = str(exc)
                del pooled[name]
                continue
            pooled[name].add(actual, fc.clipped_at_zero() if nonnegative else fc, scale)
        if number == 0 and len(lengths) > 1 and pooled:
            # Racing: a model far behind on the first fold cannot catch up; skip its later fits.
            first = {name: float(np.mean(pool.scaled[0])) for name, pool in pooled.items()}
            best = min(first.values())
            for name, value in first.items():
                if value > RACE_FACTOR * best + 1e-9:
                    dropped[name] = _round(value)
                    del pooled[name]
            if len(pooled) == 1:
                break  # the choice is made; a lone survivor is scored on the first fold only
    reported = sorted({h for h in REPORT_HORIZONS if h < fold} | {fold})
    return BacktestResult(
        horizon=fold,
        origins=lengths,
        scores={name: pool.scores() for name, pool in pooled.items()},
        by_horizon={name: {h: pool.scores(h) for h in reported} for name, pool in pooled.items()},
        failed=failed,
        dropped=dropped,
    )


def forecast_with_model_choice(
    series: RegularSeries,
    horizon: int,
    *,
    models: Sequence[str] = tuple(MODELS),
    origins: int = DEFAULT_ORIGINS,
    nonnegative: bool | None = None,
) -> SeriesForecast:
    """Backtest ``models``, pick the lowest MASE, refit it on all of ``series`` and forecast
    ``horizon`` steps on the series' frequency.

    ``nonnegative`` (default: the history has no negative value) floors forecasts and bounds at
    zero. A series too short to backtest gets the moving average. If the chosen model fails on
    the full history, the next best one is used.
    """
    if horizon < 1:
        raise ValueError("horizon must be >= 1")
    unknown = [name for name in models if name not in MODELS]
    if unknown or not models:
        raise ValueError(f"unknown models {unknown}; expected some of {list(MODELS)}")
    floor = bool(np.all(series.values >= 0)) if nonnegative is None else nonnegative
    backtest = run_backtest(series, horizon, models=models, origins=origins, nonnegative=floor)
    order = list(models)
    if backtest is None or not backtest.scores:
        ranking = [FALLBACK_MODEL, "seasonal_naive"]
    else:
        ranking = sorted(
            backtest.scores, key=lambda name: (backtest.scores[name].mase, order.index(name))
        )
    train = TrainingData(series.values, series.timestamps, series.frequency)
    for name in ranking:
        try:
            fc = MODELS[name](train, horizon, None)
        except ModelFailedError:
            continue
        return SeriesForecast(
            model=name,
            timestamps=series.future(horizon),
            forecast=fc.clipped_at_zero() if floor else fc,
            backtest=backtest,
        )
    fc = MODELS["seasonal_naive"](train, horizon, None)  # cannot fail: needs one observation
    return SeriesForecast("seasonal_naive", series.future(horizon), fc, backtest)
