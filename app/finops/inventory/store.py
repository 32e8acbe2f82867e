"""Storing the inventory: upsert found resources into ``resources`` in one transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite

from finops.db.database import Database
from finops.db.models import Resource, table_of
from finops.inventory.resources import PROVIDER, InventoriedResource

_UPSERT_BATCH = 1_000


def upsert_resources(
    *, db: Database, resources: Sequence[InventoriedResource], now: dt.datetime
) -> None:
    """Insert or update ``resources`` rows on (provider, resource_id) in one transaction: a
    known resource gets the inventory's type, names, attributes, tags and ``last_seen = now``
    and keeps its ``first_seen``."""
    if not resources:
        return
    rows = [
        {
            "provider": PROVIDER,
            "resource_id": r.resource_id,
            "resource_type": r.resource_type,
            "service_name": r.service_name,
            "account_id": r.account_id,
            "region_id": r.region_id,
            "name": r.name,
            "instance_type": r.instance_type,
            "attributes": r.attributes,
            "tags": r.tags,
            "first_seen": now,
            "last_seen": now,
        }
        for r in resources
    ]
    table = table_of(Resource)
    insert: Any = postgresql.insert if db.dialect == "postgresql" else sqlite.insert
    stmt = insert(table)
    stmt = stmt.on_conflict_do_update(
        index_elements=["provider", "resource_id"],
        set_={
            c: stmt.excluded[c]
            for c in (
                "resource_type",
                "service_name",
                "account_id",
                "region_id",
                "name",
                "instance_type",
                "attributes",
                "tags",
                "last_seen",
            )
        },
    )
    with db.engine.begin() as conn:
        for lo in range(0, len(rows), _UPSERT_BATCH):
            conn.execute(stmt, rows[lo : lo + _UPSERT_BATCH])
