"""The inventory job: EC2 instances, ECS services, EKS clusters and node groups, and Lambda
functions read from AWS into ``resources``.

Resource ids are the ones the bill carries for the service, so inventory, billing and usage
rows meet on the same key: the instance id (``i-...``) for EC2, the ARN for everything else
(ECS service, EKS cluster, EKS node group, Lambda function). ``resource_type`` follows the
ARN's resource type (``instance``, ``service``, ``cluster``, ``nodegroup``, ``function``), the
value billing ingestion derives from the same ARN, so the two writers never flip it.

``attributes`` carries what the rightsizing rules read (``finops.rightsizing``): an ECS service's
``launch_type``, task size ``cpu``/``memory`` (task-definition units: 1024 = 1 vCPU, MiB) and
``cpu_architecture``; a Lambda function's ``memory_mb`` and ``architecture``; on an EC2
instance, the ``ecs_cluster`` it is a container instance of and the ``eks_cluster`` /
``node_group`` its EKS tags name. Datetimes are stored as ISO 8601 UTC text.

The listing functions are pure over AWS response shapes (``*_resource``) plus thin paginated
readers per service, so the mapping is tested without AWS.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite

from finops.aws._calls import AwsCalls, translated_errors
from finops.aws.arn import arn_account
from finops.aws.clients import default_region
from finops.core.errors import InvalidInputError
from finops.db.database import Database
from finops.db.models import Resource, table_of

logger = logging.getLogger(__name__)

PROVIDER = "AWS"
EC2_SERVICE = "Amazon Elastic Compute Cloud"
ECS_SERVICE = "Amazon Elastic Container Service"
EKS_SERVICE = "Amazon Elastic Kubernetes Service"
LAMBDA_SERVICE = "AWS Lambda"

# kind -> (resource_type, service_name)
KINDS: dict[str, tuple[str, str]] = {
    "ec2_instance": ("instance", EC2_SERVICE),
    "ecs_service": ("service", ECS_SERVICE),
    "eks_cluster": ("cluster", EKS_SERVICE),
    "eks_nodegroup": ("nodegroup", EKS_SERVICE),
    "lambda_function": ("function", LAMBDA_SERVICE),
}

_DESCRIBE_SERVICES_BATCH = 10  # ECS DescribeServices limit
_DESCRIBE_CONTAINER_INSTANCES_BATCH = 100  # ECS DescribeContainerInstances limit
_UPSERT_BATCH = 1_000
# a page size every list call accepts (EC2 DescribeInstances needs >= 5, Lambda <= 50)
MIN_PAGE_SIZE, MAX_PAGE_SIZE = 5, 50

# EC2 tags that name the EKS cluster / node group of a node (managed node groups, eksctl,
# Karpenter-era tags); the rightsizing rules read the same spellings normalised.
_EKS_CLUSTER_TAGS = ("eks:cluster-name", "aws:eks:cluster-name", "alpha.eksctl.io/cluster-name")
_EKS_NODEGROUP_TAGS = ("eks:nodegroup-name", "alpha.eksctl.io/nodegroup-name")
_K8S_CLUSTER_TAG_PREFIX = "kubernetes.io/cluster/"


@dataclass(frozen=True)
class InventoriedResource:
    """One resource as the inventory found it (a future ``resources`` row)."""

    kind: str
    resource_id: str
    account_id: str | None
    region_id: str
    name: str | None
    instance_type: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def resource_type(self) -> str:
        return KINDS[self.kind][0]

    @property
    def service_name(self) -> str:
        return KINDS[self.kind][1]


# ----------------------------------------------------------------------------- pure mapping


def _iso(value: Any) -> str | None:
    if isinstance(value, dt.datetime):
        moment = value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
        return moment.astimezone(dt.UTC).isoformat()
    return None if value is None else str(value)


def _tag_dict(
    tags: Iterable[dict[str, Any]] | None, key: str = "Key", value: str = "Value"
) -> dict[str, str]:
    return {str(t[key]): str(t.get(value, "")) for t in tags or ()}


def eks_membership(tags: dict[str, str]) -> tuple[str | None, str | None]:
    """``(cluster, node group)`` an EC2 instance's tags place it in (either may be ``None``)."""
    cluster = next((tags[k] for k in _EKS_CLUSTER_TAGS if tags.get(k)), None)
    if cluster is None:
        owned = [
            k[len(_K8S_CLUSTER_TAG_PREFIX) :]
            for k, v in tags.items()
            if k.startswith(_K8S_CLUSTER_TAG_PREFIX) and v in ("owned", "shared")
        ]
        cluster = owned[0] if len(owned) == 1 else None
    group = next((tags[k] for k in _EKS_NODEGROUP_TAGS if tags.get(k)), None)
    return cluster, group


