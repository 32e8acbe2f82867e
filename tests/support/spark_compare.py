"""Facts of one billing file through DuckDB and through Spark, in comparable form."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from finops.ingest.exceptions import IngestionError
from finops.ingest.formats import detect_format
from finops.ingest.scan import FACTS_TABLE, FactScanner, FileScan
from finops.ingest.spark_facts import FACTS_SCHEMA, SparkFactsScanner
from finops.ingest.spark_job import scan_with_spark

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

COLUMNS = [name for name, _ in FACTS_SCHEMA]


def _rows(scanner: FactScanner) -> list[tuple[Any, ...]]:
    rows = scanner.con.execute(f"SELECT {', '.join(COLUMNS)} FROM {FACTS_TABLE}").fetchall()
    return sorted(rows, key=lambda row: tuple((v is None, str(v)) for v in row))


def duckdb_facts(path: Path) -> tuple[FileScan, list[tuple[Any, ...]]]:
    with FactScanner() as scanner:
        scan = scanner.scan_file(file_id=1, path=path, fmt=detect_format(path))
        return scan, _rows(scanner)


def spark_facts(
    spark: SparkSession, path: Path, out: Path
) -> tuple[FileScan, list[tuple[Any, ...]]]:
    manifest = scan_with_spark(spark, [path], out)
    with SparkFactsScanner(manifest=manifest, folder=out) as scanner:
        scan = scanner.scan_file(file_id=1, path=path, fmt=detect_format(path))
        return scan, _rows(scanner)


def duckdb_error(path: Path) -> IngestionError:
    try:
        duckdb_facts(path)
    except IngestionError as exc:
        return exc
    raise AssertionError(f"DuckDB accepted {path}")


def spark_error(spark: SparkSession, path: Path, out: Path) -> IngestionError:
    manifest = scan_with_spark(spark, [path], out)
    [entry] = manifest.files
    try:
        entry.raise_error()
    except IngestionError as exc:
        return exc
    raise AssertionError(f"Spark accepted {path}")
