"""Cost forecasts in the database: the ``forecast_costs`` job and the read functions.

Guarantees:

- a forecast of a scope (``total``, one ``account`` or one ``service``) and currency is made
  from the daily *effective* cost of the facts charged in ``[as_of - 730 days, as_of)`` (the
  cost queries of :mod:`finops.costs`); days without facts inside the scope's history count as 0;
- ``ForecastRun.trained_until`` holds ``as_of``: the history is every day *before* it and the
  first forecast day is ``as_of`` itself (half-open, like every period in the platform);
- rerunning the job for the same ``as_of`` replaces the runs (and points) of every scope it
  forecasts, in one transaction, with an audit record per run written in that transaction;
- amounts are stored as exact decimals rounded to 6 places; money never crosses currencies.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

import numpy as np
from pydantic import Field
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from finops.audit import record_audit
from finops.core.errors import InvalidInputError, NotFoundError
from finops.core.models import InputModel
from finops.core.paging import check_page
from finops.costs import CostQuery, query_costs
from finops.db.database import Database
from finops.db.models import BillingFact, ForecastPoint, ForecastRun
from finops.forecasting.backtest import SeriesForecast
from finops.forecasting.batch import ChoiceOptions, forecast_many
from finops.forecasting.calibration import Calibration, sum_interval
from finops.forecasting.models import MODELS, ModelForecast
from finops.forecasting.series import DAILY, RegularSeries

logger = logging.getLogger(__name__)

ScopeType = Literal["total", "account", "service"]
SCOPE_TYPES: tuple[ScopeType, ...] = ("total", "account", "service")
_SCOPE_DIMENSION: dict[str, str | None] = {
    "total": None,
    "account": "account",
    "service": "service",
}
TOTAL_KEY = "total"
MISSING_KEY = "(none)"
HISTORY_DAYS = 730
MAX_HORIZON_DAYS = 366
JOB_ACTOR = "job:forecast_costs"
_PLACES = Decimal("0.000001")


class ForecastJobParameters(InputModel):
    """Parameters of :func:`forecast_costs`."""

    as_of: dt.date | None = Field(
        default=None,
        description="First forecast day; the history is every day before it. Default: the day "
        "after the latest charge day in the billing facts.",
    )
    horizon_days: int = Field(default=90, ge=1, le=MAX_HORIZON_DAYS)
    scopes: list[ScopeType] = Field(default_factory=lambda: list(SCOPE_TYPES), min_length=1)


@dataclass(frozen=True)
class ScopeSeries:
    """The daily effective cost of one scope in one currency, ``first_day`` to ``as_of`` - 1."""

    scope_type: str
    scope_key: str
    currency: str
    first_day: dt.date
    daily_cost: list[Decimal]

    def regular(self) -> RegularSeries:
        days = np.arange(
            np.datetime64(self.first_day, "D"),
            np.datetime64(self.first_day + dt.timedelta(days=len(self.daily_cost)), "D"),
        ).astype("datetime64[ns]")
        values = np.array([float(v) for v in self.daily_cost], dtype=np.float64)
        return RegularSeries(timestamps=days, values=values, frequency=DAILY)


def _key_text(value: str | None) -> str:
    return MISSING_KEY if value is None else value


def _scope_filters(scope_type: str, scope_key: str) -> dict[str, list[str | None]]:
    dimension = _SCOPE_DIMENSION.get(scope_type)
    if scope_type not in _SCOPE_DIMENSION:
        raise InvalidInputError(
            f"parameter 'scope_type': expected one of {', '.join(SCOPE_TYPES)}, got {scope_type!r}",
            details={"parameter": "scope_type", "expected": list(SCOPE_TYPES)},
        )
    if dimension is None:
        return {}
    return {dimension: [None if scope_key == MISSING_KEY else scope_key]}


def latest_charge_day(session: Session) -> dt.date | None:
    """The UTC day of the latest ``charge_period_start`` in the billing facts."""
    latest = session.scalar(select(func.max(BillingFact.charge_period_start)))
    if latest is None:
        return None
    if isinstance(latest, str):  # SQLite aggregates bypass the column type
        latest = dt.datetime.fromisoformat(latest)
    return latest.date() if isinstance(latest, dt.datetime) else latest


def load_daily_costs(
    *, session: Session, as_of: dt.date, scopes: Sequence[str], history_days: int = HISTORY_DAYS
) -> list[ScopeSeries]:
    """Daily effective cost per scope and currency over ``[as_of - history_days, as_of)``.

    A series starts on the scope's first day with a fact and runs to ``as_of - 1``; days
    without facts in between are 0.
    """
    start = as_of - dt.timedelta(days=history_days)
    result: list[ScopeSeries] = []
    for scope_type in scopes:
        dimension = _SCOPE_DIMENSION[scope_type]
        query = CostQuery(
            start=start,
            end=as_of,
            granularity="day",
            group_by=[dimension] if dimension else [],
        )
        days: dict[tuple[str, str], dict[dt.date, Decimal]] = defaultdict(dict)
        for row in query_costs(session=session, query=query).rows:
            key = TOTAL_KEY if dimension is None else _key_text(row.keys[dimension])
            days[(key, row.currency)][row.period_start] = row.amounts.effective
        for (key, currency), by_day in sorted(days.items()):
            first = min(by_day)
            span = (as_of - first).days
            values = [by_day.get(first + dt.timedelta(days=i), Decimal(0)) for i in range(span)]
            result.append(ScopeSeries(scope_type, key, currency, first, values))
    return result


def _money(value: float) -> Decimal:
    return Decimal(repr(float(value))).quantize(_PLACES)


def _run_summary(run: ForecastRun) -> dict[str, Any]:
    chosen = (run.backtest or {}).get("scores", {}).get(run.model)
    return {
        "model": run.model,
        "as_of": run.trained_until,
        "horizon_days": run.horizon_days,
        "backtest": chosen,
    }


def _store(
    session: Session,
    scope: ScopeSeries,
    result: SeriesForecast,
    *,
    as_of: dt.date,
    horizon_days: int,
    job_run_id: int | None,
) -> tuple[ForecastRun, bool, int]:
    previous = list(
        session.scalars(
            select(ForecastRun).where(
                ForecastRun.scope_type == scope.scope_type,
                ForecastRun.scope_key == scope.scope_key,
                ForecastRun.billing_currency == scope.currency,
                ForecastRun.trained_until == as_of,
            )
        )
    )
    before = _run_summary(previous[0]) | {"forecast_run_id": previous[0].id} if previous else None
    if previous:
        ids = [run.id for run in previous]
        session.execute(delete(ForecastPoint).where(ForecastPoint.forecast_run_id.in_(ids)))
        session.execute(delete(ForecastRun).where(ForecastRun.id.in_(ids)))
    backtest = result.backtest.as_dict() if result.backtest is not None else {}
    backtest["history_days"] = len(scope.daily_cost)
    backtest["chosen"] = result.model
    backtest["nonnegative"] = all(v >= 0 for v in scope.daily_cost)
    if result.calibration is not None:
        backtest["calibration"] = result.calibration.as_dict()
    if result.month_start is not None:
        backtest["month_start_charge"] = result.month_start.as_dict()
    run = ForecastRun(
        scope_type=scope.scope_type,
        scope_key=scope.scope_key,
        billing_currency=scope.currency,
        model=result.model,
        trained_until=as_of,
        horizon_days=horizon_days,
        backtest=backtest,
        job_run_id=job_run_id,
    )
    session.add(run)
    session.flush()
    fc = result.forecast
    session.add_all(
        ForecastPoint(
            forecast_run_id=run.id,
            day=as_of + dt.timedelta(days=i),
            yhat=_money(fc.yhat[i]),
            lower_80=_money(fc.lower_80[i]),
            upper_80=_money(fc.upper_80[i]),
            lower_95=_money(fc.lower_95[i]),
            upper_95=_money(fc.upper_95[i]),
        )
        for i in range(len(fc))
    )
    record_audit(
        session=session,
        actor=JOB_ACTOR,
        action="forecast_run.replaced" if previous else "forecast_run.created",
        entity_type="forecast_run",
        entity_id=run.id,
        before=before,
        after=_run_summary(run) | {"forecast_run_id": run.id},
        details={
            "scope_type": scope.scope_type,
            "scope_key": scope.scope_key,
            "currency": scope.currency,
            "job_run_id": job_run_id,
        },
    )
    return run, bool(previous), len(fc)


def forecast_costs(
    *,
    db: Database,
    as_of: dt.date | None = None,
    horizon_days: int = 90,
    scopes: Sequence[str] = SCOPE_TYPES,
    models: Sequence[str] = tuple(MODELS),
    workers: int | None = None,
    job_run_id: int | None = None,
    holidays: Collection[dt.date] = (),
) -> dict[str, Any]:
    """Forecast the daily effective cost of every scope and currency ``horizon_days`` ahead of
    ``as_of`` with the backtested model choice, and store the runs and points (see module
    guarantees). ``holidays`` are the public-holiday days (history and horizon) the daily
    models treat as calendar effects. Returns counts: series, runs created and replaced,
    points, models chosen.
    """
    params = ForecastJobParameters(as_of=as_of, horizon_days=horizon_days, scopes=list(scopes))
    unknown = [m for m in models if m not in MODELS]
    if unknown or not models:
        raise InvalidInputError(
            f"parameter 'models': expected some of {', '.join(MODELS)}, got {list(models)}",
            details={"parameter": "models", "expected": list(MODELS)},
        )
    with db.sessions() as session:
        day = params.as_of
        if day is None:
            latest = latest_charge_day(session)
            if latest is None:
                return {"as_of": None, "series": 0, "created": 0, "replaced": 0, "points": 0}
            day = latest + dt.timedelta(days=1)
        series = load_daily_costs(session=session, as_of=day, scopes=list(params.scopes))
    options = ChoiceOptions(models=tuple(models), holidays=tuple(sorted(holidays)))
    results = forecast_many(
        [s.regular() for s in series], params.horizon_days, workers=workers, options=options
    )
    created = replaced = points = 0
    chosen: dict[str, int] = defaultdict(int)
    with db.sessions.begin() as session:
        for scope, result in zip(series, results, strict=True):
            _, was_replaced, count = _store(
                session,
                scope,
                result,
                as_of=day,
                horizon_days=params.horizon_days,
                job_run_id=job_run_id,
            )
            replaced += was_replaced
            created += not was_replaced
            points += count
            chosen[result.model] += 1
    logger.info(
        "forecasts stored",
        extra={"as_of": day.isoformat(), "series": len(series), "replaced": replaced},
    )
    return {
        "as_of": day.isoformat(),
        "series": len(series),
        "created": created,
        "replaced": replaced,
        "points": points,
        "models": dict(sorted(chosen.items())),
    }


# ----------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class ForecastRunSummary:
    """One stored forecast run (the chosen model and its backtest scores)."""

    id: int
    scope_type: str
    scope_key: str
    currency: str
    model: str
    as_of: dt.date
    horizon_days: int
    created_at: dt.datetime
    job_run_id: int | None
    scores: dict[str, Any] | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "scope_type": self.scope_type,
            "scope_key": self.scope_key,
            "currency": self.currency,
            "model": self.model,
            "as_of": self.as_of.isoformat(),
            "horizon_days": self.horizon_days,
            "created_at": self.created_at.isoformat(),
            "job_run_id": self.job_run_id,
            "scores": self.scores,
        }


def _summary(run: ForecastRun) -> ForecastRunSummary:
    return ForecastRunSummary(
        id=run.id,
        scope_type=run.scope_type,
        scope_key=run.scope_key,
        currency=run.billing_currency,
        model=run.model,
        as_of=run.trained_until,
        horizon_days=run.horizon_days,
        created_at=run.created_at,
        job_run_id=run.job_run_id,
        scores=(run.backtest or {}).get("scores", {}).get(run.model),
    )


def list_forecasts(
    *,
    session: Session,
    scope_type: str | None = None,
    scope_key: str | None = None,
    currency: str | None = None,
    as_of: dt.date | None = None,
    latest_only: bool = True,
    limit: int = 100,
    offset: int = 0,
) -> list[ForecastRunSummary]:
    """Stored forecast runs, filtered; with ``latest_only`` only the newest ``as_of`` of each
    scope and currency. Ordered by scope type, scope key, currency, then newest first."""
    check_page(limit, offset)
    stmt = select(ForecastRun)
    if scope_type is not None:
        _scope_filters(scope_type, scope_key or "")
        stmt = stmt.where(ForecastRun.scope_type == scope_type)
    if scope_key is not None:
        stmt = stmt.where(ForecastRun.scope_key == scope_key)
    if currency is not None:
        stmt = stmt.where(ForecastRun.billing_currency == currency.upper())
    if as_of is not None:
        stmt = stmt.where(ForecastRun.trained_until == as_of)
    if latest_only and as_of is None:
        newest = (
            select(
                ForecastRun.scope_type,
                ForecastRun.scope_key,
                ForecastRun.billing_currency,
                func.max(ForecastRun.trained_until).label("newest"),
            )
            .group_by(ForecastRun.scope_type, ForecastRun.scope_key, ForecastRun.billing_currency)
            .subquery()
        )
        stmt = stmt.join(
            newest,
            (newest.c.scope_type == ForecastRun.scope_type)
            & (newest.c.scope_key == ForecastRun.scope_key)
            & (newest.c.billing_currency == ForecastRun.billing_currency)
            & (newest.c.newest == ForecastRun.trained_until),
        )
    stmt = (
        stmt.order_by(
            ForecastRun.scope_type,
            ForecastRun.scope_key,
            ForecastRun.billing_currency,
            ForecastRun.trained_until.desc(),
            ForecastRun.id.desc(),
        )
        .limit(limit)
        .offset(offset)
    )
    return [_summary(run) for run in session.scalars(stmt)]


@dataclass(frozen=True)
class ForecastDay:
    day: dt.date
    yhat: Decimal
    lower_80: Decimal
    upper_80: Decimal
    lower_95: Decimal
    upper_95: Decimal


@dataclass(frozen=True)
class ForecastDetail:
    """A run with its recent history (actual daily effective cost), its forecast days and the
    full backtest (every candidate model's scores)."""

    run: ForecastRunSummary
    history: list[tuple[dt.date, Decimal]]
    forecast: list[ForecastDay]
    backtest: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.run.as_dict(),
            "history": [{"day": d.isoformat(), "actual": str(v)} for d, v in self.history],
            "forecast": [
                {
                    "day": p.day.isoformat(),
                    "yhat": str(p.yhat),
                    "lower_80": str(p.lower_80),
                    "upper_80": str(p.upper_80),
                    "lower_95": str(p.lower_95),
                    "upper_95": str(p.upper_95),
                }
                for p in self.forecast
            ],
            "backtest": self.backtest,
        }


