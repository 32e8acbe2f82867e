"""Builders for billing test files derived from the real samples (independent of app code)."""

from __future__ import annotations

import csv
import gzip
import os
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CUR_LEGACY_SAMPLE = FIXTURES / "cur-legacy" / "aws_cur_legacy_2023-11_anonymized.csv"
FOCUS_SAMPLE = FIXTURES / "focus" / "focus_1.0_sample_1000.csv"


def read_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", newline="") as handle:  # type: ignore[operator]
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def write_rows(
    path: Path, header: list[str], rows: Iterable[dict[str, str]], *, mtime: float | None = None
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "wt", encoding="utf-8", newline="") as handle:  # type: ignore[operator]
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def sum_by(
    rows: Iterable[dict[str, str]], key: Callable[[dict[str, str]], object], column: str
) -> dict[object, Decimal]:
    """Exact per-key sums of a decimal text column (empty counts as zero)."""
    totals: dict[object, Decimal] = defaultdict(Decimal)
    for row in rows:
        value = row[column]
        totals[key(row)] += Decimal(value) if value not in ("", "NULL") else Decimal(0)
    return dict(totals)


def camel_to_snake(name: str) -> str:
    """CUR legacy column -> CUR 2.0 name, the way AWS renames (ARN -> a_r_n)."""
    parts = []
    for piece in name.split("/"):
        snake = re.sub(r"(?<!^)([A-Z])", r"_\1", piece).lower()
        parts.append(snake)
    return "_".join(parts)


PROMOTED_PRODUCT = {
    "product/regionCode",
    "product/instanceType",
    "product/sku",
    "product/productFamily",
    "product/servicecode",
    "product/location",
}
COST_COLUMNS = {
    "lineItem/UnblendedCost",
    "lineItem/BlendedCost",
    "lineItem/NetUnblendedCost",
    "pricing/publicOnDemandCost",
    "lineItem/UsageAmount",
    "reservation/EffectiveCost",
    "savingsPlan/SavingsPlanEffectiveCost",
}
TIME_COLUMNS = {
    "bill/BillingPeriodStartDate",
    "bill/BillingPeriodEndDate",
    "lineItem/UsageStartDate",
    "lineItem/UsageEndDate",
}


def legacy_to_cur2_parquet(source: Path, target: Path) -> Path:
    """A CUR 2.0-shaped Parquet file with the same data as a legacy CUR CSV (our fixture,
    not AWS's): snake_case names, product attributes folded into the ``product`` map, costs
    as DOUBLE and dates as UTC timestamps, as Data Exports writes them."""
    import datetime as dt

    header, rows = read_rows(source)
    columns: dict[str, list[object]] = {}
    product_maps: list[list[tuple[str, str]]] = []
    tag_maps: list[list[tuple[str, str]]] = []
    for row in rows:
        product_entries = []
        tag_entries = []
        for name in header:
            value = row[name]
            if name.startswith("product/") and name not in PROMOTED_PRODUCT:
                if value:
                    product_entries.append((camel_to_snake(name[len("product/") :]), value))
                continue
            if name.startswith("resourceTags/"):
                if value:
                    key = name[len("resourceTags/") :].replace(":", "_")
                    tag_entries.append((key, value))
                continue
            out = camel_to_snake(name)
            if name in COST_COLUMNS:
                converted: object = float(value) if value else None
            elif name in TIME_COLUMNS:
                converted = (
                    dt.datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None
                )
            else:
                converted = value or None
            columns.setdefault(out, []).append(converted)
        product_maps.append(product_entries)
        tag_maps.append(tag_entries)
    arrays = {}
    for name, values in columns.items():
        sample = next((v for v in values if v is not None), None)
        if isinstance(sample, float):
            arrays[name] = pa.array(values, pa.float64())
        elif isinstance(sample, dt.datetime):
            arrays[name] = pa.array(values, pa.timestamp("ms", tz="UTC"))
        else:
            arrays[name] = pa.array(values, pa.string())
    arrays["product"] = pa.array(product_maps, pa.map_(pa.string(), pa.string()))
    arrays["resource_tags"] = pa.array(tag_maps, pa.map_(pa.string(), pa.string()))
    target.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table(arrays), target)
    return target
