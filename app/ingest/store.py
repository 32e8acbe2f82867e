"""Writing aggregated facts: PostgreSQL COPY fast path, portable batched INSERT elsewhere.

Everything here runs inside the caller's transaction (one SQLAlchemy ``Connection``), so a
delivery's deletes and inserts commit or roll back together.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from collections.abc import Iterable
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
from sqlalchemy import Connection, and_, delete, insert

from app.db.models import BillingFact, table_of
from app.ingest.mapping import KEY_FIELDS, SUM_FIELDS
from app.ingest.scan import Scope

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
    """Insert fact batches; returns rows written per ingestion file id."""
    written: Counter[int] = Counter()
    postgres = conn.dialect.name == "postgresql"
    for batch in batches:
        if batch.num_rows == 0:
            continue
        stored = pa.RecordBatch.from_arrays(
            [batch.column(name) for name in STORED_COLUMNS], names=list(STORED_COLUMNS)
        )
        if postgres:
            _copy_batch(conn, stored)
        else:
            _insert_batch(conn, stored)
        for file_id, count in Counter(stored.column("ingestion_file_id").to_pylist()).items():
            written[int(file_id)] += count
    return written


def _copy_batch(conn: Connection, batch: pa.RecordBatch) -> None:
    buffer = io.BytesIO()
    pacsv.write_csv(
        batch,
        buffer,
        write_options=pacsv.WriteOptions(include_header=False, quoting_style="needed"),
    )
    buffer.seek(0)
    columns = ", ".join(STORED_COLUMNS)
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    cursor: Any = dbapi.cursor()
    try:
        cursor.copy_expert(f"COPY billing_facts ({columns}) FROM STDIN WITH (FORMAT csv)", buffer)
    finally:
        cursor.close()


def _insert_batch(conn: Connection, batch: pa.RecordBatch) -> None:
    rows: list[dict[str, Any]] = batch.to_pylist()
    for row in rows:
        tags = row.get("tags")
        row["tags"] = json.loads(tags) if tags else {}
    conn.execute(insert(table_of(BillingFact)), rows)
