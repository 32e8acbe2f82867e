"""Writing and reading the append-only audit log (``audit_log``).

Guarantees: :func:`record_audit` only ever inserts, in the caller's transaction (so the audit
record commits or rolls back with the change it describes); on PostgreSQL a trigger refuses any
UPDATE or DELETE of the table (migration 0002). Values are stored as JSON; Decimals and dates are
written as text so that money stays exact.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from finops.db.models import AuditRecord
from finops.db.types import to_json_document


def record_audit(
    *,
    session: Session,
    actor: str,
    action: str,
    entity_type: str,
    entity_id: str | int,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    details: dict[str, Any] | None = None,
) -> AuditRecord:
    """Append one audit record (``actor`` is a user, an API key name or ``job:<name>``)."""
    record = AuditRecord(
        actor=actor,
        action=action,
        entity_type=entity_type,
        entity_id=str(entity_id),
        before=to_json_document(before) if before is not None else None,
        after=to_json_document(after) if after is not None else None,
        details=to_json_document(details or {}),
        occurred_at=dt.datetime.now(dt.UTC),
    )
    session.add(record)
    session.flush()
    return record


@dataclass(frozen=True)
class AuditEntry:
    id: int
    occurred_at: dt.datetime
    actor: str
    action: str
    entity_type: str
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    details: dict[str, Any]


def _filters(entity_type: str | None, entity_id: str | None, actor: str | None) -> list[Any]:
    conditions: list[Any] = []
    if entity_type:
        conditions.append(AuditRecord.entity_type == entity_type)
    if entity_id:
        conditions.append(AuditRecord.entity_id == entity_id)
    if actor:
        conditions.append(AuditRecord.actor == actor)
    return conditions


def count_audit(
    *,
    session: Session,
    entity_type: str | None = None,
    entity_id: str | None = None,
    actor: str | None = None,
) -> int:
    """How many audit records match the filters."""
    stmt = select(func.count()).select_from(AuditRecord)
    for condition in _filters(entity_type, entity_id, actor):
        stmt = stmt.where(condition)
    return int(session.scalar(stmt) or 0)


def list_audit(
    *,
    session: Session,
    entity_type: str | None = None,
    entity_id: str | None = None,
    actor: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[AuditEntry]:
    """Audit records, newest first, optionally for one entity or actor."""
    stmt = select(AuditRecord).order_by(AuditRecord.id.desc()).limit(limit).offset(offset)
    for condition in _filters(entity_type, entity_id, actor):
        stmt = stmt.where(condition)
    return [
        AuditEntry(
            r.id,
            r.occurred_at,
            r.actor,
            r.action,
            r.entity_type,
            r.entity_id,
            r.before,
            r.after,
            r.details,
        )
        for r in session.scalars(stmt)
    ]
