"""What the rightsize job finds: the rules applied to each resource's usage window and bill
(EC2 instances, cluster node groups, ECS services, Lambda functions), before anything is stored.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from finops.aws.arn import arn_account, arn_region
from finops.catalogue.model import PriceCatalogue
from finops.core.errors import InvalidInputError
from finops.core.units import HOURS_PER_MONTH
from finops.db.models import Resource
from finops.db.types import decimal_to_text, to_json_document
from finops.rightsizing.containers import (
    NodeUsage,
    recommend_fargate,
    recommend_node_group,
    recommend_task_reservation,
)
from finops.rightsizing.ec2 import DEFAULT_POLICY, Ec2Rightsizer, Ec2Utilization
from finops.rightsizing.evidence import MetricWindow, ec2_utilization
from finops.rightsizing.inputs import (
    BillUsage,
    bill_usage,
    cluster_of,
    load_resources,
    task_size,
    usage_windows,
)
from finops.rightsizing.lambda_functions import recommend_lambda_memory

MIN_HOURS = 30  # Compute Optimizer needs 30 hours of data in the window


def _money(value: Decimal | None) -> str | None:
    return None if value is None else decimal_to_text(value)


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


def evaluate(
    *,
    session: Session,
    catalogue: PriceCatalogue,
    start: dt.date,
    end: dt.date,
    lookback_days: int,
) -> tuple[list[Finding], set[str], dict[str, int]]:
    """Every finding for the window; also the resources evaluated and skip counts."""
    windows = usage_windows(session, start, end)
    bill = bill_usage(session, start, end)
    resources = load_resources(session, sorted(windows))
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
            cluster = cluster_of(resource)
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
                    kind="ec2_idle" if rec.finding == "idle" else "ec2_rightsize",
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
                        **_idle_options(rec.action),
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


def _idle_options(action: str) -> dict[str, list[str]]:
    """What an operator may do with an idle instance: terminate only when the rule allows it."""
    if action == "terminate":
        return {"options": ["stop", "terminate"]}
    if action == "stop":
        return {"options": ["stop"]}
    return {}


def _ec2_rate(usage: BillUsage | None) -> Decimal | None:
    if usage is None or usage.quantity <= 0:
        return None
    return usage.cost / usage.quantity


def _monthly(cost: Decimal, days: int) -> Decimal:
    return cost / Decimal(days) * HOURS_PER_MONTH / Decimal(24)


def _ecs_service(
    rid: str,
    resource: Resource | None,
    metrics: dict[str, MetricWindow],
    bill: dict[tuple[str, str], BillUsage],
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
            current_config={"launch_type": "EC2", **task_size(attrs)},
            recommended_config={
                "cpu_reservation_fraction": res.cpu_fraction,
                "memory_reservation_fraction": res.memory_fraction,
                "note": "the saving is realised when the cluster's node group shrinks",
            },
            monthly_saving=Decimal(0),
            performance_risk="low" if res.action == "modify" else None,
            evidence={**res.evidence, **evidence_base},
        )
    size = task_size(attrs)
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


def _lambda(
    rid: str,
    resource: Resource | None,
    metrics: dict[str, MetricWindow],
    bill: dict[tuple[str, str], BillUsage],
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
    monthly_gbs = gbs.quantity / Decimal(gbs.days) * HOURS_PER_MONTH / Decimal(24)
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


def _is_arm_rate(gbs: BillUsage, catalogue: PriceCatalogue, region: str | None) -> bool:
    if gbs.quantity <= 0:
        return False
    rate = gbs.cost / gbs.quantity
    prices = catalogue.serverless_prices(region or "us-east-1")
    return abs(rate - prices.lambda_gb_second_arm) < abs(rate - prices.lambda_gb_second_x86)
