"""Recommendations and savings through the REST API: roles, status rules, audit."""

from __future__ import annotations

from decimal import Decimal as Dec

import pytest

from finops.db.database import Database
from finops.db.models import Recommendation
from tests.support.api_client import api_client


def _seed(db: Database) -> tuple[int, int]:
    with db.sessions.begin() as session:
        idle = Recommendation(
            kind="ec2_idle",
            resource_id="i-idle",
            account_id="111",
            action="terminate",
            estimated_monthly_saving=Dec("70.08"),
        )
        big = Recommendation(
            kind="ec2_rightsize",
            resource_id="i-big",
            account_id="111",
            action="modify",
            estimated_monthly_saving=Dec("217.54"),
        )
        session.add_all([idle, big])
        session.flush()
        return idle.id, big.id


def test_recommendation_lifecycle_through_the_api(db: Database) -> None:
    idle_id, big_id = _seed(db)
    with api_client(db) as api:
        status, page = api.get("/recommendations")
        assert status == 200, page
        assert [item["id"] for item in page["items"]] == [big_id, idle_id]  # largest first
        assert page["items"][0]["estimated_monthly_saving"] == "217.54"
        assert api.get("/recommendations?kind=nonsense")[0] == 400

        assert api.send("POST", f"/recommendations/{big_id}/accept", role="viewer")[0] == 403
        status, body = api.send(
            "POST", f"/recommendations/{big_id}/accept", {"note": "next sprint"}
        )
        assert (status, body["status"]) == (200, "accepted")
        status, body = api.send("POST", f"/recommendations/{big_id}/accept")
        assert status == 409
        assert body["error"]["code"] == "conflict"

        status, body = api.send("POST", f"/recommendations/{idle_id}/apply", {})
        assert status == 400
        assert "applied_on" in body["error"]["message"]
        status, body = api.send(
            "POST", f"/recommendations/{idle_id}/apply", {"applied_on": "2026-03-10"}
        )
        assert status == 200, body
        assert body["status"] == "applied"
        assert body["applied_at"].startswith("2026-03-10")
        assert body["savings_baseline"] is not None

        assert api.send("POST", "/recommendations/999999/dismiss")[0] == 404
        status, savings = api.get("/savings")
        assert status == 200, savings
        assert [r["recommendation_id"] for r in savings["recommendations"]] == [idle_id]

        status, audit = api.get(f"/audit?entity_type=recommendation&entity_id={big_id}")
        assert [(e["action"], e["actor"]) for e in audit["items"]] == [
            ("accepted", "api:operator-key")
        ]
        assert audit["items"][0]["details"] == {"note": "next sprint"}


@pytest.mark.smoke
def test_largest_saving_first_is_numeric_order_on_every_backend(db: Database) -> None:
    # as text "9.02" > "478.15" > "1000"; as money 1000 > 478.15 > 9.02 > 0.5
    savings = ["9.02", "478.15", "1000", "0.5"]
    with db.sessions.begin() as session:
        session.add_all(
            Recommendation(
                kind="ec2_idle",
                resource_id=f"i-{n}",
                action="terminate",
                estimated_monthly_saving=Dec(value),
            )
            for n, value in enumerate(savings)
        )
    with api_client(db) as api:
        status, body = api.get("/recommendations?limit=3")
        _, rest = api.get("/recommendations?limit=3&offset=3")
    assert status == 200, body
    shown = [Dec(r["estimated_monthly_saving"]) for r in body["items"] + rest["items"]]
    assert shown == sorted((Dec(v) for v in savings), reverse=True)
