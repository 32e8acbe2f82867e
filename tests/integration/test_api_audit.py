"""GET /api/v1/audit through the Chalice test client on the real database."""

from __future__ import annotations

from decimal import Decimal

from finops.audit import record_audit
from finops.db.database import Database
from tests.support.api_client import api_client


def test_audit_route_lists_records_with_filters_and_pages(db: Database) -> None:
    with db.sessions.begin() as session:
        for index in range(3):
            record_audit(
                session=session,
                actor="job:rightsize",
                action="created",
                entity_type="recommendation",
                entity_id=index,
                after={"saving": Decimal("1.50")},
            )
        record_audit(
            session=session,
            actor="alice",
            action="approved",
            entity_type="remediation_action",
            entity_id=9,
        )
    with api_client(db) as api:
        status, body = api.get("/audit?entity_type=recommendation&limit=2")
        assert status == 200
        assert body["total"] == 3
        assert body["next_offset"] == 2
        assert [item["entity_id"] for item in body["items"]] == ["2", "1"]
        assert body["items"][0]["after"] == {"saving": "1.5"}
        status, body = api.get("/audit?actor=alice")
        assert [item["action"] for item in body["items"]] == ["approved"]
        status, body = api.get("/audit?colour=red")
        assert status == 400
        assert body["error"]["details"]["parameter"] == "colour"
        status, _ = api.get("/audit", role=None)
        assert status == 401
