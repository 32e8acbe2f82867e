"""The remediation actions: how each one reads, plans, changes, verifies and restores a resource.

Every action is a handler registered by name (:data:`ACTIONS`). The planner and the executor
in :mod:`finops.remediation.service` only talk to this interface:

- ``observe`` reads the live state and tags of the resource (boto3, through a
  :data:`ClientFactory` that defaults to :func:`finops.aws.clients.aws_client`);
- ``desired`` is pure: the state the action wants from the current state, the policy's
  parameters and the recommendation's target (raises :class:`PlanRefusalError` with the reason);
- ``preflight`` checks the target against AWS before anything changes (e.g. the instance type
  exists and runs the instance's architecture);
- ``converge`` drives the resource to a goal state: the desired one when executing, the
  original one when restoring (after a failure, or on rollback), so one code path does both;
- ``reached`` says whether an observed state is the goal (verification polls it until it holds
  or the :class:`WaitPolicy` runs out).

No rules about *whether* to act live here (that is the policy and the service); this module
only knows *how*.
"""

from __future__ import annotations

import logging
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar

from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from finops.aws.clients import aws_client, default_region
from finops.catalogue.model import PriceCatalogue
from finops.core.units import HOURS_PER_MONTH
from finops.remediation.exceptions import ActionFailedError, PlanRefusalError, ResourceGoneError
from finops.rightsizing.containers import is_valid_fargate_size

logger = logging.getLogger(__name__)


MAX_LAMBDA_ZIP_BYTES = 50 * 1024 * 1024  # the direct-upload limit of UpdateFunctionCode

ClientFactory = Callable[[str, str], Any]
"""``(service, region) -> boto3 client``."""


def default_clients(service: str, region: str) -> Any:
    """The platform's boto3 client (retries, timeouts, endpoint) for ``service`` in ``region``."""
    return aws_client(service, region=region)


def reusing(factory: ClientFactory) -> ClientFactory:
    """``factory`` with one client per (service, region) for the caller's lifetime (building a
    boto3 client parses its service model: a tenth of a second each time)."""
    made: dict[tuple[str, str], Any] = {}

    def client(service: str, region: str) -> Any:
        key = (service, region)
        if key not in made:
            made[key] = factory(service, region)
        return made[key]

    return client


@dataclass(frozen=True)
class WaitPolicy:
    """How long verification waits for a resource to reach its goal state, and how often it
    looks."""

    timeout_seconds: float = 900.0
    interval_seconds: float = 5.0


def aws_error_text(exc: BaseException) -> str:
    """A one-line description of an AWS (or other) failure, without request ids."""
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        operation = getattr(exc, "operation_name", "AWS call")
        return f"{operation}: {error.get('Code', 'Error')}: {error.get('Message', '')}".strip()
    if isinstance(exc, ActionFailedError | PlanRefusalError):
        return str(exc)
    first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {first_line[:200]}"


# --------------------------------------------------------------------------- targets


@dataclass(frozen=True)
class Target:
    """Where a resource is and how AWS addresses it."""

    kind: str
    resource_id: str
    region: str
    cluster: str | None = None
    name: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "resource_id": self.resource_id,
            "region": self.region,
            "cluster": self.cluster,
            "name": self.name,
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> Target:
        return cls(
            kind=str(doc["kind"]),
            resource_id=str(doc["resource_id"]),
            region=str(doc["region"]),
            cluster=doc.get("cluster"),
            name=doc.get("name"),
        )


def resource_kind_of(resource_id: str) -> str | None:
    """The resource type a stored resource id denotes (by its shape), or None."""
    if resource_id.startswith("i-"):
        return "ec2_instance"
    if resource_id.startswith("arn:") and ":ecs:" in resource_id and ":service/" in resource_id:
        return "ecs_service"
    if resource_id.startswith("arn:") and ":lambda:" in resource_id and ":function:" in resource_id:
        return "lambda_function"
    if resource_id.startswith("arn:") and ":eks:" in resource_id and ":nodegroup/" in resource_id:
        return "eks_nodegroup"
    if resource_id.startswith("eks:"):
        return "eks_nodegroup"  # a rightsizing node-group id: eks:<cluster>/<group>:<type>
    return None


