"""The EC2 rightsizing and idle rule (pure: plain data in, a recommendation out).

The rule, with Compute Optimizer's as the floor:

- **Sizing statistic:** P99.5 CPU over the lookback (14 days by default) when known, else the
  peak; plus 20% headroom. The instance needs ``vcpu x cpu% x 1.2`` vCPUs. Memory, when the
  CloudWatch agent reports ``mem_used_percent``, is sized the same way from its peak; network
  from the peak in+out throughput against the candidate's baseline bandwidth.
- **Candidates:** types priced in the catalogue for the region, same architecture (Graviton is
  offered separately as an alternative), same category (``m``, ``c``, ``r``, ``t``...) and
  generation >= the current one; ``m``/``c``/``r`` are interchangeable only when memory is
  reported (otherwise nothing says a compute-optimised type has room, and the target keeps at
  least a quarter of the current memory, i.e. at most two sizes down); burstable types only
  replace burstable types; GPUs, local NVMe and bare metal must be kept.
- **Finding:** *idle* by :mod:`finops.rightsizing.idle` (peak CPU under 5% and network under
  5 MB a day, both measured; ``terminate`` only at a peak CPU at or below 1% over the whole
  lookback, else ``stop``), saving = the full monthly price; *over-provisioned* when a smaller
  (fewer vCPUs or less memory) cheaper type fits -> ``modify`` to the cheapest fitting type;
  *under-provisioned* when the current type does not fit; else *optimized*. Both of the last
  two are ``keep``: this rule only recommends savings.
- **Saving:** ``hours x (current - recommended)`` at catalogue prices; when the bill shows an
  effective hourly rate for the resource (discounts, Savings Plans), the same fraction of that
  rate: ``hours x rate x (1 - recommended / current)``.
- **Performance risk:** from the projected P99.5 on the target (without headroom): low up to 50%,
  medium up to 70%, high above; at least medium when memory is not reported, when fewer than
  14 days were observed, or when the target is burstable.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from finops.catalogue.model import InstanceType, PriceCatalogue
from finops.core.errors import InvalidInputError
from finops.core.units import HOURS_PER_MONTH, as_hours
from finops.rightsizing.idle import DEFAULT_THRESHOLDS, IdleThresholds, assess_idle

Action = Literal["modify", "terminate", "stop", "keep"]
Finding = Literal["idle", "over_provisioned", "under_provisioned", "optimized"]
Risk = Literal["low", "medium", "high"]

MONEY_QUANTUM = Decimal("0.000001")
INTERCHANGEABLE_CATEGORIES = frozenset({"m", "c", "r"})
RISK_ORDER: dict[Risk, int] = {"low": 0, "medium": 1, "high": 2}


@dataclass(frozen=True)
class Ec2Policy:
    """The thresholds of the rule (defaults: Compute Optimizer's floor)."""

    headroom: float = 0.20
    lookback_days: int = 14
    idle: IdleThresholds = DEFAULT_THRESHOLDS
    low_risk_max_percent: float = 50.0
    medium_risk_max_percent: float = 70.0
    unreported_memory_min_fraction: float = 0.25


DEFAULT_POLICY = Ec2Policy()


@dataclass(frozen=True)
class Ec2Utilization:
    """Summary statistics of one instance over the lookback window.

    Percentages are 0-100; ``network_max_kibps`` is the peak of NetworkIn + NetworkOut in KiB/s;
    ``days_observed`` may be fractional (hours of data / 24).
    """

    cpu_max: float
    cpu_p99_5: float | None = None
    mem_max: float | None = None
    network_max_kibps: float | None = None
    days_observed: float | None = None


@dataclass(frozen=True)
class Alternative:
    """Another type that fits (e.g. the Graviton option) and what it would save."""

    instance_type: str
    hourly_price: Decimal
    monthly_saving: Decimal
    note: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "instance_type": self.instance_type,
            "hourly_price": self.hourly_price,
            "monthly_saving": self.monthly_saving,
            "note": self.note,
        }


