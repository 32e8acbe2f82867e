"""Budgets through the REST API: role rules, validation, CRUD and status with exact money."""

from __future__ import annotations

from finops.db.database import Database
from tests.support.api_client import api_client
from tests.support.facts import BUDGET_FACTS, add_facts

WEB = {"name": "web", "scope_type": "tag", "scope_key": "team=web", "amount": "1000.00",
       "thresholds": [{"kind": "actual", "percent": "80"}]}  # fmt: skip


def test_budget_crud_with_role_rules_and_exact_status(db: Database) -> None:
    with db.sessions.begin() as session:
        add_facts(session, BUDGET_FACTS)
    with api_client(db) as api:
        assert api.send("POST", "/budgets", WEB, role="operator")[0] == 403
        assert api.send("POST", "/budgets", WEB, role=None)[0] == 401
        status, created = api.send("POST", "/budgets", WEB, role="admin")
        assert status == 201, created
        budget_id = created["budget"]["id"]
        assert created["budget"]["amount"] == "1000.00"
        assert api.send("POST", "/budgets", WEB, role="admin")[0] == 409

        status, body = api.get(f"/budgets/{budget_id}?as_of=2026-03-11")
        assert status == 200, body
        assert body["actual"] == "990.00"  # 10 x 100 minus the 10 credit, hand-summed
        assert body["actual_percent"] == "99.00"
        assert body["crossed"] == [{"kind": "actual", "percent": "80.00"}]

        status, listing = api.get("/budgets?as_of=2026-03-11")
        assert [item["budget"]["name"] for item in listing["items"]] == ["web"]

        changed = dict(WEB, amount="2000")
        status, body = api.send("PUT", f"/budgets/{budget_id}", changed, role="admin")
        assert status == 200, body
        assert body["budget"]["amount"] == "2000.00"

        assert api.get("/budgets/999999")[0] == 404
        assert api.get(f"/budgets/{budget_id}/alerts")[1] == {"items": []}
        status, body = api.send("DELETE", f"/budgets/{budget_id}", role="admin")
        assert (status, body) == (200, {"deleted": True, "id": budget_id})
        assert api.get(f"/budgets/{budget_id}")[0] == 404
        status, audit = api.get(f"/audit?entity_type=budget&entity_id={budget_id}")
        assert [e["action"] for e in audit["items"]] == ["deleted", "updated", "created"]
        assert audit["items"][-1]["actor"] == "api:admin-key"


def test_bad_budget_bodies_are_400_naming_the_field(db: Database) -> None:
    with api_client(db) as api:
        status, body = api.send("POST", "/budgets", raw="{not json", role="admin")
        assert status == 400
        assert "not valid JSON" in body["error"]["message"]
        status, body = api.send("POST", "/budgets", {"name": "x", "amount": "-1"}, role="admin")
        assert status == 400
        assert "amount" in body["error"]["message"]
        status, body = api.send("POST", "/budgets", dict(WEB, colour="red"), role="admin")
        assert status == 400
        assert "colour" in body["error"]["message"]
        status, body = api.get("/budgets/abc")
        assert status == 400
        assert "budget_id" in body["error"]["message"]
