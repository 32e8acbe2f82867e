"""Forecast routes: stored runs, one run with history and bands, month-end projections."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import Field

from finops.api.models import PageParams, ResponseModel
from finops.api.spec import OperationContext, Reply, RouteSpec
from finops.auth.roles import Role
from finops.core.models import InputModel


class ForecastsParams(PageParams):
    scope_type: str | None = Field(default=None, description="total, account or service.")
    scope_key: str | None = Field(default=None, description="'total', an account or a service.")
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    as_of: dt.date | None = Field(default=None, description="Runs trained up to this day.")
    latest_only: bool = Field(default=True, description="Only the newest run of each scope.")


class ForecastIdParams(InputModel):
    forecast_id: int = Field(ge=1, description="The forecast run's id.")
    history_days: int = Field(default=90, ge=0, le=730, description="Days of actuals to include.")


class ProjectionParams(InputModel):
    scope_type: str = Field(default="total", description="total, account or service.")
    scope_key: str = Field(default="total")
    currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")
    as_of: dt.date | None = Field(default=None, description="Default: today (UTC).")


class ForecastRunOut(ResponseModel):
    id: int
    scope_type: str
    scope_key: str
    currency: str
    model: str = Field(description="The model the rolling-origin backtest chose.")
    as_of: dt.date
    horizon_days: int
    created_at: dt.datetime
    job_run_id: int | None
    scores: dict[str, Any] | None = Field(description="Backtest scores of the chosen model.")


class ForecastRunsResponse(ResponseModel):
    items: list[ForecastRunOut]
    limit: int
    offset: int


class ForecastDetailOut(ForecastRunOut):
    history: list[dict[str, Any]] = Field(description="[{day, actual}] decimal strings.")
    forecast: list[dict[str, Any]] = Field(
        description="[{day, yhat, lower_80, upper_80, lower_95, upper_95}] decimal strings."
    )
    backtest: dict[str, Any] = Field(description="Every candidate model's backtest scores.")


class ProjectionOut(ResponseModel):
    scope_type: str
    scope_key: str
    currency: str
    month_start: dt.date
    month_end: dt.date = Field(description="Exclusive.")
    as_of: dt.date
    actual_to_date: str
    forecast_remaining: str
    projected: str
    lower_80: str
    upper_80: str
    lower_95: str
    upper_95: str
    forecast_run_id: int | None
    model: str | None


def _forecasts(ctx: OperationContext, params: ForecastsParams) -> Reply:
    from finops.forecasting import list_forecasts

    runs = list_forecasts(
        session=ctx.session,
        scope_type=params.scope_type,
        scope_key=params.scope_key,
        currency=params.currency,
        as_of=params.as_of,
        latest_only=params.latest_only,
        limit=params.limit,
        offset=params.offset,
    )
    return Reply(
        ForecastRunsResponse(
            items=[ForecastRunOut.model_validate(r.as_dict()) for r in runs],
            limit=params.limit,
            offset=params.offset,
        )
    )


def _forecast(ctx: OperationContext, params: ForecastIdParams) -> Reply:
    from finops.forecasting import get_forecast

    detail = get_forecast(
        session=ctx.session, forecast_id=params.forecast_id, history_days=params.history_days
    )
    return Reply(ForecastDetailOut.model_validate(detail.as_dict()))


def _projection(ctx: OperationContext, params: ProjectionParams) -> Reply:
    from finops.forecasting import month_end_projection

    projection = month_end_projection(
        session=ctx.session,
        scope_type=params.scope_type,
        scope_key=params.scope_key,
        currency=params.currency,
        as_of=params.as_of or ctx.now.date(),
    )
    return Reply(ProjectionOut.model_validate(projection.as_dict()))


ROUTES: tuple[RouteSpec, ...] = (
    RouteSpec(
        operation_id="listForecasts",
        method="GET",
        path="/forecasts",
        summary="Stored forecast runs with the chosen model and its backtest scores.",
        tag="forecasts",
        query_model=ForecastsParams,
        response_model=ForecastRunsResponse,
        min_role=Role.VIEWER,
        operation=_forecasts,
    ),
    RouteSpec(
        operation_id="getForecast",
        method="GET",
        path="/forecasts/{forecast_id}",
        summary="One forecast run: history, daily forecast with 80/95% bands, backtest.",
        tag="forecasts",
        query_model=ForecastIdParams,
        response_model=ForecastDetailOut,
        min_role=Role.VIEWER,
        operation=_forecast,
        extra_statuses=(404,),
    ),
    RouteSpec(
        operation_id="getMonthEndProjection",
        method="GET",
        path="/projections/month-end",
        summary="Month-to-date actual plus the forecast of the rest of the month, with bands.",
        tag="forecasts",
        query_model=ProjectionParams,
        response_model=ProjectionOut,
        min_role=Role.VIEWER,
        operation=_projection,
        extra_statuses=(404,),
    ),
)
