"""Conformal bands, the ensemble, the log model and month-total intervals on series with known
noise (fast models only: no Prophet)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from finops.forecasting.backtest import forecast_with_model_choice, mase_scale, run_backtest
from finops.forecasting.calibration import calibrate, conformal_quantiles, sum_interval
from finops.forecasting.models import (
    ModelFailedError,
    ModelForecast,
    TrainingData,
    exponential_smoothing,
    log_exponential_smoothing,
)
from finops.forecasting.series import DAILY, RegularSeries

WEEK = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 0.65, 0.65])


def series_of(values: np.ndarray) -> RegularSeries:
    stamps = pd.date_range("2024-01-01", periods=len(values), freq="D")
    return RegularSeries(stamps.to_numpy(dtype="datetime64[ns]"), values.astype(float), DAILY)


def test_conformal_quantiles_take_the_finite_sample_order_statistics() -> None:
    # 19 scores 1..19: upper 90% is the ceil(20 * 0.9) = 18th, upper 97.5% the 20th (capped at
    # the 19th), lower 10% the 20 + 1 - ... mirror = the 2nd, lower 2.5% the 1st
    scores = np.arange(19, 0, -1, dtype=float)
    assert conformal_quantiles(scores) == (1.0, 2.0, 18.0, 19.0)


def test_calibration_fixes_a_model_whose_bands_are_half_as_wide_as_its_errors() -> None:
    rng = np.random.default_rng(5)
    horizon = 10

    def folds(count: int) -> tuple[list[ModelForecast], list[np.ndarray]]:
        fcs, actuals = [], []
        for _ in range(count):
            yhat = np.full(horizon, 50.0)
            sd = np.full(horizon, 1.0)  # the model believes sd 1; the truth is sd 2
            fcs.append(
                ModelForecast(
                    yhat, yhat - 1.2816 * sd, yhat + 1.2816 * sd, yhat - 2 * sd, yhat + 2 * sd
                )
            )
            actuals.append(50.0 + rng.normal(0, 2.0, horizon))
        return fcs, actuals

    fcs, actuals = folds(40)
    calibration = calibrate(fcs, actuals, [0.01] * len(fcs))
    assert calibration is not None
    new_fcs, new_actuals = folds(300)
    inside_80 = inside_95 = raw_80 = 0
    for fc, actual in zip(new_fcs, new_actuals, strict=True):
        banded = calibration.apply(fc, 0.01)
        inside_80 += int(np.sum((actual >= banded.lower_80) & (actual <= banded.upper_80)))
        inside_95 += int(np.sum((actual >= banded.lower_95) & (actual <= banded.upper_95)))
        raw_80 += int(np.sum((actual >= fc.lower_80) & (actual <= fc.upper_80)))
    total = 300 * horizon
    assert raw_80 / total < 0.55  # the model's own band: P(|N(0,2)| < 1.28) = 0.48
    assert abs(inside_80 / total - 0.80) < 0.05
    assert abs(inside_95 / total - 0.95) < 0.03


def test_chosen_bands_cover_near_nominal_on_noise_around_a_weekly_pattern() -> None:
    # seasonal naive's own band widens by whole weeks, which i.i.d. noise does not: too wide
    rng = np.random.default_rng(11)
    n, horizon = 300, 28
    inside_80 = inside_95 = own_80 = points = 0
    for _ in range(25):
        values = 100 * WEEK[np.arange(n + horizon) % 7] + rng.normal(0, 4.0, n + horizon)
        history = series_of(values[:n])
        actual = values[n:]
        result = forecast_with_model_choice(history, horizon, models=("seasonal_naive",))
        own = forecast_with_model_choice(
            history, horizon, models=("seasonal_naive",), calibrated=False
        ).forecast
        fc = result.forecast
        inside_80 += int(np.sum((actual >= fc.lower_80) & (actual <= fc.upper_80)))
        inside_95 += int(np.sum((actual >= fc.lower_95) & (actual <= fc.upper_95)))
        own_80 += int(np.sum((actual >= own.lower_80) & (actual <= own.upper_80)))
        points += horizon
    assert own_80 / points > 0.88
    assert abs(inside_80 / points - 0.80) < 0.05
    assert abs(inside_95 / points - 0.95) < 0.04


def test_the_ensemble_of_the_two_best_is_scored_as_their_mean() -> None:
    rng = np.random.default_rng(3)
    values = 80 * WEEK[np.arange(200) % 7] + np.linspace(0, 20, 200) + rng.normal(0, 3, 200)
    series = series_of(values)
    backtest = run_backtest(series, 14, models=("seasonal_naive", "sma"), nonnegative=True)
    assert backtest is not None
    assert set(backtest.scores) == {"seasonal_naive", "sma", "seasonal_naive+sma"}
    # independent MASE of the mean forecast: refit both by hand on every origin
    errors = []
    for length in backtest.origins:
        train = values[:length]
        naive = train[length - 7 + np.arange(14) % 7]
        profile = train[length - 28 :].reshape(4, 7).mean(axis=0)
        mean = (naive + profile[np.arange(14) % 7]) / 2
        errors.append(np.abs(values[length : length + 14] - mean) / mase_scale(train, 7))
    assert backtest.scores["seasonal_naive+sma"].mase == pytest.approx(
        float(np.mean(np.concatenate(errors))), rel=1e-9
    )
    chosen = forecast_with_model_choice(series, 14, models=("seasonal_naive", "sma"))
    best = min(backtest.scores.values(), key=lambda s: s.mase)
    assert backtest.scores[chosen.model] == best


def test_the_log_model_continues_compound_growth_and_refuses_a_zero() -> None:
    # 4% a month compound growth, weekends at 65%, 1% multiplicative noise: the truth is known
    rng = np.random.default_rng(8)
    n, horizon = 240, 60
    t = np.arange(n + horizon)
    truth = 400 * 1.04 ** (t / 30) * WEEK[t % 7]
    values = truth[:n] * np.exp(rng.normal(0, 0.01, n))
    stamps = pd.date_range("2025-01-01", periods=n, freq="D").to_numpy(dtype="datetime64[ns]")
    train = TrainingData(values, stamps, DAILY)

    logged = log_exponential_smoothing(train, horizon)
    additive = exponential_smoothing(train, horizon)

    log_mape = float(np.mean(np.abs(logged.yhat - truth[n:]) / truth[n:]))
    add_mape = float(np.mean(np.abs(additive.yhat - truth[n:]) / truth[n:]))
    assert log_mape < 0.03
    assert log_mape < add_mape  # a weekend dip that grows with the level is multiplicative
    assert np.all(logged.lower_95 > 0)
    with pytest.raises(ModelFailedError):
        log_exponential_smoothing(TrainingData(np.r_[values[:-1], 0.0], stamps, DAILY), 7)


def test_a_month_total_interval_is_calibrated_and_far_narrower_than_the_summed_bands() -> None:
    # i.i.d. daily noise: the sum of 20 days has sd sqrt(20) * sigma, not 20 * sigma
    rng = np.random.default_rng(21)
    n, rest = 330, 20
    inside_80 = inside_95 = 0
    ratios = []
    runs = 60
    for _ in range(runs):
        values = 300 * WEEK[np.arange(n + rest) % 7] + rng.normal(0, 12.0, n + rest)
        result = forecast_with_model_choice(series_of(values[:n]), 90, models=("sma",))
        remaining = result.forecast.head(rest)
        _total, low95, low80, high80, high95 = sum_interval(
            remaining, result.calibration, nonnegative=True
        )
        real = float(values[n:].sum())
        inside_80 += int(low80 <= real <= high80)
        inside_95 += int(low95 <= real <= high95)
        summed = float(np.sum(remaining.upper_80) - np.sum(remaining.lower_80))
        ratios.append((high80 - low80) / summed)
    # 60 totals: a binomial standard error of 0.05 around the nominal 0.80
    assert 0.68 <= inside_80 / runs <= 0.92
    assert inside_95 / runs >= 0.85
    assert float(np.median(ratios)) < 0.5  # independent errors: about sqrt(20) / 20 = 0.22


def test_prophet_learns_a_holiday_dip_and_forecasts_it_on_the_next_holiday() -> None:
    from finops.forecasting.models import prophet

    days = pd.date_range("2023-01-02", "2024-11-20", freq="D")
    holidays = np.array(
        [
            "2023-05-29",
            "2023-07-04",
            "2023-09-04",
            "2023-11-23",
            "2023-12-25",
            "2024-01-01",
            "2024-05-27",
            "2024-07-04",
            "2024-09-02",
            "2024-11-28",
        ],
        dtype="datetime64[D]",
    )  # US public holidays (Memorial, Independence, Labor, Thanksgiving, Christmas, New Year)
    rng = np.random.default_rng(2)
    values = 200 + rng.normal(0, 2, len(days))
    values[np.isin(days.to_numpy(dtype="datetime64[D]"), holidays)] = 80  # offices closed
    stamps = days.to_numpy(dtype="datetime64[ns]")

    fc = prophet(TrainingData(values, stamps, DAILY, holidays), 14)
    plain = prophet(TrainingData(values, stamps, DAILY), 14)

    thanksgiving = 7  # 2024-11-28 is the 8th day after 2024-11-20
    others = np.delete(fc.yhat, thanksgiving)
    assert fc.yhat[thanksgiving] < 0.75 * float(np.median(others))
    assert plain.yhat[thanksgiving] > 0.9 * float(np.median(np.delete(plain.yhat, thanksgiving)))
