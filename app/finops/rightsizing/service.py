"""Rightsizing at the edges: the ``rightsize`` job, the one-instance CLI rule, listings and
status changes of recommendations (each audited in the same transaction).

Recommendation lifecycle: ``open`` -> ``accepted`` -> ``applied``; ``open``/``accepted`` ->
``dismissed``; the job moves an ``open``/``accepted`` recommendation to ``superseded`` when a
later run no longer finds it (the resource now fits, or the finding changed kind). The job keeps
one active recommendation per (resource, kind): a later run updates it in place (the audit log
keeps each version); a dismissed one is not raised again, and an applied one is raised again
only from usage windows that start after it was applied.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Float, and_, cast, func, select
from sqlalchemy.orm import Session

from finops.audit import record_audit
from finops.aws.arn import arn_account, arn_region
from finops.catalogue import load_price_catalogue, packaged_catalogue, read_price_catalogue
from finops.catalogue.model import PriceCatalogue
from finops.core.errors import ConflictError, InvalidInputError, NotFoundError
from finops.db.database import Database
from finops.db.models import BillingFact, Recommendation, Resource, UsageMetric
from finops.db.types import decimal_to_text, money_order, money_sum, to_json_document
from finops.rightsizing.containers import (
    NodeUsage,
    recommend_fargate,
    recommend_node_group,
    recommend_task_reservation,
)
from finops.rightsizing.ec2 import DEFAULT_POLICY, Ec2Rightsizer, Ec2Utilization
from finops.rightsizing.evidence import MetricWindow, ec2_utilization
from finops.rightsizing.lambda_functions import recommend_lambda_memory

logger = logging.getLogger(__name__)

JOB_ACTOR = "job:rightsize"
ENTITY = "recommendation"
HOURS_PER_MONTH = 730
ACTIVE = ("open", "accepted")
STATUSES = ("open", "accepted", "applied", "dismissed", "superseded")
MIN_HOURS = 30  # Compute Optimizer needs 30 hours of data in the window
KINDS = (
    "ec2_idle",
    "ec2_rightsize",
    "fargate_task",
    "ecs_task_reservation",
    "node_group",
    "lambda_memory",
)
_EC2_KINDS = ("ec2_idle", "ec2_rightsize")
_METRICS = (
    "CPUUtilization",
    "mem_used_percent",
    "NetworkIn",
    "NetworkOut",
    "MemoryUtilization",
    "Duration",
    "Invocations",
    "used_memory_max",
)


def _money(value: Decimal | None) -> str | None:
    return None if value is None else decimal_to_text(value)


# ----------------------------------------------------------------------------- one instance


def rightsize_instance(
    *,
    instance_type: str,
    cpu_max: float,
    cpu_p99: float | None = None,
    mem_max: float | None = None,
    network_max_kibps: float | None = None,
    region: str = "us-east-1",
    os: str = "Linux",
    hours: int = 730,
    catalogue: PriceCatalogue | None = None,
) -> dict[str, Any]:
    """The EC2 rule applied to one instance's summary statistics (the CLI's
    ``finops rightsize-instance``).

    Returns ``{"action": "modify"|"terminate"|"keep", "recommended_type": str|None,
    "monthly_saving": "<decimal>", ...}`` plus the finding, risk, prices, the Graviton alternative
    and the evidence; money is decimal text. Only Linux on-demand prices are in the catalogue.
    """
    if os.strip().lower() != "linux":
        raise InvalidInputError(
            f"parameter 'os': only Linux on-demand prices are in the catalogue, got {os!r}",
            details={"parameter": "os", "got": os, "expected": ["Linux"]},
        )
    rightsizer = Ec2Rightsizer(catalogue or packaged_catalogue())
    rec = rightsizer.recommend(
        instance_type=instance_type,
        usage=Ec2Utilization(
            cpu_max=cpu_max,
            cpu_p99_5=cpu_p99,
            mem_max=mem_max,
            network_max_kibps=network_max_kibps,
        ),
        region=region,
        hours=hours,
    )
    body = to_json_document(rec.as_dict())
    return {
        "action": rec.action,
        "recommended_type": rec.recommended_type,
        "monthly_saving": decimal_to_text(rec.monthly_saving),
        **{k: v for k, v in body.items() if k not in ("action", "monthly_saving")},
        "region": region,
        "os": "Linux",
    }


# ----------------------------------------------------------------------------- data access


@dataclass(frozen=True)
class Finding:
    """One recommendation the job wants to hold (before it is stored)."""

    kind: str
    resource_id: str
    account_id: str | None
    region_id: str | None
    action: str
    current_config: dict[str, Any]
    recommended_config: dict[str, Any]
    monthly_saving: Decimal
    performance_risk: str | None
    evidence: dict[str, Any]
    currency: str = "USD"


def _usage_windows(
    session: Session, start: dt.date, end: dt.date
) -> dict[str, dict[str, MetricWindow]]:
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
            UsageMetric.metric_name.in_(_METRICS),
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
class _BillUsage:
    """A resource's billed usage of one kind over the window (one currency)."""

    currency: str = "USD"
    cost: Decimal = Decimal(0)
    quantity: Decimal = Decimal(0)
    days: int = 0