def _actual_daily(
    session: Session, scope_type: str, scope_key: str, currency: str, start: dt.date, end: dt.date
) -> dict[dt.date, Decimal]:
    if end <= start:
        return {}
    query = CostQuery(
        start=start,
        end=end,
        granularity="day",
        filters=_scope_filters(scope_type, scope_key) | {"currency": [currency]},
    )
    return {
        row.period_start: row.amounts.effective
        for row in query_costs(session=session, query=query).rows
    }


def _points(session: Session, run_id: int) -> list[ForecastDay]:
    rows = session.scalars(
        select(ForecastPoint)
        .where(ForecastPoint.forecast_run_id == run_id)
        .order_by(ForecastPoint.day)
    )
    return [
        ForecastDay(p.day, p.yhat, p.lower_80, p.upper_80, p.lower_95, p.upper_95) for p in rows
    ]


def get_forecast(*, session: Session, forecast_id: int, history_days: int = 90) -> ForecastDetail:
    """The run ``forecast_id`` with ``history_days`` of actuals before its ``as_of`` (days
    without cost are 0), its forecast days and its backtest. NotFoundError if there is none."""
    run = session.get(ForecastRun, forecast_id)
    if run is None:
        raise NotFoundError(f"no forecast run {forecast_id}", details={"parameter": "forecast_id"})
    if not 0 <= history_days <= HISTORY_DAYS:
        raise InvalidInputError(
            f"parameter 'history_days': expected 0 to {HISTORY_DAYS}, got {history_days}",
            details={"parameter": "history_days"},
        )
    start = run.trained_until - dt.timedelta(days=history_days)
    actual = _actual_daily(
        session, run.scope_type, run.scope_key, run.billing_currency, start, run.trained_until
    )
    history = [
        (start + dt.timedelta(days=i), actual.get(start + dt.timedelta(days=i), Decimal(0)))
        for i in range(history_days)
    ]
    return ForecastDetail(
        run=_summary(run), history=history, forecast=_points(session, run.id), backtest=run.backtest
    )


