"""Policy-driven remediation end to end: a real moto server (EC2, ECS, Lambda, EKS) and the real
PostgreSQL test database. Nothing of boto3 is mocked; where a test needs AWS to fail mid-way it
registers a botocore ``before-call`` hook on an otherwise real client (AWS's own
InsufficientInstanceCapacity at start, which moto never produces)."""

from __future__ import annotations

import datetime as dt
import io
import threading
import zipfile
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from botocore.exceptions import ClientError
from sqlalchemy import select

from finops.audit import list_audit
from finops.aws.clients import aws_client
from finops.core.errors import ConflictError, PermissionDeniedError
from finops.db.database import Database
from finops.db.models import Recommendation, RemediationAction, Resource, SavingsBaseline
from finops.remediation import (
    ActionView,
    WaitPolicy,
    approve_action,
    execute_action,
    get_action,
    plan_policy,
    reject_action,
    rollback_action,
    run_policies,
    save_policy,
    validate_policy,
)
from tests.support.moto_server import MotoServer
from tests.support.webhook_receiver import webhook_receiver

ACCOUNT = "123456789012"
REGION = "us-east-1"
FAST = WaitPolicy(timeout_seconds=15, interval_seconds=0.1)
ALICE = "api:alice"
BOB = "api:bob"
LONG_AGO = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


# ----------------------------------------------------------------------------- helpers


def _instance(instance_type: str = "m5.large", **tags: str) -> str:
    ec2 = aws_client("ec2", region=REGION)
    image = ec2.describe_images()["Images"][0]["ImageId"]
    spec: dict[str, Any] = {
        "ImageId": image,
        "MinCount": 1,
        "MaxCount": 1,
        "InstanceType": instance_type,
    }
    if tags:
        spec["TagSpecifications"] = [
            {"ResourceType": "instance", "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}
        ]
    return str(ec2.run_instances(**spec)["Instances"][0]["InstanceId"])


def _ec2_state(instance_id: str) -> tuple[str, str]:
    ec2 = aws_client("ec2", region=REGION)
    found = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]
    return found["State"]["Name"], found["InstanceType"]


def _resource(db: Database, resource_id: str, **tags: str) -> None:
    with db.sessions.begin() as session:
        session.add(
            Resource(
                provider="AWS",
                resource_id=resource_id,
                account_id=ACCOUNT,
                region_id=REGION,
                tags=tags,
                first_seen=LONG_AGO,
                last_seen=LONG_AGO,
            )
        )


def _recommendation(
    db: Database,
    kind: str,
    resource_id: str,
    saving: str,
    recommended: dict[str, Any],
    action: str = "modify",
) -> int:
    with db.sessions.begin() as session:
        rec = Recommendation(
            kind=kind,
            resource_id=resource_id,
            account_id=ACCOUNT,
            region_id=REGION,
            action=action,
            recommended_config=recommended,
            estimated_monthly_saving=Decimal(saving),
            created_at=LONG_AGO,
            updated_at=LONG_AGO,
        )
        session.add(rec)
        session.flush()
        return rec.id


def _policy(db: Database, **fields: Any) -> str:
    document: dict[str, Any] = {
        "name": "idle-ec2-stop-dev",
        "description": "stop idle dev instances",
        "filter": {
            "resource_type": "ec2_instance",
            "recommendation_kind": "ec2_idle",
            "tags": {"equals": {"env": "dev"}},
        },
        "action": {"type": "stop_ec2"},
        "mode": "approval",
    }
    document.update(fields)
    policy = validate_policy(document, source="test")
    save_policy(db=db, policy=policy, actor="api:admin")
    return policy.name


def _idle(db: Database, **tags: str) -> tuple[str, int]:
    instance = _instance(**{"env": "dev", **tags})
    _resource(db, instance, env="dev")
    rec = _recommendation(
        db,
        "ec2_idle",
        instance,
        "70.08",
        {"instance_type": None, "options": ["stop", "terminate"]},
        action="terminate",
    )
    return instance, rec


def _audit_trail(db: Database, action_id: int) -> list[tuple[str, str]]:
    with db.sessions() as session:
        entries = list_audit(
            session=session, entity_type="remediation_action", entity_id=str(action_id)
        )
    return [(e.action, e.actor) for e in reversed(entries)]


