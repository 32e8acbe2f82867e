"""Forecasting models over plain arrays: seasonal naive, seasonal moving average, ETS (on the
values, and on their logarithm for positive growing series), Prophet (with public holidays).

Every model takes a :class:`TrainingData` (evenly spaced values, their timestamps and seasonal
period) and a horizon, and returns a :class:`ModelForecast`: point forecasts with 80% and 95%
prediction intervals, one value per future step. Models are deterministic: the same input gives
the same output (Prophet's sampled intervals use a fixed seed and restore the global NumPy
random state afterwards). Nothing here reads or writes files, the network or a database.

``reuse`` is a per-series dictionary a model may use to carry estimates from one backtest origin
to the next (ETS estimates its smoothing parameters once, on the earliest origin, and only
re-filters the longer histories with them), so a rolling-origin backtest stays cheap.
"""

from __future__ import annotations

import contextlib
import logging
import math
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from finops.forecasting.series import FloatArray, Frequency, future_timestamps

Z_80 = 1.2815515655446004  # standard normal quantile 0.90
Z_95 = 1.959963984540054  # standard normal quantile 0.975
PROPHET_SEED = 20240229
PROPHET_SAMPLES = 300
MAX_ETS_SEASON = 60  # longer cycles (e.g. 5-minute data) make the seasonal state too large

Reuse = dict[str, Any]


class ModelFailedError(Exception):
    """A model could not be fitted to this series (too short, degenerate, did not converge)."""


def _no_days() -> npt.NDArray[np.datetime64]:
    return np.array([], dtype="datetime64[D]")


@dataclass(frozen=True)
class TrainingData:
    """Evenly spaced history: ``values[i]`` observed at ``timestamps[i]``.

    ``holidays`` are public-holiday days (``datetime64[D]``, history and future alike) that a
    daily model may treat as known calendar effects; empty for other frequencies.
    """

    values: FloatArray
    timestamps: npt.NDArray[np.datetime64]
    frequency: Frequency
    holidays: npt.NDArray[np.datetime64] = field(default_factory=_no_days)

    @property
    def season(self) -> int:
        return self.frequency.season

    def head(self, length: int) -> TrainingData:
        """The first ``length`` observations (a backtest's training window)."""
        return TrainingData(
            self.values[:length], self.timestamps[:length], self.frequency, self.holidays
        )


@dataclass(frozen=True)
class ModelForecast:
    """Point forecasts and 80% / 95% prediction intervals, one value per future step."""

    yhat: FloatArray
    lower_80: FloatArray
    upper_80: FloatArray
    lower_95: FloatArray
    upper_95: FloatArray

    def __len__(self) -> int:
        return len(self.yhat)

    def head(self, length: int) -> ModelForecast:
        return ModelForecast(
            self.yhat[:length],
            self.lower_80[:length],
            self.upper_80[:length],
            self.lower_95[:length],
            self.upper_95[:length],
        )

    def clipped_at_zero(self) -> ModelForecast:
        """The same forecast with every value floored at 0 (for series that cannot go negative)."""
        return ModelForecast(*(np.maximum(a, 0.0) for a in self._arrays()))

    def _arrays(self) -> tuple[FloatArray, ...]:
        return (self.yhat, self.lower_80, self.upper_80, self.lower_95, self.upper_95)


def normal_bands(yhat: FloatArray, sd: FloatArray) -> ModelForecast:
    """80% and 95% intervals of a normal forecast distribution with standard deviation ``sd``."""
    return ModelForecast(
        yhat=yhat,
        lower_80=yhat - Z_80 * sd,
        upper_80=yhat + Z_80 * sd,
        lower_95=yhat - Z_95 * sd,
        upper_95=yhat + Z_95 * sd,
    )


def _rms(errors: FloatArray) -> float:
    return float(np.sqrt(np.mean(errors**2))) if len(errors) else 0.0


def _usable_season(train: TrainingData, cycles: int) -> int:
    """The seasonal period when the history holds at least ``cycles`` full cycles, else 1."""
    m = train.season
    return m if m > 1 and len(train.values) >= cycles * m else 1


# ----------------------------------------------------------------------------- seasonal naive


