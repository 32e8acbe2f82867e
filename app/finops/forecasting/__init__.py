"""Forecast: cost forecasts per scope with backtested model choice and month-end projections.

Pure computation (``series``, ``models``, ``backtest``) is separate from the file adapter
(``files``) and the database layer (``service``).
"""

from finops.forecasting.backtest import (
    BacktestResult,
    Scores,
    SeriesForecast,
    forecast_with_model_choice,
    run_backtest,
)
from finops.forecasting.files import forecast_series_file, read_series_file
from finops.forecasting.models import MODELS, ModelForecast, TrainingData
from finops.forecasting.series import Frequency, RegularSeries, regularize
from finops.forecasting.service import (
    ForecastDetail,
    ForecastRunSummary,
    MonthEndProjection,
    forecast_costs,
    get_forecast,
    list_forecasts,
    month_end_projection,
)

__all__ = [
    "MODELS",
    "BacktestResult",
    "ForecastDetail",
    "ForecastRunSummary",
    "Frequency",
    "ModelForecast",
    "MonthEndProjection",
    "RegularSeries",
    "Scores",
    "SeriesForecast",
    "TrainingData",
    "forecast_costs",
    "forecast_series_file",
    "forecast_with_model_choice",
    "get_forecast",
    "list_forecasts",
    "month_end_projection",
    "read_series_file",
    "regularize",
    "run_backtest",
]
