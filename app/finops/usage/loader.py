"""Load CloudWatch-shaped metric files into ``usage_metrics`` (one row per resource, metric, day).

Input: CSV, optionally gzip, with the columns ``resource_id, namespace, metric_name, timestamp,
statistic, value, unit`` (one sample per row, typically hourly). The file is scanned and
aggregated by DuckDB, so memory stays bounded however long the file is.

Per (resource_id, metric_name, UTC day):

- ``samples``, ``avg``, ``p50``, ``p95``, ``p99_5`` come from the *distribution* series: the rows
  whose statistic is ``Average`` when the group has any, else ``Sum``, else ``Maximum``, else
  ``Minimum`` (so a metric published only as a Sum or a Maximum still gets statistics).
  Percentiles interpolate linearly between order statistics (DuckDB ``quantile_cont``, the same
  definition as numpy's default ``linear`` method).
- ``max`` is the largest ``Maximum`` sample when the group has Maximum rows (the true peak
  CloudWatch saw), else the largest distribution sample.

Values are stored as Decimal quantized to 6 decimal places (half-even). Rows are upserted on
(provider, resource_id, metric_name, day), so loading the same file again changes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from finops.core.errors import InvalidInputError
from finops.db.database import Database
from finops.db.models import UsageMetric

logger = logging.getLogger(__name__)

REQUIRED_COLUMNS = (
    "resource_id",
    "namespace",
    "metric_name",
    "timestamp",
    "statistic",
    "value",
    "unit",
)
STATISTICS = ("Average", "Sum", "Maximum", "Minimum", "SampleCount")
PROVIDER = "AWS"
SOURCE = "cloudwatch"
_QUANTUM = Decimal("0.000001")
_UPSERT_BATCH = 2_000


@dataclass
class UsageLoadResult:
    """What one load did: rows read from the file(s), daily rows upserted, resources seen."""

    paths: list[Path]
    rows_read: int
    daily_rows: int
    resource_ids: set[str] = field(default_factory=set)
    first_day: dt.date | None = None
    last_day: dt.date | None = None
    metrics: list[str] = field(default_factory=list)


def _open_text(path: Path) -> io.TextIOBase:
    with path.open("rb") as probe:
        magic = probe.read(2)
    if magic == b"\x1f\x8b":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", newline="")
    return io.TextIOWrapper(path.open("rb"), encoding="utf-8", newline="")


def _check_header(path: Path) -> None:
    try:
        with _open_text(path) as handle:
            header = next(csv.reader(handle), None)
    except (OSError, UnicodeDecodeError, EOFError) as exc:
        raise InvalidInputError(
            f"{path}: cannot read as UTF-8 CSV (optionally gzip): {exc}",
            details={"file": str(path)},
        ) from exc
    if not header:
        raise InvalidInputError(
            f"{path}: row 1: expected a header row, the file is empty",
            details={"file": str(path), "row": 1},
        )
    names = [h.strip() for h in header]
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    if missing:
        raise InvalidInputError(
            f"{path}: row 1 (header): missing column(s) {', '.join(missing)}; expected "
            f"{', '.join(REQUIRED_COLUMNS)}",
            details={
                "file": str(path),
                "row": 1,
                "column": missing[0],
                "expected": list(REQUIRED_COLUMNS),
            },
        )


def _scan(conn: duckdb.DuckDBPyConnection, path: Path) -> int:
    """Load the file as text into ``raw`` (with its 1-based data row number)."""
    columns = ", ".join(f"'{c}': 'VARCHAR'" for c in REQUIRED_COLUMNS)
    try:
        conn.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE raw AS
            SELECT row_number() OVER () AS row_no, *
            FROM read_csv(?, header = true, all_varchar = true, columns = {{{columns}}},
                          auto_detect = false, delim = ',', quote = '"', escape = '"',
                          compression = 'auto')
            """,
            [str(path)],
        )
    except duckdb.Error as exc:
        raise InvalidInputError(
            f"{path}: not a readable metrics CSV: {str(exc).splitlines()[0]}",
            details={"file": str(path)},
        ) from exc
    row = conn.execute("SELECT count(*) FROM raw").fetchone()
    return int(row[0]) if row else 0


_CHECKS: tuple[tuple[str, str, str], ...] = (
    ("resource_id", "coalesce(trim(resource_id), '') = ''", "a non-empty resource id"),
    ("metric_name", "coalesce(trim(metric_name), '') = ''", "a non-empty metric name"),
    (
        "timestamp",
        "TRY_CAST(timestamp AS TIMESTAMPTZ) IS NULL",
        "an ISO 8601 timestamp such as 2026-01-01T00:00:00Z",
    ),
    (
        "statistic",
        f"statistic IS NULL OR statistic NOT IN ({', '.join(repr(s) for s in STATISTICS)})",
        f"one of {', '.join(STATISTICS)}",
    ),
    (
        "value",
        "TRY_CAST(value AS DOUBLE) IS NULL OR NOT isfinite(TRY_CAST(value AS DOUBLE))",
        "a finite number",
    ),
)


