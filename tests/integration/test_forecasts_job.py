"""The forecast job on PostgreSQL: generated sample in, runs and points stored, idempotent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from finops.db.database import Database
from finops.db.models import AuditRecord, BillingFact, ForecastPoint, ForecastRun
from finops.devtools.sample import generate_sample
from finops.forecasting import (
    forecast_costs,
    get_forecast,
    list_forecasts,
    month_end_projection,
)
from finops.ingest.service import ingest_paths

END = dt.date(2026, 3, 20)


@pytest.fixture
def sample_db(db: Database, tmp_path: Path) -> Database:
    generate_sample(out_dir=tmp_path, months=4, accounts=2, seed=11, fmt="cur2", end=END)
    outcomes = ingest_paths(db=db, paths=[tmp_path / "billing"])
    assert all(o.status == "succeeded" for o in outcomes), [o.error for o in outcomes]
    return db


def count(db: Database, model: type) -> int:
    with db.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.mark.smoke
def test_job_stores_a_run_per_scope_and_a_rerun_replaces_it(sample_db: Database) -> None:
    db = sample_db
    with db.sessions() as session:
        latest = session.scalar(select(func.max(BillingFact.charge_period_start)))
        accounts = session.scalar(select(func.count(func.distinct(BillingFact.sub_account_id))))
        services = session.scalar(select(func.count(func.distinct(BillingFact.service_name))))
    assert latest is not None
    expected_as_of = (
        dt.datetime.fromisoformat(latest) if isinstance(latest, str) else latest
    ).date() + dt.timedelta(days=1)

    first = forecast_costs(db=db, horizon_days=30)

    series = 1 + int(accounts or 0) + int(services or 0)  # one currency in the sample
    assert first["as_of"] == expected_as_of.isoformat()
    assert first["series"] == series
    assert first["created"] == series
    assert first["replaced"] == 0
    assert first["points"] == 30 * series
    assert count(db, ForecastRun) == series
    assert count(db, ForecastPoint) == 30 * series
    with db.sessions() as session:
        runs = list(session.scalars(select(ForecastRun)))
        assert {r.trained_until for r in runs} == {expected_as_of}
        assert {r.scope_type for r in runs} == {"total", "account", "service"}
        for run in runs:
            assert run.backtest["chosen"] == run.model
            assert run.model in run.backtest["scores"] or run.backtest.get("scores") is None
        days = session.scalars(
            select(ForecastPoint.day).where(ForecastPoint.forecast_run_id == runs[0].id)
        ).all()
        assert sorted(days) == [expected_as_of + dt.timedelta(days=i) for i in range(30)]
        audits = list(session.scalars(select(AuditRecord)))
    assert len(audits) == series
    assert {a.action for a in audits} == {"forecast_run.created"}
    assert {a.entity_id for a in audits} == {str(r.id) for r in runs}

    second = forecast_costs(db=db, horizon_days=30)

    assert second["replaced"] == series
    assert second["created"] == 0
    assert count(db, ForecastRun) == series
    assert count(db, ForecastPoint) == 30 * series
    with db.sessions() as session:
        again = {(r.scope_type, r.scope_key): r for r in session.scalars(select(ForecastRun))}
        replaced = list(
            session.scalars(
                select(AuditRecord).where(AuditRecord.action == "forecast_run.replaced")
            )
        )
    assert len(replaced) == series
    # deterministic models: the rerun stores the same choice for every scope
    assert {k: r.model for k, r in again.items()} == {
        (r.scope_type, r.scope_key): r.model for r in runs
    }
    assert all(a.before is not None and a.after is not None for a in replaced)


def test_month_end_projection_is_actual_to_date_plus_the_forecast_remainder(
    sample_db: Database,
) -> None:
    db = sample_db
    counts = forecast_costs(db=db, horizon_days=30, scopes=("total", "service"))
    as_of = dt.date.fromisoformat(counts["as_of"])
    month_start = as_of.replace(day=1)
    next_month = (month_start + dt.timedelta(days=32)).replace(day=1)
    with db.sessions() as session:
        # independent answer: facts and points summed here in Python
        facts = session.scalars(
            select(BillingFact).where(BillingFact.service_name == "Amazon Simple Storage Service")
        ).all()
        actual = sum(
            (
                f.effective_cost
                for f in facts
                if month_start <= f.charge_period_start.date() < as_of
            ),
            Decimal(0),
        )
        run = session.scalars(
            select(ForecastRun).where(
                ForecastRun.scope_type == "service",
                ForecastRun.scope_key == "Amazon Simple Storage Service",
            )
        ).one()
        points = session.scalars(
            select(ForecastPoint).where(ForecastPoint.forecast_run_id == run.id)
        ).all()
        rest = [p for p in points if as_of <= p.day < next_month]
        remainder = sum((p.yhat for p in rest), Decimal(0))
        summed_upper_95 = sum((p.upper_95 for p in rest), Decimal(0))
        # the sum's interval: the stored window-sum quantiles of the run's calibration for this
        # many days, times the remaining days' summed 80% half-widths
        calibration = run.backtest["calibration"]
        bucket = max(i for i, edge in enumerate(calibration["window_edges"]) if edge <= len(rest))
        q_975 = Decimal(str(calibration["window_quantiles"][bucket][3]))
        half = sum((p.upper_80 - p.lower_80 for p in rest), Decimal(0)) / 2
        upper_95 = remainder + max(q_975 * half, Decimal(0))

        projection = month_end_projection(
            session=session,
            scope_type="service",
            scope_key="Amazon Simple Storage Service",
            currency="USD",
            as_of=as_of,
        )

        assert actual > 0
        assert remainder > 0
        assert projection.actual_to_date == actual
        assert projection.forecast_remaining == remainder
        assert projection.projected == actual + remainder
        assert abs(projection.upper_95 - (actual + upper_95)) < Decimal("0.0001")
        assert projection.upper_95 < actual + summed_upper_95  # not the summed daily bounds
        assert projection.lower_95 <= projection.lower_80 <= projection.projected
        assert projection.projected <= projection.upper_80 <= projection.upper_95
        assert projection.forecast_run_id == run.id
        assert projection.month_end == next_month

        listed = list_forecasts(session=session, scope_type="service")
        assert run.id in {s.id for s in listed}
        detail = get_forecast(session=session, forecast_id=run.id, history_days=14)
        assert [d for d, _ in detail.history][-1] == as_of - dt.timedelta(days=1)
        assert len(detail.forecast) == 30
        assert detail.as_dict()["model"] == run.model
        history_total = sum((v for _, v in detail.history), Decimal(0))
        assert history_total == sum(
            (
                f.effective_cost
                for f in facts
                if as_of - dt.timedelta(days=14) <= f.charge_period_start.date() < as_of
            ),
            Decimal(0),
        )