def _bill_usage(
    session: Session, start: dt.date, end: dt.date
) -> dict[tuple[str, str], _BillUsage]:
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
    out: dict[tuple[str, str], _BillUsage] = {}
    for rid, cls, currency, cost, qty, days in session.execute(stmt):
        entry = out.setdefault((rid, cls), _BillUsage(currency=currency))
        if entry.currency != currency:
            continue  # one currency per resource: never add two
        entry.cost += cost or Decimal(0)
        entry.quantity += qty or Decimal(0)
        entry.days = max(entry.days, int(days or 0))
    return out


def _usage_class(column: Any) -> Any:
    from sqlalchemy import case

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


def _cluster_of(resource: Resource) -> tuple[str, str] | None:
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


# ----------------------------------------------------------------------------- the job


def _window(as_of: dt.date | None, lookback_days: int, session: Session) -> tuple[dt.date, dt.date]:
    if lookback_days < 1:
        raise InvalidInputError(
            f"parameter 'lookback_days': expected an integer >= 1, got {lookback_days}",
            details={"parameter": "lookback_days", "got": lookback_days},
        )
    if as_of is None:
        last = session.scalar(select(func.max(UsageMetric.day)))
        as_of = (last + dt.timedelta(days=1)) if last else dt.datetime.now(dt.UTC).date()
    return as_of - dt.timedelta(days=lookback_days), as_of