def target_for(resource_id: str, region: str | None) -> Target:
    """The :class:`Target` of a stored resource id; :class:`PlanRefusalError` when it cannot be
    addressed (unknown shape, node group without a name)."""
    kind = resource_kind_of(resource_id)
    fallback = region or default_region()
    if kind == "ec2_instance":
        return Target(kind, resource_id, fallback)
    if kind is None:
        raise PlanRefusalError(f"resource id {resource_id!r} is not a supported resource")
    if resource_id.startswith("eks:"):
        body = resource_id[len("eks:") :]
        group_path = body.rsplit(":", 1)[0] if ":" in body else body
        cluster, _, group = group_path.partition("/")
        if not cluster or not group:
            raise PlanRefusalError(
                f"node group {resource_id!r} has no node-group name (tag eks:nodegroup-name)"
            )
        return Target(kind, resource_id, fallback, cluster=cluster, name=group)
    parts = resource_id.split(":", 6)
    arn_region = parts[3] if len(parts) > 3 and parts[3] else fallback
    if kind == "ecs_service":
        path = resource_id.split(":service/", 1)[1].split("/")
        cluster, name = (path[0], path[1]) if len(path) >= 2 else ("default", path[0])
        return Target(kind, resource_id, arn_region, cluster=cluster, name=name)
    if kind == "lambda_function":
        name = resource_id.split(":function:", 1)[1].split(":")[0]
        return Target(kind, resource_id, arn_region, name=name)
    path = resource_id.split(":nodegroup/", 1)[1].split("/")
    if len(path) < 2:
        raise PlanRefusalError(f"node group ARN {resource_id!r} has no cluster/name")
    return Target(kind, resource_id, arn_region, cluster=path[0], name=path[1])


@dataclass(frozen=True)
class Observation:
    """The live state of a resource (JSON-able) and its tags."""

    state: dict[str, Any]
    tags: dict[str, str] = field(default_factory=dict)


# --------------------------------------------------------------------------- observers


def _observe_ec2(clients: ClientFactory, target: Target) -> Observation:
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


def _observe_ecs(clients: ClientFactory, target: Target) -> Observation:
    ecs = clients("ecs", target.region)
    answer = ecs.describe_services(cluster=target.cluster, services=[target.name], include=["TAGS"])
    services = answer.get("services", [])
    if not services:
        raise ActionFailedError(f"ECS service {target.resource_id} not found")
    service = services[0]
    task_definition = service["taskDefinition"]
    definition = ecs.describe_task_definition(taskDefinition=task_definition)["taskDefinition"]
    deployments = service.get("deployments", [])
    return Observation(
        state={
            "status": service.get("status"),
            "desired_count": int(service.get("desiredCount", 0)),
            "running_count": int(service.get("runningCount", 0)),
            "pending_count": int(service.get("pendingCount", 0)),
            "deployments": len(deployments),
            "rollout_failed": any(d.get("rolloutState") == "FAILED" for d in deployments),
            "task_definition": task_definition,
            "launch_type": service.get("launchType"),
            "compatibilities": list(definition.get("requiresCompatibilities", [])),
            "cpu": int(definition["cpu"]) if definition.get("cpu") else None,
            "memory": int(definition["memory"]) if definition.get("memory") else None,
        },
        tags={t["key"]: t.get("value", "") for t in service.get("tags", [])},
    )


def _observe_lambda(clients: ClientFactory, target: Target) -> Observation:
    client = clients("lambda", target.region)
    config = client.get_function_configuration(FunctionName=target.name)
    tags = client.list_tags(Resource=config["FunctionArn"]).get("Tags", {})
    return Observation(
        state={
            "memory_mb": int(config["MemorySize"]),
            "architecture": (config.get("Architectures") or ["x86_64"])[0],
            "package_type": config.get("PackageType", "Zip"),
            "state": config.get("State"),
            "last_update_status": config.get("LastUpdateStatus"),
        },
        tags=dict(tags),
    )


