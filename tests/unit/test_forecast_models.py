"""Forecasting models and model choice on series with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from finops.forecasting.backtest import (
    _Pooled,
    backtest_origins,
    forecast_with_model_choice,
    mase_scale,
)
from finops.forecasting.models import (
    MODELS,
    Z_80,
    ModelForecast,
    TrainingData,
    exponential_smoothing,
    prophet,
    seasonal_moving_average,
    seasonal_naive,
)
from finops.forecasting.series import DAILY, regularize

WEEKLY = np.array([0.0, 5.0, 7.0, 6.0, 4.0, -10.0, -12.0])


def daily(values: np.ndarray, start: str = "2025-01-01") -> TrainingData:
    stamps = pd.date_range(start, periods=len(values), freq="D").to_numpy(dtype="datetime64[ns]")
    return TrainingData(np.asarray(values, dtype=np.float64), stamps, DAILY)


def test_linear_trend_with_weekly_pattern_is_forecast_within_a_tenth_of_a_percent() -> None:
    n, horizon = 120, 30
    t = np.arange(n + horizon)
    truth = 100 + 0.5 * t + WEEKLY[t % 7]
    series = regularize(pd.date_range("2025-01-01", periods=n, freq="D"), truth[:n])

    result = forecast_with_model_choice(series, horizon)

    # The true model (linear trend + a weekly cycle) is exactly Prophet's, so the backtest
    # must find it, and the forecast must continue the line and the cycle.
    assert result.model == "prophet"
    assert np.max(np.abs(result.forecast.yhat - truth[n:])) < 0.001 * truth[n:].mean()
    assert result.timestamps[0] == np.datetime64("2025-05-01")
    assert len(result.timestamps) == horizon
    assert result.backtest is not None
    assert result.backtest.scores["prophet"].mase < 1e-3
    # far behind on the first fold, seasonal naive is raced out before the second
    assert result.backtest.dropped["seasonal_naive"] > 1


def test_constant_series_gives_a_constant_forecast_with_zero_width_bands() -> None:
    series = regularize(pd.date_range("2025-03-01", periods=60, freq="D"), np.full(60, 42.5))

    result = forecast_with_model_choice(series, 30)

    assert result.model == "seasonal_naive"  # every model is exact; ties go to the simplest
    fc = result.forecast
    np.testing.assert_allclose(fc.yhat, 42.5, atol=1e-9)
    assert np.max(fc.upper_95 - fc.lower_95) < 1e-9
    assert result.backtest is not None
    assert all(s.mase == 0 for s in result.backtest.scores.values())


def test_seasonal_naive_repeats_the_last_week_and_widens_by_whole_weeks() -> None:
    y = np.array([10, 11, 12, 13, 14, 15, 16, 12, 13, 14, 15, 16, 17, 18], dtype=float)
    fc = seasonal_naive(daily(y), 10)
    np.testing.assert_array_equal(fc.yhat, [12, 13, 14, 15, 16, 17, 18, 12, 13, 14])
    # seasonal differences are all 2 -> RMS 2; second week's sd is 2*sqrt(2)
    np.testing.assert_allclose(fc.upper_80[:7] - fc.yhat[:7], Z_80 * 2)
    np.testing.assert_allclose(fc.upper_80[7:] - fc.yhat[7:], Z_80 * 2 * np.sqrt(2))


def test_seasonal_moving_average_averages_the_same_weekday_over_four_weeks() -> None:
    weeks = np.array([WEEKLY + level for level in (100, 104, 108, 112)]).ravel()
    fc = seasonal_moving_average(daily(weeks), 7)
    np.testing.assert_allclose(fc.yhat, WEEKLY + 106)


def test_ets_intervals_cover_near_nominal_on_its_own_process() -> None:
    """Simulate local level + weekly seasonality + noise (an additive ETS process) and check
    the share of future values inside the 80% and 95% intervals over many replications."""
    rng = np.random.default_rng(12)
    inside_80 = inside_95 = total = 0
    for _ in range(30):
        n, horizon = 200, 14
        level = 50 + np.cumsum(rng.normal(0, 0.5, n + horizon))
        y = level + 3 * WEEKLY[np.arange(n + horizon) % 7] + rng.normal(0, 2, n + horizon)
        fc = exponential_smoothing(daily(y[:n]), horizon)
        actual = y[n:]
        inside_80 += int(np.sum((actual >= fc.lower_80) & (actual <= fc.upper_80)))
        inside_95 += int(np.sum((actual >= fc.lower_95) & (actual <= fc.upper_95)))
        total += horizon
    assert 0.72 <= inside_80 / total <= 0.88
    assert 0.90 <= inside_95 / total <= 0.99


def test_seasonal_naive_intervals_cover_near_nominal_on_a_seasonal_random_walk() -> None:
    rng = np.random.default_rng(5)
    inside_80 = inside_95 = total = 0
    for _ in range(200):
        n = 70
        y = 100 + 10 * WEEKLY[np.arange(n + 7) % 7].copy()
        for t in range(7, n + 7):
            y[t] = y[t - 7] + rng.normal(0, 3)
        fc = seasonal_naive(daily(y[:n]), 7)
        actual = y[n:]
        inside_80 += int(np.sum((actual >= fc.lower_80) & (actual <= fc.upper_80)))
        inside_95 += int(np.sum((actual >= fc.lower_95) & (actual <= fc.upper_95)))
        total += 7
    assert 0.76 <= inside_80 / total <= 0.84
    assert 0.93 <= inside_95 / total <= 0.97


def test_prophet_is_deterministic_and_leaves_the_global_random_state_alone() -> None:
    rng = np.random.default_rng(3)
    y = 50 + 0.2 * np.arange(90) + WEEKLY[np.arange(90) % 7] + rng.normal(0, 1, 90)
    np.random.seed(99)
    before = np.random.get_state()[1].copy()  # type: ignore[index]
    first = prophet(daily(y), 20)
    after = np.random.get_state()[1]  # type: ignore[index]
    second = prophet(daily(y), 20)
    np.testing.assert_array_equal(before, after)
    for a, b in zip(first._arrays(), second._arrays(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert np.all(first.lower_95 <= first.lower_80)
    assert np.all(first.lower_80 <= first.yhat)
    assert np.all(first.yhat <= first.upper_80)
    assert np.all(first.upper_80 <= first.upper_95)


@pytest.mark.parametrize("name", list(MODELS))
def test_every_model_returns_ordered_bands_of_the_requested_length(name: str) -> None:
    rng = np.random.default_rng(8)
    y = 200 + WEEKLY[np.arange(100) % 7] * 4 + rng.normal(0, 3, 100)
    fc = MODELS[name](daily(y), 45, None)
    assert len(fc) == 45
    assert np.all(fc.lower_95 <= fc.lower_80 + 1e-9)
    assert np.all(fc.upper_80 <= fc.upper_95 + 1e-9)
    assert np.all(fc.lower_80 <= fc.upper_80)


def test_mase_scale_is_the_mean_absolute_seasonal_difference() -> None:
    y = np.array([1.0, 2, 3, 4, 5, 6, 7, 9, 9, 9, 9, 9, 9, 9])
    # lag-7 differences: 8,7,6,5,4,3,2 -> mean 5
    assert mase_scale(y, 7) == pytest.approx(5.0)
    assert mase_scale(y[:5], 7) == pytest.approx(1.0)  # too short for a cycle: lag 1


def test_backtest_origins_keep_a_minimum_training_window() -> None:
    assert backtest_origins(365, 90, 7, 2) == (90, [230, 275])
    # 180 days cannot be held out twice from a year with 28 days of training left
    fold, origins = backtest_origins(365, 180, 7, 2)
    assert fold == (365 - 28) // 2
    assert min(origins) >= 28
    assert backtest_origins(30, 30, 7, 2) == (1, [28, 29])
    assert backtest_origins(20, 30, 7, 2) == (0, [])


def test_a_series_too_short_to_backtest_gets_the_moving_average() -> None:
    series = regularize(pd.date_range("2025-01-01", periods=10, freq="D"), np.arange(10.0))
    result = forecast_with_model_choice(series, 5)
    assert result.model == "sma"
    assert result.backtest is None


def test_negative_forecasts_of_a_nonnegative_series_are_floored_at_zero() -> None:
    y = np.maximum(0, 100 - 2.0 * np.arange(60))  # falls to zero and stays there
    series = regularize(pd.date_range("2025-01-01", periods=60, freq="D"), y)
    result = forecast_with_model_choice(series, 30)
    assert np.all(result.forecast.lower_95 >= 0)
    assert np.all(result.forecast.yhat >= 0)


def test_backtest_scores_match_a_hand_computation() -> None:
    pool = _Pooled()
    fc = ModelForecast(
        yhat=np.array([12.0, 15.0]),
        lower_80=np.array([11.0, 14.0]),
        upper_80=np.array([13.0, 21.0]),
        lower_95=np.array([9.0, 10.0]),
        upper_95=np.array([13.0, 25.0]),
    )
    pool.add(np.array([10.0, 20.0]), fc, 2.5)
    scores = pool.scores()
    assert scores.mase == pytest.approx((2 / 2.5 + 5 / 2.5) / 2)  # 1.4
    assert scores.mape == pytest.approx((2 / 10 + 5 / 20) / 2 * 100)  # 22.5
    assert scores.smape == pytest.approx((2 * 2 / 22 + 2 * 5 / 35) / 2 * 100)
    assert scores.coverage_80 == 0.5  # 10 is below [11, 13]; 20 is inside [14, 21]
    assert scores.coverage_95 == 1.0
    assert scores.points == 2
