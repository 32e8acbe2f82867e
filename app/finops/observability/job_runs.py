"""A finished stage's metrics, pushed to a Prometheus Pushgateway (grouping key ``job``).

Batch stages end before Prometheus could scrape them, so each run pushes its outcome. A push
that fails is logged and never fails the run: the run row stays the record of truth.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import CollectorRegistry, Gauge, pushadd_to_gateway

from finops.observability import names

logger = logging.getLogger(__name__)

PUSH_TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True)
class RunReport:
    """What a finished stage run reports: name, outcome, times and its counts."""

    job: str
    run_id: int
    succeeded: bool
    started_at: dt.datetime
    finished_at: dt.datetime
    counts: Mapping[str, Any] = field(default_factory=dict)

    @property
    def duration_seconds(self) -> float:
        return max((self.finished_at - self.started_at).total_seconds(), 0.0)


def numeric_counts(counts: Mapping[str, Any]) -> dict[str, float]:
    """The counts that are plain numbers (booleans and nested values left out)."""
    return {
        key: float(value)
        for key, value in counts.items()
        if isinstance(value, int | float) and not isinstance(value, bool)
    }


def run_registry(report: RunReport) -> CollectorRegistry:
    """A fresh registry holding the run's gauges (what :func:`push_run` sends)."""
    registry = CollectorRegistry()
    Gauge(names.JOB_DURATION, names.JOB_DURATION_HELP, registry=registry).set(
        report.duration_seconds
    )
    Gauge(names.JOB_LAST_RUN_SUCCESS, names.JOB_LAST_RUN_SUCCESS_HELP, registry=registry).set(
        1 if report.succeeded else 0
    )
    Gauge(names.JOB_LAST_RUN_TIMESTAMP, names.JOB_LAST_RUN_TIMESTAMP_HELP, registry=registry).set(
        report.finished_at.timestamp()
    )
    if report.succeeded:
        Gauge(
            names.JOB_LAST_SUCCESS_PUSHED, names.JOB_LAST_SUCCESS_PUSHED_HELP, registry=registry
        ).set(report.finished_at.timestamp())
    counts = Gauge(names.JOB_COUNT, names.JOB_COUNT_HELP, ["count"], registry=registry)
    for key, value in sorted(numeric_counts(report.counts).items()):
        counts.labels(count=key).set(value)
    return registry


class PushgatewayObserver:
    """Pushes each finished run to the Pushgateway at ``url`` (``http://host:9091``), in the
    group ``{job="finops_jobs", stage=<stage>}``.

    The push is an *add* (HTTP POST): it replaces the gauges the run carries and keeps the
    others, so a failed run leaves the stage's last-success time in place for the alert that
    measures how long a stage has gone without succeeding.
    """

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")

    def __call__(self, report: RunReport) -> None:
        try:
            pushadd_to_gateway(
                self.url,
                job="finops_jobs",
                grouping_key={"stage": report.job},
                registry=run_registry(report),
                timeout=PUSH_TIMEOUT_SECONDS,
            )
        except OSError as exc:
            logger.warning(
                "job %s run %s: metrics push to %s failed (%s)",
                report.job,
                report.run_id,
                self.url,
                type(exc).__name__,
            )
