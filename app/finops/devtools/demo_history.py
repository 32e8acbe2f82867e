"""The demo's past: the two recommendations the sample applied weeks ago
(:mod:`finops.devtools.sample.changes`), replayed through the platform as they happened.

Before the changes' day the platform's own ``rightsize`` stage runs on the history up to then,
so the estimates are the platform's. Then:

- the idle instance is stopped by remediation: the policy :data:`HISTORY_POLICY` (approval
  mode) plans the stop, a second operator approves it, and the remediation service executes and
  verifies it against :class:`PastEc2` (the sample's EC2 instances as they stood that day; the
  demo has no AWS for its past). Policy, approval, execution and the applied recommendation
  with its savings baseline are recorded and audited by the remediation service itself;
- the oversized instance's recommendation is marked applied by hand (the lifecycle service the
  CLI's ``finops recommendations apply`` calls), on the day the sample resized it.

The bill after each day says how much was realized. Idempotent: what is already recorded is
left as it is.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError
from sqlalchemy import select

from finops.db.database import Database
from finops.db.models import Recommendation

HISTORY_POLICY = "demo-stop-idle-instances"
PLANNER = "demo"
OPERATOR = "demo-operator"


class PastEc2:
    """The EC2 calls the remediation actions make, answered for the sample's instances as they
    stood before the planted changes (all running), changed by the calls the actions make.

    An instance the sample does not have is ``InvalidInstanceID.NotFound``, as in AWS.
    """

    def __init__(self, instances: list[dict[str, Any]]) -> None:
        from finops.devtools.sample.prices import EC2_INSTANCE_TYPES

        self._instances: dict[str, dict[str, Any]] = {}
        for inst in instances:
            itype = EC2_INSTANCE_TYPES[str(inst["instance_type"])]
            self._instances[str(inst["resource_id"])] = {
                "InstanceId": inst["resource_id"],
                "State": {"Name": "running"},
                "InstanceType": itype.name,
                "Architecture": itype.arch,
                "Tags": [{"Key": k, "Value": v} for k, v in sorted(inst["tags"].items())],
            }

    def _get(self, instance_id: str, operation: str) -> dict[str, Any]:
        found = self._instances.get(instance_id)
        if found is None:
            raise ClientError(
                {
                    "Error": {
                        "Code": "InvalidInstanceID.NotFound",
                        "Message": f"The instance ID '{instance_id}' does not exist",
                    }
                },
                operation,
            )
        return found

    def describe_instances(self, *, InstanceIds: list[str]) -> dict[str, Any]:  # noqa: N803
        found = [dict(self._get(i, "DescribeInstances")) for i in InstanceIds]
        return {"Reservations": [{"Instances": found}]}

    def _set_state(self, ids: list[str], state: str, operation: str) -> dict[str, Any]:
        for i in ids:
            self._get(i, operation)["State"] = {"Name": state}
        return {}

    def stop_instances(self, *, InstanceIds: list[str]) -> dict[str, Any]:  # noqa: N803
        return self._set_state(InstanceIds, "stopped", "StopInstances")

    def start_instances(self, *, InstanceIds: list[str]) -> dict[str, Any]:  # noqa: N803
        return self._set_state(InstanceIds, "running", "StartInstances")

    def modify_instance_attribute(
        self,
        *,
        InstanceId: str,  # noqa: N803
        InstanceType: dict[str, str],  # noqa: N803
    ) -> dict[str, Any]:
        self._get(InstanceId, "ModifyInstanceAttribute")["InstanceType"] = InstanceType["Value"]
        return {}

    def clients(self, service: str, region: str) -> Any:
        """A :data:`~finops.remediation.actions.base.ClientFactory` answering EC2 only."""
        if service != "ec2":
            raise ValueError(f"the demo's past has no {service} service")
        return self


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.UTC)


def _recommendation(
    db: Database, change: dict[str, Any], statuses: tuple[str, ...]
) -> Recommendation | None:
    """The newest recommendation of the change's kind for its resource in one of ``statuses``."""
    with db.sessions() as session:
        return session.scalar(
            select(Recommendation)
            .where(
                Recommendation.resource_id == change["resource_id"],
                Recommendation.kind == change["recommendation_kind"],
                Recommendation.status.in_(statuses),
            )
            .order_by(Recommendation.id.desc())
            .limit(1)
        )


