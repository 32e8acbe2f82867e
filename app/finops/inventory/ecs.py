"""ECS services in the inventory: launch type and task size, the ``DescribeServices`` mapping and
the reader that also finds which EC2 container instances serve which cluster."""

from __future__ import annotations

import logging
from typing import Any

from finops.aws._calls import AwsCalls, translated_errors
from finops.aws.arn import arn_account
from finops.inventory.aws_pages import chunks, pages
from finops.inventory.resources import InventoriedResource, tag_dict

logger = logging.getLogger(__name__)

_DESCRIBE_SERVICES_BATCH = 10  # ECS DescribeServices limit
_DESCRIBE_CONTAINER_INSTANCES_BATCH = 100  # ECS DescribeContainerInstances limit


def task_size(task_definition: dict[str, Any]) -> dict[str, str]:
    """A task definition's size in its own units (``cpu``: 1024 = 1 vCPU, ``memory``: MiB).

    The task-level values when set (always on Fargate); otherwise the sum over the containers
    of ``cpu`` and of ``memory`` (else ``memoryReservation``), which is what ECS reserves on the
    instance. ``task_size_source`` says which; missing keys mean unknown.
    """
    out: dict[str, str] = {}
    containers = task_definition.get("containerDefinitions") or []
    cpu, memory = task_definition.get("cpu"), task_definition.get("memory")
    if cpu not in (None, "") and memory not in (None, ""):
        return {"cpu": str(cpu), "memory": str(memory), "task_size_source": "task"}
    container_cpu = sum(int(c.get("cpu") or 0) for c in containers)
    container_mem = sum(int(c.get("memory") or c.get("memoryReservation") or 0) for c in containers)
    if cpu not in (None, ""):
        out["cpu"] = str(cpu)
    elif container_cpu:
        out["cpu"] = str(container_cpu)
    if memory not in (None, ""):
        out["memory"] = str(memory)
    elif container_mem:
        out["memory"] = str(container_mem)
    if out:
        out["task_size_source"] = "containers"
    return out


def ecs_launch_type(service: dict[str, Any]) -> str:
    """``FARGATE`` or ``EC2`` (or ``EXTERNAL``): the launch type, else what the capacity provider
    strategy runs on (a ``FARGATE``/``FARGATE_SPOT`` provider means Fargate)."""
    launch = service.get("launchType")
    if launch:
        return str(launch).upper()
    providers = [
        str(p.get("capacityProvider", "")) for p in service.get("capacityProviderStrategy") or ()
    ]
    if any(p.upper().startswith("FARGATE") for p in providers):
        return "FARGATE"
    return "EC2"


def ecs_service_resource(
    service: dict[str, Any], *, region: str, task_definition: dict[str, Any] | None
) -> InventoriedResource:
    """An ECS ``DescribeServices`` service (with its task definition) as an inventory resource."""
    arn = str(service["serviceArn"])
    cluster_arn = str(service.get("clusterArn") or "")
    attributes: dict[str, Any] = {
        "cluster": cluster_arn.rsplit("/", 1)[-1] if cluster_arn else None,
        "cluster_arn": cluster_arn or None,
        "launch_type": ecs_launch_type(service),
        "desired_count": service.get("desiredCount"),
        "running_count": service.get("runningCount"),
        "pending_count": service.get("pendingCount"),
        "status": service.get("status"),
        "scheduling_strategy": service.get("schedulingStrategy"),
        "task_definition": service.get("taskDefinition"),
    }
    strategy = service.get("capacityProviderStrategy")
    if strategy:
        attributes["capacity_providers"] = [str(p.get("capacityProvider")) for p in strategy]
    if task_definition is not None:
        attributes.update(task_size(task_definition))
        platform = task_definition.get("runtimePlatform") or {}
        attributes["cpu_architecture"] = str(platform.get("cpuArchitecture") or "X86_64").upper()
    return InventoriedResource(
        kind="ecs_service",
        resource_id=arn,
        account_id=arn_account(arn),
        region_id=region,
        name=service.get("serviceName"),
        attributes={k: v for k, v in attributes.items() if v is not None},
        tags=tag_dict(service.get("tags"), "key", "value"),
    )


def ecs_region_resources(
    calls: AwsCalls, region: str, page_size: int | None
) -> tuple[list[InventoriedResource], dict[str, str]]:
    """ECS services of every cluster, and which cluster each EC2 container instance serves."""
    ecs = calls.client("ecs", region)
    services: list[InventoriedResource] = []
    container_hosts: dict[str, str] = {}
    task_definitions: dict[str, dict[str, Any] | None] = {}
    with translated_errors("ECS inventory", region=region):
        cluster_arns = [a for p in pages(ecs, "list_clusters", page_size) for a in p["clusterArns"]]
        for cluster_arn in cluster_arns:
            cluster_name = cluster_arn.rsplit("/", 1)[-1]
            arns = [
                a
                for p in pages(ecs, "list_services", page_size, cluster=cluster_arn)
                for a in p["serviceArns"]
            ]
            for batch in chunks(arns, _DESCRIBE_SERVICES_BATCH):
                described = ecs.describe_services(
                    cluster=cluster_arn, services=list(batch), include=["TAGS"]
                )
                for failure in described.get("failures", []):
                    logger.warning(
                        "ECS service not described",
                        extra={
                            "region": region,
                            "arn": failure.get("arn"),
                            "reason": failure.get("reason"),
                        },
                    )
                for service in described.get("services", []):
                    td_arn = service.get("taskDefinition")
                    if td_arn and td_arn not in task_definitions:
                        task_definitions[td_arn] = ecs.describe_task_definition(
                            taskDefinition=td_arn
                        ).get("taskDefinition")
                    services.append(
                        ecs_service_resource(
                            service,
                            region=region,
                            task_definition=task_definitions.get(td_arn) if td_arn else None,
                        )
                    )
            hosts = [
                a
                for p in pages(ecs, "list_container_instances", page_size, cluster=cluster_arn)
                for a in p["containerInstanceArns"]
            ]
            for batch in chunks(hosts, _DESCRIBE_CONTAINER_INSTANCES_BATCH):
                described = ecs.describe_container_instances(
                    cluster=cluster_arn, containerInstances=list(batch)
                )
                for host in described.get("containerInstances", []):
                    if host.get("ec2InstanceId"):
                        container_hosts[str(host["ec2InstanceId"])] = cluster_name
    return services, container_hosts
