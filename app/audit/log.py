"""Writing and reading the append-only audit log (``audit_log``).

Guarantees: :func:`record_audit` only ever inserts, in the caller's transaction (so the audit
record commits or rolls back with the change it describes); on PostgreSQL a trigger refuses any
UPDATE or DELETE of the table (migration 0002). Values are stored as JSON; Decimals and dates are
written as text so that money stays exact.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db.models import AuditRecord
from app.db.types import decimal_to_text


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return decimal_to_text(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    return value


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
        before=_jsonable(before) if before is not None else None,
        after=_jsonable(after) if after is not None else None,
        details=_jsonable(details or {}),
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