def evaluate(
    *,
    session: Session,
    catalogue: PriceCatalogue,
    start: dt.date,
    end: dt.date,
    lookback_days: int,
) -> tuple[list[Finding], set[str], dict[str, int]]:
    """Every finding for the window; also the resources evaluated and skip counts."""
    windows = _usage_windows(session, start, end)
    bill = _bill_usage(session, start, end)
    resources: dict[str, Resource] = {}
    wanted_ids = sorted(windows)
    for lo in range(0, len(wanted_ids), 5000):  # bounded IN lists (SQLite caps parameters)
        for r in session.scalars(
            select(Resource).where(
                Resource.provider == "AWS", Resource.resource_id.in_(wanted_ids[lo : lo + 5000])
            )
        ):
            resources[r.resource_id] = r
    rightsizer = Ec2Rightsizer(catalogue, DEFAULT_POLICY)
    findings: list[Finding] = []
    evaluated: set[str] = set()
    skipped: dict[str, int] = defaultdict(int)
    groups: dict[tuple[str, str, str | None, str, str], list[tuple[Resource, Ec2Utilization]]] = (
        defaultdict(list)
    )
    window_info = {"start": start, "end": end, "lookback_days": lookback_days}

    for rid, metrics in windows.items():
        resource = resources.get(rid)
        cpu = metrics.get("CPUUtilization")
        if resource is not None and resource.instance_type and rid.startswith("i-"):
            usage = ec2_utilization(metrics)
            if usage is None or cpu is None or cpu.samples < MIN_HOURS:
                skipped["insufficient_data"] += 1
                continue
            if resource.instance_type not in catalogue.instance_types:
                skipped["unknown_instance_type"] += 1
                continue
            cluster = _cluster_of(resource)
            if cluster is not None:
                key = (
                    *cluster,
                    resource.account_id,
                    resource.region_id or "",
                    resource.instance_type,
                )
                groups[key].append((resource, usage))
                continue
            evaluated.add(rid)
            rate = _ec2_rate(bill.get((rid, "ec2_hours")))
            rec = rightsizer.recommend(
                instance_type=resource.instance_type,
                usage=usage,
                region=resource.region_id or "us-east-1",
                hours=HOURS_PER_MONTH,
                effective_hourly_rate=rate,
            )
            if rec.action == "keep":
                continue
            body = to_json_document(rec.as_dict())
            findings.append(
                Finding(
                    kind="ec2_idle" if rec.action == "terminate" else "ec2_rightsize",
                    resource_id=rid,
                    account_id=resource.account_id,
                    region_id=resource.region_id,
                    action=rec.action,
                    current_config={
                        "instance_type": rec.current_type,
                        "hourly_price": _money(rec.current_hourly_price),
                        "hourly_rate_used": _money(rec.hourly_rate_used),
                        "rate_source": rec.rate_source,
                    },
                    recommended_config={
                        "instance_type": rec.recommended_type,
                        "hourly_price": _money(rec.recommended_hourly_price),
                        "graviton_alternative": body["graviton_alternative"],
                        **({"options": ["stop", "terminate"]} if rec.action == "terminate" else {}),
                    },
                    monthly_saving=rec.monthly_saving,
                    performance_risk=rec.performance_risk,
                    evidence={
                        **body["evidence"],
                        "finding": rec.finding,
                        "price_region": rec.price_region,
                        "window": window_info,
                    },
                )
            )
        elif ":service/" in rid and cpu is not None:
            found = _ecs_service(rid, resource, metrics, bill, catalogue, skipped, window_info)
            if found is not None:
                evaluated.add(rid)
                if found.action != "keep":
                    findings.append(found)
        elif ":function:" in rid:
            found = _lambda(rid, resource, metrics, bill, catalogue, skipped, window_info)
            if found is not None:
                evaluated.add(rid)
                if found.action != "keep":
                    findings.append(found)
        else:
            skipped["unsupported_resource"] += 1

    for (orchestrator, cluster_name, account, region, itype), members in groups.items():
        group_id = f"{orchestrator}:{cluster_name}:{itype}"
        evaluated.add(group_id)
        spec = catalogue.instance_types[itype]
        rates = [_ec2_rate(bill.get((r.resource_id, "ec2_hours"))) for r, _ in members]
        known = [x for x in rates if x is not None]
        price = catalogue.hourly_price(itype, region or "us-east-1") or Decimal(0)
        rate = (sum(known, Decimal(0)) / len(known)) if known else price
        ng = recommend_node_group(
            node_vcpu=spec.vcpu,
            node_memory_gib=spec.memory_gib,
            node_hourly_rate=rate,
            nodes=[
                NodeUsage(
                    cpu_p99_5=u.cpu_p99_5 if u.cpu_p99_5 is not None else u.cpu_max,
                    mem_max=u.mem_max,
                )
                for _, u in members
            ],
            hours=HOURS_PER_MONTH,
        )
        if ng.action == "keep":
            continue
        findings.append(
            Finding(
                kind="node_group",
                resource_id=group_id,
                account_id=account,
                region_id=region or None,
                action="modify",
                current_config={
                    "orchestrator": orchestrator,
                    "cluster": cluster_name,
                    "instance_type": itype,
                    "nodes": ng.current_nodes,
                    "node_ids": sorted(r.resource_id for r, _ in members),
                },
                recommended_config={"instance_type": itype, "nodes": ng.recommended_nodes},
                monthly_saving=ng.monthly_saving,
                performance_risk=ng.performance_risk,
                evidence={**to_json_document(ng.evidence), "window": window_info},
            )
        )
    return findings, evaluated, dict(skipped)


