"""The Spark path of large S3 deliveries, for real: a moto S3 bucket, local pyspark, the test
database. Planning, scanning and loading store exactly the facts the DuckDB path stores for the
same files, name every file by its s3:// URI, are idempotent, and a malformed large file is a
failed run naming the file with the facts left as they were."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from sqlalchemy import select

from finops.config import get_settings
from finops.db.database import Database
from finops.db.models import IngestionFile, IngestionRun
from finops.ingest.bucket_sweep import sync_billing_bucket
from finops.ingest.service import ingest_paths
from finops.ingest.spark_scans import load_spark_scans, plan_spark_scans, run_spark_scan
from tests.support.billing_files import CUR_LEGACY_SAMPLE, FOCUS_SAMPLE
from tests.support.facts import facts_snapshot
from tests.support.moto_server import MotoServer

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

BILLING, SCANS = "billing-exports", "spark-scans"
SCAN_URI = f"s3://{SCANS}/scans/"


@pytest.fixture
def s3(aws: MotoServer) -> Any:
    client = boto3.client("s3", region_name=aws.region)
    client.create_bucket(Bucket=BILLING)
    client.create_bucket(Bucket=SCANS)
    return client


@pytest.fixture
def spark_path_on(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The Spark path turned on in the settings, for deliveries from 1 MB up."""
    monkeypatch.setenv("FINOPS_SPARK_SCAN_URI", SCAN_URI)
    monkeypatch.setenv("FINOPS_INGEST_SPARK_MIN_BYTES", str(1_000_000))
    monkeypatch.setenv("FINOPS_INGEST_SPARK_MASTER", "local[2]")
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


def _wipe(db: Database) -> None:
    with db.engine.begin() as conn:
        for table in (
            "billing_facts",
            "billing_period_deliveries",
            "ingestion_files",
            "ingestion_runs",
        ):
            conn.exec_driver_sql(f"DELETE FROM {table}")


def _keys(s3: Any, bucket: str) -> list[str]:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return sorted(item["Key"] for page in pages for item in page.get("Contents", []))


def test_a_large_delivery_goes_through_spark_and_stores_what_duckdb_stores(
    db: Database, s3: Any, spark: SparkSession, spark_path_on: Any
) -> None:
    large, small = CUR_LEGACY_SAMPLE, FOCUS_SAMPLE
    assert large.stat().st_size >= 1_000_000 > small.stat().st_size  # the threshold splits them
    duck = ingest_paths(db=db, paths=[large, small], engine="duckdb")
    assert [o.status for o in duck] == ["succeeded", "succeeded"], [o.error for o in duck]
    expected = facts_snapshot(db)
    _wipe(db)
    s3.upload_file(str(large), BILLING, f"cur/{large.name}")
    s3.upload_file(str(small), BILLING, f"focus/{small.name}")

    swept = sync_billing_bucket(db=db, bucket=BILLING, s3=s3)
    assert (swept["succeeded"], swept["skipped"]) == (1, 1)  # the large one is left to Spark

    plan = plan_spark_scans(
        db=db, bucket=BILLING, scan_uri=SCAN_URI, spark_min_bytes=1_000_000, s3=s3
    )
    assert (plan["planned"], plan["ingested"], plan["small"]) == (1, 1, 0)
    [scan] = plan["scans"]
    assert scan["arguments"] == [
        "--out",
        scan["out"].rstrip("/"),
        f"s3://{BILLING}/cur/{large.name}",
    ]

    scanned = run_spark_scan(out=scan["out"], master="local[2]", s3=s3)
    assert (scanned["files"], scanned["failed_files"]) == (1, 0)
    loaded = load_spark_scans(db=db, scan_uri=SCAN_URI, s3=s3)
    assert loaded["succeeded"] == 1, loaded

    assert facts_snapshot(db) == expected  # both deliveries, to the last decimal
    with db.sessions() as session:
        keys = set(session.scalars(select(IngestionFile.key)))
        triggers = set(session.scalars(select(IngestionRun.trigger)))
    assert f"s3://{BILLING}/cur/{large.name}" in keys
    assert "spark" in triggers
    marker = json.loads(
        s3.get_object(Bucket=SCANS, Key=scan["out"][len(f"s3://{SCANS}/") :] + "loaded.json")[
            "Body"
        ].read()
    )
    assert marker["status"] == "succeeded"

    # a second round changes nothing: nothing to plan, nothing to load
    again = plan_spark_scans(
        db=db, bucket=BILLING, scan_uri=SCAN_URI, spark_min_bytes=1_000_000, s3=s3
    )
    assert (again["planned"], again["ingested"]) == (0, 2)
    assert load_spark_scans(db=db, scan_uri=SCAN_URI, s3=s3)["loaded_before"] == 1
    assert facts_snapshot(db) == expected


def test_a_malformed_large_file_is_a_failed_run_naming_it_and_loses_nothing(
    db: Database, s3: Any, spark: SparkSession, spark_path_on: Any, tmp_path: Path
) -> None:
    [first] = ingest_paths(db=db, paths=[FOCUS_SAMPLE], engine="duckdb")
    assert first.status == "succeeded", first.error
    before = facts_snapshot(db)
    broken = tmp_path / "broken.snappy.parquet"
    broken.write_bytes(b"PAR1" + b"\0" * 1_200_000)  # large, and not a Parquet file
    s3.upload_file(str(broken), BILLING, "cur/broken.snappy.parquet")

    plan = plan_spark_scans(
        db=db, bucket=BILLING, scan_uri=SCAN_URI, spark_min_bytes=1_000_000, s3=s3
    )
    [scan] = plan["scans"]
    assert run_spark_scan(out=scan["out"], master="local[2]", s3=s3)["failed_files"] == 1
    loaded = load_spark_scans(db=db, scan_uri=SCAN_URI, s3=s3)

    assert loaded["failed"] == 1
    assert f"s3://{BILLING}/cur/broken.snappy.parquet" in loaded["error"]
    assert "/tmp" not in loaded["error"]  # the local copy's path never reaches the user
    assert facts_snapshot(db) == before
    with db.sessions() as session:
        run = session.scalars(select(IngestionRun).order_by(IngestionRun.id.desc())).first()
    assert run is not None
    assert run.status == "failed"
    assert "broken.snappy.parquet" in (run.error or "")


def test_a_scan_uri_that_is_not_s3_is_refused_naming_the_parameter(db: Database, s3: Any) -> None:
    from finops.core.errors import InvalidInputError

    with pytest.raises(InvalidInputError, match="'scan_uri': expected an s3://bucket/prefix"):
        plan_spark_scans(db=db, bucket=BILLING, scan_uri="/tmp/scans", spark_min_bytes=1, s3=s3)
    with pytest.raises(InvalidInputError, match="'spark_min_bytes'"):
        plan_spark_scans(db=db, bucket=BILLING, scan_uri=SCAN_URI, spark_min_bytes=0, s3=s3)
    assert _keys(s3, SCANS) == []
