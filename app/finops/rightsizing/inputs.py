"""What the rightsize job reads: usage windows, billed usage, inventory and the price catalogue."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Float, case, cast, func, select
from sqlalchemy.orm import Session

from finops.catalogue import load_price_catalogue, read_price_catalogue
from finops.catalogue.model import PriceCatalogue
from finops.db.database import Database
from finops.db.models import BillingFact, Resource, UsageMetric
from finops.db.types import decimal_to_text, money_sum
from finops.rightsizing.evidence import MetricWindow

METRICS = (
    "CPUUtilization",
    "mem_used_percent",
    "NetworkIn",
    "NetworkOut",
    "MemoryUtilization",
    "Duration",
    "Invocations",
    "used_memory_max",
)
"""The CloudWatch metrics the rules read."""


def job_catalogue(db: Database) -> tuple[PriceCatalogue, int]:
    """The stored price catalogue, loading the packaged one first when none is stored.

    Returns the catalogue and how many catalogue rows were loaded (0 when one was stored).
    """
    with db.sessions() as probe:
        catalogue = read_price_catalogue(session=probe)
    loaded = 0
    if catalogue is None:
        loaded = load_price_catalogue(db=db)["rows"]
        with db.sessions() as probe:
            catalogue = read_price_catalogue(session=probe)
        assert catalogue is not None
    return catalogue, loaded


def newest_usage_day(session: Session) -> dt.date | None:
    """The newest day with a usage metric (``None`` when there is none)."""
    return session.scalar(select(func.max(UsageMetric.day)))


def load_resources(session: Session, resource_ids: list[str]) -> dict[str, Resource]:
    """The AWS inventory rows of ``resource_ids`` that exist, by resource id."""
    resources: dict[str, Resource] = {}
    for lo in range(0, len(resource_ids), 5000):  # bounded IN lists (SQLite caps parameters)
        for r in session.scalars(
            select(Resource).where(
                Resource.provider == "AWS", Resource.resource_id.in_(resource_ids[lo : lo + 5000])
            )
        ):
            resources[r.resource_id] = r
    return resources


def usage_windows(
    session: Session, start: dt.date, end: dt.date
) -> dict[str, dict[str, MetricWindow]]:
    """Per resource and metric: the window's summary statistics over ``[start, end)``."""
    stmt = (
        select(
            UsageMetric.resource_id,
            UsageMetric.metric_name,
            func.max(cast(UsageMetric.p99_5, Float)),
            func.max(cast(UsageMetric.max, Float)),
            func.avg(cast(UsageMetric.avg, Float)),
            func.count(func.distinct(UsageMetric.day)),
            func.sum(UsageMetric.samples),
        )
        .where(
            UsageMetric.day >= start,
            UsageMetric.day < end,
            UsageMetric.provider == "AWS",
            UsageMetric.metric_name.in_(METRICS),
        )
        .group_by(UsageMetric.resource_id, UsageMetric.metric_name)
    )
    out: dict[str, dict[str, MetricWindow]] = defaultdict(dict)
    for rid, metric, p995, peak, mean, days, samples in session.execute(stmt):
        out[rid][metric] = MetricWindow(
            p99_5=None if p995 is None else float(p995),
            peak=None if peak is None else float(peak),
            mean=None if mean is None else float(mean),
            days=int(days or 0),
            samples=int(samples or 0),
        )
    return out


@dataclass
class BillUsage:
    """A resource's billed usage of one kind over the window (one currency)."""

    currency: str = "USD"
    cost: Decimal = Decimal(0)
    quantity: Decimal = Decimal(0)
    days: int = 0


