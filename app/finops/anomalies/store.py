"""Persisting detected anomalies: root cause, create or extend the stored anomaly, audit it,
and the one-line announcement of a new one."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from finops.anomalies.root_cause import ContributorKey, rank_contributors
from finops.anomalies.series import MEASURED_CHARGES, WEEK, Scope
from finops.anomalies.views import AnomalySeverity, AnomalyStatus
from finops.audit import record_audit
from finops.costs.buckets import utc_day
from finops.costs.dimensions import parse_dimension
from finops.costs.query import charge_day_range, fact_filter_clauses
from finops.db.models import Anomaly, BillingFact
from finops.db.types import decimal_to_text, money_sum

ROOT_CAUSE_WEEKS = 4


@dataclass(frozen=True)
class DetectedEvent:
    """One flagged span of one series: its days, expected and actual cost, peak score."""

    scope: Scope
    start_day: dt.date
    end_day: dt.date
    expected: Decimal
    actual: Decimal
    score: Decimal
    days: list[dt.date]


def severity_of(impact_percent: Decimal | None) -> AnomalySeverity:
    """``critical`` >= 100 %, ``high`` >= 50 % (or no baseline), ``medium`` >= 20 %, else
    ``low``."""
    if impact_percent is None or impact_percent >= 50:
        if impact_percent is not None and impact_percent >= 100:
            return AnomalySeverity.CRITICAL
        return AnomalySeverity.HIGH
    return AnomalySeverity.MEDIUM if impact_percent >= 20 else AnomalySeverity.LOW


def _root_cause(
    session: Session, scope: Scope, days: list[dt.date], *, increase: bool
) -> list[dict[str, Any]]:
    first = days[0] - dt.timedelta(days=WEEK * ROOT_CAUSE_WEEKS)
    end = days[-1] + dt.timedelta(days=1)
    dims = [parse_dimension(d).column() for d in ("account", "service", "region", "usage_type")]
    dims.append(parse_dimension("resource").column())
    day_col = utc_day(BillingFact.charge_period_start)
    stmt = (
        select(*dims, day_col, money_sum(BillingFact.effective_cost))
        .where(
            charge_day_range(first, end),
            BillingFact.billing_currency == scope.currency,
            *fact_filter_clauses({"charge_category": list(MEASURED_CHARGES), **scope.filters}),
        )
        .group_by(*dims, day_col)
    )
    daily: dict[ContributorKey, dict[dt.date, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for record in session.execute(stmt):
        key: ContributorKey = (record[0], record[1], record[2], record[3], record[4])
        daily[key][dt.date.fromisoformat(str(record[5]))] += Decimal(str(record[6]))
    ranked = rank_contributors(
        daily_costs=daily, anomaly_days=days, baseline_weeks=ROOT_CAUSE_WEEKS, increase=increase
    )
    return [c.as_json() for c in ranked]


def _anomaly_values(event: DetectedEvent, root_cause: list[dict[str, Any]]) -> dict[str, Any]:
    impact = event.actual - event.expected
    percent = (
        (impact / event.expected * 100).quantize(Decimal("0.01")) if event.expected > 0 else None
    )
    return {
        "end_day": event.end_day,
        "expected_cost": event.expected,
        "actual_cost": event.actual,
        "impact": impact,
        "impact_percent": percent,
        "severity": severity_of(percent).value,
        "score": event.score,
        "root_cause": root_cause,
    }


def _snapshot(row: Anomaly) -> dict[str, Any]:
    return {
        "scope_type": row.scope_type,
        "scope_key": row.scope_key,
        "currency": row.billing_currency,
        "start_day": row.start_day,
        "end_day": row.end_day,
        "expected_cost": row.expected_cost,
        "actual_cost": row.actual_cost,
        "impact": row.impact,
        "impact_percent": row.impact_percent,
        "severity": row.severity,
        "score": row.score,
        "status": row.status,
    }


def _same(row: Anomaly, values: dict[str, Any]) -> bool:
    for name, value in values.items():
        current = getattr(row, name)
        if isinstance(value, Decimal) and current is not None:
            if Decimal(current) != value:
                return False
        elif current != value:
            return False
    return True


def _announcement(row: Anomaly) -> str:
    percent = f" ({decimal_to_text(row.impact_percent)}%)" if row.impact_percent else ""
    cause = ""
    if row.root_cause:
        top = row.root_cause[0]
        parts = [str(top.get(k)) for k in ("service", "resource", "account") if top.get(k)]
        cause = f"; top contributor {' / '.join(parts)}" if parts else ""
    return (
        f"{row.severity} {row.scope_type} {row.scope_key or '(all)'} "
        f"{row.start_day}..{row.end_day}:"
        f" +{row.impact.quantize(Decimal('0.01'))} {row.billing_currency}{percent}{cause}"
        f" [anomaly {row.id}]"
    )


def store_events(
    session: Session,
    events: Iterable[DetectedEvent],
    *,
    actor: str,
    counts: dict[str, Any],
    announced: list[str],
) -> None:
    """Create each event's anomaly, or extend / update the stored one it overlaps, with an
    audit record; counts ``created`` / ``updated`` / ``unchanged`` and announces new ones."""
    for event in events:
        scope = event.scope
        existing = session.scalars(
            select(Anomaly)
            .where(
                Anomaly.scope_type == scope.scope_type,
                Anomaly.scope_key == scope.scope_key,
                Anomaly.billing_currency == scope.currency,
                Anomaly.start_day < event.end_day,
                Anomaly.end_day > event.start_day,
            )
            .order_by(Anomaly.start_day)
        ).first()
        if existing is None:
            existing = session.scalars(
                select(Anomaly).where(
                    Anomaly.scope_type == scope.scope_type,
                    Anomaly.scope_key == scope.scope_key,
                    Anomaly.billing_currency == scope.currency,
                    Anomaly.start_day == event.start_day,
                )
            ).first()
        root_cause = _root_cause(session, scope, event.days, increase=True)
        values = _anomaly_values(event, root_cause)
        if existing is None:
            row = Anomaly(
                scope_type=scope.scope_type,
                scope_key=scope.scope_key,
                billing_currency=scope.currency,
                start_day=event.start_day,
                status=AnomalyStatus.OPEN.value,
                detected_at=dt.datetime.now(dt.UTC),
                **values,
            )
            session.add(row)
            session.flush()
            record_audit(
                session=session,
                actor=actor,
                action="created",
                entity_type="anomaly",
                entity_id=row.id,
                after=_snapshot(row),
                details={"root_cause_top": root_cause[:1]},
            )
            counts["created"] += 1
            announced.append(_announcement(row))
            continue
        if existing.start_day != event.start_day:
            # the stored anomaly started earlier: keep its first day, extend its end
            values = {"end_day": max(existing.end_day, event.end_day)}
        if _same(existing, values):
            counts["unchanged"] += 1
            continue
        before = _snapshot(existing)
        for name, value in values.items():
            setattr(existing, name, value)
        session.flush()
        record_audit(
            session=session,
            actor=actor,
            action="updated",
            entity_type="anomaly",
            entity_id=existing.id,
            before=before,
            after=_snapshot(existing),
        )
        counts["updated"] += 1
