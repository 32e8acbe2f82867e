"""Forecast: cost forecasts per scope with backtested model choice and month-end projections.

Pure computation (``series``, ``models``, ``backtest``) is separate from the file adapter
(``files``) and the database layer (``service``).
"""

from app.forecasting.backtest import (
    BacktestResult,
    Scores,
    SeriesForecast,
    forecast_with_model_choice,
    run_backtest,
)
from app.forecasting.files import forecast_series_file, read_series_file
from app.forecasting.models import MODELS, ModelForecast, TrainingData
from app.forecasting.series import Frequency, RegularSeries, regularize
from app.forecasting.service import (
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
