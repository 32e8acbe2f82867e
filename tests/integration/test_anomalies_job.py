"""The anomaly job on generated billing data: planted anomalies found with their root cause,
reruns idempotent, feedback audited and remembered."""

from __future__ import annotations

import datetime as dt
import threading
import time
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from finops.anomalies import (
    detect_cost_anomalies,
    get_anomaly,
    list_anomalies,
    set_anomaly_status,
)
from finops.anomalies.views import AnomalyView
from finops.audit import list_audit
from finops.core.errors import ConflictError, InvalidInputError, NotFoundError
from finops.db.database import Database
from finops.db.models import Anomaly, AuditRecord
from tests.support.sample_billing import SAMPLE_END, ingest_sample, usage_cost


@pytest.mark.smoke
def test_planted_anomalies_are_found_with_their_resource_first(
    db: Database, tmp_path: Path
) -> None:
    labels = ingest_sample(db, tmp_path)
    counts = detect_cost_anomalies(db=db, lookback_days=90, recent_days=90)
    assert counts["created"] > 0
    assert counts["as_of"] == (SAMPLE_END - dt.timedelta(days=1)).isoformat()

    with db.sessions() as session:
        for label in labels:
            key = f"{label['account_id']}|{label['service_name']}"
            start = dt.date.fromisoformat(label["start"])
            rows = list_anomalies(session=session, scope_type="account_service", scope_key=key)
            # (this scope may also hold unlabelled steps: instances launched at a month start)
            [found] = [r for r in rows if r.start_day == start]
            assert found.status == "open"
            assert found.root_cause[0]["resource"] in label["resource_ids"]
            assert found.root_cause[0]["account"] == label["account_id"]
            # actual is exact; impact is near the planted extra cost (other lines move too)
            assert found.actual_cost == usage_cost(
                db, label["account_id"], label["service_name"], start, found.end_day
            )
            planted = Decimal(label["extra_cost_per_day"]) * found.days
            assert abs(found.impact - planted) <= planted * Decimal("0.3"), (found, planted)
            # the same anomaly shows in the account's and the total scope when large enough
        big = [a for a in labels if Decimal(a["extra_cost_per_day"]) > 100]
        totals = list_anomalies(session=session, scope_type="total")
        assert {t.start_day for t in totals} >= {dt.date.fromisoformat(a["start"]) for a in big}
        stored = session.scalar(select(func.count()).select_from(Anomaly))
        created_audits = len(list_audit(session=session, entity_type="anomaly", limit=1000))
    assert stored == counts["created"] == created_audits

    again = detect_cost_anomalies(db=db, lookback_days=90, recent_days=90)
    assert again["created"] == 0
    assert again["updated"] == 0
    assert again["unchanged"] == counts["created"]
    with db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Anomaly)) == stored
        assert session.scalar(select(func.count()).select_from(AuditRecord)) == created_audits


def test_status_change_is_audited_and_planned_activity_is_not_flagged_again(
    db: Database, tmp_path: Path
) -> None:
    labels = ingest_sample(db, tmp_path)
    shift = next(a for a in labels if a["kind"] == "level_shift")
    key = f"{shift['account_id']}|{shift['service_name']}"
    detect_cost_anomalies(db=db)
    with db.sessions.begin() as session:
        rows = list_anomalies(session=session, scope_type="account_service", scope_key=key)
        [anomaly] = [r for r in rows if r.start_day == dt.date.fromisoformat(shift["start"])]
        view = set_anomaly_status(
            session=session,
            anomaly_id=anomaly.id,
            status="planned_activity",
            actor="alice",
            note="GPU fleet for the launch",
        )
        assert view.status == "planned_activity"
    with db.sessions() as session:
        [audit, created] = list_audit(
            session=session, entity_type="anomaly", entity_id=str(anomaly.id)
        )
        assert (audit.actor, audit.action) == ("alice", "status_changed")
        assert audit.before == {"status": "open"}
        assert audit.after == {"status": "planned_activity"}
        assert audit.details == {"note": "GPU fleet for the launch"}
        assert created.action == "created"

    counts = detect_cost_anomalies(db=db)
    assert counts["created"] == 0
    with db.sessions() as session:
        rows = list_anomalies(session=session, scope_type="account_service", scope_key=key)
        in_shift = [r for r in rows if r.end_day > anomaly.start_day]
        assert [(r.id, r.status) for r in in_shift] == [(anomaly.id, "planned_activity")]
        assert get_anomaly(session=session, anomaly_id=anomaly.id).as_json()["status"] == (
            "planned_activity"
        )
        assert [r.id for r in list_anomalies(session=session, status="planned_activity")] == [
            anomaly.id
        ]