def _ec2_rate(usage: _BillUsage | None) -> Decimal | None:
    if usage is None or usage.quantity <= 0:
        return None
    return usage.cost / usage.quantity


def _monthly(cost: Decimal, days: int) -> Decimal:
    return cost / Decimal(days) * Decimal(HOURS_PER_MONTH) / Decimal(24)


def _ecs_service(
    rid: str,
    resource: Resource | None,
    metrics: dict[str, MetricWindow],
    bill: dict[tuple[str, str], _BillUsage],
    catalogue: PriceCatalogue,
    skipped: dict[str, int],
    window: dict[str, Any],
) -> Finding | None:
    cpu, mem = metrics.get("CPUUtilization"), metrics.get("MemoryUtilization")
    if cpu is None or mem is None or cpu.samples < MIN_HOURS:
        skipped["insufficient_data"] += 1
        return None
    cpu_p = cpu.p99_5 if cpu.p99_5 is not None else (cpu.peak or 0.0)
    mem_p = mem.peak if mem.peak is not None else (mem.p99_5 or 0.0)
    cpu_p, mem_p = min(100.0, cpu_p), min(100.0, mem_p)
    attrs = (resource.attributes if resource is not None else None) or {}
    region = resource.region_id if resource is not None else arn_region(rid)
    account = resource.account_id if resource is not None else arn_account(rid)
    vcpu_bill, mem_bill = bill.get((rid, "fargate_vcpu")), bill.get((rid, "fargate_memory"))
    fargate = str(attrs.get("launch_type", "")).upper() == "FARGATE" or vcpu_bill is not None
    evidence_base = {"window": window, "days_observed": cpu.days}
    if not fargate:
        res = recommend_task_reservation(cpu_p99_5=cpu_p, mem_max=mem_p)
        return Finding(
            kind="ecs_task_reservation",
            resource_id=rid,
            account_id=account,
            region_id=region,
            action=res.action,
            current_config={"launch_type": "EC2", **_task_size(attrs)},
            recommended_config={
                "cpu_reservation_fraction": res.cpu_fraction,
                "memory_reservation_fraction": res.memory_fraction,
                "note": "the saving is realised when the cluster's node group shrinks",
            },
            monthly_saving=Decimal(0),
            performance_risk="low" if res.action == "modify" else None,
            evidence={**res.evidence, **evidence_base},
        )
    size = _task_size(attrs)
    if "vcpu" not in size or "memory_gb" not in size:
        skipped["fargate_task_size_unknown"] += 1
        return None
    arch = "arm64" if str(attrs.get("cpu_architecture", "")).upper() == "ARM64" else "x86_64"
    monthly_cost: Decimal | None = None
    currency = "USD"
    parts = [b for b in (vcpu_bill, mem_bill) if b is not None]
    if parts:
        currency = parts[0].currency
        days = max(b.days for b in parts)
        monthly_cost = _monthly(sum((b.cost for b in parts), Decimal(0)), days) if days else None
    try:
        rec = recommend_fargate(
            vcpu=Decimal(size["vcpu"]),
            memory_gb=Decimal(size["memory_gb"]),
            cpu_p99_5=cpu_p,
            mem_max=mem_p,
            prices=catalogue.serverless_prices(region or "us-east-1"),
            arch=arch,
            monthly_cost=monthly_cost,
            days_observed=cpu.days,
        )
    except InvalidInputError:
        skipped["fargate_task_size_invalid"] += 1
        return None
    return Finding(
        kind="fargate_task",
        resource_id=rid,
        account_id=account,
        region_id=region,
        action=rec.action,
        current_config={
            "launch_type": "FARGATE",
            "vcpu": str(rec.current_vcpu),
            "memory_gb": str(rec.current_memory_gb),
            "cpu_architecture": arch,
        },
        recommended_config={
            "vcpu": None if rec.recommended_vcpu is None else str(rec.recommended_vcpu),
            "memory_gb": None
            if rec.recommended_memory_gb is None
            else str(rec.recommended_memory_gb),
        },
        monthly_saving=rec.monthly_saving,
        performance_risk=rec.performance_risk,
        evidence={
            **to_json_document(rec.evidence),
            **evidence_base,
            "monthly_cost": _money(monthly_cost),
        },
        currency=currency,
    )


