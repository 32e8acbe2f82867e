"""EKS node-group actions: scale the group (its bounds widened when the new size is outside
them)."""

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
    instance_hourly_price,
)
from finops.remediation.exceptions import PlanRefusalError

KIND = "eks_nodegroup"


def observe_nodegroup(clients: ClientFactory, target: Target) -> Observation:
    """The live state and tags of the EKS node group ``target`` (boto3 errors propagate;
    :func:`~finops.remediation.actions.base.observe` translates them)."""
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
        price = instance_hourly_price(catalogue, types[0] if types else None, target.region)
        if price is None:
            return None
        return Decimal(state["desired_size"] - desired["desired_size"]) * price * HOURS_PER_MONTH


HANDLERS: tuple[ActionHandler, ...] = (ScaleEksNodegroupHandler(),)
"""The EKS node-group actions, in registration order."""
