"""Anomalies as shown to people and machines: the view, one anomaly, and the filtered listing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from finops.core.errors import InvalidInputError, NotFoundError
from finops.core.paging import check_page
from finops.db.models import Anomaly
from finops.db.types import decimal_to_text, money_order


class AnomalyStatus(StrEnum):
    """Where an anomaly is in its review (the ``status`` column holds the value)."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    NOT_AN_ANOMALY = "not_an_anomaly"
    PLANNED_ACTIVITY = "planned_activity"


class AnomalySeverity(StrEnum):
    """How large an anomaly's impact is (the ``severity`` column holds the value)."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


STATUSES: tuple[str, ...] = tuple(status.value for status in AnomalyStatus)
FEEDBACK_STATUSES: tuple[str, ...] = (
    AnomalyStatus.NOT_AN_ANOMALY.value,
    AnomalyStatus.PLANNED_ACTIVITY.value,
)
"""Statuses that teach the detector: the anomaly's days are accepted on later runs."""


@dataclass(frozen=True)
class AnomalyView:
    """An anomaly as shown to people and machines. ``end_day`` is exclusive."""

    id: int
    scope_type: str
    scope_key: str
    currency: str
    start_day: dt.date
    end_day: dt.date
    expected_cost: Decimal
    actual_cost: Decimal
    impact: Decimal
    impact_percent: Decimal | None
    severity: str
    score: Decimal
    status: str
    root_cause: list[dict[str, Any]]
    detected_at: dt.datetime

    @property
    def days(self) -> int:
        return (self.end_day - self.start_day).days

    def as_json(self) -> dict[str, Any]:
        """JSON-ready: money as exact decimal text, days as ISO dates."""
        return {
            "id": self.id,
            "scope_type": self.scope_type,
            "scope_key": self.scope_key,
            "currency": self.currency,
            "start_day": self.start_day.isoformat(),
            "end_day": self.end_day.isoformat(),
            "days": self.days,
            "expected_cost": decimal_to_text(self.expected_cost),
            "actual_cost": decimal_to_text(self.actual_cost),
            "impact": decimal_to_text(self.impact),
            "impact_percent": (
                None if self.impact_percent is None else decimal_to_text(self.impact_percent)
            ),
            "severity": self.severity,
            "score": decimal_to_text(self.score),
            "status": self.status,
            "root_cause": self.root_cause,
            "detected_at": self.detected_at.isoformat(),
        }


def anomaly_view(row: Anomaly) -> AnomalyView:
    """The stored anomaly row as an :class:`AnomalyView` (root cause copied)."""
    return AnomalyView(
        id=row.id,
        scope_type=row.scope_type,
        scope_key=row.scope_key,
        currency=row.billing_currency,
        start_day=row.start_day,
        end_day=row.end_day,
        expected_cost=row.expected_cost,
        actual_cost=row.actual_cost,
        impact=row.impact,
        impact_percent=row.impact_percent,
        severity=row.severity,
        score=row.score,
        status=row.status,
        root_cause=list(row.root_cause or []),
        detected_at=row.detected_at,
    )


def get_anomaly(*, session: Session, anomaly_id: int) -> AnomalyView:
    """One anomaly; NotFoundError when it does not exist."""
    row = session.get(Anomaly, anomaly_id)
    if row is None:
        raise NotFoundError(f"anomaly {anomaly_id} not found", details={"parameter": "anomaly_id"})
    return anomaly_view(row)


def list_anomalies(
    *,
    session: Session,
    status: str | None = None,
    scope_type: str | None = None,
    scope_key: str | None = None,
    currency: str | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[AnomalyView]:
    """Anomalies overlapping ``[start, end)`` (when given), newest first, then largest impact."""
    if status is not None and status not in STATUSES:
        raise InvalidInputError(
            f"parameter 'status': expected one of {', '.join(STATUSES)}, got {status!r}",
            details={"parameter": "status", "expected": list(STATUSES)},
        )
    check_page(limit, offset)
    stmt = select(Anomaly)
    if status is not None:
        stmt = stmt.where(Anomaly.status == status)
    if scope_type is not None:
        stmt = stmt.where(Anomaly.scope_type == scope_type)
    if scope_key is not None:
        stmt = stmt.where(Anomaly.scope_key == scope_key)
    if currency is not None:
        stmt = stmt.where(Anomaly.billing_currency == currency)
    if start is not None:
        stmt = stmt.where(Anomaly.end_day > start)
    if end is not None:
        stmt = stmt.where(Anomaly.start_day < end)
    stmt = stmt.order_by(
        Anomaly.start_day.desc(), money_order(Anomaly.impact).desc(), Anomaly.id.desc()
    )
    return [anomaly_view(r) for r in session.scalars(stmt.limit(limit).offset(offset))]
