"""What the inventory records: the resource kinds it reads from AWS and one found resource, plus
the small conversions every service mapping shares."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

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


def iso_text(value: Any) -> str | None:
    """A datetime as ISO 8601 UTC text (naive means UTC); anything else as ``str``; None kept."""
    if isinstance(value, dt.datetime):
        moment = value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
        return moment.astimezone(dt.UTC).isoformat()
    return None if value is None else str(value)


def tag_dict(
    tags: Iterable[dict[str, Any]] | None, key: str = "Key", value: str = "Value"
) -> dict[str, str]:
    """AWS tag pairs (``[{"Key": k, "Value": v}]``, or other key names) as a ``{key: value}``."""
    return {str(t[key]): str(t.get(value, "")) for t in tags or ()}
