"""The Lambda memory rule (pure), for any memory size from 128 MB to 10,240 MB.

Recommended memory = the function's peak used memory + 20%, rounded up to a multiple of 64 MB,
at least 128 MB. The saving assumes the duration stays the same (``GB-seconds x (1 - new/old)``
at the function's rate); Lambda's CPU share grows with memory, so a long-running function cut
hard may run longer: that is the performance risk. An x86_64 function also gets the arm64
(Graviton) price as an alternative.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, Literal

from finops.catalogue.model import ServerlessPrices
from finops.core.errors import InvalidInputError
from finops.rightsizing.ec2 import MONEY_QUANTUM, Risk

MIN_MEMORY_MB = 128
MAX_MEMORY_MB = 10_240
STEP_MB = 64
HEADROOM = 0.20
LONG_DURATION_MS = 1000.0


@dataclass(frozen=True)
class LambdaRecommendation:
    action: Literal["modify", "keep"]
    memory_mb: int
    recommended_memory_mb: int | None
    monthly_saving: Decimal
    performance_risk: Risk | None
    arm64_alternative_saving: Decimal | None
    evidence: dict[str, Any] = field(default_factory=dict)


def recommend_lambda_memory(
    *,
    memory_mb: int,
    max_memory_used_mb: float,
    monthly_gb_seconds: Decimal,
    prices: ServerlessPrices,
    arch: str = "x86_64",
    avg_duration_ms: float | None = None,
) -> LambdaRecommendation:
    """Memory for one function from its peak use; saving from its monthly GB-seconds."""
    if not MIN_MEMORY_MB <= memory_mb <= MAX_MEMORY_MB:
        raise InvalidInputError(
            f"parameter 'memory_mb': expected {MIN_MEMORY_MB} to {MAX_MEMORY_MB}, got {memory_mb}",
            details={"parameter": "memory_mb", "got": memory_mb},
        )
    if max_memory_used_mb < 0 or monthly_gb_seconds < 0:
        raise InvalidInputError(
            "parameters 'max_memory_used_mb' and 'monthly_gb_seconds': expected values >= 0",
            details={"parameter": "max_memory_used_mb"},
        )
    rate = prices.lambda_gb_second(arch)
    wanted = max_memory_used_mb * (1 + HEADROOM)
    recommended = min(MAX_MEMORY_MB, max(MIN_MEMORY_MB, math.ceil(wanted / STEP_MB) * STEP_MB))
    evidence: dict[str, Any] = {
        "max_memory_used_mb": max_memory_used_mb,
        "memory_used_percent": round(max_memory_used_mb / memory_mb * 100.0, 4),
        "avg_duration_ms": avg_duration_ms,
        "monthly_gb_seconds": monthly_gb_seconds,
        "gb_second_price": rate,
        "arch": arch,
        "headroom": HEADROOM,
    }
    arm_saving: Decimal | None = None
    target_mb = recommended if recommended < memory_mb else memory_mb
    if arch == "x86_64":
        arm_gbs = monthly_gb_seconds * Decimal(target_mb) / Decimal(memory_mb)
        arm_saving = (monthly_gb_seconds * rate - arm_gbs * prices.lambda_gb_second_arm).quantize(
            MONEY_QUANTUM, rounding=ROUND_HALF_EVEN
        )
    if recommended >= memory_mb:
        return LambdaRecommendation("keep", memory_mb, None, Decimal(0), None, arm_saving, evidence)
    saving = monthly_gb_seconds * (Decimal(1) - Decimal(recommended) / Decimal(memory_mb)) * rate
    cut = recommended / memory_mb
    risk: Risk
    if avg_duration_ms is None:
        risk = "medium"
    elif avg_duration_ms > LONG_DURATION_MS and cut < 0.5:
        risk = "high"
    elif avg_duration_ms > LONG_DURATION_MS or cut < 0.25:
        risk = "medium"
    else:
        risk = "low"
    return LambdaRecommendation(
        "modify",
        memory_mb,
        recommended,
        saving.quantize(MONEY_QUANTUM, rounding=ROUND_HALF_EVEN),
        risk,
        arm_saving,
        evidence,
    )
