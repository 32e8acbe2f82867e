"""The freshness gauges against rows placed by hand in the real database (known answers)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from prometheus_client import CollectorRegistry
from sqlalchemy.exc import OperationalError

from finops.db.database import Database, open_database
from finops.db.models import Anomaly, Budget, BudgetAlert, JobRun, Recommendation
from finops.observability import names
from finops.observability.freshness import FreshnessCollector

NOW = dt.datetime(2026, 3, 10, 12, tzinfo=dt.UTC)


def _anomaly(severity: str, status: str) -> Anomaly:
    return Anomaly(
        scope_type="service",
        scope_key="AmazonEC2",
        billing_currency="USD",
        start_day=dt.date(2026, 3, 1),
        end_day=dt.date(2026, 3, 2),
        expected_cost=Decimal(10),
        actual_cost=Decimal(30),
        impact=Decimal(20),
        severity=severity,
        score=Decimal(5),
        status=status,
    )


def _recommendation(saving: str, status: str, currency: str = "USD") -> Recommendation:
    return Recommendation(
        kind="ec2_idle",
        resource_id=f"i-{saving}-{status}",
        action="stop",
        billing_currency=currency,
        estimated_monthly_saving=Decimal(saving),
        status=status,
    )


def _value(registry: CollectorRegistry, name: str, **labels: str) -> float | None:
    return registry.get_sample_value(name, labels)


def test_gauges_count_what_the_tables_hold(db: Database) -> None:
    with db.sessions.begin() as session:
        session.add_all(
            [
                _anomaly("high", "open"),
                _anomaly("high", "open"),
                _anomaly("low", "open"),
                _anomaly("high", "dismissed"),
                _recommendation("12.50", "open"),
                _recommendation("7.25", "accepted"),
                _recommendation("100", "dismissed"),
                _recommendation("3.10", "open", "EUR"),
            ]
        )
        budget = Budget(name="platform", scope_type="all", amount=Decimal(1000))
        session.add(budget)
        session.flush()
        for period, kind, percent in [
            (dt.date(2026, 2, 1), "actual", "120"),  # last period: not current
            (dt.date(2026, 3, 1), "actual", "50"),
            (dt.date(2026, 3, 1), "actual", "80"),
            (dt.date(2026, 3, 1), "forecast", "100"),
        ]:
            session.add(
                BudgetAlert(
                    budget_id=budget.id,
                    period_start=period,
                    threshold_kind=kind,
                    threshold_percent=Decimal(percent),
                    amount_at_alert=Decimal(1),
                )
            )
        finished = dt.datetime(2026, 3, 9, 6, tzinfo=dt.UTC)
        session.add_all(
            [
                JobRun(job_name="rightsize", job_key="", status="succeeded", finished_at=finished),
                JobRun(job_name="rightsize", job_key="", status="failed", finished_at=NOW),
                JobRun(job_name="forecast_costs", job_key="", status="succeeded", finished_at=NOW),
                JobRun(job_name="forecast_costs", job_key="", status="running"),
            ]
        )
    registry = CollectorRegistry()
    registry.register(FreshnessCollector(lambda: db, now=lambda: NOW))

    assert _value(registry, names.ANOMALIES_OPEN, severity="high") == 2
    assert _value(registry, names.ANOMALIES_OPEN, severity="low") == 1
    assert _value(registry, names.SAVINGS_UNREALIZED, currency="USD") == pytest.approx(19.75)
    assert _value(registry, names.SAVINGS_UNREALIZED, currency="EUR") == pytest.approx(3.10)
    crossed = names.BUDGET_CROSSED
    assert _value(registry, crossed, budget="platform", kind="actual") == 80
    assert _value(registry, crossed, budget="platform", kind="forecast") == 100
    assert _value(registry, names.JOB_LAST_FAILED, stage="rightsize") == 1
    assert _value(registry, names.JOB_LAST_FAILED, stage="forecast_costs") == 0  # running skipped
    assert _value(registry, names.JOB_LAST_SUCCESS, stage="rightsize") == finished.timestamp()
    # nothing ingested yet: the gauge is absent rather than zero (zero would read as 1970)
    assert _value(registry, names.INGEST_LAST_SUCCESS) is None
    assert _value(registry, names.SCRAPE_ERRORS) == 0


def test_an_unreachable_database_drops_the_gauges_and_counts_the_error() -> None:
    broken = open_database("postgresql+psycopg2://nobody@127.0.0.1:1/none")
    registry = CollectorRegistry()
    registry.register(FreshnessCollector(lambda: broken))
    # each read is one scrape
    assert _value(registry, names.SCRAPE_ERRORS) == 1
    assert _value(registry, names.ANOMALIES_OPEN, severity="high") is None
    assert _value(registry, names.SCRAPE_ERRORS) == 3
    with pytest.raises(OperationalError):
        broken.engine.connect()
