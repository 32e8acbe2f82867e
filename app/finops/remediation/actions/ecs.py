"""ECS service actions: scale the desired count, change the task size (a new task-definition
revision)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from finops.catalogue.model import PriceCatalogue
from finops.core.units import HOURS_PER_MONTH
from finops.remediation.actions.base import (
    ActionHandler,
    ClientFactory,
    Observation,
    Target,
    WaitPolicy,
    observe,
)
from finops.remediation.exceptions import ActionFailedError, PlanRefusalError
from finops.rightsizing.containers import is_valid_fargate_size

KIND = "ecs_service"


def observe_service(clients: ClientFactory, target: Target) -> Observation:
    """The live state and tags of the ECS service ``target`` (boto3 errors propagate;
    :func:`~finops.remediation.actions.base.observe` translates them)."""
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


HANDLERS: tuple[ActionHandler, ...] = (
    ScaleEcsServiceHandler(),
    ChangeEcsTaskSizeHandler(),
)
"""The ECS service actions, in registration order."""