def _task_size(attrs: dict[str, Any]) -> dict[str, str]:
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


def _lambda(
    rid: str,
    resource: Resource | None,
    metrics: dict[str, MetricWindow],
    bill: dict[tuple[str, str], _BillUsage],
    catalogue: PriceCatalogue,
    skipped: dict[str, int],
    window: dict[str, Any],
) -> Finding | None:
    used, duration = metrics.get("used_memory_max"), metrics.get("Duration")
    gbs = bill.get((rid, "lambda_gb_seconds"))
    if used is None or used.peak is None or gbs is None or gbs.days == 0:
        skipped["insufficient_data"] += 1
        return None
    attrs = (resource.attributes if resource is not None else None) or {}
    region = resource.region_id if resource is not None else arn_region(rid)
    account = resource.account_id if resource is not None else arn_account(rid)
    arch = str(attrs.get("arch") or attrs.get("architecture") or "")
    if not arch:
        arch = "arm64" if gbs is not None and _is_arm_rate(gbs, catalogue, region) else "x86_64"
    memory_mb = attrs.get("memory_mb") or attrs.get("memory_size")
    memory_source = "inventory"
    if memory_mb is None:
        # GB-seconds / (billed requests x mean duration) is the configured memory; rounded to
        # 64 MB (the mean of hourly average durations is only an estimate of the billed one)
        requests = bill.get((rid, "lambda_requests"))
        if duration is None or duration.mean is None or requests is None or requests.days == 0:
            skipped["lambda_memory_unknown"] += 1
            return None
        seconds = float(requests.quantity) * duration.mean / 1000.0
        if seconds <= 0:
            skipped["lambda_memory_unknown"] += 1
            return None
        gb = float(gbs.quantity) / seconds
        memory_mb = max(128, round(gb * 1024 / 64) * 64)
        memory_source = "inferred: GB-seconds / (requests x mean duration)"
    monthly_gbs = gbs.quantity / Decimal(gbs.days) * Decimal(HOURS_PER_MONTH) / Decimal(24)
    try:
        rec = recommend_lambda_memory(
            memory_mb=int(memory_mb),
            max_memory_used_mb=used.peak,
            monthly_gb_seconds=monthly_gbs,
            prices=catalogue.serverless_prices(region or "us-east-1"),
            arch=arch,
            avg_duration_ms=None if duration is None else duration.mean,
        )
    except InvalidInputError:
        skipped["lambda_memory_invalid"] += 1
        return None
    return Finding(
        kind="lambda_memory",
        resource_id=rid,
        account_id=account,
        region_id=region,
        action=rec.action,
        current_config={"memory_mb": rec.memory_mb, "arch": arch, "memory_source": memory_source},
        recommended_config={
            "memory_mb": rec.recommended_memory_mb,
            "arm64_alternative_monthly_saving": _money(rec.arm64_alternative_saving),
        },
        monthly_saving=rec.monthly_saving,
        performance_risk=rec.performance_risk,
        evidence={**to_json_document(rec.evidence), "window": window, "days_observed": used.days},
        currency=gbs.currency,
    )


def _is_arm_rate(gbs: _BillUsage, catalogue: PriceCatalogue, region: str | None) -> bool:
    if gbs.quantity <= 0:
        return False
    rate = gbs.cost / gbs.quantity
    prices = catalogue.serverless_prices(region or "us-east-1")
    return abs(rate - prices.lambda_gb_second_arm) < abs(rate - prices.lambda_gb_second_x86)


