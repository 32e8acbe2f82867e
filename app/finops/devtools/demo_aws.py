"""The demo's AWS scene, on a local emulator: the billing-event path and a remediation waiting
for approval (``finops demo`` runs it when ``moto_server`` is installed).

What it leaves behind, so the dashboard has real work: the S3 → EventBridge → SQS path
bootstrapped, three dev EC2 instances inventoried (one carrying ``finops:exclude=true``), and the
policy ``demo-stop-dev-instances`` (approval mode) planned by ``demo`` — two stops await a second
operator's approval, the excluded instance is refused with its reason. Approving and executing
one from the dashboard or ``finops remediation`` stops the instance in the emulator.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from finops.aws.clients import aws_client
from finops.db.database import Database

DEMO_BUCKET = "finops-demo-billing"
DEMO_POLICY = "demo-stop-dev-instances"
DEMO_ACTOR = "demo"
_INSTANCES = (
    ("dev-batch-worker", "m5.large", {"owner": "data-team"}),
    ("dev-ci-runner", "c5.xlarge", {"owner": "platform"}),
    ("dev-legacy-db", "r5.large", {"owner": "payments", "finops:exclude": "true"}),
)


def _run_instances(ec2: Any) -> list[str]:
    existing = ec2.describe_instances(Filters=[{"Name": "tag:finops:demo", "Values": ["true"]}])[
        "Reservations"
    ]
    if existing:
        return [i["InstanceId"] for r in existing for i in r["Instances"]]
    image = ec2.describe_images()["Images"][0]["ImageId"]
    ids: list[str] = []
    for name, instance_type, tags in _INSTANCES:
        all_tags = {"Name": name, "env": "dev", "finops:demo": "true", **tags}
        reply = ec2.run_instances(
            ImageId=image,
            MinCount=1,
            MaxCount=1,
            InstanceType=instance_type,
            TagSpecifications=[
                {
                    "ResourceType": "instance",
                    "Tags": [{"Key": k, "Value": v} for k, v in all_tags.items()],
                }
            ],
        )
        ids.append(str(reply["Instances"][0]["InstanceId"]))
    return ids


def seed_demo_aws(*, db: Database, say: Callable[[str], None]) -> dict[str, Any]:
    """Build the scene (idempotent on the same emulator and database); returns what it did."""
    from finops.aws.pipeline import ensure_billing_pipeline
    from finops.jobs import run_job
    from finops.remediation import plan_policy, save_policy, validate_policy

    pipeline = ensure_billing_pipeline(bucket=DEMO_BUCKET)
    say(f"aws: billing events s3://{DEMO_BUCKET} -> {pipeline.queue_url}")
    instances = _run_instances(aws_client("ec2"))
    inventory = run_job(
        "collect_inventory", db=db, regions=[pipeline.region], triggered_by=DEMO_ACTOR
    )
    say(f"aws: {len(instances)} dev instances; collect_inventory: {inventory['resources']}")
    policy = validate_policy(
        {
            "name": DEMO_POLICY,
            "description": "Stop dev EC2 instances; every stop waits for a second operator.",
            "filter": {
                "resource_type": "ec2_instance",
                "tags": {"equals": {"env": "dev", "finops:demo": "true"}},
            },
            "action": {"type": "stop_ec2"},
            "mode": "approval",
            "max_actions_per_run": 5,
        },
        source="demo policy",
    )
    save_policy(db=db, policy=policy, actor=DEMO_ACTOR)
    plan = plan_policy(db=db, name=DEMO_POLICY, actor=DEMO_ACTOR, notify=False)
    say(f"remediation: {DEMO_POLICY}: planned {plan.planned}, refused {plan.refused}")
    return {
        "billing_pipeline": pipeline.as_json(),
        "instances": instances,
        "inventory": inventory,
        "remediation": {"planned": plan.planned, "refused": plan.refused},
    }