def _validate(conn: duckdb.DuckDBPyConnection, path: Path) -> None:
    for column, condition, expected in _CHECKS:
        bad = conn.execute(
            f"SELECT row_no, {column} FROM raw WHERE {condition} ORDER BY row_no LIMIT 1"
        ).fetchone()
        if bad is not None:
            row_no, value = int(bad[0]), bad[1]
            raise InvalidInputError(
                f"{path}: row {row_no} (line {row_no + 1}), column '{column}': expected "
                f"{expected}, got {value!r}",
                details={
                    "file": str(path),
                    "row": row_no,
                    "line": row_no + 1,
                    "column": column,
                    "expected": expected,
                    "value": value,
                },
            )


# The samples as typed columns; the loader reads them from the raw text table, other sources
# (the CloudWatch API collector) register a relation of the same shape under this name.
TYPED_RELATION = "typed"

_TYPED_FROM_RAW = f"""
CREATE OR REPLACE TEMP VIEW {TYPED_RELATION} AS
SELECT trim(resource_id) AS resource_id, trim(metric_name) AS metric_name,
       nullif(trim(unit), '') AS unit, statistic,
       CAST(CAST(timestamp AS TIMESTAMPTZ) AS DATE) AS day,
       CAST(value AS DOUBLE) AS value
FROM raw
"""

_AGGREGATE = f"""
WITH chosen AS (
    SELECT resource_id, metric_name, day,
           min(CASE statistic WHEN 'Average' THEN 1 WHEN 'Sum' THEN 2 WHEN 'Maximum' THEN 3
                              WHEN 'Minimum' THEN 4 ELSE 5 END) AS rank,
           max(CASE WHEN statistic = 'Maximum' THEN value END) AS peak,
           max(unit) AS unit
    FROM {TYPED_RELATION} GROUP BY resource_id, metric_name, day
),
dist AS (
    SELECT t.resource_id, t.metric_name, t.day, count(*) AS samples, avg(t.value) AS avg,
           quantile_cont(t.value, 0.5) AS p50, quantile_cont(t.value, 0.95) AS p95,
           quantile_cont(t.value, 0.995) AS p99_5, max(t.value) AS dist_max
    FROM {TYPED_RELATION} t JOIN chosen c USING (resource_id, metric_name, day)
    WHERE CASE t.statistic WHEN 'Average' THEN 1 WHEN 'Sum' THEN 2 WHEN 'Maximum' THEN 3
                           WHEN 'Minimum' THEN 4 ELSE 5 END = c.rank
    GROUP BY ALL
)
SELECT d.resource_id, d.metric_name, c.unit, d.day, d.samples, d.avg, d.p50, d.p95, d.p99_5,
       coalesce(c.peak, d.dist_max) AS max
FROM dist d JOIN chosen c USING (resource_id, metric_name, day)
ORDER BY d.resource_id, d.metric_name, d.day
"""


def _decimal(value: float | None) -> Decimal | None:
    if value is None:
        return None
    return Decimal(repr(float(value))).quantize(_QUANTUM)


def daily_statistics(
    conn: duckdb.DuckDBPyConnection, *, source: str = SOURCE
) -> Iterator[list[dict[str, Any]]]:
    """Per (resource_id, metric_name, UTC day) statistics of the samples in the relation
    :data:`TYPED_RELATION` of ``conn``, as ``usage_metrics`` rows in chunks.

    The relation has the columns ``resource_id, metric_name, unit, statistic, day (DATE),
    value (DOUBLE)``, one row per sample. The statistics are those the module docstring
    defines (distribution series chosen by statistic, linear-interpolation percentiles, peak
    from ``Maximum`` samples), so every source of samples yields the same numbers for the same
    samples.
    """
    cursor = conn.execute(_AGGREGATE)
    while True:
        chunk = cursor.fetchmany(_UPSERT_BATCH)
        if not chunk:
            return
        yield [
            {
                "provider": PROVIDER,
                "resource_id": r[0],
                "metric_name": r[1],
                "unit": r[2],
                "day": r[3],
                "samples": int(r[4]),
                "avg": _decimal(r[5]),
                "p50": _decimal(r[6]),
                "p95": _decimal(r[7]),
                "p99_5": _decimal(r[8]),
                "max": _decimal(r[9]),
                "source": source,
            }
            for r in chunk
        ]


