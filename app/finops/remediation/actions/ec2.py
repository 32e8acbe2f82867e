"""EC2 instance actions: stop, start and resize (stop first when the type changes)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from finops.catalogue.model import PriceCatalogue
from finops.core.units import HOURS_PER_MONTH
from finops.remediation.actions.base import (
    ActionHandler,
    ClientFactory,
    Observation,
    Target,
    WaitPolicy,
    aws_error_text,
    instance_hourly_price,
    observe,
    wait_until,
)
from finops.remediation.exceptions import ActionFailedError, PlanRefusalError

KIND = "ec2_instance"


def observe_instance(clients: ClientFactory, target: Target) -> Observation:
    """The live state and tags of the EC2 instance ``target`` (boto3 errors propagate;
    :func:`~finops.remediation.actions.base.observe` translates them)."""
    ec2 = clients("ec2", target.region)
    reservations = ec2.describe_instances(InstanceIds=[target.resource_id])["Reservations"]
    instances = [i for r in reservations for i in r.get("Instances", [])]
    if not instances:
        raise ActionFailedError(f"instance {target.resource_id} not found")
    instance = instances[0]
    return Observation(
        state={
            "state": instance["State"]["Name"],
            "instance_type": instance["InstanceType"],
            "architecture": instance.get("Architecture"),
        },
        tags={t["Key"]: t.get("Value", "") for t in instance.get("Tags", [])},
    )


def _ec2_converge(
    clients: ClientFactory, target: Target, goal: dict[str, Any], wait: WaitPolicy
) -> dict[str, Any]:
    """Bring an instance to ``goal`` (``state`` running/stopped, optionally ``instance_type``):
    stop first when the type must change, modify, then start or stop as the goal says."""
    ec2 = clients("ec2", target.region)
    ids = [target.resource_id]
    steps: list[str] = []
    state = observe(clients, target).state
    wanted_type = goal.get("instance_type")
    if wanted_type and state["instance_type"] != wanted_type:
        if state["state"] != "stopped":
            if state["state"] in ("running", "pending"):
                ec2.stop_instances(InstanceIds=ids)
                steps.append("stop_instances")
            wait_until(
                clients,
                target,
                goal_reached=lambda s: s["state"] == "stopped",
                broken=_ec2_gone,
                wait=wait,
                what="stop before resize",
            )
        ec2.modify_instance_attribute(
            InstanceId=target.resource_id, InstanceType={"Value": wanted_type}
        )
        steps.append(f"modify_instance_attribute InstanceType={wanted_type}")
        state = observe(clients, target).state
    wanted_state = goal.get("state")
    if wanted_state == "running" and state["state"] not in ("running", "pending"):
        if state["state"] == "stopping":
            wait_until(
                clients,
                target,
                goal_reached=lambda s: s["state"] == "stopped",
                broken=_ec2_gone,
                wait=wait,
                what="stop before start",
            )
        ec2.start_instances(InstanceIds=ids)
        steps.append("start_instances")
    elif wanted_state == "stopped" and state["state"] in ("running", "pending"):
        ec2.stop_instances(InstanceIds=ids)
        steps.append("stop_instances")
    return {"steps": steps}


def _ec2_gone(state: dict[str, Any]) -> str | None:
    if state.get("state") in ("shutting-down", "terminated"):
        return f"the instance is {state['state']}"
    return None


class _Ec2Handler(ActionHandler):
    resource_kind = "ec2_instance"

    def converge(
        self, clients: ClientFactory, target: Target, goal: dict[str, Any], wait: WaitPolicy
    ) -> dict[str, Any]:
        return _ec2_converge(clients, target, goal, wait)

    def broken(self, state: dict[str, Any]) -> str | None:
        return _ec2_gone(state)


class StopEc2Handler(_Ec2Handler):
    name = "stop_ec2"
    keys = ("state",)

    def desired(
        self,
        current: dict[str, Any],
        parameters: dict[str, Any],
        recommended: dict[str, Any] | None,
    ) -> dict[str, Any]:
        if current["state"] not in ("running", "stopped"):
            raise PlanRefusalError(
                f"the instance is {current['state']}; only a running one is stopped"
            )
        return {"state": "stopped"}

    def estimate(
        self,
        catalogue: PriceCatalogue,
        target: Target,
        state: dict[str, Any],
        desired: dict[str, Any],
    ) -> Decimal | None:
        price = instance_hourly_price(catalogue, state.get("instance_type"), target.region)
        return None if price is None else price * HOURS_PER_MONTH


class StartEc2Handler(_Ec2Handler):
    name = "start_ec2"
    keys = ("state",)

    def desired(
        self,
        current: dict[str, Any],
        parameters: dict[str, Any],
        recommended: dict[str, Any] | None,
    ) -> dict[str, Any]:
        if current["state"] not in ("running", "stopped"):
            raise PlanRefusalError(
                f"the instance is {current['state']}; only a stopped one is started"
            )
        return {"state": "running"}

    def estimate(
        self,
        catalogue: PriceCatalogue,
        target: Target,
        state: dict[str, Any],
        desired: dict[str, Any],
    ) -> Decimal | None:
        price = instance_hourly_price(catalogue, state.get("instance_type"), target.region)
        return None if price is None else -price * HOURS_PER_MONTH  # starting costs money


class ResizeEc2Handler(_Ec2Handler):
    name = "resize_ec2"
    keys = ("instance_type", "state")

    def desired(
        self,
        current: dict[str, Any],
        parameters: dict[str, Any],
        recommended: dict[str, Any] | None,
    ) -> dict[str, Any]:
        wanted = parameters.get("instance_type") or (recommended or {}).get("instance_type")
        if not wanted:
            raise PlanRefusalError(
                "no target instance type (recommendation or action.instance_type)"
            )
        if current["state"] not in ("running", "stopped"):
            raise PlanRefusalError(
                f"the instance is {current['state']}; expected running or stopped"
            )
        return {"instance_type": wanted, "state": current["state"]}

    def preflight(
        self,
        clients: ClientFactory,
        target: Target,
        state: dict[str, Any],
        desired: dict[str, Any],
    ) -> None:
        wanted = desired["instance_type"]
        try:
            types = clients("ec2", target.region).describe_instance_types(InstanceTypes=[wanted])
        except ClientError as exc:
            raise PlanRefusalError(
                f"instance type {wanted} is not offered in {target.region}: {aws_error_text(exc)}"
            ) from exc
        offered = types.get("InstanceTypes", [])
        if not offered:
            raise PlanRefusalError(f"instance type {wanted} is not offered in {target.region}")
        archs = offered[0].get("ProcessorInfo", {}).get("SupportedArchitectures", [])
        arch = state.get("architecture")
        if arch and archs and arch not in archs:
            raise PlanRefusalError(
                f"instance type {wanted} runs {', '.join(archs)}; the instance's image is {arch}"
            )

    def estimate(
        self,
        catalogue: PriceCatalogue,
        target: Target,
        state: dict[str, Any],
        desired: dict[str, Any],
    ) -> Decimal | None:
        old = instance_hourly_price(catalogue, state.get("instance_type"), target.region)
        new = instance_hourly_price(catalogue, desired.get("instance_type"), target.region)
        if old is None or new is None:
            return None
        return (old - new) * HOURS_PER_MONTH


HANDLERS: tuple[ActionHandler, ...] = (
    StopEc2Handler(),
    StartEc2Handler(),
    ResizeEc2Handler(),
)
"""The EC2 instance actions, in registration order."""
