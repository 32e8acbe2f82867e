"""Anomalous episodes in stored utilization: the telemetry detector over ``usage_metrics``.

``usage_metrics`` holds one row per (resource, metric, UTC day) with the day's statistics
(CloudWatch's ``GetMetricData`` through :mod:`finops.usage.cloudwatch`, or a loaded file).
Each (resource, metric) is a daily series of one statistic. It goes through the same code as
``finops anomalies detect-series``: :func:`finops.anomalies.regular.regularize` (days without
a row are gaps: missing, never scored), the period chosen from the data (weekly when the
series has one), the telemetry detector and its episodes at the chosen sensitivity. A series
shorter than :data:`MIN_DAYS` is listed as skipped, not scored (the detector's warm-up alone is
two weeks).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from finops.anomalies.regular import regularize
from finops.anomalies.series_file import (
    DEFAULT_SENSITIVITY,
    detect_regular_series,
    episode_json,
    telemetry_sensitivity,
)
from finops.core.errors import InvalidInputError
from finops.core.window import check_window
from finops.costs.query import utc_midnight
from finops.db.models import UsageMetric

STATISTICS: tuple[str, ...] = ("avg", "p50", "p95", "p99_5", "max")
"""The daily statistics a series can be read from (columns of ``usage_metrics``)."""
DEFAULT_STATISTIC = "p95"
MIN_DAYS = 21
"""Fewest days with a value for a series to be scored (warm-up of two weeks, one week scored)."""


@dataclass(frozen=True)
class UsageQuery:
    """Which stored series to scan: one metric, one statistic, optional resource and days."""

    metric: str
    statistic: str = DEFAULT_STATISTIC
    resource_id: str | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    sensitivity: str | float = DEFAULT_SENSITIVITY


def _validate(query: UsageQuery) -> None:
    if not query.metric.strip():
        raise InvalidInputError(
            "parameter 'metric': expected a metric name such as CPUUtilization",
            details={"parameter": "metric"},
        )
    if query.statistic not in STATISTICS:
        raise InvalidInputError(
            f"parameter 'statistic': expected one of {', '.join(STATISTICS)}, "
            f"got {query.statistic!r}",
            details={"parameter": "statistic", "got": query.statistic},
        )
    if query.start and query.end:
        check_window(query.start, query.end)


def detect_usage_anomalies(*, session: Session, query: UsageQuery) -> dict[str, Any]:
    """The anomalous episodes of every stored (resource, metric) series matching ``query``::

        {"metric", "statistic", "sensitivity", "alert_score", "start", "end",
         "series": [{"resource_id", "unit", "days", "period", "repairs": {...},
                     "episodes": [{"start", "detected", "peak", "end", "points", "score",
                                   "direction", "peak_value", "expected_at_peak"}, ...]}],
         "skipped": [{"resource_id", "days", "reason"}]}

    Days are the half-open UTC range ``[start, end)`` (all stored days when omitted); episode
    times are the days' midnights in ISO 8601, ``end`` exclusive. Series are in resource order;
    a series with fewer than :data:`MIN_DAYS` values is in ``skipped``. Values are the stored
    exact statistics read as floats (the detector's arithmetic); nothing is written.
    InvalidInputError for an unknown statistic, an empty metric name, an empty period (the
    shared :func:`finops.core.window.check_window` message) or a bad sensitivity.
    """
    _validate(query)
    chosen = telemetry_sensitivity(query.sensitivity)
    column = getattr(UsageMetric, query.statistic)
    stmt = (
        select(UsageMetric.resource_id, UsageMetric.day, column, UsageMetric.unit)
        .where(UsageMetric.metric_name == query.metric)
        .order_by(UsageMetric.resource_id, UsageMetric.day)
    )
    if query.resource_id is not None:
        stmt = stmt.where(UsageMetric.resource_id == query.resource_id)
    if query.start is not None:
        stmt = stmt.where(UsageMetric.day >= query.start)
    if query.end is not None:
        stmt = stmt.where(UsageMetric.day < query.end)
    rows: dict[str, list[tuple[dt.date, Decimal | None]]] = defaultdict(list)
    units: dict[str, str | None] = {}
    for resource_id, day, value, unit in session.execute(stmt):
        rows[resource_id].append((day, value))
        units.setdefault(resource_id, unit)
    series_out: list[dict[str, Any]] = []
    skipped: list[dict[str, Any]] = []
    for resource_id, points in rows.items():
        present = [(day, value) for day, value in points if value is not None]
        if len(present) < MIN_DAYS:
            skipped.append(
                {
                    "resource_id": resource_id,
                    "days": len(present),
                    "reason": f"fewer than {MIN_DAYS} days with a {query.statistic} value",
                }
            )
            continue
        times = [utc_midnight(day) for day, _ in present]
        grid = regularize(
            times,
            np.array([float(value) for _, value in present], dtype=np.float64),
            texts=[t.isoformat() for t in times],
            source=f"usage_metrics {resource_id} {query.metric}",
        )
        result = detect_regular_series(grid, chosen)
        series_out.append(
            {
                "resource_id": resource_id,
                "unit": units.get(resource_id),
                "days": len(present),
                "period": result.detection.period,
                "repairs": grid.repairs.as_json(),
                "episodes": [episode_json(result, e) for e in result.episodes],
            }
        )
    return {
        "metric": query.metric,
        "statistic": query.statistic,
        "sensitivity": chosen.name,
        "alert_score": chosen.alert_score,
        "start": query.start.isoformat() if query.start else None,
        "end": query.end.isoformat() if query.end else None,
        "series": series_out,
        "skipped": skipped,
    }