def upsert_usage_metrics(*, db: Database, rows: Sequence[dict[str, Any]]) -> None:
    """Insert or replace ``usage_metrics`` rows on (provider, resource_id, metric_name, day),
    in one transaction: a row for an existing key replaces its statistics, never duplicates."""
    if not rows:
        return
    table: Table = UsageMetric.__table__  # type: ignore[assignment]
    keys = ["provider", "resource_id", "metric_name", "day"]
    updates = ["unit", "samples", "avg", "p50", "p95", "p99_5", "max", "source"]
    with db.engine.begin() as conn:
        if db.dialect == "postgresql":
            pg = pg_insert(table).values(list(rows))
            conn.execute(
                pg.on_conflict_do_update(
                    index_elements=keys, set_={c: pg.excluded[c] for c in updates}
                )
            )
        elif db.dialect == "sqlite":
            lite = sqlite_insert(table).values(list(rows))
            conn.execute(
                lite.on_conflict_do_update(
                    index_elements=keys, set_={c: lite.excluded[c] for c in updates}
                )
            )
        else:
            raise InvalidInputError(
                f"database dialect {db.dialect!r} is not supported for usage loads; expected "
                "postgresql or sqlite",
                details={"parameter": "db"},
            )


def load_usage_file(*, db: Database, path: Path) -> UsageLoadResult:
    """Aggregate one metrics file to daily statistics and upsert them into ``usage_metrics``.

    Guarantees: the whole file is validated before anything is written (a bad file raises
    :class:`InvalidInputError` naming the file, data row and column, and writes nothing);
    reloading the same file leaves the table unchanged; days are UTC calendar days.
    """
    if not path.is_file():
        raise InvalidInputError(
            f"{path}: parameter 'path': expected an existing metrics file",
            details={"file": str(path), "parameter": "path"},
        )
    _check_header(path)
    conn = duckdb.connect(":memory:")
    try:
        conn.execute("SET TimeZone = 'UTC'")
        rows_read = _scan(conn, path)
        _validate(conn, path)
        conn.execute(_TYPED_FROM_RAW)
        daily = 0
        for batch in daily_statistics(conn):
            upsert_usage_metrics(db=db, rows=batch)
            daily += len(batch)
        resource_ids = {
            r[0] for r in conn.execute("SELECT DISTINCT trim(resource_id) FROM raw").fetchall()
        }
        summary = conn.execute(
            "SELECT min(CAST(CAST(timestamp AS TIMESTAMPTZ) AS DATE)), "
            "max(CAST(CAST(timestamp AS TIMESTAMPTZ) AS DATE)) FROM raw"
        ).fetchone()
        metrics = [
            r[0]
            for r in conn.execute(
                "SELECT DISTINCT trim(metric_name) FROM raw ORDER BY 1"
            ).fetchall()
        ]
    finally:
        conn.close()
    result = UsageLoadResult(
        paths=[path],
        rows_read=rows_read,
        daily_rows=daily,
        resource_ids=resource_ids,
        first_day=summary[0] if summary else None,
        last_day=summary[1] if summary else None,
        metrics=metrics,
    )
    logger.info(
        "usage file loaded", extra={"file": str(path), "rows_read": rows_read, "daily_rows": daily}
    )
    return result


def load_usage_dir(*, db: Database, path: Path) -> UsageLoadResult:
    """Load every ``*.csv`` / ``*.csv.gz`` file under ``path`` (sorted by name, recursively).

    Each file is loaded in its own transaction batches as by :func:`load_usage_file`; the
    result sums them. A bad file stops the load with that file's error.
    """
    if not path.is_dir():
        raise InvalidInputError(
            f"{path}: parameter 'path': expected a folder of metrics files",
            details={"file": str(path), "parameter": "path"},
        )
    files = sorted(
        p
        for p in path.rglob("*")
        if p.is_file() and (p.name.endswith(".csv") or p.name.endswith(".csv.gz"))
    )
    total = UsageLoadResult(paths=[], rows_read=0, daily_rows=0)
    metrics: set[str] = set()
    for file in files:
        one = load_usage_file(db=db, path=file)
        total.paths.append(file)
        total.rows_read += one.rows_read
        total.daily_rows += one.daily_rows
        metrics.update(one.metrics)
        total.resource_ids |= one.resource_ids
        if one.first_day and (total.first_day is None or one.first_day < total.first_day):
            total.first_day = one.first_day
        if one.last_day and (total.last_day is None or one.last_day > total.last_day):
            total.last_day = one.last_day
    total.metrics = sorted(metrics)
    return total