def _observe_eks(clients: ClientFactory, target: Target) -> Observation:
    eks = clients("eks", target.region)
    group = eks.describe_nodegroup(clusterName=target.cluster, nodegroupName=target.name)[
        "nodegroup"
    ]
    scaling = group.get("scalingConfig", {})
    return Observation(
        state={
            "status": group.get("status"),
            "desired_size": int(scaling.get("desiredSize", 0)),
            "min_size": int(scaling.get("minSize", 0)),
            "max_size": int(scaling.get("maxSize", 0)),
            "instance_types": list(group.get("instanceTypes") or []),
        },
        tags=dict(group.get("tags") or {}),
    )


OBSERVERS: dict[str, Callable[[ClientFactory, Target], Observation]] = {
    "ec2_instance": _observe_ec2,
    "ecs_service": _observe_ecs,
    "lambda_function": _observe_lambda,
    "eks_nodegroup": _observe_eks,
}


# Error codes meaning "no such resource" (EC2 InvalidInstanceID.NotFound, ECS/EKS/Lambda
# ResourceNotFoundException, ECS ServiceNotFoundException, ClusterNotFoundException).
NOT_FOUND_SUFFIXES = ("NotFound", "NotFoundException")


def observe(clients: ClientFactory, target: Target) -> Observation:
    """The live state and tags of ``target``; ActionFailedError when AWS cannot tell."""
    try:
        return OBSERVERS[target.kind](clients, target)
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        text = f"cannot read {target.resource_id}: {aws_error_text(exc)}"
        if code.endswith(NOT_FOUND_SUFFIXES):
            raise ResourceGoneError(text) from exc
        raise ActionFailedError(text) from exc
    except (BotoCoreError, ResponseParserError) as exc:
        # ResponseParserError: an endpoint that answered with something that is not AWS's
        # protocol (a proxy's error page, an emulator's crash page)
        raise ActionFailedError(f"cannot read {target.resource_id}: {aws_error_text(exc)}") from exc


def wait_until(
    clients: ClientFactory,
    target: Target,
    *,
    goal_reached: Callable[[dict[str, Any]], bool],
    broken: Callable[[dict[str, Any]], str | None],
    wait: WaitPolicy,
    what: str,
) -> dict[str, Any]:
    """Poll ``target`` until ``goal_reached(state)``; return that state.

    ActionFailedError when ``broken(state)`` names a reason it never will, or when
    ``wait.timeout_seconds`` pass (naming the last state seen).
    """
    deadline = time.monotonic() + wait.timeout_seconds
    while True:
        state = observe(clients, target).state
        if goal_reached(state):
            return state
        reason = broken(state)
        if reason:
            raise ActionFailedError(f"{target.resource_id}: {what} failed: {reason}")
        if time.monotonic() >= deadline:
            raise ActionFailedError(
                f"{target.resource_id}: {what} not reached within {wait.timeout_seconds:g}s "
                f"(last state {state})"
            )
        time.sleep(wait.interval_seconds)


# --------------------------------------------------------------------------- handlers


