"""The small, fixed price table the sample generator bills with (USD, on-demand, Linux).

Sources (numbers only; nothing else was copied):

- EC2 instance specs and hourly on-demand prices: rows of
  ``shared/data/ec2-pricing/ec2_instance_types_us-east-1_2026.csv``, itself derived from
  github.com/aws/karpenter-provider-aws (Apache-2.0; prices generated 2026-07-20 for us-east-1,
  Linux, shared tenancy). us-west-2 carries the same on-demand price for these types.
- Lambda and Fargate unit prices: ``shared/data/ec2-pricing/serverless_price_facts.csv``
  (rows marked ``real-billing-row``, seen as ListUnitPrice in the public FOCUS sample, CC-BY-4.0).
- EKS control plane ($0.10 per cluster-hour), S3 Standard storage ($0.023 per GB-month, first
  50 TB), S3 PUT/COPY/POST/LIST requests ($0.005 per 1,000), data transfer out to the internet
  ($0.09 per GB, first 10 TB) and RDS for MySQL single-AZ (db.t3.medium $0.068/h, db.m5.large
  $0.171/h): the public AWS price pages for us-east-1, the same in the other regions used here.

Savings Plan and Reserved Instance rates are *synthetic* fixed fractions of on-demand (see
``SAVINGS_PLAN_RATE_FACTOR`` and ``RESERVED_RATE_FACTOR``), chosen to look like a 1-year
no-upfront commitment; they are not published prices.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class InstanceType:
    """An EC2 instance type with its size and us-east-1 Linux on-demand price per hour."""

    name: str
    vcpu: int
    memory_gib: Decimal
    arch: str
    hourly_usd: Decimal


def _it(name: str, vcpu: int, memory: str, arch: str, price: str) -> InstanceType:
    return InstanceType(name, vcpu, Decimal(memory), arch, Decimal(price))


EC2_INSTANCE_TYPES: dict[str, InstanceType] = {
    it.name: it
    for it in (
        _it("t3.medium", 2, "4.0", "x86_64", "0.0416"),
        _it("t3.large", 2, "8.0", "x86_64", "0.0832"),
        _it("t3.xlarge", 4, "16.0", "x86_64", "0.1664"),
        _it("m5.large", 2, "8.0", "x86_64", "0.096"),
        _it("m5.xlarge", 4, "16.0", "x86_64", "0.192"),
        _it("m5.2xlarge", 8, "32.0", "x86_64", "0.384"),
        _it("m5.4xlarge", 16, "64.0", "x86_64", "0.768"),
        _it("m6i.large", 2, "8.0", "x86_64", "0.096"),
        _it("m6i.xlarge", 4, "16.0", "x86_64", "0.192"),
        _it("c5.xlarge", 4, "8.0", "x86_64", "0.17"),
        _it("c5.2xlarge", 8, "16.0", "x86_64", "0.34"),
        _it("r5.large", 2, "16.0", "x86_64", "0.126"),
        _it("r5.xlarge", 4, "32.0", "x86_64", "0.252"),
        _it("m6g.large", 2, "8.0", "arm64", "0.077"),
        _it("m6g.xlarge", 4, "16.0", "arm64", "0.154"),
        _it("m7g.xlarge", 4, "16.0", "arm64", "0.1632"),
        _it("c6g.large", 2, "4.0", "arm64", "0.068"),
        _it("c6g.xlarge", 4, "8.0", "arm64", "0.136"),
        _it("g5.xlarge", 4, "16.0", "x86_64", "1.006"),
    )
}

RDS_HOURLY_USD: dict[str, Decimal] = {
    "db.t3.medium": Decimal("0.068"),
    "db.m5.large": Decimal("0.171"),
}

LAMBDA_REQUEST_USD = Decimal("0.0000002")
LAMBDA_GB_SECOND_USD = Decimal("0.0000166667")
LAMBDA_GB_SECOND_ARM_USD = Decimal("0.0000133334")
FARGATE_VCPU_HOUR_USD = Decimal("0.04048")
FARGATE_GB_HOUR_USD = Decimal("0.004445")
EKS_CLUSTER_HOUR_USD = Decimal("0.10")
S3_STANDARD_GB_MONTH_USD = Decimal("0.023")
S3_PUT_REQUEST_USD = Decimal("0.000005")
DATA_TRANSFER_OUT_GB_USD = Decimal("0.09")

SAVINGS_PLAN_RATE_FACTOR = Decimal("0.72")
RESERVED_RATE_FACTOR = Decimal("0.62")

REGION_NAMES: dict[str, str] = {
    "us-east-1": "US East (N. Virginia)",
    "us-west-2": "US West (Oregon)",
    "eu-west-1": "EU (Ireland)",
}

# Prefix AWS puts in front of usage types per region (us-east-1 EC2 box usage has none).
USAGE_TYPE_PREFIX: dict[str, str] = {
    "us-east-1": "USE1-",
    "us-west-2": "USW2-",
    "eu-west-1": "EU-",
}
