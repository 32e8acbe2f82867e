"""The audit log only grows: records are written with their change and never rewritten."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.exc import DBAPIError

from finops.audit import list_audit, record_audit
from finops.db.database import Database
from finops.db.models import AuditRecord


@pytest.mark.smoke
def test_records_are_listed_newest_first_with_exact_values(db: Database) -> None:
    with db.sessions.begin() as session:
        record_audit(
            session=session,
            actor="job:rightsize",
            action="created",
            entity_type="recommendation",
            entity_id=7,
            after={"saving": Decimal("12.3400"), "status": "open"},
        )
        record_audit(
            session=session,
            actor="alice",
            action="status_changed",
            entity_type="recommendation",
            entity_id=7,
            before={"status": "open"},
            after={"status": "accepted"},
        )
    with db.sessions() as session:
        entries = list_audit(session=session, entity_type="recommendation", entity_id="7")
    assert [e.action for e in entries] == ["status_changed", "created"]
    assert entries[1].after == {"saving": "12.34", "status": "open"}
    assert entries[0].before == {"status": "open"}
    assert entries[0].actor == "alice"


def _audited_change_that_fails(db: Database) -> None:
    with db.sessions.begin() as session:
        record_audit(
            session=session, actor="bob", action="deleted", entity_type="budget", entity_id=1
        )
        raise RuntimeError("the change failed")


def test_a_rolled_back_change_leaves_no_audit_record(db: Database) -> None:
    with pytest.raises(RuntimeError):
        _audited_change_that_fails(db)
    with db.sessions() as session:
        assert list_audit(session=session) == []


def test_postgres_refuses_to_rewrite_or_delete_audit_records(db: Database) -> None:
    if db.dialect != "postgresql":
        pytest.skip("the append-only trigger is PostgreSQL's")
    with db.sessions.begin() as session:
        record_audit(
            session=session,
            actor="carol",
            action="approved",
            entity_type="remediation_action",
            entity_id=3,
        )
    for statement in (update(AuditRecord).values(actor="mallory"), delete(AuditRecord)):
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
            conn.execute(statement)
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT actor FROM audit_log")).scalars().all() == ["carol"]
