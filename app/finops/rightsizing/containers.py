"""Container rules (pure): ECS on Fargate task sizes, ECS-on-EC2 task reservations, and node
groups of EKS / ECS-on-EC2 clusters.

- **Fargate:** a task needs ``vCPU x CPU P99.5 x 1.2`` and ``memory x memory peak x 1.2``
  (ECS ``CPUUtilization`` / ``MemoryUtilization`` are percentages of the task's reservation); the
  recommendation is the cheapest *valid* Fargate CPU/memory combination that holds both.
- **ECS on EC2:** the same sizing applied to the task reservation; the money is saved only when
  the cluster's node group shrinks, so the saving of this recommendation is zero and the freed
  capacity is reported instead.
- **Node groups (EKS, ECS on EC2):** nodes needed = the largest of (sum of node CPU P99.5 x 1.2 /
  vCPU per node), (sum of memory peaks x 1.2 / memory per node) and, when known, (sum of pod /
  task requests / allocatable per node); never below ``min_nodes``. Requests far above usage are
  reported: they keep nodes busy on paper.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, Literal

from finops.catalogue.model import ServerlessPrices
from finops.core.errors import InvalidInputError
from finops.core.units import HOURS_PER_MONTH, as_hours
from finops.rightsizing.ec2 import MONEY_QUANTUM, Risk

HEADROOM = 0.20


def _gb(values: range | list[int], scale: int = 1) -> list[Decimal]:
    return [Decimal(v) / scale for v in values]


# Valid Fargate (Linux) task sizes: vCPU -> allowed memory in GB.
FARGATE_COMBINATIONS: dict[Decimal, list[Decimal]] = {
    Decimal("0.25"): [Decimal("0.5"), Decimal(1), Decimal(2)],
    Decimal("0.5"): _gb(range(1, 5)),
    Decimal(1): _gb(range(2, 9)),
    Decimal(2): _gb(range(4, 17)),
    Decimal(4): _gb(range(8, 31)),
    Decimal(8): _gb(range(16, 61, 4)),
    Decimal(16): _gb(range(32, 121, 8)),
}


def is_valid_fargate_size(vcpu: Decimal, memory_gb: Decimal) -> bool:
    """Whether ``(vcpu, memory_gb)`` is a task size Fargate accepts."""
    return memory_gb in FARGATE_COMBINATIONS.get(vcpu, [])


@dataclass(frozen=True)
class FargateRecommendation:
    action: Literal["modify", "keep"]
    current_vcpu: Decimal
    current_memory_gb: Decimal
    recommended_vcpu: Decimal | None
    recommended_memory_gb: Decimal | None
    monthly_saving: Decimal
    performance_risk: Risk | None
    evidence: dict[str, Any] = field(default_factory=dict)


def recommend_fargate(
    *,
    vcpu: Decimal,
    memory_gb: Decimal,
    cpu_p99_5: float,
    mem_max: float,
    prices: ServerlessPrices,
    arch: str = "x86_64",
    task_hours_per_month: Decimal | None = None,
    monthly_cost: Decimal | None = None,
    days_observed: int | None = None,
) -> FargateRecommendation:
    """The cheapest valid task size that holds the task's P99.5 CPU and peak memory + 20%.

    The saving is ``monthly_cost x (1 - new hourly / current hourly)`` when the bill's monthly
    cost of the service is given, else ``task_hours_per_month x (current - new hourly)`` at
    catalogue prices; zero when neither is known.
    """
    if not is_valid_fargate_size(vcpu, memory_gb):
        raise InvalidInputError(
            f"parameter 'memory_gb': {memory_gb} GB with {vcpu} vCPU is not a valid Fargate task "
            "size",
            details={"parameter": "memory_gb", "got": str(memory_gb), "vcpu": str(vcpu)},
        )
    for name, value in (("cpu_p99_5", cpu_p99_5), ("mem_max", mem_max)):
        if not 0.0 <= value <= 100.0:
            raise InvalidInputError(
                f"parameter '{name}': expected a percentage from 0 to 100, got {value}",
                details={"parameter": name, "got": value},
            )
    pv, pm = prices.fargate_vcpu_hour(arch), prices.fargate_gb_hour(arch)
    need_vcpu = float(vcpu) * cpu_p99_5 / 100.0 * (1 + HEADROOM)
    need_mem = float(memory_gb) * mem_max / 100.0 * (1 + HEADROOM)
    current_hourly = vcpu * pv + memory_gb * pm
    best: tuple[Decimal, Decimal, Decimal] | None = None
    for c, memories in FARGATE_COMBINATIONS.items():
        if float(c) < need_vcpu:
            continue
        for m in memories:
            if float(m) < need_mem:
                continue
            hourly = c * pv + m * pm
            if best is None or hourly < best[0]:
                best = (hourly, c, m)
            break  # memories ascend: the first fitting one is the cheapest for this vCPU
    evidence: dict[str, Any] = {
        "cpu_p99_5_percent": cpu_p99_5,
        "mem_max_percent": mem_max,
        "needed_vcpu": round(need_vcpu, 4),
        "needed_memory_gb": round(need_mem, 4),
        "headroom": HEADROOM,
        "days_observed": days_observed,
        "current_hourly_per_task": current_hourly,
    }
    if best is None or best[0] >= current_hourly:
        return FargateRecommendation(
            "keep", vcpu, memory_gb, None, None, Decimal(0), None, evidence
        )
    hourly, new_vcpu, new_mem = best
    if monthly_cost is not None:
        saving = monthly_cost * (Decimal(1) - hourly / current_hourly)
        evidence["saving_basis"] = "bill"
    elif task_hours_per_month is not None:
        saving = task_hours_per_month * (current_hourly - hourly)
        evidence["saving_basis"] = "catalogue"
    else:
        saving = Decimal(0)
        evidence["saving_basis"] = "unknown task hours"
    evidence["recommended_hourly_per_task"] = hourly
    projected = max(need_vcpu / float(new_vcpu), need_mem / float(new_mem)) / (1 + HEADROOM) * 100
    risk: Risk = "low" if projected <= 50 else "medium" if projected <= 70 else "high"
    return FargateRecommendation(
        "modify",
        vcpu,
        memory_gb,
        new_vcpu,
        new_mem,
        saving.quantize(MONEY_QUANTUM, rounding=ROUND_HALF_EVEN),
        risk,
        evidence,
    )


@dataclass(frozen=True)
class ReservationRecommendation:
    """ECS-on-EC2 task reservation: the share of the current reservation the task needs."""

    action: Literal["modify", "keep"]
    cpu_fraction: float
    memory_fraction: float
    evidence: dict[str, Any] = field(default_factory=dict)


def recommend_task_reservation(
    *, cpu_p99_5: float, mem_max: float, min_fraction_to_act: float = 0.5
) -> ReservationRecommendation:
    """How much of its CPU/memory reservation an ECS-on-EC2 task needs (usage + 20%).

    ``modify`` when either need is below ``min_fraction_to_act`` of the reservation. No money
    moves until the node group shrinks, so callers record a zero saving.
    """
    cpu = min(1.0, cpu_p99_5 / 100.0 * (1 + HEADROOM))
    mem = min(1.0, mem_max / 100.0 * (1 + HEADROOM))
    action: Literal["modify", "keep"] = "modify" if min(cpu, mem) < min_fraction_to_act else "keep"
    return ReservationRecommendation(
        action,
        round(cpu, 4),
        round(mem, 4),
        {"cpu_p99_5_percent": cpu_p99_5, "mem_max_percent": mem_max, "headroom": HEADROOM},
    )


@dataclass(frozen=True)
class NodeUsage:
    """One node of a group: CPU P99.5 and memory peak (percent, memory may be unknown)."""

    cpu_p99_5: float
    mem_max: float | None = None


@dataclass(frozen=True)
class NodeGroupRecommendation:
    action: Literal["modify", "keep"]
    current_nodes: int
    recommended_nodes: int
    monthly_saving: Decimal
    performance_risk: Risk | None
    evidence: dict[str, Any] = field(default_factory=dict)


def recommend_node_group(
    *,
    node_vcpu: int,
    node_memory_gib: Decimal,
    node_hourly_rate: Decimal,
    nodes: list[NodeUsage],
    requested_vcpu: float | None = None,
    requested_memory_gib: float | None = None,
    allocatable_fraction: float = 0.9,
    min_nodes: int = 2,
    hours: Decimal | float = HOURS_PER_MONTH,
) -> NodeGroupRecommendation:
    """How many nodes of the group's type hold its usage (+20%) and its pods' requests.

    Saving = ``(current - recommended) x node_hourly_rate x hours``.
    """
    if not nodes:
        raise InvalidInputError(
            "parameter 'nodes': expected at least one node", details={"parameter": "nodes"}
        )
    count = len(nodes)
    used_vcpu = sum(node_vcpu * n.cpu_p99_5 / 100.0 for n in nodes)
    need = [math.ceil(used_vcpu * (1 + HEADROOM) / node_vcpu - 1e-9)]
    mems = [n.mem_max for n in nodes if n.mem_max is not None]
    used_mem = sum(float(node_memory_gib) * m / 100.0 for m in mems) if len(mems) == count else None
    if used_mem is not None:
        need.append(math.ceil(used_mem * (1 + HEADROOM) / float(node_memory_gib) - 1e-9))
    if requested_vcpu is not None:
        need.append(math.ceil(requested_vcpu / (node_vcpu * allocatable_fraction) - 1e-9))
    if requested_memory_gib is not None:
        need.append(
            math.ceil(requested_memory_gib / (float(node_memory_gib) * allocatable_fraction) - 1e-9)
        )
    floor = min(min_nodes, count)
    recommended = max([floor, *need])
    evidence: dict[str, Any] = {
        "nodes": count,
        "used_vcpu_p99_5": round(used_vcpu, 4),
        "used_memory_gib": None if used_mem is None else round(used_mem, 4),
        "requested_vcpu": requested_vcpu,
        "requested_memory_gib": requested_memory_gib,
        "headroom": HEADROOM,
        "min_nodes": floor,
        "node_hourly_rate": node_hourly_rate,
    }
    if requested_vcpu is not None and used_vcpu > 0:
        evidence["requests_over_usage_cpu"] = round(requested_vcpu / used_vcpu, 4)
    if recommended >= count:
        return NodeGroupRecommendation("keep", count, count, Decimal(0), None, evidence)
    saving = Decimal(count - recommended) * node_hourly_rate * as_hours(hours)
    projected = used_vcpu / (recommended * node_vcpu) * 100.0
    risk: Risk = "low" if projected <= 50 else "medium" if projected <= 70 else "high"
    if used_mem is None and risk == "low":
        risk = "medium"
    return NodeGroupRecommendation(
        "modify",
        count,
        recommended,
        saving.quantize(MONEY_QUANTUM, rounding=ROUND_HALF_EVEN),
        risk,
        evidence,
    )
