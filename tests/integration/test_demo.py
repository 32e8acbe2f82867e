"""``finops demo`` as a user runs it (no serving): every stage runs on generated data, and the AWS
scene on a local moto server leaves a remediation that a second operator can approve."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from finops.audit import list_audit
from finops.aws.clients import aws_client
from finops.db.database import Database
from finops.db.models import JobRun, Resource
from finops.devtools.demo_aws import DEMO_POLICY, seed_demo_aws
from finops.remediation import approve_action, execute_action, list_actions
from finops.remediation.actions.base import WaitPolicy
from tests.support.moto_server import MotoServer

REPO = Path(__file__).resolve().parents[2]


def test_demo_runs_every_stage_and_the_aws_scene(db: Database, db_url: str, tmp_path: Path) -> None:
    # ``db`` empties the session's database first: the demo must start from nothing
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FINOPS_", "AWS_"))}
    env["FINOPS_DATABASE_URL"] = db_url
    out = tmp_path / "demo"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "finops.cli",
            "demo",
            "--no-serve",
            "--json",
            "--out",
            str(out),
            "--months",
            "2",
            "--accounts",
            "2",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    for stage in (
        "ingest_billing",
        "detect_cost_anomalies",
        "rightsize",
        "forecast_costs",
        "track_savings",
        "evaluate_budgets",
        "build_insights",
    ):
        assert summary[stage]["status"] == "succeeded", (stage, summary[stage])
    assert summary["aws"]["remediation"] == {"planned": 2, "refused": 1}
    assert len(summary["aws"]["instances"]) == 3
    assert (out / "api-key").stat().st_mode & 0o777 == 0o600


def test_demo_scene_plans_stops_that_a_second_operator_approves(
    db: Database, aws: MotoServer
) -> None:
    # resources known from billing but not in this AWS account must not be read or refused
    with db.sessions.begin() as session:
        # ruled out by its stored tags: not read from AWS at all
        session.add(
            Resource(
                provider="AWS",
                resource_id="i-0123456789abcdef0",
                resource_type="instance",
                tags={"env": "prod"},
            )
        )
        # no stored tags: read, found gone (terminated), skipped rather than refused
        session.add(Resource(provider="AWS", resource_id="i-0fedcba9876543210", tags={}))
    first = seed_demo_aws(db=db, say=lambda _m: None)
    again = seed_demo_aws(db=db, say=lambda _m: None)  # idempotent
    assert first["remediation"] == {"planned": 2, "refused": 1}
    assert again["instances"] == first["instances"]
    with db.sessions() as session:
        actions = list_actions(session=session, policy=DEMO_POLICY).items
    by_status = sorted((a.status, a.reason or "") for a in actions)
    assert by_status == [
        ("planned", ""),
        ("planned", ""),
        ("refused", "excluded by tag finops:exclude=true"),
    ]
    target = next(a for a in actions if a.status == "planned")
    approve_action(db=db, action_id=target.id, actor="operator-alice")
    done = execute_action(
        db=db,
        action_id=target.id,
        actor="operator-alice",
        wait=WaitPolicy(timeout_seconds=30, interval_seconds=0.2),
    )
    assert done.status == "succeeded", done.error
    state = aws_client("ec2").describe_instances(InstanceIds=[target.resource_id])
    assert state["Reservations"][0]["Instances"][0]["State"]["Name"] == "stopped"
    with db.sessions() as session:
        trail = [
            e.action
            for e in list_audit(
                session=session, entity_type="remediation_action", entity_id=str(target.id)
            )
        ]
        assert session.scalars(select(JobRun.job_name)).all() == [
            "collect_inventory",
            "collect_inventory",
        ]
    assert {"planned", "approved", "succeeded"} <= set(trail)
