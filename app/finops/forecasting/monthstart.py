"""Charges on the first day of every month (pure).

Cloud bills put monthly charges on the first day of the month: support plans, the recurring
fees of reservations and savings plans, marketplace subscriptions, taxes. On a daily cost series
they are a spike every month that none of the candidate models (weekly season, yearly season,
trend) can forecast, and that distorts them: a seasonal model copies the spike onto the same
weekday of later weeks, a moving average or a smoothed level is pulled up for weeks after it,
and the backtest residuals (hence the conformal bands and the month-end window errors) are a
mix of spike days and ordinary days.

:func:`month_start_charges` detects such a charge and takes it out of the history; the models
then forecast the ordinary days and :meth:`MonthStartCharge.add_to` puts the charge back on the
first day of every future month.

Detection. For every first day of a month with at least two same-weekday neighbours (7 and 14
days before or after), the *excess* is its value minus the median of those neighbours; the
noise is the robust spread (1.4826 x median absolute value) of the same difference on every
other day whose neighbours are not first days. A charge is present when the series is daily,
has at least ``MIN_MONTHS`` excesses and the last ``MIN_MONTHS`` of them all exceed
``THRESHOLD`` noise spreads with the same sign, and the history holds at least
``MIN_HISTORY_DAYS``. The history's first days are then replaced by their neighbours'
median; the future charge is the mean of the last ``MIN_MONTHS`` excesses, and its spread
(their standard deviation) widens the bands of the days it is added to.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from finops.forecasting.models import Z_80, Z_95, ModelForecast
from finops.forecasting.series import FloatArray, RegularSeries

MIN_MONTHS = 3
# A shorter history is left alone: with its charges removed, a few months of cost are so
# regular that the early backtest folds' own bands are tiny and the conformal scores (errors
# over those bands) blow up; found on the demo estate (134 days), whose month-end interval
# then grew to 125% of the total.
MIN_HISTORY_DAYS = 180
THRESHOLD = 4.0
NEIGHBOURS = (-14, -7, 7, 14)
MAD_TO_SD = 1.4826


@dataclass(frozen=True)
class MonthStartCharge:
    """The charge added to the first day of every future month, and its spread (one
    standard deviation of the past charges)."""

    excess: float
    spread: float

    def as_dict(self) -> dict[str, float]:
        return {"excess": round(self.excess, 6), "spread": round(self.spread, 6)}

    def add_to(self, fc: ModelForecast, timestamps: np.ndarray) -> ModelForecast:
        """``fc`` (one value per ``timestamps``) with the charge on every first day of a month:
        the point forecast and the bounds moved by ``excess``, the bounds also widened by the
        charge's spread (combined with the band's own half-width in quadrature)."""
        first = np.asarray(pd.DatetimeIndex(timestamps).day == 1)
        if not first.any():
            return fc
        yhat = fc.yhat + np.where(first, self.excess, 0.0)

        def widened(bound: FloatArray, z: float, sign: float) -> FloatArray:
            own = np.abs(bound - fc.yhat)
            extra = np.where(first, z * self.spread, 0.0)
            return np.asarray(yhat + sign * np.sqrt(own**2 + extra**2), dtype=np.float64)

        return ModelForecast(
            yhat=yhat,
            lower_80=widened(fc.lower_80, Z_80, -1.0),
            upper_80=widened(fc.upper_80, Z_80, 1.0),
            lower_95=widened(fc.lower_95, Z_95, -1.0),
            upper_95=widened(fc.upper_95, Z_95, 1.0),
        )


def _neighbour_median(values: FloatArray, index: int, avoid: np.ndarray) -> float | None:
    """Median of the same-weekday neighbours of ``index`` that exist and are not in ``avoid``
    (at least two of them), else None."""
    found = [
        float(values[index + k])
        for k in NEIGHBOURS
        if 0 <= index + k < len(values) and not avoid[index + k]
    ]
    return float(np.median(found)) if len(found) >= 2 else None


def month_start_charges(series: RegularSeries) -> tuple[RegularSeries, MonthStartCharge | None]:
    """The series with its first-of-month charges taken out, and the charge to add back to
    forecasts (see the module docstring); the series unchanged and ``None`` when there is no
    such charge (or the series is not daily)."""
    if not series.frequency.is_daily or len(series) < MIN_HISTORY_DAYS:
        return series, None
    values = np.asarray(series.values, dtype=np.float64)
    first = np.asarray(pd.DatetimeIndex(series.timestamps).day == 1)
    starts = np.flatnonzero(first)
    excesses: list[tuple[int, float, float]] = []  # index, excess, neighbour median
    for index in starts:
        base = _neighbour_median(values, int(index), first)
        if base is not None:
            excesses.append((int(index), float(values[index]) - base, base))
    if len(excesses) < MIN_MONTHS:
        return series, None
    near_first = np.zeros(len(values), dtype=bool)
    for k in (0, *NEIGHBOURS):
        shifted = starts + k
        near_first[shifted[(shifted >= 0) & (shifted < len(values))]] = True
    diffs = [
        float(values[i]) - base
        for i in np.flatnonzero(~near_first)
        if (base := _neighbour_median(values, int(i), first)) is not None
    ]
    if not diffs:
        return series, None
    noise = MAD_TO_SD * float(np.median(np.abs(diffs)))
    recent = np.array([e for _, e, _ in excesses[-MIN_MONTHS:]], dtype=np.float64)
    floor = max(THRESHOLD * noise, 1e-9 * max(1.0, float(np.mean(np.abs(values)))))
    same_sign = bool(np.all(recent > 0) or np.all(recent < 0))
    if not same_sign or float(np.min(np.abs(recent))) <= floor:
        return series, None
    adjusted = values.copy()
    for at, _, base in excesses:
        adjusted[at] = base
    charge = MonthStartCharge(excess=float(np.mean(recent)), spread=float(np.std(recent, ddof=1)))
    return RegularSeries(series.timestamps, adjusted, series.frequency), charge