def ec2_instance_resource(
    instance: dict[str, Any],
    *,
    region: str,
    account_id: str | None,
    ecs_cluster: str | None = None,
) -> InventoriedResource:
    """An EC2 ``DescribeInstances`` instance as an inventory resource."""
    tags = _tag_dict(instance.get("Tags"))
    placement = instance.get("Placement") or {}
    platform = instance.get("PlatformDetails") or (
        "Windows" if str(instance.get("Platform", "")).lower() == "windows" else "Linux/UNIX"
    )
    attributes: dict[str, Any] = {
        "state": (instance.get("State") or {}).get("Name"),
        "launch_time": _iso(instance.get("LaunchTime")),
        "architecture": instance.get("Architecture"),
        "availability_zone": placement.get("AvailabilityZone"),
        "tenancy": placement.get("Tenancy"),
        "platform": platform,
        "lifecycle": instance.get("InstanceLifecycle") or "on-demand",
        "monitoring": (instance.get("Monitoring") or {}).get("State"),
        "image_id": instance.get("ImageId"),
    }
    eks_cluster, node_group = eks_membership(tags)
    if eks_cluster:
        attributes["eks_cluster"] = eks_cluster
    if node_group:
        attributes["node_group"] = node_group
    if ecs_cluster:
        attributes["ecs_cluster"] = ecs_cluster
    return InventoriedResource(
        kind="ec2_instance",
        resource_id=str(instance["InstanceId"]),
        account_id=account_id,
        region_id=region,
        name=tags.get("Name") or None,
        instance_type=instance.get("InstanceType"),
        attributes={k: v for k, v in attributes.items() if v is not None},
        tags=tags,
    )


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
        tags=_tag_dict(service.get("tags"), "key", "value"),
    )


def eks_cluster_resource(cluster: dict[str, Any], *, region: str) -> InventoriedResource:
    """An EKS ``DescribeCluster`` cluster as an inventory resource."""
    arn = str(cluster["arn"])
    attributes = {
        "version": cluster.get("version"),
        "platform_version": cluster.get("platformVersion"),
        "status": cluster.get("status"),
        "created_at": _iso(cluster.get("createdAt")),
    }
    return InventoriedResource(
        kind="eks_cluster",
        resource_id=arn,
        account_id=arn_account(arn),
        region_id=region,
        name=cluster.get("name"),
        attributes={k: v for k, v in attributes.items() if v is not None},
        tags={str(k): str(v) for k, v in (cluster.get("tags") or {}).items()},
    )