class ActionHandler:
    """One action type. Subclasses set the class attributes and override the hooks."""

    name: ClassVar[str]
    resource_kind: ClassVar[str]
    keys: ClassVar[tuple[str, ...]]
    """The state keys the action changes (the plan's current -> desired diff)."""
    restore_keys: ClassVar[tuple[str, ...]] = ()
    """Extra state keys a restore needs (e.g. the task definition to go back to)."""

    def view(self, state: dict[str, Any]) -> dict[str, Any]:
        """The part of ``state`` this action changes."""
        return {k: state.get(k) for k in self.keys}

    def snapshot(self, state: dict[str, Any]) -> dict[str, Any]:
        """What a restore brings back: the changed keys plus :attr:`restore_keys`."""
        return {k: state.get(k) for k in (*self.keys, *self.restore_keys)}

    def desired(
        self,
        current: dict[str, Any],
        parameters: dict[str, Any],
        recommended: dict[str, Any] | None,
    ) -> dict[str, Any]:
        raise NotImplementedError

    def preflight(
        self,
        clients: ClientFactory,
        target: Target,
        state: dict[str, Any],
        desired: dict[str, Any],
    ) -> None:
        """Refuse (PlanRefusalError) a target AWS would refuse, before anything changes."""

    def converge(
        self, clients: ClientFactory, target: Target, goal: dict[str, Any], wait: WaitPolicy
    ) -> dict[str, Any]:
        raise NotImplementedError

    def reached(self, state: dict[str, Any], goal: dict[str, Any]) -> bool:
        return all(state.get(k) == v for k, v in goal.items())

    def broken(self, state: dict[str, Any]) -> str | None:
        return None

    def estimate(
        self,
        catalogue: PriceCatalogue,
        target: Target,
        state: dict[str, Any],
        desired: dict[str, Any],
    ) -> Decimal | None:
        """Expected monthly saving (USD, catalogue prices) when no recommendation gives one."""
        return None

    def verify(
        self, clients: ClientFactory, target: Target, goal: dict[str, Any], wait: WaitPolicy
    ) -> dict[str, Any]:
        """Wait until the resource is in ``goal``; return the state seen (ActionFailedError
        otherwise)."""
        return wait_until(
            clients,
            target,
            goal_reached=lambda s: self.reached(s, goal),
            broken=self.broken,
            wait=wait,
            what=f"{self.name} to {goal}",
        )


# ---------------------------------------------------------------- EC2


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


def _hourly(catalogue: PriceCatalogue, instance_type: Any, region: str) -> Decimal | None:
    if not isinstance(instance_type, str):
        return None
    return catalogue.hourly_price(instance_type, region)


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
        price = _hourly(catalogue, state.get("instance_type"), target.region)
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
        price = _hourly(catalogue, state.get("instance_type"), target.region)
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
        old = _hourly(catalogue, state.get("instance_type"), target.region)
        new = _hourly(catalogue, desired.get("instance_type"), target.region)
        if old is None or new is None:
            return None
        return (old - new) * HOURS_PER_MONTH


# ---------------------------------------------------------------- ECS


def _ecs_settled(state: dict[str, Any]) -> bool:
    # one deployment left (a rollout finished) and every desired task running
    return (
        state.get("status") == "ACTIVE"
        and state.get("deployments", 0) <= 1
        and state.get("running_count") == state.get("desired_count")
        and state.get("pending_count", 0) == 0
    )


def _ecs_broken(state: dict[str, Any]) -> str | None:
    if state.get("rollout_failed"):
        return "the ECS deployment's rollout failed"
    if state.get("status") not in ("ACTIVE", None):
        return f"the service is {state.get('status')}"
    return None


def _fargate_hourly(
    catalogue: PriceCatalogue, region: str, cpu: Any, memory: Any
) -> Decimal | None:
    if not isinstance(cpu, int) or not isinstance(memory, int):
        return None
    prices = catalogue.serverless_prices(region)
    vcpu = Decimal(cpu) / 1024
    gb = Decimal(memory) / 1024
    return vcpu * prices.fargate_vcpu_hour("x86_64") + gb * prices.fargate_gb_hour("x86_64")


def _is_fargate(state: dict[str, Any]) -> bool:
    return state.get("launch_type") == "FARGATE" or "FARGATE" in (
        state.get("compatibilities") or []
    )