@pytest.mark.smoke
def test_bad_status_and_unknown_anomaly_are_refused(db: Database) -> None:
    with db.sessions.begin() as session:
        with pytest.raises(NotFoundError):
            get_anomaly(session=session, anomaly_id=999)
        with pytest.raises(InvalidInputError, match="parameter 'status'"):
            set_anomaly_status(session=session, anomaly_id=1, status="fixed", actor="bob")
    with pytest.raises(InvalidInputError, match="parameter 'scopes'"):
        detect_cost_anomalies(db=db, scopes=["region"])
    assert detect_cost_anomalies(db=db)["created"] == 0  # no facts: nothing to do


def _stored_anomaly(db: Database) -> int:
    with db.sessions.begin() as session:
        row = Anomaly(
            scope_type="total",
            scope_key="",
            billing_currency="USD",
            start_day=dt.date(2026, 3, 2),
            end_day=dt.date(2026, 3, 4),
            expected_cost=Decimal("100.00"),
            actual_cost=Decimal("180.00"),
            impact=Decimal("80.00"),
            impact_percent=Decimal("80.00"),
            severity="high",
            score=Decimal("5.1"),
        )
        session.add(row)
        session.flush()
        return row.id


def test_a_status_change_racing_another_loses_with_a_conflict_and_one_audit(db: Database) -> None:
    """Two people change one anomaly at once: the second UPDATE waits on the first's row lock,
    then finds the status it read gone, so it fails instead of overwriting unaudited."""
    if db.dialect != "postgresql":
        pytest.skip("row locks: PostgreSQL")
    anomaly_id = _stored_anomaly(db)
    outcome: dict[str, BaseException | AnomalyView] = {}

    def second_writer() -> None:
        try:
            with db.sessions.begin() as session:
                outcome["bob"] = set_anomaly_status(
                    session=session, anomaly_id=anomaly_id, status="resolved", actor="bob"
                )
        except BaseException as exc:  # handed to the test thread
            outcome["bob"] = exc

    with db.sessions.begin() as first:
        set_anomaly_status(
            session=first, anomaly_id=anomaly_id, status="acknowledged", actor="alice"
        )
        # alice's change holds the row lock until her transaction commits
        bob = threading.Thread(target=second_writer)
        bob.start()
        _wait_for_a_lock_wait(db)
    bob.join(timeout=30)
    assert not bob.is_alive()
    lost = outcome["bob"]
    assert isinstance(lost, ConflictError)
    assert str(lost) == (
        f"anomaly {anomaly_id} changed to acknowledged while this change was made; "
        "review it and set the status again"
    )
    with db.sessions() as session:
        assert get_anomaly(session=session, anomaly_id=anomaly_id).status == "acknowledged"
        changes = [
            (a.actor, a.before, a.after)
            for a in list_audit(session=session, entity_type="anomaly", entity_id=str(anomaly_id))
        ]
    assert changes == [("alice", {"status": "open"}, {"status": "acknowledged"})]


def _wait_for_a_lock_wait(db: Database) -> None:
    """Until another connection waits on a row lock (the racing UPDATE is blocked)."""
    deadline = time.monotonic() + 20
    with db.engine.connect() as probe:
        while time.monotonic() < deadline:
            waiting = probe.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND datname = current_database() AND query LIKE 'UPDATE anomalies%%'"
                )
            ).scalar_one()
            probe.rollback()  # pg_stat_activity is a snapshot per transaction
            if waiting:
                return
            time.sleep(0.05)
    raise AssertionError("the second writer never waited on the row lock")


def test_setting_the_current_status_again_changes_nothing(db: Database) -> None:
    anomaly_id = _stored_anomaly(db)
    with db.sessions.begin() as session:
        view = set_anomaly_status(session=session, anomaly_id=anomaly_id, status="open", actor="a")
    assert view.status == "open"
    with db.sessions() as session:
        assert list_audit(session=session, entity_type="anomaly", entity_id=str(anomaly_id)) == []