def _approved(db: Database, action_id: int) -> None:
    approve_action(db=db, action_id=action_id, actor=BOB)


def _run_and_roll_back(db: Database, action_id: int, clients: Any = None) -> ActionView:
    _approved(db, action_id)
    done = execute_action(db=db, action_id=action_id, actor=BOB, wait=FAST, clients=clients)
    assert done.status == "succeeded", done.error
    assert done.verified_at is not None
    assert done.rollback_available is True
    return done


# ----------------------------------------------------------------------------- acceptance


def test_idle_dev_instance_is_stopped_after_a_second_operator_approves_and_rollback_restarts_it(
    db: Database, aws: MotoServer
) -> None:
    instance, rec_id = _idle(db)
    name = _policy(db)

    run = plan_policy(db=db, name=name, actor=ALICE)

    assert (run.planned, run.refused) == (1, 0)
    [planned] = run.actions
    assert planned.status == "planned"
    assert planned.resource_id == instance
    assert planned.plan["changes"] == [{"field": "state", "from": "running", "to": "stopped"}]
    assert planned.model_dump(mode="json")["expected_monthly_saving"] == "70.08"
    assert planned.plan["saving_source"] == "recommendation"
    assert _ec2_state(instance) == ("running", "m5.large")  # planning changes nothing

    with pytest.raises(PermissionDeniedError, match="another operator"):
        approve_action(db=db, action_id=planned.id, actor=ALICE)
    with pytest.raises(ConflictError, match="approved"):
        execute_action(db=db, action_id=planned.id, actor=ALICE, wait=FAST)
    approved = approve_action(db=db, action_id=planned.id, actor=BOB, note="dev box, idle")
    assert (approved.status, approved.approved_by) == ("approved", BOB)

    done = execute_action(db=db, action_id=planned.id, actor=BOB, wait=FAST)

    assert done.status == "succeeded", done.error
    assert _ec2_state(instance)[0] == "stopped"
    assert done.rollback["original"] == {"state": "running"}
    with db.sessions() as session:
        rec = session.get(Recommendation, rec_id)
        assert rec is not None
        assert rec.status == "applied"
        baseline = session.scalar(
            select(SavingsBaseline).where(SavingsBaseline.recommendation_id == rec_id)
        )
        assert baseline is not None
        assert baseline.estimated_monthly_saving == Decimal("70.08")
    with pytest.raises(ConflictError):
        execute_action(db=db, action_id=planned.id, actor=BOB, wait=FAST)

    rolled = rollback_action(db=db, action_id=planned.id, actor=ALICE, wait=FAST)

    assert rolled.status == "rolled_back", rolled.error
    assert rolled.rolled_back_at is not None
    assert rolled.rollback_available is False
    assert _ec2_state(instance)[0] == "running"
    assert _audit_trail(db, planned.id) == [
        ("planned", ALICE),
        ("approval_denied", ALICE),
        ("approved", BOB),
        ("executing", BOB),
        ("succeeded", BOB),
        ("rolling_back", ALICE),
        ("rolled_back", ALICE),
    ]
    with pytest.raises(ConflictError):
        rollback_action(db=db, action_id=planned.id, actor=ALICE, wait=FAST)


