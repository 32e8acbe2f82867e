"""Scan-and-aggregate of billing files with DuckDB (DESIGN.md §3, scale path).

One pass over each file both validates every row (a bit mask of failed checks becomes part of
the group key) and aggregates the rows to the daily FOCUS-shaped grain. The aggregated facts
stay in a DuckDB temporary table (spilling to disk past ``memory_limit``) until the store step
streams them to the database in batches, so memory stays bounded whatever the file size.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from finops.ingest.exceptions import MalformedFileError
from finops.ingest.formats import DetectedFormat
from finops.ingest.mapping import ANY_FIELDS, KEY_FIELDS, SUM_FIELDS, canonical_select, lit
from finops.ingest.plan import SERVICE_CATEGORIES, aggregate_sql, bad_row_error, first_bad_row_sql

FACTS_TABLE = "facts"
FACT_COLUMNS = ("ingestion_file_id", *KEY_FIELDS, *SUM_FIELDS, "line_items", *ANY_FIELDS)


@dataclass(frozen=True)
class Scope:
    """A billing period of one billing account: the unit a delivery replaces atomically."""

    provider: str
    billing_account_id: str
    billing_period_start: dt.datetime
    billing_period_end: dt.datetime


@dataclass
class FileScan:
    """What one file produced: rows read, fact rows, totals per currency, scopes."""

    file_id: int
    rows_read: int
    fact_rows: int
    totals: dict[str, dict[str, Decimal]]
    scopes: list[Scope]


def _source_sql(path: Path, fmt: DetectedFormat, *, row_numbers: bool = False) -> str:
    if fmt.container == "parquet":
        extra = ", file_row_number = true" if row_numbers else ""
        return f"read_parquet({lit(str(path))}{extra})"
    nulls = "['', 'NULL']" if fmt.is_focus else "['']"
    # The header was already read by format detection: no sniffing, every column is text, and
    # a row with the wrong number of fields is an error rather than silently padded.
    columns = "{" + ", ".join(f"{lit(name)}: 'VARCHAR'" for name in fmt.columns) + "}"
    return (
        f"read_csv({lit(str(path))}, header = true, auto_detect = false, columns = {columns}, "
        "delim = ',', quote = '\"', escape = '\"', "
        f"nullstr = {nulls}, strict_mode = true, null_padding = false)"
    )


class FactScanner:
    """A DuckDB session that scans billing files into an aggregated ``facts`` table."""

    def __init__(self, *, memory_limit: str = "1GB", threads: int | None = None) -> None:
        self.tmpdir = tempfile.TemporaryDirectory(prefix="finops-duckdb-")
        self.con = duckdb.connect(
            config={"memory_limit": memory_limit, "temp_directory": self.tmpdir.name}
        )
        self.con.execute("SET TimeZone = 'UTC'")
        self.con.execute("SET preserve_insertion_order = false")
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")
        self._load_service_categories()
        self._created = False
        self._exports = 0

    def close(self) -> None:
        self.con.close()
        self.tmpdir.cleanup()

    def __enter__(self) -> FactScanner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _load_service_categories(self) -> None:
        text = resources.files("finops").joinpath("data/aws_service_category_mapping.csv")
        with resources.as_file(text) as path:
            self.con.execute(
                f"CREATE TEMP TABLE {SERVICE_CATEGORIES} AS SELECT product_code AS __product_code, "
                "ServiceCategory AS __category FROM read_csv(?, header = true, all_varchar = true)",
                [str(path)],
            )

    def _aggregate_sql(self, file_id: int, path: Path, fmt: DetectedFormat) -> str:
        return aggregate_sql(
            canonical_select(fmt), fmt, source=_source_sql(path, fmt), file_id=file_id
        )

    def scan_file(self, *, file_id: int, path: Path, fmt: DetectedFormat) -> FileScan:
        """Aggregate ``path`` into the facts table; raises MalformedFileError naming row/column."""
        agg_sql = self._aggregate_sql(file_id, path, fmt)
        statement = (
            f"INSERT INTO {FACTS_TABLE} {agg_sql}"
            if self._created
            else f"CREATE TEMP TABLE {FACTS_TABLE} AS {agg_sql}"
        )
        try:
            self.con.execute(statement)
        except (duckdb.BinderException, duckdb.ParserException, duckdb.CatalogException):
            raise  # our SQL is wrong: a bug, not a bad file
        except duckdb.Error as exc:
            raise MalformedFileError(
                f"{path}: {_describe_duckdb_error(exc)}",
                details={"file": str(path), "format": fmt.name},
            ) from exc
        self._created = True
        return self._summarize(file_id=file_id, path=path, fmt=fmt)

    def _summarize(self, *, file_id: int, path: Path, fmt: DetectedFormat) -> FileScan:
        """What the facts of ``file_id`` add up to; locates the bad row when a check failed."""
        # One small query over this file's aggregated rows gives everything the caller needs.
        summary = self.con.execute(
            f"SELECT billing_currency, provider, billing_account_id, billing_period_start, "
            f"billing_period_end, bit_or(__bad), sum(line_items), count(*), sum(billed_cost), "
            f"sum(effective_cost), sum(list_cost), sum(contracted_cost) FROM {FACTS_TABLE} "
            f"WHERE ingestion_file_id = ? GROUP BY 1, 2, 3, 4, 5",
            [file_id],
        ).fetchall()
        if any(row[5] for row in summary):
            raise self._locate_bad_row(path, fmt)
        zero = Decimal(0)
        totals: dict[str, dict[str, Decimal]] = {}
        scopes: set[Scope] = set()
        rows_read = fact_rows = 0
        for currency, provider, account, bp_start, bp_end, _bad, lines, facts, *money in summary:
            if provider is None or account is None:
                raise MalformedFileError(
                    f"{path}: rows without a provider or billing account id; expected both",
                    details={"file": str(path)},
                )
            scopes.add(Scope(provider, account, bp_start, bp_end))
            rows_read += int(lines)
            fact_rows += int(facts)
            bucket = totals.setdefault(
                currency,
                {
                    "billed_cost": zero,
                    "effective_cost": zero,
                    "list_cost": zero,
                    "contracted_cost": zero,
                },
            )
            for name, value in zip(
                ("billed_cost", "effective_cost", "list_cost", "contracted_cost"),
                money,
                strict=True,
            ):
                bucket[name] += value or zero
        ordered = sorted(
            scopes, key=lambda x: (x.provider, x.billing_account_id, x.billing_period_start)
        )
        return FileScan(file_id, rows_read, fact_rows, dict(sorted(totals.items())), ordered)

    def _locate_bad_row(self, path: Path, fmt: DetectedFormat) -> MalformedFileError:
        """The first failing row and column (slow path: runs only when a check failed)."""
        select = canonical_select(fmt)
        self.con.execute("SET threads = 1")
        self.con.execute("SET preserve_insertion_order = true")
        try:
            if fmt.container == "parquet":
                source = _source_sql(path, fmt, row_numbers=True)
                numbered = f"SELECT file_row_number + 1 AS __row, * FROM {source}"
            else:
                numbered = f"SELECT row_number() OVER () AS __row, * FROM {_source_sql(path, fmt)}"
            row = self.con.execute(first_bad_row_sql(select, numbered_source=numbered)).fetchone()
        finally:
            self.con.execute("RESET threads")
            self.con.execute("SET preserve_insertion_order = false")
        return bad_row_error(path, fmt, select, None if row is None else (row[0], row[1], row[2]))

    def _where(self, *, file_id: int | None, exclude: list[Scope] | None) -> tuple[str, list[Any]]:
        conds: list[str] = []
        params: list[Any] = []
        if file_id is not None:
            conds.append("ingestion_file_id = ?")
            params.append(file_id)
        for scope in exclude or []:
            conds.append(
                "NOT (provider = ? AND billing_account_id = ? AND billing_period_start = ?)"
            )
            params += [scope.provider, scope.billing_account_id, scope.billing_period_start]
        return ("WHERE " + " AND ".join(conds) if conds else ""), params

    def iter_batches(
        self,
        *,
        file_id: int | None = None,
        exclude: list[Scope] | None = None,
        batch_rows: int = 200_000,
    ) -> Iterator[pa.RecordBatch]:
        """Stream the aggregated facts (of one file, minus excluded scopes) as Arrow batches."""
        if not self._created:
            return
        where, params = self._where(file_id=file_id, exclude=exclude)
        reader = self.con.sql(
            f"SELECT {', '.join(FACT_COLUMNS)} FROM {FACTS_TABLE} {where}", params=params or None
        ).to_arrow_reader(batch_rows)
        yield from reader

    def export_csv(
        self, *, columns: tuple[str, ...], file_id: int | None, exclude: list[Scope] | None
    ) -> tuple[Path, int]:
        """Write the facts (of one file, minus excluded scopes) as header-less CSV for
        PostgreSQL ``COPY``; decimals in their shortest exact form. Returns (path, rows)."""
        where, params = self._where(file_id=file_id, exclude=exclude)
        money = set(SUM_FIELDS)
        select = ", ".join(_exact_text(c, c) if c in money else c for c in columns)
        self._exports += 1
        path = Path(self.tmpdir.name) / f"facts-{self._exports}.csv"
        written = self.con.execute(
            f"COPY (SELECT {select} FROM {FACTS_TABLE} {where}) TO {lit(str(path))} "
            "(FORMAT csv, HEADER false)",
            params or None,
        ).fetchone()
        return path, int(written[0]) if written else 0

    def export_rollup_csv(
        self,
        *,
        keys: tuple[str, ...],
        money: tuple[str, ...],
        exclude: list[Scope] | None,
    ) -> tuple[Path, int]:
        """The facts (minus excluded scopes) summed by ``keys`` as header-less CSV for
        PostgreSQL ``COPY``: the key columns, the exact sums of ``money``, the sum of
        ``line_items`` and the fact count, in that order. Returns (path, rows)."""
        where, params = self._where(file_id=None, exclude=exclude)
        sums = ", ".join(_exact_text(f"sum({c})", c) for c in money)
        self._exports += 1
        path = Path(self.tmpdir.name) / f"rollup-{self._exports}.csv"
        written = self.con.execute(
            f"COPY (SELECT {', '.join(keys)}, {sums}, sum(line_items), count(*) "
            f"FROM {FACTS_TABLE} {where} GROUP BY ALL) TO {lit(str(path))} "
            "(FORMAT csv, HEADER false)",
            params or None,
        ).fetchone()
        return path, int(written[0]) if written else 0

    def export_resources_csv(self) -> Path:
        """Resources seen in the facts as CSV (provider, resource_id, type, service, account,
        region, name, instance type, tags JSON), one row per resource."""
        path = Path(self.tmpdir.name) / "resources.csv"
        self.con.execute(
            f"COPY ({self._resources_sql()}) TO {lit(str(path))} (FORMAT csv, HEADER false)"
        )
        return path

    def _resources_sql(self) -> str:
        return (
            f"SELECT provider, resource_id, any_value(resource_type), any_value(service_name), "
            f"any_value(sub_account_id), any_value(region_id), any_value(resource_name), "
            f"any_value(instance_type), any_value(tags) FROM {FACTS_TABLE} "
            f"WHERE resource_id IS NOT NULL GROUP BY 1, 2"
        )

    def entities(self, *, include_resources: bool = True) -> dict[str, list[tuple[Any, ...]]]:
        """Accounts (and resources) seen in the facts (for the inventory tables)."""
        if not self._created:
            return {"accounts": [], "resources": []}
        accounts = self.con.execute(
            f"SELECT provider, sub_account_id, any_value(sub_account_name), "
            f"any_value(billing_account_id) FROM {FACTS_TABLE} WHERE sub_account_id IS NOT NULL "
            f"GROUP BY 1, 2 UNION ALL "
            f"SELECT provider, billing_account_id, any_value(billing_account_name), "
            f"billing_account_id FROM {FACTS_TABLE} GROUP BY 1, 2, 4"
        ).fetchall()
        resources_rows = (
            self.con.execute(self._resources_sql()).fetchall() if include_resources else []
        )
        return {"accounts": accounts, "resources": resources_rows}


def _exact_text(expression: str, name: str) -> str:
    """A DECIMAL expression as its shortest exact decimal text (NULL stays NULL), named."""
    return (
        f"CASE WHEN {expression} IS NULL THEN NULL ELSE "
        f"rtrim(rtrim(CAST({expression} AS VARCHAR), '0'), '.') END AS {name}"
    )


def _describe_duckdb_error(exc: duckdb.Error) -> str:
    """One precise line from a DuckDB error: where (line) and what, never the row's content."""
    text = " ".join(str(exc).split())
    line_match = re.search(r"CSV Error on Line: (\d+)", text)
    where = f"line {line_match.group(1)}: " if line_match else ""
    lowered = text.lower()
    if "invalid unicode" in lowered or "utf-8" in lowered or "utf8" in lowered:
        return f"{where}not valid UTF-8 text; expected a UTF-8 encoded file"
    columns = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", text)
    if columns:
        return (
            f"{where}row has {columns.group(2)} fields; expected {columns.group(1)} "
            "(file truncated or malformed)"
        )
    if "unterminated quote" in lowered or ("quote" in lowered and "unterminated" in lowered):
        return f"{where}unterminated quoted value (file truncated or malformed)"
    if any(word in lowered for word in ("gzip", "zlib", "compress", "truncat")):
        return f"file is truncated or corrupt ({text[:200]})"
    message = re.sub(r"Original Line: .*", "", text).strip()
    if len(message) > 300:
        message = message[:297] + "..."
    return message


def default_threads() -> int:
    """DuckDB threads: every core (the machine may be small)."""
    return max(1, os.cpu_count() or 1)