def eks_nodegroup_resource(nodegroup: dict[str, Any], *, region: str) -> InventoriedResource:
    """An EKS ``DescribeNodegroup`` node group as an inventory resource (``instance_type`` is
    set when the group runs a single type)."""
    arn = str(nodegroup["nodegroupArn"])
    types = [str(t) for t in nodegroup.get("instanceTypes") or ()]
    scaling = nodegroup.get("scalingConfig") or {}
    groups = (nodegroup.get("resources") or {}).get("autoScalingGroups") or ()
    attributes: dict[str, Any] = {
        "cluster": nodegroup.get("clusterName"),
        "instance_types": types,
        "min_size": scaling.get("minSize"),
        "max_size": scaling.get("maxSize"),
        "desired_size": scaling.get("desiredSize"),
        "capacity_type": nodegroup.get("capacityType"),
        "ami_type": nodegroup.get("amiType"),
        "status": nodegroup.get("status"),
        "version": nodegroup.get("version"),
        "auto_scaling_groups": [str(g["name"]) for g in groups if g.get("name")] or None,
    }
    return InventoriedResource(
        kind="eks_nodegroup",
        resource_id=arn,
        account_id=arn_account(arn),
        region_id=region,
        name=nodegroup.get("nodegroupName"),
        instance_type=types[0] if len(types) == 1 else None,
        attributes={k: v for k, v in attributes.items() if v is not None},
        tags={str(k): str(v) for k, v in (nodegroup.get("tags") or {}).items()},
    )


def lambda_function_resource(
    function: dict[str, Any], *, region: str, tags: dict[str, str]
) -> InventoriedResource:
    """A Lambda ``ListFunctions`` function (and its tags) as an inventory resource."""
    arn = str(function["FunctionArn"])
    architectures = function.get("Architectures") or ["x86_64"]
    attributes = {
        "memory_mb": function.get("MemorySize"),
        "architecture": str(architectures[0]),
        "runtime": function.get("Runtime"),
        "timeout_seconds": function.get("Timeout"),
        "package_type": function.get("PackageType"),
        "ephemeral_storage_mb": (function.get("EphemeralStorage") or {}).get("Size"),
    }
    return InventoriedResource(
        kind="lambda_function",
        resource_id=arn,
        account_id=arn_account(arn),
        region_id=region,
        name=function.get("FunctionName"),
        attributes={k: v for k, v in attributes.items() if v is not None},
        tags=dict(tags),
    )


# ----------------------------------------------------------------------------- AWS readers


def _pages(client: Any, operation: str, page_size: int | None, **kwargs: Any) -> Iterator[Any]:
    config = {"PageSize": page_size} if page_size else {}
    yield from client.get_paginator(operation).paginate(**kwargs, PaginationConfig=config)


def _chunks(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for lo in range(0, len(items), size):
        yield items[lo : lo + size]


def _ecs_region(
    calls: AwsCalls, region: str, page_size: int | None
) -> tuple[list[InventoriedResource], dict[str, str]]:
    """ECS services of every cluster, and which cluster each EC2 container instance serves."""
    ecs = calls.client("ecs", region)
    services: list[InventoriedResource] = []
    container_hosts: dict[str, str] = {}
    task_definitions: dict[str, dict[str, Any] | None] = {}
    with translated_errors("ECS inventory", region=region):
        cluster_arns = [
            a for p in _pages(ecs, "list_clusters", page_size) for a in p["clusterArns"]
        ]
        for cluster_arn in cluster_arns:
            cluster_name = cluster_arn.rsplit("/", 1)[-1]
            arns = [
                a
                for p in _pages(ecs, "list_services", page_size, cluster=cluster_arn)
                for a in p["serviceArns"]
            ]
            for batch in _chunks(arns, _DESCRIBE_SERVICES_BATCH):
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
                for p in _pages(ecs, "list_container_instances", page_size, cluster=cluster_arn)
                for a in p["containerInstanceArns"]
            ]
            for batch in _chunks(hosts, _DESCRIBE_CONTAINER_INSTANCES_BATCH):
                described = ecs.describe_container_instances(
                    cluster=cluster_arn, containerInstances=list(batch)
                )
                for host in described.get("containerInstances", []):
                    if host.get("ec2InstanceId"):
                        container_hosts[str(host["ec2InstanceId"])] = cluster_name
    return services, container_hosts


