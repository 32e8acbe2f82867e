"""First-of-month charges on daily cost series, and the month-total interval around them."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd

from finops.forecasting.backtest import forecast_with_model_choice
from finops.forecasting.calibration import Calibration, sum_interval
from finops.forecasting.models import Z_80, ModelForecast
from finops.forecasting.monthstart import MonthStartCharge, month_start_charges
from finops.forecasting.series import DAILY, RegularSeries

WEEK = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 0.7, 0.7])


def daily(start: str, values: np.ndarray) -> RegularSeries:
    stamps = pd.date_range(start, periods=len(values), freq="D")
    return RegularSeries(stamps.to_numpy(dtype="datetime64[ns]"), values.astype(float), DAILY)


def cost_series(days: int, charge: float, seed: int) -> tuple[RegularSeries, np.ndarray]:
    """Weekday pattern + 2% noise, and ``charge`` added on every first day of a month."""
    rng = np.random.default_rng(seed)
    stamps = pd.date_range("2025-01-01", periods=days, freq="D")
    base = 200 * WEEK[stamps.day_of_week.to_numpy()] * (1 + rng.normal(0, 0.02, days))
    first = np.asarray(stamps.day == 1)
    return daily("2025-01-01", base + charge * first), first


def test_a_first_of_month_charge_is_found_and_taken_out_of_the_history() -> None:
    series, first = cost_series(400, 500.0, seed=1)
    adjusted, charge = month_start_charges(series)
    assert charge is not None
    assert abs(charge.excess - 500.0) < 20  # the last three charges over ~200 +/- 4 days
    # no first day stands out any more: each is within the ordinary days' range
    ordinary = series.values[~first]
    assert adjusted.values[first].max() < ordinary.max() + 1e-9
    assert np.array_equal(adjusted.values[~first], series.values[~first])


def test_no_charge_is_found_on_a_series_without_one_or_with_a_single_spike() -> None:
    plain, _ = cost_series(400, 0.0, seed=2)
    assert month_start_charges(plain)[1] is None
    once = plain.values.copy()
    once[pd.DatetimeIndex(plain.timestamps).get_loc(pd.Timestamp("2025-10-01"))] += 800
    assert month_start_charges(daily("2025-01-01", once))[1] is None  # one month only


def test_the_charge_is_added_back_on_future_first_days_with_a_wider_band() -> None:
    fc = ModelForecast(*(np.full(3, v) for v in (10.0, 9.0, 11.0, 8.0, 12.0)))
    stamps = pd.date_range("2026-05-31", periods=3, freq="D").to_numpy(dtype="datetime64[ns]")
    out = MonthStartCharge(excess=50.0, spread=2.0).add_to(fc, stamps)
    assert out.yhat.tolist() == [10.0, 60.0, 10.0]
    # June 1st: own half-width 1 and the charge's 80% half-width 1.28 * 2, in quadrature
    assert math.isclose(out.upper_80[1] - 60.0, math.hypot(1.0, Z_80 * 2.0))
    assert out.lower_80.tolist()[::2] == [9.0, 9.0]


def test_the_chosen_forecast_carries_the_charge_and_beats_ignoring_it() -> None:
    series, _ = cost_series(430, 500.0, seed=3)
    history = RegularSeries(series.timestamps[:400], series.values[:400], DAILY)
    actual = series.values[400:430]
    firsts = np.asarray(pd.DatetimeIndex(series.timestamps[400:430]).day == 1)
    assert firsts.sum() == 1
    with_charge = forecast_with_model_choice(history, 30, models=("seasonal_naive", "sma"))
    without = forecast_with_model_choice(
        history, 30, models=("seasonal_naive", "sma"), month_start=False
    )
    assert with_charge.month_start is not None
    assert without.month_start is None
    day = int(np.flatnonzero(firsts)[0])
    assert abs(with_charge.forecast.yhat[day] - actual[day]) < 40  # the 500 charge is there
    err_with = np.abs(with_charge.forecast.yhat - actual).mean()
    err_without = np.abs(without.forecast.yhat - actual).mean()
    assert err_with < err_without


def test_a_separate_day_adds_its_band_to_the_window_interval_in_quadrature() -> None:
    # window quantiles +/-1 (80%) and +/-2 (95%) of the summed 80% half-widths
    calibration = Calibration((0,), ((-2.0, -1.0, 1.0, 2.0),), (1,), ((-2.0, -1.0, 1.0, 2.0),), 99)
    yhat = np.array([100.0, 10.0, 10.0])
    fc = ModelForecast(
        yhat=yhat,
        lower_80=yhat - np.array([6.0, 1.0, 2.0]),
        upper_80=yhat + np.array([8.0, 1.0, 2.0]),
        lower_95=yhat - np.array([9.0, 2.0, 3.0]),
        upper_95=yhat + np.array([12.0, 2.0, 3.0]),
    )
    total, low95, low80, high80, high95 = sum_interval(
        fc, calibration, nonnegative=True, separate=np.array([True, False, False])
    )
    assert total == 120.0
    # the two ordinary days: summed 80% half-widths 3, so +/-3 (80%) and +/-6 (95%); the
    # separate day's own distances 6/8 (80%) and 9/12 (95%) join in quadrature
    assert math.isclose(low80, 120 - math.hypot(3, 6))
    assert math.isclose(high80, 120 + math.hypot(3, 8))
    assert math.isclose(low95, 120 - math.hypot(6, 9))
    assert math.isclose(high95, 120 + math.hypot(6, 12))
    plain = sum_interval(fc, calibration, nonnegative=True)
    assert math.isclose(plain[2], 120 - (7 + 1 + 2) / 1.0)  # all three days in the window


def test_month_end_interval_covers_the_real_totals_of_a_series_with_a_charge() -> None:
    # projections from the 1st, 10th and 20th of 8 months of fresh series: the month total
    # (charge included on the 1st) inside the 80% / 95% intervals near nominally often
    inside_80 = inside_95 = count = 0
    for seed in range(8):
        series, _ = cost_series(460, 400.0, seed=100 + seed)
        stamps = pd.DatetimeIndex(series.timestamps)
        for day in (1, 10, 20):
            as_of = dt.date(2026, 3, day)
            cut = int(np.searchsorted(stamps.date, as_of))
            end = int(np.searchsorted(stamps.date, dt.date(2026, 4, 1)))
            history = RegularSeries(series.timestamps[:cut], series.values[:cut], DAILY)
            result = forecast_with_model_choice(history, 40, models=("seasonal_naive", "sma"))
            rest = result.forecast.head(end - cut)
            separate = np.asarray(pd.DatetimeIndex(result.timestamps[: end - cut]).day == 1)
            _, low95, low80, high80, high95 = sum_interval(
                rest, result.calibration, nonnegative=True, separate=separate
            )
            real = float(series.values[cut:end].sum())
            inside_80 += int(low80 <= real <= high80)
            inside_95 += int(low95 <= real <= high95)
            count += 1
    assert inside_80 / count >= 0.6  # 24 projections: nominal 0.80, binomial sd ~0.08
    assert inside_95 / count >= 0.8