def test_actions_awaiting_approval_are_announced_once_to_the_approvals_webhook(
    db: Database, aws: MotoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    instance, _ = _idle(db)
    _policy(db)
    with webhook_receiver() as approvals:
        monkeypatch.setenv("FINOPS_WEBHOOK_APPROVALS", approvals.url)

        first = plan_policy(db=db, name="idle-ec2-stop-dev", actor=ALICE)
        plan_policy(db=db, name="idle-ec2-stop-dev", actor=ALICE)  # unchanged: not again

    assert first.approval_notification_sent is True
    [message] = approvals.received
    assert message["kind"] == "remediation.approval"
    assert "1 remediation action(s) of policy idle-ec2-stop-dev await approval" in message["text"]
    assert (
        f"stop_ec2 {instance}: state running -> stopped; saves 70.08 USD/month" in message["text"]
    )


def test_start_ec2_on_inventoried_instances_is_priced_from_the_catalogue(
    db: Database, aws: MotoServer
) -> None:
    instance = _instance("m5.large", env="dev")
    aws_client("ec2", region=REGION).stop_instances(InstanceIds=[instance])
    _resource(db, instance, env="dev")
    _policy(
        db,
        name="start-dev",
        filter={"resource_type": "ec2_instance", "tags": {"equals": {"env": "dev"}}},
        action={"type": "start_ec2"},
    )
    [action] = plan_policy(db=db, name="start-dev", actor=ALICE).actions
    assert action.plan["saving_source"] == "catalogue"
    assert Decimal(action.expected_monthly_saving) < 0  # starting costs money

    _run_and_roll_back(db, action.id)
    assert _ec2_state(instance)[0] == "running"

    assert rollback_action(db=db, action_id=action.id, actor=BOB, wait=FAST).status == (
        "rolled_back"
    )
    assert _ec2_state(instance)[0] == "stopped"


# ----------------------------------------------------------------------------- safety rails


def test_a_resource_carrying_an_exclusion_tag_is_refused_with_the_reason(
    db: Database, aws: MotoServer
) -> None:
    kept, _ = _idle(db, **{"finops:exclude": "true"})
    team, _ = _idle(db, team="payments")
    _policy(db, exclude_tags={"team": "payments"})

    run = plan_policy(db=db, name="idle-ec2-stop-dev", actor=ALICE)

    reasons = {a.resource_id: (a.status, a.reason) for a in run.actions}
    assert reasons == {
        kept: ("refused", "excluded by tag finops:exclude=true"),
        team: ("refused", "excluded by tag team=payments"),
    }
    with pytest.raises(ConflictError, match="refused"):
        approve_action(db=db, action_id=run.actions[0].id, actor=BOB)
    assert _audit_trail(db, run.actions[0].id)[0] == ("refused", ALICE)


def test_matches_beyond_the_blast_radius_are_refused_and_recorded_not_dropped(
    db: Database, aws: MotoServer
) -> None:
    instances = [_idle(db)[0] for _ in range(3)]
    _policy(db, max_actions_per_run=2)

    run = plan_policy(db=db, name="idle-ec2-stop-dev", actor=ALICE)

    assert (run.planned, run.refused) == (2, 1)
    refused = [a for a in run.actions if a.status == "refused"]
    assert refused[0].reason.startswith("blast radius: the policy allows 2 action(s) per run")
    assert sorted(a.resource_id for a in run.actions) == sorted(instances)
    with db.sessions() as session:
        assert session.scalar(
            select(RemediationAction.id).where(RemediationAction.status == "refused")
        )


def test_a_replanned_run_keeps_identical_actions_and_a_changed_policy_supersedes_them(
    db: Database, aws: MotoServer
) -> None:
    _idle(db)
    _policy(db)
    first = plan_policy(db=db, name="idle-ec2-stop-dev", actor=ALICE)

    again = plan_policy(db=db, name="idle-ec2-stop-dev", actor=ALICE)

    assert (again.planned, again.unchanged) == (0, 1)
    assert again.actions[0].id == first.actions[0].id
    _policy(db, description="stop idle dev instances (reviewed)")
    with db.sessions() as session:
        assert get_action(session=session, action_id=first.actions[0].id).status == ("superseded")


def test_a_dry_run_plan_records_the_diff_and_can_never_be_approved_or_executed(
    db: Database, aws: MotoServer
) -> None:
    instance, _ = _idle(db)
    _policy(db, mode="dry-run")

    run = plan_policy(db=db, name="idle-ec2-stop-dev", actor=ALICE)

    [plan] = run.actions
    assert (plan.status, plan.mode) == ("planned", "dry-run")
    with pytest.raises(ConflictError, match="dry-run"):
        approve_action(db=db, action_id=plan.id, actor=BOB)
    with pytest.raises(ConflictError, match="dry-run"):
        execute_action(db=db, action_id=plan.id, actor=BOB, wait=FAST)
    assert _ec2_state(instance)[0] == "running"


def test_a_rejected_action_never_executes_and_is_not_proposed_again(
    db: Database, aws: MotoServer
) -> None:
    instance, _ = _idle(db)
    _policy(db)
    [action] = plan_policy(db=db, name="idle-ec2-stop-dev", actor=ALICE).actions

    rejected = reject_action(db=db, action_id=action.id, actor=BOB, note="in use by QA")

    assert (rejected.status, rejected.reason) == ("rejected", "in use by QA")
    with pytest.raises(ConflictError):
        execute_action(db=db, action_id=action.id, actor=BOB, wait=FAST)
    again = plan_policy(db=db, name="idle-ec2-stop-dev", actor=ALICE)
    assert (again.planned, again.unchanged) == (0, 1)
    assert _ec2_state(instance)[0] == "running"


def test_concurrent_executions_of_one_approved_action_run_it_once(
    db: Database, aws: MotoServer
) -> None:
    _idle(db)
    _policy(db)
    [action] = plan_policy(db=db, name="idle-ec2-stop-dev", actor=ALICE).actions
    _approved(db, action.id)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def execute() -> None:
        barrier.wait()
        try:
            outcomes.append(execute_action(db=db, action_id=action.id, actor=BOB, wait=FAST).status)
        except ConflictError:
            outcomes.append("conflict")

    threads = [threading.Thread(target=execute) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == ["conflict", "succeeded"]
    assert [a for a, _ in _audit_trail(db, action.id)].count("executing") == 1


def test_execution_stops_untouched_when_the_resource_changed_since_the_plan(
    db: Database, aws: MotoServer
) -> None:
    instance, _ = _idle(db)
    _policy(db)
    [action] = plan_policy(db=db, name="idle-ec2-stop-dev", actor=ALICE).actions
    _approved(db, action.id)
    aws_client("ec2", region=REGION).create_tags(
        Resources=[instance], Tags=[{"Key": "finops:exclude", "Value": "true"}]
    )

    done = execute_action(db=db, action_id=action.id, actor=BOB, wait=FAST)

    assert done.status == "failed"
    assert "excluded by tag finops:exclude=true" in done.error
    assert done.rollback_available is False  # nothing was changed
    assert _ec2_state(instance)[0] == "running"


# ----------------------------------------------------------------------------- EC2 resize


def _resize_policy(db: Database, **fields: Any) -> str:
    return _policy(
        db,
        name="rightsize-ec2",
        filter={"resource_type": "ec2_instance", "recommendation_kind": "ec2_rightsize"},
        action={"type": "resize_ec2"},
        **fields,
    )


def _oversized(db: Database, target: str = "m5.large") -> str:
    instance = _instance("m5.2xlarge", env="dev")
    _resource(db, instance, env="dev")
    _recommendation(db, "ec2_rightsize", instance, "210.24", {"instance_type": target})
    return instance


def test_resize_stops_modifies_starts_and_rollback_restores_the_old_type(
    db: Database, aws: MotoServer
) -> None:
    instance = _oversized(db)
    _resize_policy(db)
    [action] = plan_policy(db=db, name="rightsize-ec2", actor=ALICE).actions
    assert action.plan["changes"] == [
        {"field": "instance_type", "from": "m5.2xlarge", "to": "m5.large"}
    ]

    done = _run_and_roll_back(db, action.id)

    assert _ec2_state(instance) == ("running", "m5.large")
    assert done.rollback["original"] == {"instance_type": "m5.2xlarge", "state": "running"}
    rolled = rollback_action(db=db, action_id=action.id, actor=BOB, wait=FAST)
    assert rolled.status == "rolled_back", rolled.error
    assert _ec2_state(instance) == ("running", "m5.2xlarge")


def test_resize_to_a_type_aws_does_not_offer_or_of_another_architecture_is_refused_at_plan(
    db: Database, aws: MotoServer
) -> None:
    unknown = _oversized(db, target="m5.colossal")
    graviton = _oversized(db, target="m6g.large")
    _resize_policy(db)

    run = plan_policy(db=db, name="rightsize-ec2", actor=ALICE)

    reasons = {a.resource_id: a.reason for a in run.actions}
    assert run.refused == 2
    assert "m5.colossal is not offered" in reasons[unknown]
    assert "runs arm64; the instance's image is x86_64" in reasons[graviton]


def _start_fails_once() -> Callable[[str, str], Any]:
    """Real moto clients whose first StartInstances answers InsufficientInstanceCapacity (the
    capacity error AWS gives when the new type is short; moto never does)."""
    remaining = {"failures": 1}

    def refuse_start(**_: Any) -> None:
        if remaining["failures"] > 0:
            remaining["failures"] -= 1
            raise ClientError(
                {
                    "Error": {
                        "Code": "InsufficientInstanceCapacity",
                        "Message": "We currently do not have sufficient capacity.",
                    }
                },
                "StartInstances",
            )

    def clients(service: str, region: str) -> Any:
        client = aws_client(service, region=region)
        if service == "ec2":
            client.meta.events.register("before-call.ec2.StartInstances", refuse_start)
        return client

    return clients


def test_a_resize_whose_start_fails_restores_the_original_type_and_keeps_the_rollback(
    db: Database, aws: MotoServer
) -> None:
    instance = _oversized(db)
    _resize_policy(db)
    [action] = plan_policy(db=db, name="rightsize-ec2", actor=ALICE).actions
    _approved(db, action.id)

    done = execute_action(
        db=db, action_id=action.id, actor=BOB, wait=FAST, clients=_start_fails_once()
    )

    assert done.status == "failed"
    assert "InsufficientInstanceCapacity" in done.error
    assert done.rollback_available is True
    assert done.rollback["restore"]["restored"] is True
    assert _ec2_state(instance) == ("running", "m5.2xlarge")  # the original state
    trail = [a for a, _ in _audit_trail(db, action.id)]
    assert trail == ["planned", "approved", "executing", "failed"]
    with db.sessions() as session:
        rec = session.scalar(select(Recommendation).where(Recommendation.resource_id == instance))
        assert rec is not None
        assert rec.status == "open"  # nothing applied, no savings baseline

    rolled = rollback_action(db=db, action_id=action.id, actor=BOB, wait=FAST)
    assert rolled.status == "rolled_back"
    assert _ec2_state(instance) == ("running", "m5.2xlarge")


def test_a_stop_aws_refuses_fails_the_action_and_leaves_the_instance_running(
    db: Database, aws: MotoServer
) -> None:
    instance = _oversized(db)
    aws_client("ec2", region=REGION).modify_instance_attribute(
        InstanceId=instance, DisableApiStop={"Value": True}
    )
    _resize_policy(db)
    [action] = plan_policy(db=db, name="rightsize-ec2", actor=ALICE).actions
    _approved(db, action.id)

    done = execute_action(db=db, action_id=action.id, actor=BOB, wait=FAST)

    assert done.status == "failed"
    assert "StopInstances" in done.error
    assert done.rollback_available is True
    assert _ec2_state(instance) == ("running", "m5.2xlarge")


# ----------------------------------------------------------------------------- ECS


def _ecs_service(desired: int = 3, cpu: str = "1024", memory: str = "2048") -> str:
    ecs = aws_client("ecs", region=REGION)
    ecs.create_cluster(clusterName="apps")
    definition = ecs.register_task_definition(
        family="web",
        cpu=cpu,
        memory=memory,
        networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"],
        containerDefinitions=[{"name": "web", "image": "nginx", "essential": True}],
    )["taskDefinition"]["taskDefinitionArn"]
    service = ecs.create_service(
        cluster="apps",
        serviceName="web",
        taskDefinition=definition,
        desiredCount=desired,
        launchType="FARGATE",
        tags=[{"key": "env", "value": "dev"}],
    )["service"]
    # moto counts no running task until the service is updated once
    ecs.update_service(cluster="apps", service="web", desiredCount=desired)
    return str(service["serviceArn"])


def _ecs_now(arn: str) -> dict[str, Any]:
    ecs = aws_client("ecs", region=REGION)
    service = ecs.describe_services(cluster="apps", services=[arn])["services"][0]
    definition = ecs.describe_task_definition(taskDefinition=service["taskDefinition"])
    return {
        "desired": service["desiredCount"],
        "task_definition": service["taskDefinition"],
        "cpu": definition["taskDefinition"]["cpu"],
        "memory": definition["taskDefinition"]["memory"],
    }


def test_scale_ecs_service_executes_verifies_and_rolls_back(db: Database, aws: MotoServer) -> None:
    arn = _ecs_service(desired=3)
    _resource(db, arn, env="dev")
    _policy(
        db,
        name="scale-down-dev-services",
        filter={"resource_type": "ecs_service", "tags": {"equals": {"env": "dev"}}},
        action={"type": "scale_ecs_service", "desired_count": 1},
    )
    [action] = plan_policy(db=db, name="scale-down-dev-services", actor=ALICE).actions
    assert action.plan["changes"] == [{"field": "desired_count", "from": 3, "to": 1}]
    assert action.plan["saving_source"] == "catalogue"
    assert Decimal(action.expected_monthly_saving) > 0

    _run_and_roll_back(db, action.id)
    assert _ecs_now(arn)["desired"] == 1

    rolled = rollback_action(db=db, action_id=action.id, actor=BOB, wait=FAST)
    assert rolled.status == "rolled_back", rolled.error
    assert _ecs_now(arn)["desired"] == 3


def test_change_ecs_task_size_registers_a_revision_and_rollback_returns_to_the_old_one(
    db: Database, aws: MotoServer
) -> None:
    arn = _ecs_service(cpu="1024", memory="4096")
    before = _ecs_now(arn)
    _resource(db, arn)
    _recommendation(db, "fargate_task", arn, "18.02", {"vcpu": "0.5", "memory_gb": "2"})
    _policy(
        db,
        name="fargate-task-size",
        filter={"resource_type": "ecs_service", "recommendation_kind": "fargate_task"},
        action={"type": "change_ecs_task_size"},
    )
    [action] = plan_policy(db=db, name="fargate-task-size", actor=ALICE).actions
    assert action.plan["desired"] == {"cpu": 512, "memory": 2048}

    done = _run_and_roll_back(db, action.id)

    after = _ecs_now(arn)
    assert (after["cpu"], after["memory"]) == ("512", "2048")
    assert after["task_definition"] != before["task_definition"]
    assert done.rollback["result"]["task_definition"] == after["task_definition"]
    rolled = rollback_action(db=db, action_id=action.id, actor=BOB, wait=FAST)
    assert rolled.status == "rolled_back", rolled.error
    assert _ecs_now(arn) == before


# ----------------------------------------------------------------------------- Lambda


def _function(memory: int = 1024) -> str:
    role = aws_client("iam", region=REGION).create_role(
        RoleName="fn-role", AssumeRolePolicyDocument="{}"
    )["Role"]["Arn"]
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("handler.py", "def handle(event, context):\n    return event\n")
    created = aws_client("lambda", region=REGION).create_function(
        FunctionName="resize-images",
        Runtime="python3.12",
        Role=role,
        Handler="handler.handle",
        Code={"ZipFile": package.getvalue()},
        MemorySize=memory,
        Tags={"env": "dev"},
    )
    return str(created["FunctionArn"])


def _memory(name: str = "resize-images") -> int:
    config = aws_client("lambda", region=REGION).get_function_configuration(FunctionName=name)
    return int(config["MemorySize"])


def test_lambda_memory_change_executes_verifies_and_rolls_back(
    db: Database, aws: MotoServer
) -> None:
    arn = _function(memory=1024)
    _recommendation(db, "lambda_memory", arn, "12.50", {"memory_mb": 512})
    _policy(
        db,
        name="lambda-memory",
        filter={"resource_type": "lambda_function", "recommendation_kind": "lambda_memory"},
        action={"type": "change_lambda_memory"},
    )
    [action] = plan_policy(db=db, name="lambda-memory", actor=ALICE).actions
    assert action.plan["changes"] == [{"field": "memory_mb", "from": 1024, "to": 512}]

    _run_and_roll_back(db, action.id)
    assert _memory() == 512

    rolled = rollback_action(db=db, action_id=action.id, actor=BOB, wait=FAST)
    assert rolled.status == "rolled_back", rolled.error
    assert _memory() == 1024


def test_lambda_architecture_change_is_planned_as_a_diff(db: Database, aws: MotoServer) -> None:
    arn = _function()
    _resource(db, arn, env="dev")
    _policy(
        db,
        name="lambda-graviton",
        mode="dry-run",
        filter={"resource_type": "lambda_function"},
        action={"type": "change_lambda_architecture", "architecture": "arm64"},
    )

    [plan] = plan_policy(db=db, name="lambda-graviton", actor=ALICE).actions

    assert plan.plan["changes"] == [{"field": "architecture", "from": "x86_64", "to": "arm64"}]


# ----------------------------------------------------------------------------- EKS


def _node_group(desired: int = 4) -> None:
    role = aws_client("iam", region=REGION).create_role(
        RoleName="eks-role", AssumeRolePolicyDocument="{}"
    )["Role"]["Arn"]
    eks = aws_client("eks", region=REGION)
    eks.create_cluster(name="prod-east", roleArn=role, resourcesVpcConfig={"subnetIds": ["s-1"]})
    eks.create_nodegroup(
        clusterName="prod-east",
        nodegroupName="general",
        nodeRole=role,
        subnets=["s-1"],
        scalingConfig={"minSize": 2, "maxSize": 6, "desiredSize": desired},
        instanceTypes=["m5.large"],
    )


def _scaling() -> dict[str, int]:
    group = aws_client("eks", region=REGION).describe_nodegroup(
        clusterName="prod-east", nodegroupName="general"
    )["nodegroup"]
    return dict(group["scalingConfig"])


def test_eks_node_group_scale_executes_verifies_and_rolls_back(
    db: Database, aws: MotoServer
) -> None:
    _node_group(desired=4)
    group_id = "eks:prod-east/general:m5.large"  # the rightsizing job's node-group id
    _recommendation(db, "node_group", group_id, "140.16", {"instance_type": "m5.large", "nodes": 1})
    _policy(
        db,
        name="node-groups",
        filter={"resource_type": "eks_nodegroup", "recommendation_kind": "node_group"},
        action={"type": "scale_eks_nodegroup"},
    )
    [action] = plan_policy(db=db, name="node-groups", actor=ALICE).actions
    # below the group's minimum: the minimum follows, the maximum stays
    assert action.plan["desired"] == {"desired_size": 1, "min_size": 1, "max_size": 6}

    _run_and_roll_back(db, action.id)
    assert _scaling() == {"minSize": 1, "maxSize": 6, "desiredSize": 1}

    rolled = rollback_action(db=db, action_id=action.id, actor=BOB, wait=FAST)
    assert rolled.status == "rolled_back", rolled.error
    assert _scaling() == {"minSize": 2, "maxSize": 6, "desiredSize": 4}


# ----------------------------------------------------------------------------- the job


def test_the_job_executes_allow_listed_auto_policies_and_a_rerun_changes_nothing(
    db: Database, aws: MotoServer
) -> None:
    instance, _ = _idle(db)
    in_test, _ = _idle(db, env="test")
    _policy(db, mode="auto")
    _policy(
        db,
        name="review-only",
        mode="dry-run",
        filter={
            "resource_type": "ec2_instance",
            "recommendation_kind": "ec2_idle",
            "tags": {"equals": {"env": "test"}},
        },
    )

    first = run_policies(db=db, wait=FAST)

    assert first["policies"]["idle-ec2-stop-dev"]["succeeded"] == 1
    assert first["policies"]["review-only"]["planned"] == 1
    assert first["errors"] == {}
    assert _ec2_state(instance)[0] == "stopped"
    assert _ec2_state(in_test)[0] == "running"
    second = run_policies(db=db, wait=FAST)
    assert second["executed"] == 0
    assert second["policies"]["idle-ec2-stop-dev"]["planned"] == 0  # recommendation applied
    assert second["policies"]["review-only"]["unchanged"] == 1


def test_a_resource_whose_endpoint_answers_garbage_is_refused_not_a_crash(
    db: Database, aws: MotoServer
) -> None:
    # moto answers an unknown region with an HTML error page: botocore cannot parse it
    with db.sessions.begin() as session:
        session.add(
            Resource(
                provider="AWS",
                resource_id="i-0aaaaaaaaaaaaaaaa",
                region_id="nowhere-1",
                tags={},
                first_seen=LONG_AGO,
                last_seen=LONG_AGO,
            )
        )
    _policy(
        db,
        name="stop-anything",
        filter={"resource_type": "ec2_instance"},
        action={"type": "stop_ec2"},
    )
    run = plan_policy(db=db, name="stop-anything", actor=ALICE)
    [action] = run.actions
    assert action.status == "refused"
    assert action.reason.startswith("cannot read the resource: cannot read i-0aaaaaaaaaaaaaaaa")
    assert "<html" not in action.reason