class ScaleEcsServiceHandler(ActionHandler):
    name = "scale_ecs_service"
    resource_kind = "ecs_service"
    keys = ("desired_count",)

    def desired(
        self,
        current: dict[str, Any],
        parameters: dict[str, Any],
        recommended: dict[str, Any] | None,
    ) -> dict[str, Any]:
        return {"desired_count": int(parameters["desired_count"])}

    def converge(
        self, clients: ClientFactory, target: Target, goal: dict[str, Any], wait: WaitPolicy
    ) -> dict[str, Any]:
        clients("ecs", target.region).update_service(
            cluster=target.cluster, service=target.name, desiredCount=goal["desired_count"]
        )
        return {"steps": [f"update_service desiredCount={goal['desired_count']}"]}

    def reached(self, state: dict[str, Any], goal: dict[str, Any]) -> bool:
        return super().reached(state, goal) and _ecs_settled(state)

    def broken(self, state: dict[str, Any]) -> str | None:
        return _ecs_broken(state)

    def estimate(
        self,
        catalogue: PriceCatalogue,
        target: Target,
        state: dict[str, Any],
        desired: dict[str, Any],
    ) -> Decimal | None:
        if not _is_fargate(state):
            return None
        hourly = _fargate_hourly(catalogue, target.region, state.get("cpu"), state.get("memory"))
        if hourly is None:
            return None
        delta = Decimal(state["desired_count"] - desired["desired_count"])
        return delta * hourly * HOURS_PER_MONTH


_TASK_DEFINITION_FIELDS = (
    "family",
    "taskRoleArn",
    "executionRoleArn",
    "networkMode",
    "containerDefinitions",
    "volumes",
    "placementConstraints",
    "requiresCompatibilities",
    "pidMode",
    "ipcMode",
    "proxyConfiguration",
    "inferenceAccelerators",
    "ephemeralStorage",
    "runtimePlatform",
)


class ChangeEcsTaskSizeHandler(ActionHandler):
    name = "change_ecs_task_size"
    resource_kind = "ecs_service"
    keys = ("cpu", "memory")
    restore_keys = ("task_definition",)

    def desired(
        self,
        current: dict[str, Any],
        parameters: dict[str, Any],
        recommended: dict[str, Any] | None,
    ) -> dict[str, Any]:
        if current.get("cpu") is None or current.get("memory") is None:
            raise PlanRefusalError("the task definition sets no task-level cpu/memory")
        if recommended is not None:
            vcpu, gb = recommended.get("vcpu"), recommended.get("memory_gb")
            if vcpu is None or gb is None:
                raise PlanRefusalError("the recommendation names no task size")
            cpu = int(Decimal(str(vcpu)) * 1024)
            memory = int(Decimal(str(gb)) * 1024)
        else:
            cpu = int(parameters.get("cpu") or current["cpu"])
            memory = int(parameters.get("memory") or current["memory"])
        return {"cpu": cpu, "memory": memory}

    def preflight(
        self,
        clients: ClientFactory,
        target: Target,
        state: dict[str, Any],
        desired: dict[str, Any],
    ) -> None:
        if _is_fargate(state) and not is_valid_fargate_size(
            Decimal(desired["cpu"]) / 1024, Decimal(desired["memory"]) / 1024
        ):
            raise PlanRefusalError(
                f"cpu {desired['cpu']} with memory {desired['memory']} MiB is not a Fargate "
                "task size"
            )

    def converge(
        self, clients: ClientFactory, target: Target, goal: dict[str, Any], wait: WaitPolicy
    ) -> dict[str, Any]:
        ecs = clients("ecs", target.region)
        state = observe(clients, target).state
        revision = goal.get("task_definition")
        steps: list[str] = []
        if revision is None:
            if state["cpu"] == goal["cpu"] and state["memory"] == goal["memory"]:
                return {"steps": steps}
            current = ecs.describe_task_definition(
                taskDefinition=state["task_definition"], include=["TAGS"]
            )
            definition = current["taskDefinition"]
            request = {k: definition[k] for k in _TASK_DEFINITION_FIELDS if definition.get(k)}
            request["cpu"] = str(goal["cpu"])
            request["memory"] = str(goal["memory"])
            if current.get("tags"):
                request["tags"] = current["tags"]
            revision = ecs.register_task_definition(**request)["taskDefinition"][
                "taskDefinitionArn"
            ]
            steps.append(f"register_task_definition {revision}")
        if state["task_definition"] != revision:
            ecs.update_service(cluster=target.cluster, service=target.name, taskDefinition=revision)
            steps.append(f"update_service taskDefinition={revision}")
        return {"steps": steps, "task_definition": revision}

    def reached(self, state: dict[str, Any], goal: dict[str, Any]) -> bool:
        return super().reached(state, goal) and _ecs_settled(state)

    def broken(self, state: dict[str, Any]) -> str | None:
        return _ecs_broken(state)

    def estimate(
        self,
        catalogue: PriceCatalogue,
        target: Target,
        state: dict[str, Any],
        desired: dict[str, Any],
    ) -> Decimal | None:
        if not _is_fargate(state):
            return None
        old = _fargate_hourly(catalogue, target.region, state.get("cpu"), state.get("memory"))
        new = _fargate_hourly(catalogue, target.region, desired.get("cpu"), desired.get("memory"))
        if old is None or new is None:
            return None
        return (old - new) * Decimal(state.get("desired_count") or 0) * HOURS_PER_MONTH