def _ec2_region(
    calls: AwsCalls,
    region: str,
    page_size: int | None,
    container_hosts: dict[str, str],
) -> list[InventoriedResource]:
    ec2 = calls.client("ec2", region)
    found: list[InventoriedResource] = []
    with translated_errors("EC2 DescribeInstances", region=region):
        for page in _pages(ec2, "describe_instances", page_size):
            for reservation in page.get("Reservations", []):
                owner = reservation.get("OwnerId")
                for instance in reservation.get("Instances", []):
                    found.append(
                        ec2_instance_resource(
                            instance,
                            region=region,
                            account_id=str(owner) if owner else None,
                            ecs_cluster=container_hosts.get(str(instance["InstanceId"])),
                        )
                    )
    return found


def _eks_region(calls: AwsCalls, region: str, page_size: int | None) -> list[InventoriedResource]:
    eks = calls.client("eks", region)
    found: list[InventoriedResource] = []
    with translated_errors("EKS inventory", region=region):
        names = [n for p in _pages(eks, "list_clusters", page_size) for n in p["clusters"]]
        for name in names:
            found.append(
                eks_cluster_resource(eks.describe_cluster(name=name)["cluster"], region=region)
            )
            groups = [
                g
                for p in _pages(eks, "list_nodegroups", page_size, clusterName=name)
                for g in p["nodegroups"]
            ]
            for group in groups:
                described = eks.describe_nodegroup(clusterName=name, nodegroupName=group)
                found.append(eks_nodegroup_resource(described["nodegroup"], region=region))
    return found


def _lambda_region(
    calls: AwsCalls, region: str, page_size: int | None
) -> list[InventoriedResource]:
    client = calls.client("lambda", region)
    found: list[InventoriedResource] = []
    with translated_errors("Lambda inventory", region=region):
        for page in _pages(client, "list_functions", page_size):
            for function in page.get("Functions", []):
                tags = client.list_tags(Resource=function["FunctionArn"]).get("Tags") or {}
                found.append(
                    lambda_function_resource(
                        function, region=region, tags={str(k): str(v) for k, v in tags.items()}
                    )
                )
    return found


def list_region_resources(
    *, calls: AwsCalls, region: str, page_size: int | None = None
) -> list[InventoriedResource]:
    """Every EC2 instance, ECS service, EKS cluster and node group, and Lambda function of one
    region, read with paginators (``page_size`` sets the page size where the API has one)."""
    services, container_hosts = _ecs_region(calls, region, page_size)
    return [
        *_ec2_region(calls, region, page_size, container_hosts),
        *services,
        *_eks_region(calls, region, page_size),
        *_lambda_region(calls, region, page_size),
    ]


def enabled_regions(calls: AwsCalls) -> list[str]:
    """The regions enabled for the account (EC2 ``DescribeRegions``), sorted."""
    region = default_region()
    with translated_errors("EC2 DescribeRegions", region=region):
        answer = calls.client("ec2", region).describe_regions(AllRegions=False)
    return sorted(
        str(r["RegionName"])
        for r in answer.get("Regions", [])
        if r.get("OptInStatus", "opt-in-not-required") in ("opt-in-not-required", "opted-in")
    )


# ----------------------------------------------------------------------------- storing


def upsert_resources(
    *, db: Database, resources: Sequence[InventoriedResource], now: dt.datetime
) -> None:
    """Insert or update ``resources`` rows on (provider, resource_id) in one transaction: a
    known resource gets the inventory's type, names, attributes, tags and ``last_seen = now``
    and keeps its ``first_seen``."""
    if not resources:
        return
    rows = [
        {
            "provider": PROVIDER,
            "resource_id": r.resource_id,
            "resource_type": r.resource_type,
            "service_name": r.service_name,
            "account_id": r.account_id,
            "region_id": r.region_id,
            "name": r.name,
            "instance_type": r.instance_type,
            "attributes": r.attributes,
            "tags": r.tags,
            "first_seen": now,
            "last_seen": now,
        }
        for r in resources
    ]
    table = table_of(Resource)
    insert: Any = postgresql.insert if db.dialect == "postgresql" else sqlite.insert
    stmt = insert(table)
    stmt = stmt.on_conflict_do_update(
        index_elements=["provider", "resource_id"],
        set_={
            c: stmt.excluded[c]
            for c in (
                "resource_type",
                "service_name",
                "account_id",
                "region_id",
                "name",
                "instance_type",
                "attributes",
                "tags",
                "last_seen",
            )
        },
    )
    with db.engine.begin() as conn:
        for lo in range(0, len(rows), _UPSERT_BATCH):
            conn.execute(stmt, rows[lo : lo + _UPSERT_BATCH])


