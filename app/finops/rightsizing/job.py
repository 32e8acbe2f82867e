"""The ``rightsize`` job: evaluate every resource with usage in the window and hold one active
recommendation per (resource, kind), each change audited in the same transaction.

A later run updates an active recommendation in place (the audit log keeps each version) and
moves one it no longer finds (the resource now fits, or the finding changed kind) to
``superseded``; a dismissed one is not raised again, and an applied one is raised again only from
usage windows that start after it was applied.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from finops.audit import record_audit
from finops.core.errors import InvalidInputError
from finops.db.database import Database
from finops.db.models import Recommendation
from finops.db.types import decimal_to_text, to_json_document
from finops.rightsizing.findings import Finding, evaluate
from finops.rightsizing.inputs import job_catalogue, newest_usage_day
from finops.rightsizing.recommendation import ACTIVE, ENTITY, KINDS, recommendation_snapshot

logger = logging.getLogger(__name__)

JOB_ACTOR = "job:rightsize"


def _window(as_of: dt.date | None, lookback_days: int, session: Session) -> tuple[dt.date, dt.date]:
    if lookback_days < 1:
        raise InvalidInputError(
            f"parameter 'lookback_days': expected an integer >= 1, got {lookback_days}",
            details={"parameter": "lookback_days", "got": lookback_days},
        )
    if as_of is None:
        last = newest_usage_day(session)
        as_of = (last + dt.timedelta(days=1)) if last else dt.datetime.now(dt.UTC).date()
    return as_of - dt.timedelta(days=lookback_days), as_of


def rightsize(
    *, db: Database, as_of: dt.date | None = None, lookback_days: int = 14
) -> dict[str, Any]:
    """The ``rightsize`` job: evaluate every resource with usage in ``[as_of - lookback, as_of)``
    and hold one active recommendation per (resource, kind).

    Guarantees: idempotent (a second run with the same data changes nothing and writes no audit
    record); every created, changed or superseded recommendation writes an audit record in the
    same transaction; a dismissed recommendation is not raised again. ``as_of`` defaults to the
    day after the newest usage metric.
    """
    catalogue, loaded = job_catalogue(db)
    counts: dict[str, Any] = defaultdict(int)
    with db.sessions.begin() as session:
        start, end = _window(as_of, lookback_days, session)
        findings, evaluated, skipped = evaluate(
            session=session, catalogue=catalogue, start=start, end=end, lookback_days=lookback_days
        )
        _store(session, findings, evaluated, counts, start)
    by_kind: dict[str, int] = defaultdict(int)
    saving: dict[str, Decimal] = defaultdict(Decimal)
    for f in findings:
        by_kind[f.kind] += 1
        saving[f.currency] += f.monthly_saving
    result: dict[str, Any] = {
        "as_of": end.isoformat(),
        "window_start": start.isoformat(),
        "catalogue_rows_loaded": loaded,
        "evaluated": len(evaluated),
        "findings": len(findings),
        "created": counts["created"],
        "updated": counts["updated"],
        "unchanged": counts["unchanged"],
        "superseded": counts["superseded"],
        "suppressed_dismissed": counts["suppressed"],
        "suppressed_recently_applied": counts["suppressed_applied"],
        "by_kind": dict(by_kind),
        "monthly_saving": {c: decimal_to_text(v) for c, v in saving.items()},
        "skipped": skipped,
    }
    logger.info("rightsize finished", extra={"counts": result})
    return result


def _store(
    session: Session,
    findings: list[Finding],
    evaluated: set[str],
    counts: dict[str, Any],
    window_start: dt.date,
) -> None:
    now = dt.datetime.now(dt.UTC)
    ids = sorted({f.resource_id for f in findings} | evaluated)
    existing: dict[tuple[str, str], list[Recommendation]] = defaultdict(list)
    for lo in range(0, len(ids), 5000):
        for rec in session.scalars(
            select(Recommendation)
            .where(
                Recommendation.provider == "AWS",
                Recommendation.resource_id.in_(ids[lo : lo + 5000]),
            )
            .order_by(Recommendation.id)
        ):
            existing[(rec.resource_id, rec.kind)].append(rec)
    wanted = {(f.resource_id, f.kind) for f in findings}
    for f in findings:
        history = existing.get((f.resource_id, f.kind), [])
        active = [r for r in history if r.status in ACTIVE]
        values = {
            "action": f.action,
            "account_id": f.account_id,
            "region_id": f.region_id,
            "current_config": to_json_document(f.current_config),
            "recommended_config": to_json_document(f.recommended_config),
            "billing_currency": f.currency,
            "estimated_monthly_saving": f.monthly_saving,
            "performance_risk": f.performance_risk,
            "evidence": to_json_document(f.evidence),
        }
        if active:
            rec = active[-1]
            if _same(rec, values):
                counts["unchanged"] += 1
                continue
            before = recommendation_snapshot(rec)
            for k, v in values.items():
                setattr(rec, k, v)
            rec.updated_at = now
            session.flush()
            record_audit(
                session=session,
                actor=JOB_ACTOR,
                action="updated",
                entity_type=ENTITY,
                entity_id=rec.id,
                before=before,
                after=recommendation_snapshot(rec),
            )
            counts["updated"] += 1
            continue
        if history and history[-1].status == "dismissed":
            counts["suppressed"] += 1
            continue
        last = history[-1] if history else None
        if (
            last is not None
            and last.status == "applied"
            and last.applied_at is not None
            and last.applied_at.date() >= window_start
        ):
            # the window's usage predates the change: wait for data after it
            counts["suppressed_applied"] += 1
            continue
        rec = Recommendation(
            kind=f.kind,
            provider="AWS",
            resource_id=f.resource_id,
            status="open",
            created_at=now,
            updated_at=now,
            **values,
        )
        session.add(rec)
        session.flush()
        record_audit(
            session=session,
            actor=JOB_ACTOR,
            action="created",
            entity_type=ENTITY,
            entity_id=rec.id,
            after=recommendation_snapshot(rec),
            details={"evidence": rec.evidence},
        )
        counts["created"] += 1
    for (rid, kind), history in existing.items():
        if rid not in evaluated or (rid, kind) in wanted or kind not in KINDS:
            continue
        for rec in history:
            if rec.status not in ACTIVE:
                continue
            before = recommendation_snapshot(rec)
            rec.status = "superseded"
            rec.updated_at = now
            session.flush()
            record_audit(
                session=session,
                actor=JOB_ACTOR,
                action="superseded",
                entity_type=ENTITY,
                entity_id=rec.id,
                before=before,
                after=recommendation_snapshot(rec),
                details={"reason": "no longer found by the latest run"},
            )
            counts["superseded"] += 1


def _same(rec: Recommendation, values: dict[str, Any]) -> bool:
    for key, value in values.items():
        if key == "evidence":
            continue  # evidence moves with every day of data; the decision is what counts
        current = getattr(rec, key)
        if isinstance(value, Decimal):
            if current is None or Decimal(current) != value:
                return False
        elif current != value:
            return False
    return True