@dataclass(frozen=True)
class MonthEndProjection:
    """Month-to-date actual plus the forecast of the rest of the month.

    The bounds are the actual to date plus the interval of the *sum* of the remaining days'
    forecast: from the run's calibration (the backtested distribution of window-sum errors,
    :mod:`finops.forecasting.calibration`; a month-start charge the run forecast on the first
    day is an independent error, added in quadrature) when it has one; for a run stored
    without one, the
    sum of the daily bounds (a conservative interval that assumes the daily errors move
    together).
    """

    scope_type: str
    scope_key: str
    currency: str
    month_start: dt.date
    month_end: dt.date  # exclusive
    as_of: dt.date
    actual_to_date: Decimal
    forecast_remaining: Decimal
    projected: Decimal
    lower_80: Decimal
    upper_80: Decimal
    lower_95: Decimal
    upper_95: Decimal
    forecast_run_id: int | None
    model: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            key: (str(value) if isinstance(value, Decimal) else value)
            for key, value in {
                "scope_type": self.scope_type,
                "scope_key": self.scope_key,
                "currency": self.currency,
                "month_start": self.month_start.isoformat(),
                "month_end": self.month_end.isoformat(),
                "as_of": self.as_of.isoformat(),
                "actual_to_date": self.actual_to_date,
                "forecast_remaining": self.forecast_remaining,
                "projected": self.projected,
                "lower_80": self.lower_80,
                "upper_80": self.upper_80,
                "lower_95": self.lower_95,
                "upper_95": self.upper_95,
                "forecast_run_id": self.forecast_run_id,
                "model": self.model,
            }.items()
        }