def _utc_now(now: dt.datetime | None) -> dt.datetime:
    if now is None:
        return dt.datetime.now(dt.UTC)
    if now.tzinfo is None:
        raise InvalidInputError(
            f"parameter 'now': expected a timezone-aware datetime, got naive {now.isoformat()}",
            details={"parameter": "now", "got": now.isoformat()},
        )
    return now.astimezone(dt.UTC)


def _region_list(regions: Sequence[str] | None, calls: AwsCalls) -> list[str]:
    if regions is None:
        return enabled_regions(calls)
    if (
        isinstance(regions, str)
        or not regions
        or not all(isinstance(r, str) and r.strip() for r in regions)
    ):
        raise InvalidInputError(
            f"parameter 'regions': expected a non-empty list of region names, got {regions!r}",
            details={"parameter": "regions", "got": repr(regions)},
        )
    return sorted({r.strip() for r in regions})


def collect_inventory(
    *,
    db: Database,
    regions: Sequence[str] | None = None,
    now: dt.datetime | None = None,
    page_size: int | None = None,
) -> dict[str, Any]:
    """The ``collect_inventory`` job: read EC2 instances, ECS services, EKS clusters and node
    groups, and Lambda functions of ``regions`` (default: every region enabled for the account)
    and upsert them into ``resources``.

    Guarantees: every list call is paginated to the end; all regions are read before anything
    is written, then everything is written in one transaction (an AWS failure raises
    :class:`~finops.core.errors.IntegrationError` naming the service and region, and writes
    nothing);
    idempotent: a re-run updates attributes, tags and ``last_seen`` (= ``now``, UTC) and keeps
    ``first_seen``, never adding a row for a known resource. Resources no longer found are
    left as they are (their ``last_seen`` says when they were last seen). ``page_size`` (5-50)
    sets the page size of every list call; by default each API's own.

    Returns ``{"regions": [...], "resources": n, "by_type": {kind: n},
    "by_region": {region: n}, "api_calls": n, "api_calls_by_operation": {...}}``.
    """
    moment = _utc_now(now)
    if page_size is not None and not MIN_PAGE_SIZE <= page_size <= MAX_PAGE_SIZE:
        raise InvalidInputError(
            f"parameter 'page_size': expected an integer from {MIN_PAGE_SIZE} to "
            f"{MAX_PAGE_SIZE} (what every list API accepts), got {page_size}",
            details={"parameter": "page_size", "got": page_size},
        )
    calls = AwsCalls()
    region_names = _region_list(regions, calls)
    found: dict[str, InventoriedResource] = {}
    for region in region_names:
        for resource in list_region_resources(calls=calls, region=region, page_size=page_size):
            found[resource.resource_id] = resource
    resources = sorted(found.values(), key=lambda r: (r.region_id, r.kind, r.resource_id))
    upsert_resources(db=db, resources=resources, now=moment)
    by_type: Counter[str] = Counter(dict.fromkeys(KINDS, 0))
    by_region: dict[str, int] = defaultdict(int, dict.fromkeys(region_names, 0))
    for r in resources:
        by_type[r.kind] += 1
        by_region[r.region_id] += 1
    result: dict[str, Any] = {
        "regions": region_names,
        "resources": len(resources),
        "by_type": dict(by_type),
        "by_region": dict(by_region),
        "api_calls": calls.total,
        "api_calls_by_operation": dict(sorted(calls.counts.items())),
    }
    logger.info("inventory collected", extra={"counts": result})
    return result
