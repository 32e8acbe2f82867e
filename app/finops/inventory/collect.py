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

The mappings are pure over AWS response shapes (``*_resource``) plus thin paginated readers,
one module per service family (:mod:`~finops.inventory.ec2`, :mod:`~finops.inventory.ecs`,
:mod:`~finops.inventory.eks`, :mod:`~finops.inventory.lambda_functions`), so the mapping is
tested without AWS; :mod:`~finops.inventory.store` writes them.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

from finops.aws._calls import AwsCalls, translated_errors
from finops.aws.clients import default_region
from finops.core.errors import InvalidInputError
from finops.db.database import Database
from finops.inventory.ec2 import ec2_region_resources
from finops.inventory.ecs import ecs_region_resources
from finops.inventory.eks import eks_region_resources
from finops.inventory.lambda_functions import lambda_region_resources
from finops.inventory.resources import KINDS, InventoriedResource
from finops.inventory.store import upsert_resources

logger = logging.getLogger(__name__)

# a page size every list call accepts (EC2 DescribeInstances needs >= 5, Lambda <= 50)
MIN_PAGE_SIZE, MAX_PAGE_SIZE = 5, 50


def list_region_resources(
    *, calls: AwsCalls, region: str, page_size: int | None = None
) -> list[InventoriedResource]:
    """Every EC2 instance, ECS service, EKS cluster and node group, and Lambda function of one
    region, read with paginators (``page_size`` sets the page size where the API has one)."""
    services, container_hosts = ecs_region_resources(calls, region, page_size)
    return [
        *ec2_region_resources(calls, region, page_size, container_hosts),
        *services,
        *eks_region_resources(calls, region, page_size),
        *lambda_region_resources(calls, region, page_size),
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
