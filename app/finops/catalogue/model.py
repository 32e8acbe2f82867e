"""The in-memory price catalogue the rightsizing rules read (pure data, no I/O).

Prices are exact Decimals in USD. The packaged EC2 prices are for us-east-1; a lookup for
another region falls back to us-east-1 and says so (``price_region``), so a recommendation
always names the price it used.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from finops.core.errors import InvalidInputError

DEFAULT_REGION = "us-east-1"


@dataclass(frozen=True)
class InstanceType:
    """One EC2 instance type: its size, hardware and on-demand Linux price per hour."""

    name: str
    family: str
    category: str
    generation: int
    size: str
    vcpu: int
    memory_gib: Decimal
    arch: str  # x86_64 | arm64
    cpu_manufacturer: str
    network_mbps: int | None
    gpu_count: int
    gpu_name: str | None
    local_nvme_gib: int
    bare_metal: bool
    hourly_usd: Decimal | None

    @property
    def burstable(self) -> bool:
        return self.category == "t"

    @property
    def flex(self) -> bool:
        return self.family.endswith("-flex")

    @property
    def graviton(self) -> bool:
        return self.arch == "arm64"


@dataclass(frozen=True)
class ServerlessPrices:
    """Lambda and Fargate unit prices (USD) for one region."""

    lambda_request: Decimal
    lambda_gb_second_x86: Decimal
    lambda_gb_second_arm: Decimal
    fargate_vcpu_hour_x86: Decimal
    fargate_gb_hour_x86: Decimal
    fargate_vcpu_hour_arm: Decimal
    fargate_gb_hour_arm: Decimal

    def lambda_gb_second(self, arch: str) -> Decimal:
        return self.lambda_gb_second_arm if arch == "arm64" else self.lambda_gb_second_x86

    def fargate_vcpu_hour(self, arch: str) -> Decimal:
        return self.fargate_vcpu_hour_arm if arch == "arm64" else self.fargate_vcpu_hour_x86

    def fargate_gb_hour(self, arch: str) -> Decimal:
        return self.fargate_gb_hour_arm if arch == "arm64" else self.fargate_gb_hour_x86


@dataclass(frozen=True)
class PriceCatalogue:
    """Instance types (by name) with per-region hourly prices, and serverless unit prices.

    ``ec2_prices`` maps ``(region, instance type)`` to the on-demand Linux USD/hour;
    ``source`` and ``effective_date`` say where and when the numbers come from.
    """

    instance_types: dict[str, InstanceType]
    ec2_prices: dict[tuple[str, str], Decimal]
    serverless: dict[str, ServerlessPrices]
    source: str
    effective_date: dt.date
    _priced: dict[str, list[InstanceType]] = field(default_factory=dict, repr=False)

    def instance_type(self, name: str, *, parameter: str = "instance_type") -> InstanceType:
        """The named type; :class:`InvalidInputError` naming ``parameter`` when unknown."""
        try:
            return self.instance_types[name]
        except KeyError:
            raise InvalidInputError(
                f"parameter '{parameter}': unknown EC2 instance type {name!r} (expected a type "
                f"of the catalogue, e.g. m5.large)",
                details={"parameter": parameter, "got": name},
            ) from None

    def price_region(self, region: str) -> str:
        """The region whose prices apply to ``region`` (itself, else us-east-1)."""
        if any(r == region for r, _ in self.ec2_prices):
            return region
        return DEFAULT_REGION

    def hourly_price(self, name: str, region: str) -> Decimal | None:
        """On-demand Linux USD/hour of ``name`` in ``region`` (or its fallback region)."""
        return self.ec2_prices.get((self.price_region(region), name))

    def priced_types(self, region: str) -> list[InstanceType]:
        """Every type with a price in ``region`` (or its fallback), cheapest first."""
        key = self.price_region(region)
        cached = self._priced.get(key)
        if cached is None:
            cached = sorted(
                (t for t in self.instance_types.values() if (key, t.name) in self.ec2_prices),
                key=lambda t: (self.ec2_prices[(key, t.name)], t.name),
            )
            self._priced[key] = cached
        return cached

    def serverless_prices(self, region: str) -> ServerlessPrices:
        """Lambda/Fargate prices of ``region`` (or the us-east-1 ones)."""
        return self.serverless.get(region) or self.serverless[DEFAULT_REGION]