# ---------------------------------------------------------------- Lambda


def _lambda_ready(state: dict[str, Any]) -> bool:
    return state.get("state") in ("Active", None) and state.get("last_update_status") in (
        "Successful",
        None,
    )


def _lambda_broken(state: dict[str, Any]) -> str | None:
    if state.get("last_update_status") == "Failed" or state.get("state") == "Failed":
        return "the function update failed"
    return None


def _lambda_wait_ready(clients: ClientFactory, target: Target, wait: WaitPolicy) -> None:
    # AWS refuses a configuration change while the previous one is in progress
    wait_until(
        clients,
        target,
        goal_reached=_lambda_ready,
        broken=_lambda_broken,
        wait=wait,
        what="function ready for an update",
    )


class _LambdaHandler(ActionHandler):
    resource_kind = "lambda_function"

    def reached(self, state: dict[str, Any], goal: dict[str, Any]) -> bool:
        return super().reached(state, goal) and _lambda_ready(state)

    def broken(self, state: dict[str, Any]) -> str | None:
        return _lambda_broken(state)


class ChangeLambdaMemoryHandler(_LambdaHandler):
    name = "change_lambda_memory"
    keys = ("memory_mb",)

    def desired(
        self,
        current: dict[str, Any],
        parameters: dict[str, Any],
        recommended: dict[str, Any] | None,
    ) -> dict[str, Any]:
        wanted = parameters.get("memory_mb") or (recommended or {}).get("memory_mb")
        if not wanted:
            raise PlanRefusalError("no target memory size (recommendation or action.memory_mb)")
        memory = int(wanted)
        if not 128 <= memory <= 10240:
            raise PlanRefusalError(f"memory {memory} MB is outside Lambda's 128-10240 MB")
        return {"memory_mb": memory}

    def converge(
        self, clients: ClientFactory, target: Target, goal: dict[str, Any], wait: WaitPolicy
    ) -> dict[str, Any]:
        _lambda_wait_ready(clients, target, wait)
        clients("lambda", target.region).update_function_configuration(
            FunctionName=target.name, MemorySize=goal["memory_mb"]
        )
        return {"steps": [f"update_function_configuration MemorySize={goal['memory_mb']}"]}


class ChangeLambdaArchitectureHandler(_LambdaHandler):
    """Architecture is a property of the code: UpdateFunctionCode with ``Architectures`` and the
    same package (the image URI, or the zip fetched from the function's own code location)."""

    name = "change_lambda_architecture"
    keys = ("architecture",)

    def desired(
        self,
        current: dict[str, Any],
        parameters: dict[str, Any],
        recommended: dict[str, Any] | None,
    ) -> dict[str, Any]:
        return {"architecture": parameters["architecture"]}

    def converge(
        self, clients: ClientFactory, target: Target, goal: dict[str, Any], wait: WaitPolicy
    ) -> dict[str, Any]:
        _lambda_wait_ready(clients, target, wait)
        client = clients("lambda", target.region)
        function = client.get_function(FunctionName=target.name)
        code = function.get("Code", {})
        request: dict[str, Any] = {
            "FunctionName": target.name,
            "Architectures": [goal["architecture"]],
        }
        if function["Configuration"].get("PackageType") == "Image":
            request["ImageUri"] = code["ImageUri"]
        else:
            request["ZipFile"] = _download_package(str(code.get("Location", "")))
        client.update_function_code(**request)
        return {"steps": [f"update_function_code Architectures=[{goal['architecture']}]"]}


