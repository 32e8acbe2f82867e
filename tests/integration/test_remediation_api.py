"""Remediation through the REST API: roles, separation of duties, validation errors naming the
field, and a full approve -> execute -> rollback against the moto server."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from finops.aws.clients import aws_client
from finops.db.database import Database
from finops.db.models import Recommendation, Resource
from tests.support.api_client import api_client
from tests.support.moto_server import MotoServer

ACCOUNT = "123456789012"
REGION = "us-east-1"
LONG_AGO = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

POLICY: dict[str, Any] = {
    "name": "idle-ec2-stop-dev",
    "description": "Stop idle dev instances after approval.",
    "filter": {
        "resource_type": "ec2_instance",
        "recommendation_kind": "ec2_idle",
        "tags": {"equals": {"env": "dev"}},
    },
    "action": {"type": "stop_ec2"},
    "mode": "approval",
}


def _idle_dev_instance(db: Database) -> str:
    ec2 = aws_client("ec2", region=REGION)
    image = ec2.describe_images()["Images"][0]["ImageId"]
    instance = str(
        ec2.run_instances(
            ImageId=image,
            MinCount=1,
            MaxCount=1,
            InstanceType="t3.large",
            TagSpecifications=[
                {"ResourceType": "instance", "Tags": [{"Key": "env", "Value": "dev"}]}
            ],
        )["Instances"][0]["InstanceId"]
    )
    with db.sessions.begin() as session:
        session.add(
            Resource(
                provider="AWS",
                resource_id=instance,
                account_id=ACCOUNT,
                region_id=REGION,
                first_seen=LONG_AGO,
                last_seen=LONG_AGO,
            )
        )
        session.add(
            Recommendation(
                kind="ec2_idle",
                resource_id=instance,
                account_id=ACCOUNT,
                region_id=REGION,
                action="terminate",
                recommended_config={"instance_type": None},
                estimated_monthly_saving=Decimal("60.74"),
            )
        )
    return instance


def _state(instance: str) -> str:
    ec2 = aws_client("ec2", region=REGION)
    found = ec2.describe_instances(InstanceIds=[instance])["Reservations"][0]["Instances"][0]
    return str(found["State"]["Name"])


def test_approve_execute_and_rollback_through_the_api_with_separation_of_duties(
    db: Database, aws: MotoServer
) -> None:
    instance = _idle_dev_instance(db)
    with api_client(db) as api:
        assert api.send("POST", "/remediation/policies", POLICY, role="operator")[0] == 403
        status, stored = api.send("POST", "/remediation/policies", POLICY, role="admin")
        assert (status, stored["name"], stored["created"]) == (201, "idle-ec2-stop-dev", True)
        status, listed = api.get("/remediation/policies")
        assert (status, [p["name"] for p in listed["items"]]) == (200, ["idle-ec2-stop-dev"])

        assert (
            api.send("POST", "/remediation/policies/idle-ec2-stop-dev/plan", role="viewer")[0]
            == 403
        )
        status, run = api.send("POST", "/remediation/policies/idle-ec2-stop-dev/plan")
        assert status == 200, run
        [action] = run["actions"]
        assert (action["status"], action["requested_by"]) == ("planned", "api:operator-key")
        assert action["expected_monthly_saving"] == "60.74"
        assert _state(instance) == "running"
        path = f"/remediation/actions/{action['id']}"

        status, denied = api.send("POST", f"{path}/approve", role="viewer")
        assert (status, denied["error"]["code"]) == (403, "permission_denied")
        status, denied = api.send("POST", f"{path}/approve", {"note": "mine"}, role="operator")
        assert status == 403
        assert "another operator" in denied["error"]["message"]
        assert api.send("POST", f"{path}/execute")[0] == 409  # not approved yet
        status, approved = api.send("POST", f"{path}/approve", {"note": "ok"}, role="operator2")
        assert (status, approved["approved_by"]) == (200, "api:operator2-key")

        status, done = api.send("POST", f"{path}/execute")
        assert status == 200, done
        assert done["status"] == "succeeded", done["error"]
        assert _state(instance) == "stopped"
        status, shown = api.get(path)
        assert (status, shown["rollback_available"]) == (200, True)
        status, page = api.get("/remediation/actions?status=succeeded")
        assert [a["id"] for a in page["items"]] == [action["id"]]

        status, rolled = api.send("POST", f"{path}/rollback", role="operator2")
        assert (status, rolled["status"]) == (200, "rolled_back")
        assert _state(instance) == "running"

        status, audit = api.get(f"/audit?entity_type=remediation_action&entity_id={action['id']}")
        assert [(e["action"], e["actor"]) for e in reversed(audit["items"])] == [
            ("planned", "api:operator-key"),
            ("approval_denied", "api:operator-key"),
            ("approved", "api:operator2-key"),
            ("executing", "api:operator-key"),
            ("succeeded", "api:operator-key"),
            ("rolling_back", "api:operator2-key"),
            ("rolled_back", "api:operator2-key"),
        ]


def test_a_bad_policy_body_is_400_naming_the_field_path(db: Database) -> None:
    with api_client(db) as api:
        unknown = {**POLICY, "filter": {**POLICY["filter"], "colour": "red"}}
        status, body = api.send("POST", "/remediation/policies", unknown, role="admin")
        assert status == 400
        assert body["error"]["details"]["field"] == "filter.colour"
        assert "request body: field 'filter.colour'" in body["error"]["message"]

        lambda_auto = {
            **POLICY,
            "filter": {"resource_type": "lambda_function", "recommendation_kind": "lambda_memory"},
            "action": {"type": "change_lambda_memory"},
            "mode": "auto",
        }
        status, body = api.send("POST", "/remediation/policies", lambda_auto, role="admin")
        assert (status, body["error"]["details"]["field"]) == (400, "mode")

        status, body = api.send("POST", "/remediation/policies", role="admin", raw='{"name": "x",')
        assert status == 400

        assert api.send("POST", "/remediation/policies", POLICY, role="admin")[0] == 201
        status, again = api.send("POST", "/remediation/policies", POLICY, role="admin")
        assert (status, again["created"], again["changed"]) == (200, False, False)


def test_unknown_actions_and_policies_are_404_and_bad_filters_400(db: Database) -> None:
    with api_client(db) as api:
        status, body = api.get("/remediation/actions/999999")
        assert (status, body["error"]["code"]) == (404, "not_found")
        assert api.send("POST", "/remediation/actions/999999/approve", role="operator2")[0] == 404
        assert api.send("POST", "/remediation/actions/999999/rollback")[0] == 404
        assert api.send("POST", "/remediation/policies/nope/plan")[0] == 404
        status, body = api.get("/remediation/actions?status=done")
        assert status == 400
        assert "status" in body["error"]["message"]
        assert api.get("/remediation/actions/0")[0] == 400
