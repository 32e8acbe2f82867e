"""EKS clusters and node groups in the inventory: the ``DescribeCluster`` /
``DescribeNodegroup`` mappings and the paginated reader."""

from __future__ import annotations

from typing import Any

from finops.aws._calls import AwsCalls, translated_errors
from finops.aws.arn import arn_account
from finops.inventory.aws_pages import pages
from finops.inventory.resources import InventoriedResource, iso_text


def eks_cluster_resource(cluster: dict[str, Any], *, region: str) -> InventoriedResource:
    """An EKS ``DescribeCluster`` cluster as an inventory resource."""
    arn = str(cluster["arn"])
    attributes = {
        "version": cluster.get("version"),
        "platform_version": cluster.get("platformVersion"),
        "status": cluster.get("status"),
        "created_at": iso_text(cluster.get("createdAt")),
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


def eks_region_resources(
    calls: AwsCalls, region: str, page_size: int | None
) -> list[InventoriedResource]:
    """The region's EKS clusters, each followed by its node groups."""
    eks = calls.client("eks", region)
    found: list[InventoriedResource] = []
    with translated_errors("EKS inventory", region=region):
        names = [n for p in pages(eks, "list_clusters", page_size) for n in p["clusters"]]
        for name in names:
            found.append(
                eks_cluster_resource(eks.describe_cluster(name=name)["cluster"], region=region)
            )
            groups = [
                g
                for p in pages(eks, "list_nodegroups", page_size, clusterName=name)
                for g in p["nodegroups"]
            ]
            for group in groups:
                described = eks.describe_nodegroup(clusterName=name, nodegroupName=group)
                found.append(eks_nodegroup_resource(described["nodegroup"], region=region))
    return found