def _snapshot(rec: Recommendation) -> dict[str, Any]:
    return {
        "kind": rec.kind,
        "resource_id": rec.resource_id,
        "action": rec.action,
        "status": rec.status,
        "current_config": rec.current_config,
        "recommended_config": rec.recommended_config,
        "estimated_monthly_saving": rec.estimated_monthly_saving,
        "performance_risk": rec.performance_risk,
        "applied_at": rec.applied_at,
    }


def rightsize(
    *, db: Database, as_of: dt.date | None = None, lookback_days: int = 14
) -> dict[str, Any]:
    """The ``rightsize`` job: evaluate every resource with usage in ``[as_of - lookback, as_of)``
    and hold one active recommendation per (resource, kind).

    Guarantees: idempotent (a second run with the same data changes nothing and writes no audit
    record); every created, changed or superseded recommendation writes an audit record in the
    same transaction; a dismissed recommendation is not raised again. ``as_of`` defaults to the
    day after the newest usage metric.
    """
    with db.sessions() as probe:
        catalogue = read_price_catalogue(session=probe)
    loaded = 0
    if catalogue is None:
        loaded = load_price_catalogue(db=db)["rows"]
        with db.sessions() as probe:
            catalogue = read_price_catalogue(session=probe)
        assert catalogue is not None
    counts: dict[str, Any] = defaultdict(int)
    with db.sessions.begin() as session:
        start, end = _window(as_of, lookback_days, session)
        findings, evaluated, skipped = evaluate(
            session=session, catalogue=catalogue, start=start, end=end, lookback_days=lookback_days
        )
        _store(session, findings, evaluated, counts, start)
    by_kind: dict[str, int] = defaultdict(int)
    saving: dict[str, Decimal] = defaultdict(Decimal)
    for f in findings:
        by_kind[f.kind] += 1
        saving[f.currency] += f.monthly_saving
    result: dict[str, Any] = {
        "as_of": end.isoformat(),
        "window_start": start.isoformat(),
        "catalogue_rows_loaded": loaded,
        "evaluated": len(evaluated),
        "findings": len(findings),
        "created": counts["created"],
        "updated": counts["updated"],
        "unchanged": counts["unchanged"],
        "superseded": counts["superseded"],
        "suppressed_dismissed": counts["suppressed"],
        "suppressed_recently_applied": counts["suppressed_applied"],
        "by_kind": dict(by_kind),
        "monthly_saving": {c: decimal_to_text(v) for c, v in saving.items()},
        "skipped": skipped,
    }
    logger.info("rightsize finished", extra={"counts": result})
    return result


