"""The ``price_catalogue`` table: load the packaged catalogue into it, read it back.

Rows: EC2 instance types (service ``AmazonEC2``, sku = instance type, unit ``Hrs``, the specs in
``attributes``), Lambda (``AWSLambda``) and Fargate (``AmazonECS``) unit prices. Loading is an
upsert on the table's unique key, so loading twice changes nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from finops.catalogue.files import EC2_SOURCE, SERVERLESS_FILE, packaged_catalogue
from finops.catalogue.model import InstanceType, PriceCatalogue, ServerlessPrices
from finops.core.errors import InvalidInputError
from finops.db.database import Database
from finops.db.models import PriceCatalogueEntry, table_of

PROVIDER = "AWS"
EC2_SERVICE = "AmazonEC2"
_SERVERLESS_ROWS: dict[str, tuple[str, str]] = {
    # ServerlessPrices field -> (service, unit)
    "lambda_request": ("AWSLambda", "Requests"),
    "lambda_gb_second_x86": ("AWSLambda", "Lambda-GB-Second"),
    "lambda_gb_second_arm": ("AWSLambda", "Lambda-GB-Second"),
    "fargate_vcpu_hour_x86": ("AmazonECS", "vCPU-Hours"),
    "fargate_gb_hour_x86": ("AmazonECS", "GB-Hours"),
    "fargate_vcpu_hour_arm": ("AmazonECS", "vCPU-Hours"),
    "fargate_gb_hour_arm": ("AmazonECS", "GB-Hours"),
}
_SPEC_FIELDS = tuple(
    f.name for f in dataclasses.fields(InstanceType) if f.name not in ("name", "hourly_usd")
)


def _spec_attributes(t: InstanceType) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in _SPEC_FIELDS:
        value = getattr(t, name)
        out[name] = str(value) if isinstance(value, Decimal) else value
    return out


def catalogue_rows(catalogue: PriceCatalogue) -> list[dict[str, Any]]:
    """The table rows that represent ``catalogue`` (pure)."""
    rows: list[dict[str, Any]] = []
    for (region, name), price in sorted(catalogue.ec2_prices.items()):
        rows.append(
            {
                "provider": PROVIDER,
                "service": EC2_SERVICE,
                "sku": name,
                "region_id": region,
                "operating_system": "Linux",
                "unit": "Hrs",
                "price": price,
                "currency": "USD",
                "attributes": _spec_attributes(catalogue.instance_types[name]),
                "effective_date": catalogue.effective_date,
                "source": catalogue.source,
            }
        )
    for region, prices in sorted(catalogue.serverless.items()):
        for name, (service, unit) in _SERVERLESS_ROWS.items():
            rows.append(
                {
                    "provider": PROVIDER,
                    "service": service,
                    "sku": name,
                    "region_id": region,
                    "operating_system": "Linux",
                    "unit": unit,
                    "price": getattr(prices, name),
                    "currency": "USD",
                    "attributes": {},
                    "effective_date": catalogue.effective_date,
                    "source": SERVERLESS_FILE.name,
                }
            )
    return rows


def load_price_catalogue(
    *, db: Database, catalogue: PriceCatalogue | None = None
) -> dict[str, int]:
    """Upsert ``catalogue`` (default: the packaged one) into ``price_catalogue``.

    Guarantees: idempotent (same input twice leaves the table as it was); one transaction.
    Returns ``{"rows": n, "instance_types": k}``.
    """
    rows = catalogue_rows(catalogue or packaged_catalogue())
    table = table_of(PriceCatalogueEntry)
    keys = ["provider", "service", "sku", "region_id", "operating_system", "effective_date"]
    updates = ["unit", "price", "currency", "attributes", "source"]
    with db.engine.begin() as conn:
        for lo in range(0, len(rows), 1000):
            chunk = rows[lo : lo + 1000]
            if db.dialect == "postgresql":
                pg = pg_insert(table).values(chunk)
                conn.execute(
                    pg.on_conflict_do_update(
                        index_elements=keys, set_={c: pg.excluded[c] for c in updates}
                    )
                )
            elif db.dialect == "sqlite":
                lite = sqlite_insert(table).values(chunk)
                conn.execute(
                    lite.on_conflict_do_update(
                        index_elements=keys, set_={c: lite.excluded[c] for c in updates}
                    )
                )
            else:
                raise InvalidInputError(
                    f"database dialect {db.dialect!r} is not supported; expected postgresql "
                    "or sqlite",
                    details={"parameter": "db"},
                )
    return {"rows": len(rows), "instance_types": sum(r["service"] == EC2_SERVICE for r in rows)}


def _instance_type(name: str, price: Decimal, attrs: dict[str, Any]) -> InstanceType:
    return InstanceType(
        name=name,
        family=str(attrs["family"]),
        category=str(attrs["category"]),
        generation=int(attrs["generation"]),
        size=str(attrs["size"]),
        vcpu=int(attrs["vcpu"]),
        memory_gib=Decimal(str(attrs["memory_gib"])),
        arch=str(attrs["arch"]),
        cpu_manufacturer=str(attrs.get("cpu_manufacturer") or ""),
        network_mbps=int(attrs["network_mbps"]) if attrs.get("network_mbps") else None,
        gpu_count=int(attrs.get("gpu_count") or 0),
        gpu_name=attrs.get("gpu_name") or None,
        local_nvme_gib=int(attrs.get("local_nvme_gib") or 0),
        bare_metal=bool(attrs.get("bare_metal")),
        hourly_usd=price,
    )


def read_price_catalogue(
    *, session: Session, as_of: dt.date | None = None
) -> PriceCatalogue | None:
    """The catalogue stored in ``price_catalogue`` (latest price on or before ``as_of`` per key);
    ``None`` when the table holds no EC2 prices."""
    stmt = select(PriceCatalogueEntry).where(
        PriceCatalogueEntry.provider == PROVIDER,
        PriceCatalogueEntry.operating_system == "Linux",
        PriceCatalogueEntry.currency == "USD",
    )
    if as_of is not None:
        stmt = stmt.where(PriceCatalogueEntry.effective_date <= as_of)
    stmt = stmt.order_by(PriceCatalogueEntry.effective_date, PriceCatalogueEntry.id)
    types: dict[str, InstanceType] = {}
    prices: dict[tuple[str, str], Decimal] = {}
    serverless: dict[str, dict[str, Decimal]] = {}
    newest: dt.date | None = None
    sources: set[str] = set()
    for row in session.scalars(stmt):
        if row.service == EC2_SERVICE:
            types[row.sku] = _instance_type(row.sku, row.price, row.attributes)
            prices[(row.region_id, row.sku)] = row.price
            sources.add(row.source)
            newest = row.effective_date if newest is None else max(newest, row.effective_date)
        elif row.sku in _SERVERLESS_ROWS:
            serverless.setdefault(row.region_id, {})[row.sku] = row.price
    if not prices:
        return None
    complete = {
        region: ServerlessPrices(**values)
        for region, values in serverless.items()
        if set(values) == set(_SERVERLESS_ROWS)
    }
    if not complete:
        complete = dict(packaged_catalogue().serverless)
    return PriceCatalogue(
        instance_types=types,
        ec2_prices=prices,
        serverless=complete,
        source="; ".join(sorted(sources)) or EC2_SOURCE,
        effective_date=newest or packaged_catalogue().effective_date,
    )