def month_end_projection(
    *, session: Session, scope_type: str, scope_key: str, currency: str, as_of: dt.date
) -> MonthEndProjection:
    """Projected cost of ``as_of``'s month: actual effective cost of ``[month start, as_of)``
    plus the stored forecast of ``[as_of, next month start)`` from the newest run of the scope
    made no later than ``as_of``. NotFoundError when no such run covers the rest of the month.
    """
    currency = currency.upper()
    _scope_filters(scope_type, scope_key)  # refuses an unknown scope type
    month_start = as_of.replace(day=1)
    month_end = (month_start + dt.timedelta(days=32)).replace(day=1)
    actual = sum(
        _actual_daily(session, scope_type, scope_key, currency, month_start, as_of).values(),
        Decimal(0),
    )
    run = session.scalars(
        select(ForecastRun)
        .where(
            ForecastRun.scope_type == scope_type,
            ForecastRun.scope_key == scope_key,
            ForecastRun.billing_currency == currency,
            ForecastRun.trained_until <= as_of,
        )
        .order_by(ForecastRun.trained_until.desc(), ForecastRun.id.desc())
        .limit(1)
    ).first()
    where = f"{scope_type} {scope_key!r} in {currency}"
    if run is None:
        raise NotFoundError(
            f"no forecast of {where} made on or before {as_of.isoformat()}",
            details={"parameter": "as_of"},
        )
    remaining = [p for p in _points(session, run.id) if as_of <= p.day < month_end]
    if len(remaining) != (month_end - as_of).days:
        raise NotFoundError(
            f"forecast run {run.id} of {where} does not reach {month_end.isoformat()}; run the "
            "forecast job with a later as_of or a longer horizon",
            details={"parameter": "as_of"},
        )

    rest = sum((p.yhat for p in remaining), Decimal(0))
    low_95, low_80, high_80, high_95 = _remaining_interval(run, remaining)
    return MonthEndProjection(
        scope_type=scope_type,
        scope_key=scope_key,
        currency=currency,
        month_start=month_start,
        month_end=month_end,
        as_of=as_of,
        actual_to_date=actual,
        forecast_remaining=rest,
        projected=actual + rest,
        lower_80=actual + min(low_80, rest),
        upper_80=actual + max(high_80, rest),
        lower_95=actual + min(low_95, low_80, rest),
        upper_95=actual + max(high_95, high_80, rest),
        forecast_run_id=run.id,
        model=run.model,
    )


