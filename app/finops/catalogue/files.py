"""Parse the packaged catalogue files (``app/finops/data/``) into a :class:`PriceCatalogue`."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

from finops.catalogue.model import DEFAULT_REGION, InstanceType, PriceCatalogue, ServerlessPrices
from finops.core.errors import InvalidInputError

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
EC2_FILE = DATA_DIR / "ec2_instance_types_us-east-1_2026.csv"
SERVERLESS_FILE = DATA_DIR / "serverless_price_facts.csv"
EC2_PRICE_COLUMN = "ondemand_linux_usd_per_hour_us_east_1"
EC2_EFFECTIVE_DATE = dt.date(2026, 7, 20)
EC2_SOURCE = "karpenter-provider-aws@1d927085 zz_generated.pricing_aws.go (2026-07-20, us-east-1)"
EC2_REQUIRED = (
    "instance_type",
    "family",
    "category",
    "generation",
    "size",
    "vcpu",
    "memory_gib",
    "arch",
    EC2_PRICE_COLUMN,
)
_ARCH = {"amd64": "x86_64", "x86_64": "x86_64", "arm64": "arm64"}

# (service, dimension) in serverless_price_facts.csv -> ServerlessPrices field
_SERVERLESS_FIELDS = {
    ("AWS Lambda", "requests"): "lambda_request",
    ("AWS Lambda", "duration x86_64 tier-1 (first 6B GB-s/month)"): "lambda_gb_second_x86",
    ("AWS Lambda", "duration arm64 tier-1"): "lambda_gb_second_arm",
    ("AWS Fargate", "Linux/x86 vCPU"): "fargate_vcpu_hour_x86",
    ("AWS Fargate", "Linux/x86 memory"): "fargate_gb_hour_x86",
    ("AWS Fargate", "Linux/ARM vCPU"): "fargate_vcpu_hour_arm",
    ("AWS Fargate", "Linux/ARM memory"): "fargate_gb_hour_arm",
}


def _int(text: str) -> int:
    return int(float(text)) if text.strip() else 0


def _family_generation(family: str) -> int:
    match = re.search(r"\d+", family)
    return int(match.group()) if match else 0


def parse_ec2_catalogue(text: str, *, source: str = "ec2 catalogue") -> list[InstanceType]:
    """Instance types from the EC2 catalogue CSV; a bad row raises InvalidInputError naming it."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in EC2_REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        raise InvalidInputError(
            f"{source}: row 1 (header): missing column(s) {', '.join(missing)}",
            details={"file": source, "row": 1, "column": missing[0]},
        )
    types: list[InstanceType] = []
    for row_no, row in enumerate(reader, start=1):
        try:
            price_text = row[EC2_PRICE_COLUMN].strip()
            # rows taken from the 2022 ec2details file (old x86 families) carry no arch and no
            # generation: every such family is x86_64, and its generation is the family's digit
            arch = _ARCH[row["arch"].strip() or "x86_64"]
            generation = _int(row["generation"]) or _family_generation(row["family"])
            types.append(
                InstanceType(
                    name=row["instance_type"].strip(),
                    family=row["family"].strip(),
                    category=row["category"].strip(),
                    generation=generation,
                    size=row["size"].strip(),
                    vcpu=_int(row["vcpu"]),
                    memory_gib=Decimal(row["memory_gib"]),
                    arch=arch,
                    cpu_manufacturer=(row.get("cpu_manufacturer") or "").strip(),
                    network_mbps=_int(row.get("network_bandwidth_mbps") or "") or None,
                    gpu_count=_int(row.get("gpu_count") or ""),
                    gpu_name=(row.get("gpu_name") or "").strip() or None,
                    local_nvme_gib=_int(row.get("local_nvme_gib") or ""),
                    bare_metal=(row.get("bare_metal") or "").strip().lower() == "true",
                    hourly_usd=Decimal(price_text) if price_text else None,
                )
            )
        except (KeyError, ValueError, InvalidOperation) as exc:
            raise InvalidInputError(
                f"{source}: row {row_no}: cannot parse instance type row ({exc!r})",
                details={"file": source, "row": row_no},
            ) from exc
    return types


def parse_serverless_prices(text: str, *, source: str = "serverless prices") -> ServerlessPrices:
    """Lambda and Fargate unit prices from ``serverless_price_facts.csv``."""
    values: dict[str, Decimal] = {}
    for row_no, row in enumerate(csv.DictReader(io.StringIO(text)), start=1):
        key = (row.get("service", "").strip(), row.get("dimension", "").strip())
        name = _SERVERLESS_FIELDS.get(key)
        if name is None:
            continue
        try:
            values[name] = Decimal(row["usd_price"].strip())
        except (KeyError, InvalidOperation) as exc:
            raise InvalidInputError(
                f"{source}: row {row_no}, column 'usd_price': expected a decimal price",
                details={"file": source, "row": row_no, "column": "usd_price"},
            ) from exc
    missing = sorted(set(_SERVERLESS_FIELDS.values()) - set(values))
    if missing:
        raise InvalidInputError(
            f"{source}: missing price(s) for {', '.join(missing)}",
            details={"file": source, "expected": missing},
        )
    return ServerlessPrices(**values)


def build_catalogue(
    types: list[InstanceType], serverless: ServerlessPrices, *, region: str = DEFAULT_REGION
) -> PriceCatalogue:
    """A catalogue with every priced type at ``region``."""
    return PriceCatalogue(
        instance_types={t.name: t for t in types},
        ec2_prices={(region, t.name): t.hourly_usd for t in types if t.hourly_usd is not None},
        serverless={region: serverless},
        source=EC2_SOURCE,
        effective_date=EC2_EFFECTIVE_DATE,
    )


@lru_cache(maxsize=1)
def packaged_catalogue() -> PriceCatalogue:
    """The catalogue shipped in ``app/finops/data`` (read once per process)."""
    types = parse_ec2_catalogue(EC2_FILE.read_text(encoding="utf-8"), source=str(EC2_FILE))
    serverless = parse_serverless_prices(
        SERVERLESS_FILE.read_text(encoding="utf-8"), source=str(SERVERLESS_FILE)
    )
    return build_catalogue(types, serverless)