@dataclass(frozen=True)
class Ec2Recommendation:
    """What the rule says about one instance, with the numbers behind it."""

    action: Action
    finding: Finding
    current_type: str
    recommended_type: str | None
    current_hourly_price: Decimal
    recommended_hourly_price: Decimal | None
    hourly_rate_used: Decimal
    rate_source: Literal["catalogue", "bill"]
    monthly_saving: Decimal
    performance_risk: Risk | None
    hours: Decimal
    price_region: str
    graviton_alternative: Alternative | None
    evidence: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (money as Decimal; the caller renders it as text)."""
        return {
            "action": self.action,
            "finding": self.finding,
            "current_type": self.current_type,
            "recommended_type": self.recommended_type,
            "current_hourly_price": self.current_hourly_price,
            "recommended_hourly_price": self.recommended_hourly_price,
            "hourly_rate_used": self.hourly_rate_used,
            "rate_source": self.rate_source,
            "monthly_saving": self.monthly_saving,
            "performance_risk": self.performance_risk,
            "hours": self.hours,
            "price_region": self.price_region,
            "graviton_alternative": (
                self.graviton_alternative.as_dict() if self.graviton_alternative else None
            ),
            "evidence": self.evidence,
        }


def _check_percent(name: str, value: float | None) -> None:
    if value is not None and not (0.0 <= value <= 100.0):
        raise InvalidInputError(
            f"parameter '{name}': expected a percentage from 0 to 100, got {value}",
            details={"parameter": name, "got": value},
        )


def _check_non_negative(name: str, value: float | None) -> None:
    if value is not None and not (0.0 <= value < math.inf):
        raise InvalidInputError(
            f"parameter '{name}': expected a finite number >= 0, got {value}",
            details={"parameter": name, "got": value},
        )


def check_utilization(usage: Ec2Utilization) -> None:
    """Raise InvalidInputError naming the parameter when a statistic is out of range."""
    _check_percent("cpu_max", usage.cpu_max)
    _check_percent("cpu_p99", usage.cpu_p99_5)
    _check_percent("mem_max", usage.mem_max)
    _check_non_negative("network_max_kibps", usage.network_max_kibps)
    _check_non_negative("days_observed", usage.days_observed)
    if usage.cpu_p99_5 is not None and usage.cpu_p99_5 > usage.cpu_max:
        raise InvalidInputError(
            f"parameter 'cpu_p99': expected at most cpu_max ({usage.cpu_max}), got "
            f"{usage.cpu_p99_5}",
            details={"parameter": "cpu_p99", "got": usage.cpu_p99_5},
        )


@dataclass(frozen=True)
class _Candidates:
    """Types that may replace a given type, cheapest first, as parallel arrays."""

    types: list[InstanceType]
    prices: list[Decimal]
    vcpu: npt.NDArray[np.float64]
    memory: npt.NDArray[np.float64]
    network: npt.NDArray[np.float64]  # NaN when unknown
    price: npt.NDArray[np.float64]


def _compatible(current: InstanceType, other: InstanceType, *, memory_known: bool) -> bool:
    if other.bare_metal and not current.bare_metal:
        return False
    if other.generation < current.generation:
        return False
    if current.burstable or other.burstable:
        if current.burstable != other.burstable:
            return False
    elif other.category != current.category and not (
        memory_known
        and current.category in INTERCHANGEABLE_CATEGORIES
        and other.category in INTERCHANGEABLE_CATEGORIES
    ):
        return False
    if current.gpu_count:
        if other.gpu_count < current.gpu_count or other.gpu_name != current.gpu_name:
            return False
    elif other.gpu_count:
        return False
    return not (current.local_nvme_gib and not other.local_nvme_gib)


class Ec2Rightsizer:
    """Applies the rule against one catalogue; caches candidate lists per (type, region)."""

    def __init__(self, catalogue: PriceCatalogue, policy: Ec2Policy = DEFAULT_POLICY) -> None:
        self.catalogue = catalogue
        self.policy = policy
        self._cache: dict[tuple[str, str, str, bool], _Candidates] = {}

    def _candidates(
        self, current: InstanceType, region: str, arch: str, memory_known: bool
    ) -> _Candidates:
        key = (current.name, self.catalogue.price_region(region), arch, memory_known)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        types = [
            t
            for t in self.catalogue.priced_types(region)
            if t.arch == arch
            and t.name != current.name
            and _compatible(current, t, memory_known=memory_known)
        ]
        prices = [self.catalogue.hourly_price(t.name, region) or Decimal(0) for t in types]
        built = _Candidates(
            types=types,
            prices=prices,
            vcpu=np.array([t.vcpu for t in types], dtype=np.float64),
            memory=np.array([float(t.memory_gib) for t in types], dtype=np.float64),
            network=np.array(
                [np.nan if t.network_mbps is None else t.network_mbps for t in types],
                dtype=np.float64,
            ),
            price=np.array([float(p) for p in prices], dtype=np.float64),
        )
        self._cache[key] = built
        return built

    def _fits(
        self,
        cands: _Candidates,
        need_vcpu: float,
        need_mem: float | None,
        need_net: float | None,
        below_price: Decimal,
    ) -> npt.NDArray[np.bool_]:
        mask = cands.vcpu >= need_vcpu
        if need_mem is not None:
            mask &= cands.memory >= need_mem
        if need_net is not None:
            mask &= cands.network >= need_net  # NaN (unknown) never fits
        mask &= cands.price < float(below_price)
        return mask

    def recommend(
        self,
        *,
        instance_type: str,
        usage: Ec2Utilization,
        region: str = "us-east-1",
        hours: Decimal | float = HOURS_PER_MONTH,
        effective_hourly_rate: Decimal | None = None,
    ) -> Ec2Recommendation:
        """The recommendation for one instance (see the module docstring for the rule).

        ``hours`` may be fractional (running hours as AWS exports them); a float is taken at
        its shortest decimal text (285.63 -> Decimal("285.63")).
        """
        check_utilization(usage)
        hours = as_hours(hours)
        if not hours.is_finite() or hours <= 0:
            raise InvalidInputError(
                f"parameter 'hours': expected a positive number of hours, got {hours}",
                details={"parameter": "hours", "got": hours},
            )
        policy = self.policy
        current = self.catalogue.instance_type(instance_type)
        current_price = self.catalogue.hourly_price(current.name, region)
        if current_price is None:
            raise InvalidInputError(
                f"parameter 'instance_type': {current.name} has no on-demand price in the "
                f"catalogue for {region}",
                details={"parameter": "instance_type", "got": current.name},
            )
        rate = effective_hourly_rate if effective_hourly_rate is not None else current_price
        rate_source: Literal["catalogue", "bill"] = (
            "bill" if effective_hourly_rate is not None else "catalogue"
        )
        h = hours
        sizing_cpu = usage.cpu_p99_5 if usage.cpu_p99_5 is not None else usage.cpu_max
        factor = 1.0 + policy.headroom
        used_vcpu = current.vcpu * sizing_cpu / 100.0
        need_vcpu = used_vcpu * factor
        used_mem = (
            float(current.memory_gib) * usage.mem_max / 100.0 if usage.mem_max is not None else None
        )
        # Without memory data nothing says how much of it is used: keep at least a quarter of
        # it (at most two sizes down) rather than shrink it blindly with the CPU.
        need_mem = (
            used_mem * factor
            if used_mem is not None
            else float(current.memory_gib) * policy.unreported_memory_min_fraction
        )
        need_net = (
            usage.network_max_kibps * 1024 * 8 / 1e6 * factor
            if usage.network_max_kibps is not None
            else None
        )
        evidence: dict[str, Any] = {
            "sizing_statistic": "cpu_p99_5" if usage.cpu_p99_5 is not None else "cpu_max",
            "cpu_p99_5_percent": usage.cpu_p99_5,
            "cpu_max_percent": usage.cpu_max,
            "mem_max_percent": usage.mem_max,
            "memory_considered": usage.mem_max is not None,
            "network_max_kibps": usage.network_max_kibps,
            "days_observed": usage.days_observed,
            "lookback_days": policy.lookback_days,
            "headroom": policy.headroom,
            "current_vcpu": current.vcpu,
            "current_memory_gib": current.memory_gib,
            "needed_vcpu": round(need_vcpu, 4),
            "needed_memory_gib": round(need_mem, 4),
            "needed_network_mbps": None if need_net is None else round(need_net, 4),
            "price_source": self.catalogue.source,
        }
        price_region = self.catalogue.price_region(region)

        def result(
            action: Action,
            finding: Finding,
            target: InstanceType | None,
            target_price: Decimal | None,
            saving: Decimal,
            risk: Risk | None,
            graviton: Alternative | None,
        ) -> Ec2Recommendation:
            return Ec2Recommendation(
                action=action,
                finding=finding,
                current_type=current.name,
                recommended_type=target.name if target else None,
                current_hourly_price=current_price,
                recommended_hourly_price=target_price,
                hourly_rate_used=rate,
                rate_source=rate_source,
                monthly_saving=saving.quantize(MONEY_QUANTUM, rounding=ROUND_HALF_EVEN),
                performance_risk=risk,
                hours=hours,
                price_region=price_region,
                graviton_alternative=graviton,
                evidence=evidence,
            )

        idle = assess_idle(
            cpu_peak_percent=usage.cpu_max,
            network_peak_kibps=usage.network_max_kibps,
            days_observed=usage.days_observed,
            thresholds=policy.idle,
        )
        evidence["idle_check"] = idle.as_evidence()
        if idle.action is not None:
            return result(idle.action, "idle", None, None, h * rate, "low", None)

        def saving_for(target_price: Decimal) -> Decimal:
            return h * rate * (Decimal(1) - target_price / current_price)

        def risk_for(target: InstanceType) -> Risk:
            projected = [used_vcpu / target.vcpu * 100.0]
            if used_mem is not None:
                projected.append(used_mem / float(target.memory_gib) * 100.0)
            worst = max(projected)
            risk: Risk = (
                "low"
                if worst <= policy.low_risk_max_percent
                else "medium"
                if worst <= policy.medium_risk_max_percent
                else "high"
            )
            floor: Risk = (
                "medium"
                if usage.mem_max is None
                or (usage.days_observed or 0) < policy.lookback_days
                or target.burstable
                else "low"
            )
            return risk if RISK_ORDER[risk] >= RISK_ORDER[floor] else floor

        memory_known = usage.mem_max is not None
        graviton: Alternative | None = None
        if current.arch == "x86_64":
            arm = self._candidates(current, region, "arm64", memory_known)
            arm_fit = self._fits(arm, need_vcpu, need_mem, need_net, current_price)
            if arm_fit.any():
                k = int(np.argmax(arm_fit))
                graviton = Alternative(
                    instance_type=arm.types[k].name,
                    hourly_price=arm.prices[k],
                    monthly_saving=saving_for(arm.prices[k]).quantize(
                        MONEY_QUANTUM, rounding=ROUND_HALF_EVEN
                    ),
                    note="Graviton (arm64): needs arm64 builds of the workload",
                )
                evidence["graviton_performance_risk"] = risk_for(arm.types[k])

        under = need_vcpu > current.vcpu or need_mem > float(current.memory_gib)
        if under:
            return result("keep", "under_provisioned", None, None, Decimal(0), None, graviton)
        same = self._candidates(current, region, current.arch, memory_known)
        fit = self._fits(same, need_vcpu, need_mem, need_net, current_price)
        smaller = (same.vcpu < current.vcpu) | (same.memory < float(current.memory_gib))
        if not (fit & smaller).any():
            return result("keep", "optimized", None, None, Decimal(0), None, graviton)
        k = int(np.argmax(fit))  # cheapest fitting (cheaper) type
        target, target_price = same.types[k], same.prices[k]
        evidence["recommended_vcpu"] = target.vcpu
        evidence["recommended_memory_gib"] = target.memory_gib
        evidence["projected_cpu_p99_5_percent"] = round(used_vcpu / target.vcpu * 100.0, 4)
        if target.cpu_manufacturer != current.cpu_manufacturer:
            evidence["processor_change"] = (
                f"{current.cpu_manufacturer} -> {target.cpu_manufacturer}"
            )
        return result(
            "modify",
            "over_provisioned",
            target,
            target_price,
            saving_for(target_price),
            risk_for(target),
            graviton,
        )
