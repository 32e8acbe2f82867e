"""Writing aggregated facts: PostgreSQL COPY fast path, portable batched INSERT elsewhere.

Everything here runs inside the caller's transaction (one SQLAlchemy ``Connection``), so a
delivery's deletes and inserts commit or roll back together.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pyarrow as pa
from sqlalchemy import Connection, and_, delete, insert

from finops.db.models import BillingFact, table_of
from finops.ingest.mapping import KEY_FIELDS, SUM_FIELDS
from finops.ingest.scan import Scope

STORED_COLUMNS = ("ingestion_file_id", *KEY_FIELDS, *SUM_FIELDS, "line_items")


def delete_scope(conn: Connection, scope: Scope) -> int:
    """Delete every stored fact of ``scope``; returns the number of rows removed."""
    table = table_of(BillingFact)
    result = conn.execute(
        delete(table).where(
            and_(
                table.c.provider == scope.provider,
                table.c.billing_account_id == scope.billing_account_id,
                table.c.billing_period_start == scope.billing_period_start,
            )
        )
    )
    return int(result.rowcount or 0)


def write_batches(conn: Connection, batches: Iterable[pa.RecordBatch]) -> Counter[int]:
    """Insert fact batches with a portable batched INSERT (the SQLite path; PostgreSQL uses
    :class:`BackgroundCopier`); returns rows written per ingestion file id."""
    written: Counter[int] = Counter()
    for batch in batches:
        if batch.num_rows == 0:
            continue
        stored = pa.RecordBatch.from_arrays(
            [batch.column(name) for name in STORED_COLUMNS], names=list(STORED_COLUMNS)
        )
        _insert_batch(conn, stored)
        for file_id, count in Counter(stored.column("ingestion_file_id").to_pylist()).items():
            written[int(file_id)] += count
    return written


def _insert_batch(conn: Connection, batch: pa.RecordBatch) -> None:
    rows: list[dict[str, Any]] = batch.to_pylist()
    for row in rows:
        tags = row.get("tags")
        row["tags"] = json.loads(tags) if tags else {}
    conn.execute(insert(table_of(BillingFact)), rows)


def copy_csv_file(
    conn: Connection,
    path: Path,
    table: str = "billing_facts",
    columns: tuple[str, ...] = STORED_COLUMNS,
) -> None:
    """``COPY billing_facts`` (or a staging table of its shape, or a roll-up table with its
    ``columns``) from a header-less CSV file written by the scanner (PostgreSQL)."""
    listed = ", ".join(columns)
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    cursor: Any = dbapi.cursor()
    try:
        with open(path, "rb") as handle:
            cursor.copy_expert(
                f"COPY {table} ({listed}) FROM STDIN WITH (FORMAT csv)", handle, 1 << 20
            )
    finally:
        cursor.close()


RESOURCE_COLUMNS = (
    "provider",
    "resource_id",
    "resource_type",
    "service_name",
    "account_id",
    "region_id",
    "name",
    "instance_type",
    "tags",
)


def upsert_resources_from_csv(conn: Connection, path: Path) -> None:
    """Upsert the resources in a CSV (``RESOURCE_COLUMNS``) via a temporary table (PostgreSQL):
    one COPY and one ``INSERT ... ON CONFLICT`` however many resources there are."""
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    cursor: Any = dbapi.cursor()
    columns = ", ".join(RESOURCE_COLUMNS)
    try:
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS incoming_resources (provider text, resource_id text, "
            "resource_type text, service_name text, account_id text, region_id text, name text, "
            "instance_type text, tags jsonb) ON COMMIT DELETE ROWS"
        )
        with open(path, "rb") as handle:
            cursor.copy_expert(
                f"COPY incoming_resources ({columns}) FROM STDIN WITH (FORMAT csv)", handle
            )
        cursor.execute(
            f"INSERT INTO resources ({columns}, attributes, first_seen, last_seen) "
            f"SELECT {columns}, '{{}}'::jsonb, now(), now() FROM incoming_resources "
            "ON CONFLICT (provider, resource_id) DO UPDATE SET "
            "resource_type = COALESCE(EXCLUDED.resource_type, resources.resource_type), "
            "service_name = EXCLUDED.service_name, account_id = EXCLUDED.account_id, "
            "region_id = EXCLUDED.region_id, "
            "name = COALESCE(EXCLUDED.name, resources.name), "
            "instance_type = COALESCE(EXCLUDED.instance_type, resources.instance_type), "
            "tags = COALESCE(EXCLUDED.tags, resources.tags), last_seen = EXCLUDED.last_seen"
        )
    finally:
        cursor.close()


class BackgroundCopier:
    """Runs one ``COPY`` at a time on a worker thread, so PostgreSQL loads file N while DuckDB
    scans file N+1. The caller must :meth:`wait` before using the connection itself."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="finops-copy")
        self._pending: Future[None] | None = None

    def submit(
        self,
        path: Path,
        *,
        delete_first: list[Scope] | None = None,
        table: str = "billing_facts",
    ) -> None:
        """Queue (after the running one) the deletion of ``delete_first`` scopes, then the COPY
        of ``path`` into ``table``: both off the scanning thread, in the caller's transaction."""
        self.wait()
        self._pending = self._pool.submit(self._run, path, list(delete_first or []), table)

    def _run(self, path: Path, delete_first: list[Scope], table: str) -> None:
        for scope in delete_first:
            delete_scope(self.conn, scope)
        copy_csv_file(self.conn, path, table)

    def wait(self) -> None:
        """Block until the running COPY finishes; re-raises its error."""
        if self._pending is not None:
            pending, self._pending = self._pending, None
            pending.result()

    def close(self) -> None:
        try:
            self.wait()
        finally:
            self._pool.shutdown(wait=True)