def bill_usage(session: Session, start: dt.date, end: dt.date) -> dict[tuple[str, str], BillUsage]:
    """Per (resource, usage class): effective cost and quantity over ``[start, end)``.

    Usage classes: ``ec2_hours`` (BoxUsage), ``fargate_vcpu``, ``fargate_memory``,
    ``lambda_gb_seconds``. Savings Plan negation rows are left out: their effective cost is
    zero and their quantity would count the covered hours twice.
    """
    klass = _usage_class(BillingFact.usage_type)
    t0 = dt.datetime(start.year, start.month, start.day, tzinfo=dt.UTC)
    t1 = dt.datetime(end.year, end.month, end.day, tzinfo=dt.UTC)
    stmt = (
        select(
            BillingFact.resource_id,
            klass,
            BillingFact.billing_currency,
            money_sum(BillingFact.effective_cost),
            money_sum(BillingFact.consumed_quantity),
            func.count(func.distinct(BillingFact.charge_period_start)),
        )
        .where(
            BillingFact.charge_period_start >= t0,
            BillingFact.charge_period_start < t1,
            BillingFact.resource_id.is_not(None),
            BillingFact.charge_category == "Usage",
            func.coalesce(BillingFact.source_charge_type, "") != "SavingsPlanNegation",
            klass.is_not(None),
        )
        .group_by(BillingFact.resource_id, klass, BillingFact.billing_currency)
    )
    out: dict[tuple[str, str], BillUsage] = {}
    for rid, cls, currency, cost, qty, days in session.execute(stmt):
        entry = out.setdefault((rid, cls), BillUsage(currency=currency))
        if entry.currency != currency:
            continue  # one currency per resource: never add two
        entry.cost += cost or Decimal(0)
        entry.quantity += qty or Decimal(0)
        entry.days = max(entry.days, int(days or 0))
    return out


def _usage_class(column: Any) -> Any:
    return case(
        (column.like("%BoxUsage%"), "ec2_hours"),
        (column.like("%Fargate-vCPU-Hours%"), "fargate_vcpu"),
        (column.like("%Fargate-GB-Hours%"), "fargate_memory"),
        (column.like("%Lambda-GB-Second%"), "lambda_gb_seconds"),
        (column.like("%-Request"), "lambda_requests"),
        (column.like("Request"), "lambda_requests"),
        else_=None,
    )


def _norm(key: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", key.lower()).strip("_")


def cluster_of(resource: Resource) -> tuple[str, str] | None:
    """``(orchestrator, cluster/node group)`` of a cluster node, from attributes or tags."""
    attrs = resource.attributes or {}
    tags = {_norm(k): v for k, v in (resource.tags or {}).items()}
    eks = (
        attrs.get("eks_cluster")
        or tags.get("eks_cluster_name")
        or tags.get("aws_eks_cluster_name")
        or tags.get("alpha_eksctl_io_cluster_name")
    )
    if eks:
        group = attrs.get("node_group") or tags.get("eks_nodegroup_name") or ""
        return "eks", f"{eks}/{group}" if group else str(eks)
    ecs = attrs.get("ecs_cluster") or tags.get("aws_ecs_cluster_name") or tags.get("ecs_cluster")
    if ecs:
        return "ecs", str(ecs)
    return None


def task_size(attrs: dict[str, Any]) -> dict[str, str]:
    """An ECS task's ``vcpu``/``memory_gb`` (decimal text) from inventory attributes, if known."""
    out: dict[str, str] = {}
    vcpu = attrs.get("vcpu") or attrs.get("task_vcpu")
    if vcpu is None and attrs.get("cpu") is not None:  # task definition units: 1024 = 1 vCPU
        vcpu = Decimal(str(attrs["cpu"])) / 1024
    mem = attrs.get("memory_gb") or attrs.get("task_memory_gb")
    if mem is None and attrs.get("memory") is not None:  # task definition MiB
        mem = Decimal(str(attrs["memory"])) / 1024
    if vcpu is not None:
        out["vcpu"] = decimal_to_text(Decimal(str(vcpu)))
    if mem is not None:
        out["memory_gb"] = decimal_to_text(Decimal(str(mem)))
    return out