def seasonal_naive(train: TrainingData, horizon: int, reuse: Reuse | None = None) -> ModelForecast:
    """Repeat the last full cycle (the last value when there is no usable cycle).

    Interval: the in-sample seasonal differences' RMS ``s``, widened as a seasonal random walk,
    ``s * sqrt(k)`` for a step in the k-th future cycle.
    """
    y = train.values
    m = _usable_season(train, 2)
    steps = np.arange(horizon)
    yhat = y[len(y) - m + steps % m].astype(np.float64)
    sigma = _rms(y[m:] - y[:-m])
    sd = sigma * np.sqrt(steps // m + 1.0)
    return normal_bands(yhat, sd)


# ----------------------------------------------------------------------------- moving average

SMA_WINDOW = 28  # observations averaged (rounded to whole cycles)


def seasonal_moving_average(
    train: TrainingData, horizon: int, reuse: Reuse | None = None
) -> ModelForecast:
    """Average of the same phase over the last cycles (a plain SMA when there is no season).

    Uses ``k = max(4, 28 // m)`` cycles of period ``m`` (fewer when the history is shorter).
    Interval: normal, from the RMS of the same rule's in-sample errors ``s``, ``s*sqrt(1+1/k)``.
    """
    y = train.values
    n = len(y)
    m = _usable_season(train, 2)
    cycles = max(1, min(max(4, SMA_WINDOW // m), n // m))
    profile = y[n - cycles * m :].reshape(cycles, m).mean(axis=0)
    yhat = profile[np.arange(horizon) % m].astype(np.float64)
    start = cycles * m
    if n > start:
        fitted = sum(y[start - j * m : n - j * m] for j in range(1, cycles + 1)) / cycles
        sigma = _rms(y[start:] - fitted)
    else:
        sigma = float(np.std(y))
    sd = np.full(horizon, sigma * math.sqrt(1.0 + 1.0 / cycles))
    return normal_bands(yhat, sd)


# ----------------------------------------------------------------------------- ETS


def _ets(
    y: FloatArray, season: int, horizon: int, reuse: Reuse | None, key: str
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """Mean and 80% / 95% bounds of the additive-error, damped-trend ETS of ``y`` (see
    :func:`exponential_smoothing`); ``reuse[key]`` carries the fitted parameters."""
    from statsmodels.tsa.exponential_smoothing.ets import (  # type: ignore[import-untyped]
        ETSModel,
    )

    n = len(y)
    if n < 10:
        raise ModelFailedError("ETS needs at least 10 observations")
    seasonal = 2 <= season <= MAX_ETS_SEASON and n >= 2 * season + 10
    spec = ("add", True, season if seasonal else 0)
    # Scale to unit size: the optimiser behaves the same for cents and for millions.
    scale = float(np.max(np.abs(y))) or 1.0
    model = ETSModel(
        pd.Series(y / scale),
        error="add",
        trend="add",
        damped_trend=True,
        seasonal="add" if seasonal else None,
        seasonal_periods=season if seasonal else None,
        # Initial states from a classical decomposition instead of the optimiser: ten times
        # faster than estimating them, for a small loss of likelihood.
        initialization_method="heuristic",
    )
    cached = reuse.get(key) if reuse is not None else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            if cached is not None and cached[0] == spec:
                result = model.smooth(cached[1])
            else:
                result = model.fit(disp=False, maxiter=200)
                if reuse is not None:
                    reuse[key] = (spec, np.asarray(result.params))
            prediction = result.get_prediction(start=n, end=n + horizon - 1)
            frame_80 = prediction.summary_frame(alpha=0.20)
            frame_95 = prediction.summary_frame(alpha=0.05)
        except (ValueError, np.linalg.LinAlgError) as exc:
            raise ModelFailedError(f"ETS failed: {exc}") from exc
    arrays = (
        frame_80["mean"],
        frame_80["pi_lower"],
        frame_80["pi_upper"],
        frame_95["pi_lower"],
        frame_95["pi_upper"],
    )
    out = tuple(a.to_numpy(dtype=np.float64) * scale for a in arrays)
    if not all(np.all(np.isfinite(a)) for a in out):
        raise ModelFailedError("ETS produced a non-finite forecast")
    return out[0], out[1], out[2], out[3], out[4]


def exponential_smoothing(
    train: TrainingData, horizon: int, reuse: Reuse | None = None
) -> ModelForecast:
    """Additive-error ETS with additive damped trend and additive seasonality (statsmodels
    ``ETSModel``: smoothing parameters by maximum likelihood, initial states by the heuristic
    decomposition), with its analytic prediction intervals.

    The seasonal component is dropped when the history is shorter than two cycles plus ten
    observations or the cycle is longer than 60 steps.
    """
    return ModelForecast(*_ets(train.values, train.season, horizon, reuse, "ets"))


MAX_LOG_FORECAST = 700.0  # exp() of more overflows a float


def log_exponential_smoothing(
    train: TrainingData, horizon: int, reuse: Reuse | None = None
) -> ModelForecast:
    """The same ETS fitted to ``log(y)`` and transformed back: multiplicative trend and season,
    errors proportional to the level (a positive, growing series such as a cost that grows a
    few percent a month).

    The point forecast is ``exp`` of the log forecast (the median of the implied log-normal
    distribution, the value that minimises absolute error); bounds are ``exp`` of the log
    bounds (quantiles survive a monotone transform). Refuses (``ModelFailedError``) a series
    with a value <= 0.
    """
    y = train.values
    if len(y) == 0 or float(np.min(y)) <= 0:
        raise ModelFailedError("the log model needs a strictly positive series")
    arrays = _ets(np.log(y), train.season, horizon, reuse, "ets_log")
    if max(float(np.max(a)) for a in arrays) > MAX_LOG_FORECAST:
        raise ModelFailedError("the log model's forecast overflows")
    return ModelForecast(*(np.exp(a) for a in arrays))


# ----------------------------------------------------------------------------- Prophet

_PROPHET_CLASS: Any = None


def _prophet_class() -> Any:
    """Import Prophet once, quietly (it logs about plotly and every cmdstan run otherwise)."""
    global _PROPHET_CLASS
    if _PROPHET_CLASS is None:
        logging.getLogger("prophet.plot").disabled = True  # "Importing plotly failed"
        # cmdstanpy installs its own INFO console handler unless the logger has one.
        logging.getLogger("cmdstanpy").addHandler(logging.NullHandler())
        from prophet import Prophet

        # Set after the import: Prophet sets its logger to INFO when it is imported.
        for name in ("prophet", "cmdstanpy"):
            logging.getLogger(name).setLevel(logging.WARNING)

        _PROPHET_CLASS = Prophet
    return _PROPHET_CLASS


@contextlib.contextmanager
def _seeded_global_random(seed: int) -> Iterator[None]:
    # Prophet draws its uncertainty samples from NumPy's global generator.
    state = np.random.get_state()
    np.random.seed(seed)
    try:
        yield
    finally:
        np.random.set_state(state)


def _prophet_holidays(train: TrainingData, future: pd.Series) -> pd.DataFrame | None:
    """The holiday days of a daily series that fall in its history (at least one, so Prophet can
    estimate the effect) as Prophet's ``holidays`` frame (one shared effect ``public``)."""
    if not train.frequency.is_daily or len(train.holidays) == 0:
        return None
    first = train.timestamps[0].astype("datetime64[D]")
    last = np.datetime64(pd.Timestamp(future.iloc[-1]).date(), "D")
    days = train.holidays[(train.holidays >= first) & (train.holidays <= last)]
    if not np.any(days < train.timestamps[-1].astype("datetime64[D]")):
        return None
    return pd.DataFrame({"holiday": "public", "ds": pd.to_datetime(days)})


def prophet(train: TrainingData, horizon: int, reuse: Reuse | None = None) -> ModelForecast:
    """Prophet (bundled Stan model, MAP fit) with its own trend and seasonality defaults, and
    for a daily series the public holidays in ``train.holidays`` as one holiday effect.

    Intervals are the 10/90% and 2.5/97.5% quantiles of 300 predictive samples drawn with a fixed
    seed, so the result is reproducible.
    """
    if len(train.values) < 14:
        raise ModelFailedError("Prophet needs at least 14 observations")
    prophet_class = _prophet_class()
    history = pd.DataFrame({"ds": train.timestamps, "y": train.values})
    future = pd.DataFrame({"ds": future_timestamps(train.timestamps[-1], train.frequency, horizon)})
    model = prophet_class(uncertainty_samples=0, holidays=_prophet_holidays(train, future["ds"]))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pandas deprecations inside Prophet
            # L-BFGS always: Prophet picks Newton below 100 points, which can take seconds.
            model.fit(history, seed=PROPHET_SEED, algorithm="LBFGS")
            # What ``predict`` + ``predictive_samples`` compute, without building every
            # component column twice (a third of Prophet's time on a short series).
            frame = model.setup_dataframe(future.copy())
            trend = np.asarray(model.predict_trend(frame), dtype=np.float64)
            terms = model.predict_seasonal_components(frame)
            yhat = trend * (1 + terms["multiplicative_terms"].to_numpy(dtype=np.float64))
            yhat = yhat + terms["additive_terms"].to_numpy(dtype=np.float64)
            model.uncertainty_samples = PROPHET_SAMPLES
            with _seeded_global_random(PROPHET_SEED):
                drawn = model.sample_posterior_predictive(frame, True, None)
            samples = np.asarray(drawn["yhat"], dtype=np.float64)
    except RuntimeError as exc:
        raise ModelFailedError(f"Prophet failed: {exc}") from exc
    low_95, low_80, high_80, high_95 = np.quantile(samples, [0.025, 0.10, 0.90, 0.975], axis=1)
    return ModelForecast(yhat, low_80, high_80, low_95, high_95)


# ----------------------------------------------------------------------------- registry

ModelFunction = Callable[[TrainingData, int, Reuse | None], ModelForecast]

MODELS: dict[str, ModelFunction] = {
    "seasonal_naive": seasonal_naive,
    "sma": seasonal_moving_average,
    "ets": exponential_smoothing,
    "ets_log": log_exponential_smoothing,
    "prophet": prophet,
}
"""Every model by name, simplest first (the order breaks ties in model choice)."""