def _download_package(location: str) -> bytes:
    if not location.startswith("https://"):
        raise ActionFailedError(f"the function's code location is not an https URL: {location!r}")
    try:
        # The URL is the pre-signed S3 location Lambda itself returned for this function.
        with urllib.request.urlopen(location, timeout=60) as response:  # noqa: S310
            body: bytes = response.read(MAX_LAMBDA_ZIP_BYTES + 1)
    except OSError as exc:
        raise ActionFailedError(f"cannot fetch the function's code package: {exc}") from exc
    if len(body) > MAX_LAMBDA_ZIP_BYTES:
        raise ActionFailedError("the function's code package is larger than 50 MB")
    return body


# ---------------------------------------------------------------- EKS


class ScaleEksNodegroupHandler(ActionHandler):
    name = "scale_eks_nodegroup"
    resource_kind = "eks_nodegroup"
    keys = ("desired_size", "min_size", "max_size")

    def desired(
        self,
        current: dict[str, Any],
        parameters: dict[str, Any],
        recommended: dict[str, Any] | None,
    ) -> dict[str, Any]:
        wanted = parameters.get("desired_size")
        if wanted is None and recommended is not None:
            wanted = recommended.get("nodes")
        if wanted is None:
            raise PlanRefusalError("no target size (recommendation or action.desired_size)")
        size = int(wanted)
        # keep the group's bounds unless the new size is outside them
        return {
            "desired_size": size,
            "min_size": min(int(current["min_size"]), size),
            "max_size": max(int(current["max_size"]), size, 1),
        }

    def converge(
        self, clients: ClientFactory, target: Target, goal: dict[str, Any], wait: WaitPolicy
    ) -> dict[str, Any]:
        scaling = {
            "minSize": goal["min_size"],
            "maxSize": goal["max_size"],
            "desiredSize": goal["desired_size"],
        }
        clients("eks", target.region).update_nodegroup_config(
            clusterName=target.cluster, nodegroupName=target.name, scalingConfig=scaling
        )
        return {"steps": [f"update_nodegroup_config scalingConfig={scaling}"]}

    def reached(self, state: dict[str, Any], goal: dict[str, Any]) -> bool:
        return super().reached(state, goal) and state.get("status") == "ACTIVE"

    def broken(self, state: dict[str, Any]) -> str | None:
        status = state.get("status")
        if status in ("DEGRADED", "CREATE_FAILED", "DELETE_FAILED", "DELETING"):
            return f"the node group is {status}"
        return None

    def estimate(
        self,
        catalogue: PriceCatalogue,
        target: Target,
        state: dict[str, Any],
        desired: dict[str, Any],
    ) -> Decimal | None:
        types = state.get("instance_types") or []
        price = _hourly(catalogue, types[0] if types else None, target.region)
        if price is None:
            return None
        return Decimal(state["desired_size"] - desired["desired_size"]) * price * HOURS_PER_MONTH


ACTIONS: dict[str, ActionHandler] = {
    handler.name: handler
    for handler in (
        StopEc2Handler(),
        StartEc2Handler(),
        ResizeEc2Handler(),
        ScaleEcsServiceHandler(),
        ChangeEcsTaskSizeHandler(),
        ChangeLambdaMemoryHandler(),
        ChangeLambdaArchitectureHandler(),
        ScaleEksNodegroupHandler(),
    )
}
"""Every action, by name (the names of :data:`finops.remediation.policy.ACTION_TYPES`)."""
