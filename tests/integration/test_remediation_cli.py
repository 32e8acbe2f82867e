"""``finops remediation ...`` through typer's CliRunner: exit codes, one-line errors, and the
approve -> execute -> rollback round trip on the moto server and the test database."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from finops.aws.clients import aws_client
from finops.cli.remediation import remediation_app
from finops.db.database import Database
from finops.db.models import Recommendation, Resource
from tests.support.moto_server import MotoServer

EXAMPLES = Path(__file__).resolve().parents[2] / "app" / "finops" / "remediation" / "examples"
REGION = "us-east-1"


@pytest.fixture
def cli(db_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    for name in ("FINOPS_DATABASE_URL", "FINOPS_VAULT_ADDR", "FINOPS_VAULT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("FINOPS_DATABASE_URL", db_url)
    return CliRunner()


def _one_error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in stderr
    return lines[0]


def test_validate_a_bad_file_exits_1_with_one_line_naming_file_and_field(
    cli: CliRunner, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "name: p\ndescription: d\nfilter: {resource_type: ec2_instance, colour: red}\n"
        "action: {type: stop_ec2}\nmode: sometimes\n",
        encoding="utf-8",
    )

    result = cli.invoke(remediation_app, ["policies", "validate", str(bad)])

    assert result.exit_code == 1
    line = _one_error_line(result.stderr)
    assert str(bad) in line
    assert "field 'filter.colour'" in line
    assert "field 'mode'" in line


def test_validate_malformed_yaml_and_a_missing_file_are_user_errors(
    cli: CliRunner, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: [p\n", encoding="utf-8")

    malformed = cli.invoke(remediation_app, ["policies", "validate", str(broken)])
    missing = cli.invoke(remediation_app, ["policies", "validate", str(tmp_path / "nope.yaml")])

    assert malformed.exit_code == 1
    assert "line 2, column 1: not valid YAML" in _one_error_line(malformed.stderr)
    assert missing.exit_code == 1
    assert "nope.yaml" in _one_error_line(missing.stderr)


def test_validate_a_good_file_and_a_usage_error(cli: CliRunner) -> None:
    example = EXAMPLES / "idle-ec2-stop-dev.yaml"

    result = cli.invoke(remediation_app, ["policies", "validate", str(example)])

    assert (result.exit_code, result.stdout.strip()) == (
        0,
        "ok: idle-ec2-stop-dev (approval, stop_ec2)",
    )
    assert cli.invoke(remediation_app, ["approve", "not-a-number"]).exit_code == 2
    assert cli.invoke(remediation_app, ["approve", "0"]).exit_code == 2


def test_load_plan_approve_execute_rollback_from_the_command_line(
    cli: CliRunner, db: Database, aws: MotoServer
) -> None:
    ec2 = aws_client("ec2", region=REGION)
    image = ec2.describe_images()["Images"][0]["ImageId"]
    tags = [{"Key": "env", "Value": "dev"}, {"Key": "owner", "Value": "ana"}]
    instance = ec2.run_instances(
        ImageId=image,
        MinCount=1,
        MaxCount=1,
        InstanceType="m5.large",
        TagSpecifications=[{"ResourceType": "instance", "Tags": tags}],
    )["Instances"][0]["InstanceId"]
    long_ago = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    with db.sessions.begin() as session:
        session.add(
            Resource(provider="AWS", resource_id=instance, region_id=REGION, first_seen=long_ago)
        )
        session.add(
            Recommendation(
                kind="ec2_idle",
                resource_id=instance,
                region_id=REGION,
                action="terminate",
                estimated_monthly_saving=Decimal("70.08"),
                created_at=long_ago,
            )
        )

    loaded = cli.invoke(
        remediation_app,
        ["policies", "load", str(EXAMPLES / "idle-ec2-stop-dev.yaml"), "--actor", "cli:admin"],
    )
    assert (loaded.exit_code, loaded.stdout.strip()) == (0, "created: idle-ec2-stop-dev (approval)")
    planned = cli.invoke(
        remediation_app, ["plan", "idle-ec2-stop-dev", "--actor", "cli:ana", "--json"]
    )
    assert planned.exit_code == 0, planned.stderr
    [action] = json.loads(planned.stdout)["actions"]
    action_id = str(action["id"])

    own = cli.invoke(remediation_app, ["approve", action_id, "--actor", "cli:ana"])
    assert own.exit_code == 1
    assert "another operator must approve it" in _one_error_line(own.stderr)
    assert cli.invoke(remediation_app, ["approve", action_id, "--actor", "cli:ben"]).exit_code == 0
    executed = cli.invoke(remediation_app, ["execute", action_id, "--actor", "cli:ben", "--json"])
    assert executed.exit_code == 0, executed.stderr
    assert json.loads(executed.stdout)["status"] == "succeeded"
    again = cli.invoke(remediation_app, ["execute", action_id, "--actor", "cli:ben"])
    assert again.exit_code == 1
    assert "succeeded" in _one_error_line(again.stderr)

    rolled = cli.invoke(remediation_app, ["rollback", action_id, "--actor", "cli:ana"])
    assert rolled.exit_code == 0, rolled.stderr
    assert "rolled_back" in rolled.stdout
    listed = cli.invoke(remediation_app, ["actions", "list", "--status", "rolled_back", "--json"])
    assert [a["id"] for a in json.loads(listed.stdout)["items"]] == [action["id"]]
    found = ec2.describe_instances(InstanceIds=[instance])["Reservations"][0]["Instances"][0]
    assert found["State"]["Name"] == "running"
