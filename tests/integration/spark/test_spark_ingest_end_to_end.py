"""A delivery ingested with engine=spark stores the facts and the run record engine=duckdb
stores; restating the month through Spark replaces it and never double-counts."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select

from finops.db.database import Database
from finops.db.models import IngestionFile, IngestionRun
from finops.ingest.service import ingest_paths, ingest_spark_output
from finops.ingest.spark_facts import choose_engine
from finops.ingest.spark_job import scan_with_spark
from tests.support.billing_files import CUR_LEGACY_SAMPLE, read_rows, sum_by, write_rows
from tests.support.facts import facts_snapshot

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

TOTAL = Decimal("1.68230869740")  # hand-checked sum of lineItem/UnblendedCost of the sample


def run_record(db: Database) -> tuple[object, ...]:
    with db.sessions() as session:
        run = session.scalars(select(IngestionRun).order_by(IngestionRun.id.desc())).first()
        assert run is not None
        file = session.scalars(select(IngestionFile).where(IngestionFile.run_id == run.id)).one()
        details = dict(run.details or {})
        return (
            run.status,
            run.rows_read,
            run.rows_written,
            details.get("totals"),
            details.get("replaced_scopes"),
            file.detected_format,
            file.rows_read,
            file.rows_written,
            file.cost_totals,
            file.sha256,
        )


def stored_total(db: Database) -> Decimal:
    return sum((row[-1] for row in facts_snapshot_costs(db)), Decimal(0))


def facts_snapshot_costs(db: Database) -> list[tuple[object, ...]]:
    from finops.db.models import BillingFact

    with db.sessions() as session:
        return [(f.id, f.billed_cost) for f in session.scalars(select(BillingFact))]


def test_spark_engine_stores_what_duckdb_stores(db: Database, spark: SparkSession) -> None:
    [duck] = ingest_paths(db=db, paths=[CUR_LEGACY_SAMPLE], engine="duckdb")
    assert duck.status == "succeeded", duck.error
    duck_facts, duck_run = facts_snapshot(db), run_record(db)
    with db.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM billing_facts")
        conn.exec_driver_sql("DELETE FROM billing_period_deliveries")
        conn.exec_driver_sql("DELETE FROM ingestion_files")
        conn.exec_driver_sql("DELETE FROM ingestion_runs")
    [sparked] = ingest_paths(
        db=db, paths=[CUR_LEGACY_SAMPLE], engine="spark", spark_master="local[2]"
    )
    assert sparked.status == "succeeded", sparked.error
    assert facts_snapshot(db) == duck_facts
    assert run_record(db) == duck_run
    assert stored_total(db) == TOTAL


def test_restating_through_spark_replaces_the_month(
    db: Database, spark: SparkSession, tmp_path: Path
) -> None:
    [first] = ingest_paths(db=db, paths=[CUR_LEGACY_SAMPLE], engine="duckdb")
    assert first.status == "succeeded"
    header, rows = read_rows(CUR_LEGACY_SAMPLE)
    rows[0]["lineItem/UnblendedCost"] = str(Decimal(rows[0]["lineItem/UnblendedCost"]) + 1)
    restated = write_rows(tmp_path / "restated.csv", header, rows)
    expected = sum_by(rows, lambda r: "all", "lineItem/UnblendedCost")["all"]
    later = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    [second] = ingest_paths(
        db=db, paths=[restated], engine="spark", spark_master="local[2]", delivered_at=later
    )
    assert second.status == "succeeded", second.error
    assert stored_total(db) == expected == TOTAL + 1
    # The same file again, through Spark: a duplicate, nothing changes.
    before = facts_snapshot(db)
    [again] = ingest_paths(db=db, paths=[restated], engine="spark", delivered_at=later)
    assert again.status == "duplicate"
    assert facts_snapshot(db) == before


def test_emr_style_output_is_loaded_without_the_raw_files(
    db: Database, spark: SparkSession, tmp_path: Path
) -> None:
    """What MWAA does after EMR Serverless: scan with checksums, then load only the output."""
    source = tmp_path / "bucket" / "cur.csv"
    source.parent.mkdir()
    shutil.copy(CUR_LEGACY_SAMPLE, source)
    out = tmp_path / "facts-run"
    manifest = scan_with_spark(spark, [str(source)], out, checksums=True)
    [entry] = manifest.files
    assert entry.size_bytes == CUR_LEGACY_SAMPLE.stat().st_size
    source.unlink()  # the platform never reads the raw file
    outcome = ingest_spark_output(
        db=db, folder=out, delivered_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    )
    assert outcome.status == "succeeded", outcome.error
    assert outcome.files == [str(source)]
    assert stored_total(db) == TOTAL
    [duplicate] = ingest_paths(db=db, paths=[CUR_LEGACY_SAMPLE], engine="duckdb")
    assert duplicate.status == "duplicate"  # same SHA-256 as Spark computed


def test_emr_style_output_of_a_malformed_file_fails_the_run(
    db: Database, spark: SparkSession, tmp_path: Path
) -> None:
    header, rows = read_rows(CUR_LEGACY_SAMPLE)
    rows[41]["lineItem/UnblendedCost"] = "12,5O"
    bad = write_rows(tmp_path / "bad.csv", header, rows)
    out = tmp_path / "facts-run"
    scan_with_spark(spark, [str(bad)], out, checksums=True)
    outcome = ingest_spark_output(db=db, folder=out, delivered_at=dt.datetime.now(dt.UTC))
    assert outcome.status == "failed"
    assert outcome.error is not None
    assert f"{bad}: row 42 (line 43), column lineItem/UnblendedCost: got '12,5O'" in outcome.error
    assert facts_snapshot(db) == []


def test_auto_picks_spark_only_for_large_deliveries() -> None:
    assert choose_engine(engine="auto", total_bytes=10, spark_min_bytes=100) == "duckdb"
    assert choose_engine(engine="auto", total_bytes=100, spark_min_bytes=100) == "spark"
    assert choose_engine(engine="duckdb", total_bytes=10**12, spark_min_bytes=100) == "duckdb"
    assert choose_engine(engine="spark", total_bytes=1, spark_min_bytes=100) == "spark"