def replay_applied_changes(
    *, db: Database, labels_path: Path, say: Callable[[str], None]
) -> dict[str, Any]:
    """Replay the sample's applied changes (``labels.json`` ``applied_changes``) through the
    platform; returns what was done per change. Nothing to do when the sample has none or they
    are recorded already.
    """
    from finops.jobs import run_job

    labels = json.loads(labels_path.read_text(encoding="utf-8"))
    changes: list[dict[str, Any]] = labels.get("applied_changes", [])
    if not changes:
        return {}
    pending = [c for c in changes if _recommendation(db, c, ("applied",)) is None]
    if not pending:
        say("history: the applied recommendations are recorded already")
        return {"recorded_already": len(changes)}
    first_day = min(dt.date.fromisoformat(c["applied_on"]) for c in changes)
    counts = run_job("rightsize", db=db, as_of=first_day, triggered_by="demo")
    say(f"history: rightsize as of {first_day}: {counts['findings']} findings")
    done: dict[str, Any] = {"rightsize": {"as_of": first_day.isoformat(), **counts}}
    past = PastEc2(labels["resources"]["ec2"])
    for change in pending:
        if change["applied_by"] == "remediation":
            done[change["resource_id"]] = _apply_by_remediation(db, change, past, say)
        else:
            done[change["resource_id"]] = _apply_by_hand(db, change, say)
    return done


def _apply_by_remediation(
    db: Database, change: dict[str, Any], past: PastEc2, say: Callable[[str], None]
) -> dict[str, Any]:
    from finops.remediation import (
        approve_action,
        execute_action,
        plan_policy,
        save_policy,
        validate_policy,
    )
    from finops.remediation.actions.base import WaitPolicy

    day = dt.date.fromisoformat(change["applied_on"])
    policy = validate_policy(
        {
            "name": HISTORY_POLICY,
            "description": "Stop the EC2 instances the rightsizing job finds idle; every stop "
            "waits for a second operator.",
            "filter": {
                "resource_type": "ec2_instance",
                "recommendation_kind": "ec2_idle",
                "account_ids": [change["account_id"]],
            },
            "action": {"type": "stop_ec2"},
            "mode": "approval",
            "max_actions_per_run": 1,
        },
        source="demo history policy",
    )
    save_policy(db=db, policy=policy, actor=PLANNER)
    plan = plan_policy(
        db=db,
        name=HISTORY_POLICY,
        actor=PLANNER,
        as_of=day,
        clients=past.clients,
        notify=False,
        now=_at(day - dt.timedelta(days=1), 10),
    )
    action = next(
        (
            a
            for a in plan.actions
            if a.resource_id == change["resource_id"] and a.status == "planned"
        ),
        None,
    )
    if action is None:
        say(f"history: {HISTORY_POLICY} planned no stop of {change['resource_id']}")
        return {"planned": False, "plan": plan.model_dump(mode="json", exclude={"actions"})}
    approve_action(
        db=db,
        action_id=action.id,
        actor=OPERATOR,
        note="approved in the weekly cost review",
        now=_at(day - dt.timedelta(days=1), 15),
    )
    executed = execute_action(
        db=db,
        action_id=action.id,
        actor=OPERATOR,
        clients=past.clients,
        wait=WaitPolicy(timeout_seconds=1.0, interval_seconds=0.01),
        now=_at(day, 0),
    )
    say(f"history: {change['resource_id']} stopped by remediation on {day}: {executed.status}")
    return {"action_id": executed.id, "status": executed.status, "applied_on": day.isoformat()}


def _apply_by_hand(
    db: Database, change: dict[str, Any], say: Callable[[str], None]
) -> dict[str, Any]:
    from finops.rightsizing import mark_recommendation_applied

    day = dt.date.fromisoformat(change["applied_on"])
    rec = _recommendation(db, change, ("open", "accepted"))
    if rec is None:
        say(f"history: no open {change['recommendation_kind']} for {change['resource_id']}")
        return {"applied": False}
    with db.sessions.begin() as session:
        mark_recommendation_applied(
            session=session,
            recommendation_id=rec.id,
            actor=OPERATOR,
            applied_on=day,
            note=f"resized to {change['new_instance_type']} by hand, one size down",
        )
    say(f"history: recommendation {rec.id} marked applied by hand on {day}")
    return {"recommendation_id": rec.id, "applied_on": day.isoformat()}