def _store(
    session: Session,
    findings: list[Finding],
    evaluated: set[str],
    counts: dict[str, Any],
    window_start: dt.date,
) -> None:
    now = dt.datetime.now(dt.UTC)
    ids = sorted({f.resource_id for f in findings} | evaluated)
    existing: dict[tuple[str, str], list[Recommendation]] = defaultdict(list)
    for lo in range(0, len(ids), 5000):
        for rec in session.scalars(
            select(Recommendation)
            .where(
                Recommendation.provider == "AWS",
                Recommendation.resource_id.in_(ids[lo : lo + 5000]),
            )
            .order_by(Recommendation.id)
        ):
            existing[(rec.resource_id, rec.kind)].append(rec)
    wanted = {(f.resource_id, f.kind) for f in findings}
    for f in findings:
        history = existing.get((f.resource_id, f.kind), [])
        active = [r for r in history if r.status in ACTIVE]
        values = {
            "action": f.action,
            "account_id": f.account_id,
            "region_id": f.region_id,
            "current_config": to_json_document(f.current_config),
            "recommended_config": to_json_document(f.recommended_config),
            "billing_currency": f.currency,
            "estimated_monthly_saving": f.monthly_saving,
            "performance_risk": f.performance_risk,
            "evidence": to_json_document(f.evidence),
        }
        if active:
            rec = active[-1]
            if _same(rec, values):
                counts["unchanged"] += 1
                continue
            before = _snapshot(rec)
            for k, v in values.items():
                setattr(rec, k, v)
            rec.updated_at = now
            session.flush()
            record_audit(
                session=session,
                actor=JOB_ACTOR,
                action="updated",
                entity_type=ENTITY,
                entity_id=rec.id,
                before=before,
                after=_snapshot(rec),
            )
            counts["updated"] += 1
            continue
        if history and history[-1].status == "dismissed":
            counts["suppressed"] += 1
            continue
        last = history[-1] if history else None
        if (
            last is not None
            and last.status == "applied"
            and last.applied_at is not None
            and last.applied_at.date() >= window_start
        ):
            # the window's usage predates the change: wait for data after it
            counts["suppressed_applied"] += 1
            continue
        rec = Recommendation(
            kind=f.kind,
            provider="AWS",
            resource_id=f.resource_id,
            status="open",
            created_at=now,
            updated_at=now,
            **values,
        )
        session.add(rec)
        session.flush()
        record_audit(
            session=session,
            actor=JOB_ACTOR,
            action="created",
            entity_type=ENTITY,
            entity_id=rec.id,
            after=_snapshot(rec),
            details={"evidence": rec.evidence},
        )
        counts["created"] += 1
    for (rid, kind), history in existing.items():
        if rid not in evaluated or (rid, kind) in wanted or kind not in KINDS:
            continue
        for rec in history:
            if rec.status not in ACTIVE:
                continue
            before = _snapshot(rec)
            rec.status = "superseded"
            rec.updated_at = now
            session.flush()
            record_audit(
                session=session,
                actor=JOB_ACTOR,
                action="superseded",
                entity_type=ENTITY,
                entity_id=rec.id,
                before=before,
                after=_snapshot(rec),
                details={"reason": "no longer found by the latest run"},
            )
            counts["superseded"] += 1


def _same(rec: Recommendation, values: dict[str, Any]) -> bool:
    for key, value in values.items():
        if key == "evidence":
            continue  # evidence moves with every day of data; the decision is what counts
        current = getattr(rec, key)
        if isinstance(value, Decimal):
            if current is None or Decimal(current) != value:
                return False
        elif current != value:
            return False
    return True


# ----------------------------------------------------------------------------- reading


def recommendation_to_dict(rec: Recommendation) -> dict[str, Any]:
    """The JSON shape of a recommendation for the CLI and the API (money as decimal text)."""
    return {
        "id": rec.id,
        "kind": rec.kind,
        "provider": rec.provider,
        "resource_id": rec.resource_id,
        "account_id": rec.account_id,
        "region_id": rec.region_id,
        "action": rec.action,
        "status": rec.status,
        "current_config": rec.current_config,
        "recommended_config": rec.recommended_config,
        "billing_currency": rec.billing_currency,
        "estimated_monthly_saving": decimal_to_text(rec.estimated_monthly_saving),
        "performance_risk": rec.performance_risk,
        "evidence": rec.evidence,
        "created_at": rec.created_at.isoformat(),
        "updated_at": rec.updated_at.isoformat(),
        "applied_at": rec.applied_at.isoformat() if rec.applied_at else None,
    }