def _remaining_interval(
    run: ForecastRun, remaining: Sequence[ForecastDay]
) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """The 95% low, 80% low, 80% high and 95% high of the sum of ``remaining``'s forecast
    (see :class:`MonthEndProjection`), as exact decimals rounded to 6 places."""
    stored = (run.backtest or {}).get("calibration")
    if not remaining:
        return Decimal(0), Decimal(0), Decimal(0), Decimal(0)
    if not isinstance(stored, dict):
        return tuple(  # type: ignore[return-value]
            sum((getattr(p, a) for p in remaining), Decimal(0))
            for a in ("lower_95", "lower_80", "upper_80", "upper_95")
        )
    fc = ModelForecast(
        *(
            np.array([float(getattr(p, a)) for p in remaining], dtype=np.float64)
            for a in ("yhat", "lower_80", "upper_80", "lower_95", "upper_95")
        )
    )
    nonnegative = bool((run.backtest or {}).get("nonnegative", False))
    charged = isinstance((run.backtest or {}).get("month_start_charge"), dict)
    separate = np.array([charged and p.day.day == 1 for p in remaining], dtype=bool)
    _, low_95, low_80, high_80, high_95 = sum_interval(
        fc, Calibration.from_dict(stored), nonnegative=nonnegative, separate=separate
    )
    return _money(low_95), _money(low_80), _money(high_80), _money(high_95)
