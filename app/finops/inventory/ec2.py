"""EC2 instances in the inventory: the ``DescribeInstances`` mapping (with the EKS and ECS
membership of a node) and the paginated reader."""

from __future__ import annotations

from typing import Any

from finops.aws._calls import AwsCalls, translated_errors
from finops.inventory.aws_pages import pages
from finops.inventory.resources import InventoriedResource, iso_text, tag_dict

# EC2 tags that name the EKS cluster / node group of a node (managed node groups, eksctl,
# Karpenter-era tags); the rightsizing rules read the same spellings normalised.
_EKS_CLUSTER_TAGS = ("eks:cluster-name", "aws:eks:cluster-name", "alpha.eksctl.io/cluster-name")
_EKS_NODEGROUP_TAGS = ("eks:nodegroup-name", "alpha.eksctl.io/nodegroup-name")
_K8S_CLUSTER_TAG_PREFIX = "kubernetes.io/cluster/"


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
    tags = tag_dict(instance.get("Tags"))
    placement = instance.get("Placement") or {}
    platform = instance.get("PlatformDetails") or (
        "Windows" if str(instance.get("Platform", "")).lower() == "windows" else "Linux/UNIX"
    )
    attributes: dict[str, Any] = {
        "state": (instance.get("State") or {}).get("Name"),
        "launch_time": iso_text(instance.get("LaunchTime")),
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


def ec2_region_resources(
    calls: AwsCalls,
    region: str,
    page_size: int | None,
    container_hosts: dict[str, str],
) -> list[InventoriedResource]:
    """The region's EC2 instances; ``container_hosts`` names the ECS cluster of a host."""
    ec2 = calls.client("ec2", region)
    found: list[InventoriedResource] = []
    with translated_errors("EC2 DescribeInstances", region=region):
        for page in pages(ec2, "describe_instances", page_size):
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