def list_recommendations(
    *,
    session: Session,
    status: str | None = None,
    kind: str | None = None,
    account_id: str | None = None,
    resource_id: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> dict[str, Any]:
    """A page of recommendations, largest estimated saving first:
    ``{"items": [...], "total": n, "limit": l, "offset": o}``."""
    if status is not None and status not in STATUSES:
        raise InvalidInputError(
            f"parameter 'status': expected one of {', '.join(STATUSES)}, got {status!r}",
            details={"parameter": "status", "expected": list(STATUSES)},
        )
    if kind is not None and kind not in KINDS:
        raise InvalidInputError(
            f"parameter 'kind': expected one of {', '.join(KINDS)}, got {kind!r}",
            details={"parameter": "kind", "expected": list(KINDS)},
        )
    if not 1 <= limit <= 1000 or offset < 0:
        raise InvalidInputError(
            "parameters 'limit'/'offset': expected 1 <= limit <= 1000 and offset >= 0",
            details={"parameter": "limit"},
        )
    conditions = [
        c
        for c in (
            Recommendation.status == status if status else None,
            Recommendation.kind == kind if kind else None,
            Recommendation.account_id == account_id if account_id else None,
            Recommendation.resource_id == resource_id if resource_id else None,
        )
        if c is not None
    ]
    where = and_(*conditions) if conditions else and_(True)
    total = session.scalar(select(func.count()).select_from(Recommendation).where(where)) or 0
    rows = session.scalars(
        select(Recommendation)
        .where(where)
        .order_by(money_order(Recommendation.estimated_monthly_saving).desc(), Recommendation.id)
        .limit(limit)
        .offset(offset)
    )
    return {
        "items": [recommendation_to_dict(r) for r in rows],
        "total": int(total),
        "limit": limit,
        "offset": offset,
    }


def get_recommendation(*, session: Session, recommendation_id: int) -> Recommendation:
    rec = session.get(Recommendation, recommendation_id)
    if rec is None:
        raise NotFoundError(
            f"recommendation {recommendation_id} not found",
            details={"parameter": "recommendation_id", "got": recommendation_id},
        )
    return rec


# ----------------------------------------------------------------------------- status changes

_TRANSITIONS: dict[str, tuple[str, ...]] = {
    "accepted": ("open",),
    "dismissed": ("open", "accepted"),
    "applied": ("open", "accepted"),
}


def _transition(
    session: Session,
    recommendation_id: int,
    target: str,
    actor: str,
    note: str | None,
    applied_on: dt.date | None = None,
) -> Recommendation:
    rec = get_recommendation(session=session, recommendation_id=recommendation_id)
    allowed = _TRANSITIONS[target]
    if rec.status not in allowed:
        raise ConflictError(
            f"recommendation {rec.id} is {rec.status}; only a recommendation that is "
            f"{' or '.join(allowed)} can become {target}",
            details={"status": rec.status, "target": target},
        )
    before = _snapshot(rec)
    rec.status = target
    rec.updated_at = dt.datetime.now(dt.UTC)
    if applied_on is not None:
        rec.applied_at = dt.datetime(
            applied_on.year, applied_on.month, applied_on.day, tzinfo=dt.UTC
        )
    session.flush()
    record_audit(
        session=session,
        actor=actor,
        action=target,
        entity_type=ENTITY,
        entity_id=rec.id,
        before=before,
        after=_snapshot(rec),
        details={"note": note} if note else None,
    )
    return rec


def accept_recommendation(
    *, session: Session, recommendation_id: int, actor: str, note: str | None = None
) -> dict[str, Any]:
    """``open`` -> ``accepted`` (audited); ConflictError from any other status."""
    return recommendation_to_dict(_transition(session, recommendation_id, "accepted", actor, note))


def dismiss_recommendation(
    *, session: Session, recommendation_id: int, actor: str, note: str | None = None
) -> dict[str, Any]:
    """``open``/``accepted`` -> ``dismissed`` (audited); the job will not raise it again."""
    return recommendation_to_dict(_transition(session, recommendation_id, "dismissed", actor, note))


def mark_recommendation_applied(
    *,
    session: Session,
    recommendation_id: int,
    actor: str,
    applied_on: dt.date,
    note: str | None = None,
    baseline_days: int = 14,
) -> dict[str, Any]:
    """``open``/``accepted`` -> ``applied`` on ``applied_on`` (audited), and the savings baseline
    recorded in the same transaction (:func:`finops.savings.record_baseline`)."""
    from finops.savings.service import record_baseline

    rec = _transition(session, recommendation_id, "applied", actor, note, applied_on=applied_on)
    baseline = record_baseline(
        session=session,
        recommendation=rec,
        applied_on=applied_on,
        actor=actor,
        baseline_days=baseline_days,
    )
    return {**recommendation_to_dict(rec), "savings_baseline": baseline}
