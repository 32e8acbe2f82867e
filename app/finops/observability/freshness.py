"""Gauges read from the database at scrape time: is data arriving, are stages succeeding, what
is waiting for an operator. A failed read drops these gauges for that scrape (and counts it)
rather than failing the scrape, so the API's own metrics stay visible when the database is down.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Select, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from finops.db.database import Database
from finops.db.models import (
    Anomaly,
    BillingFact,
    Budget,
    BudgetAlert,
    IngestionRun,
    JobRun,
    Recommendation,
)
from finops.observability import names

logger = logging.getLogger(__name__)

ACTIVE_RECOMMENDATION_STATUSES = ("open", "accepted")


def _timestamp(value: dt.datetime | None) -> float | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.timestamp()


def _newest_per_label(
    session: Session, family: GaugeMetricFamily, query: Select[Any, Any]
) -> GaugeMetricFamily:
    """``family`` with one Unix-time sample per ``(label, newest time)`` row of ``query``."""
    for label, newest in session.execute(query):
        value = _timestamp(newest)
        if value is not None:
            family.add_metric([label], value)
    return family


class FreshnessCollector(Collector):
    """A Prometheus collector over the platform's tables (see :mod:`finops.observability.names`).

    ``database`` is called at each scrape (so a lazily opened database works); ``now`` gives the
    clock for the 24-hour ingestion window.
    """

    def __init__(
        self,
        database: Callable[[], Database],
        now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self._database = database
        self._now = now
        self._errors = 0

    def collect(self) -> Iterator[Metric]:
        try:
            with self._database().sessions() as session:
                families = list(self._families(session))
        except SQLAlchemyError as exc:
            self._errors += 1
            logger.warning("metrics: database read failed (%s)", type(exc).__name__)
            families = []
        errors = CounterMetricFamily(
            names.SCRAPE_ERRORS.removesuffix("_total"), names.SCRAPE_ERRORS_HELP
        )
        errors.add_metric([], self._errors)
        yield from families
        yield errors

    def _families(self, session: Session) -> Iterator[Metric]:
        yield _newest_per_label(
            session,
            GaugeMetricFamily(
                names.BILLING_NEWEST_CHARGE,
                names.BILLING_NEWEST_CHARGE_HELP,
                labels=["billing_account"],
            ),
            select(BillingFact.billing_account_id, func.max(BillingFact.charge_period_start))
            .group_by(BillingFact.billing_account_id)
            .order_by(BillingFact.billing_account_id),
        )

        last_ingest = GaugeMetricFamily(names.INGEST_LAST_SUCCESS, names.INGEST_LAST_SUCCESS_HELP)
        finished = _timestamp(
            session.scalar(
                select(func.max(IngestionRun.finished_at)).where(IngestionRun.status == "succeeded")
            )
        )
        if finished is not None:
            last_ingest.add_metric([], finished)
        yield last_ingest

        runs = GaugeMetricFamily(names.INGEST_RUNS, names.INGEST_RUNS_HELP, labels=["status"])
        since = self._now() - dt.timedelta(hours=24)
        for status, count in session.execute(
            select(IngestionRun.status, func.count())
            .where(IngestionRun.started_at >= since)
            .group_by(IngestionRun.status)
            .order_by(IngestionRun.status)
        ):
            runs.add_metric([status], count)
        yield runs

        yield from self._job_families(session)

        anomalies = GaugeMetricFamily(
            names.ANOMALIES_OPEN, names.ANOMALIES_OPEN_HELP, labels=["severity"]
        )
        for severity, count in session.execute(
            select(Anomaly.severity, func.count())
            .where(Anomaly.status == "open")
            .group_by(Anomaly.severity)
            .order_by(Anomaly.severity)
        ):
            anomalies.add_metric([severity], count)
        yield anomalies

        savings = GaugeMetricFamily(
            names.SAVINGS_UNREALIZED, names.SAVINGS_UNREALIZED_HELP, labels=["currency"]
        )
        for currency, total in session.execute(
            select(
                Recommendation.billing_currency, func.sum(Recommendation.estimated_monthly_saving)
            )
            .where(Recommendation.status.in_(ACTIVE_RECOMMENDATION_STATUSES))
            .group_by(Recommendation.billing_currency)
            .order_by(Recommendation.billing_currency)
        ):
            savings.add_metric([currency], float(total or 0))
        yield savings

        yield self._budget_family(session)

    def _job_families(self, session: Session) -> Iterator[Metric]:
        yield _newest_per_label(
            session,
            GaugeMetricFamily(
                names.JOB_LAST_SUCCESS, names.JOB_LAST_SUCCESS_HELP, labels=["stage"]
            ),
            select(JobRun.job_name, func.max(JobRun.finished_at))
            .where(JobRun.status == "succeeded")
            .group_by(JobRun.job_name)
            .order_by(JobRun.job_name),
        )

        failed = GaugeMetricFamily(
            names.JOB_LAST_FAILED, names.JOB_LAST_FAILED_HELP, labels=["stage"]
        )
        newest = (
            select(JobRun.job_name, func.max(JobRun.id).label("newest"))
            .where(JobRun.status != "running")
            .group_by(JobRun.job_name)
            .subquery()
        )
        for job, status in session.execute(
            select(JobRun.job_name, JobRun.status)
            .join(newest, JobRun.id == newest.c.newest)
            .order_by(JobRun.job_name)
        ):
            failed.add_metric([job], 1.0 if status == "failed" else 0.0)
        yield failed

    def _budget_family(self, session: Session) -> Metric:
        crossed = GaugeMetricFamily(
            names.BUDGET_CROSSED, names.BUDGET_CROSSED_HELP, labels=["budget", "kind"]
        )
        current = (
            select(BudgetAlert.budget_id, func.max(BudgetAlert.period_start).label("period"))
            .group_by(BudgetAlert.budget_id)
            .subquery()
        )
        for budget, kind, percent in session.execute(
            select(Budget.name, BudgetAlert.threshold_kind, func.max(BudgetAlert.threshold_percent))
            .join(Budget, Budget.id == BudgetAlert.budget_id)
            .join(
                current,
                (current.c.budget_id == BudgetAlert.budget_id)
                & (current.c.period == BudgetAlert.period_start),
            )
            .group_by(Budget.name, BudgetAlert.threshold_kind)
            .order_by(Budget.name, BudgetAlert.threshold_kind)
        ):
            crossed.add_metric([budget, kind], float(percent))
        return crossed
