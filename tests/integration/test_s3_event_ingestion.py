"""S3 drop → EventBridge → SQS → handler, on moto's server (which delivers the events for real):
files land, numbers appear in the API, poison files go to the dead-letter queue, duplicates and
late deliveries are harmless, manifests make one delivery. The Lambda adapter is invoked with a
real SQS event built from the messages the queue holds."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import pytest
from sqlalchemy import func, select

from finops.aws.pipeline import BillingPipeline, ensure_billing_pipeline
from finops.core.errors import InvalidInputError
from finops.db.database import Database
from finops.db.models import BillingFact, IngestionRun, JobRun
from finops.devtools.local_processes import free_port
from finops.ingest.s3_events import consume_queue, parse_notification
from tests.support.api_client import api_client
from tests.support.billing_files import (
    CUR_LEGACY_SAMPLE,
    legacy_to_cur2_parquet,
    read_rows,
    sum_by,
    write_rows,
)
from tests.support.finops_cli import run
from tests.support.moto_server import MotoServer

BUCKET = "finops-billing-drop"
SAMPLE_TOTAL = Decimal("1.68230869740")  # hand-summed in test_real_samples; re-derived below


@pytest.fixture
def pipeline(aws: MotoServer) -> BillingPipeline:
    return ensure_billing_pipeline(bucket=BUCKET)


def _put(key: str, path: Path) -> None:
    boto3.client("s3").upload_file(str(path), BUCKET, key)


def _queue_depth(url: str) -> int:
    attributes = boto3.client("sqs").get_queue_attributes(
        QueueUrl=url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )


def _dead_letters(url: str) -> list[dict[str, Any]]:
    reply = boto3.client("sqs").receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"], WaitTimeSeconds=0
    )
    return list(reply.get("Messages", []))


def _fact_count(db: Database) -> int:
    with db.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(BillingFact)) or 0)


def _poison_copy(tmp_path: Path) -> Path:
    header, rows = read_rows(CUR_LEGACY_SAMPLE)
    rows = [dict(r) for r in rows[:50]]
    rows[17]["lineItem/UnblendedCost"] = "twelve dollars"
    return write_rows(tmp_path / "broken.csv", header, rows)


def test_dropped_file_is_ingested_and_shown_by_the_api_and_poison_goes_to_the_dlq(
    db: Database, pipeline: BillingPipeline, tmp_path: Path
) -> None:
    _, rows = read_rows(CUR_LEGACY_SAMPLE)
    by_service = sum_by(
        rows,
        lambda r: r["product/ProductName"] or r["lineItem/ProductCode"],
        "lineItem/UnblendedCost",
    )
    assert sum(by_service.values()) == SAMPLE_TOTAL

    _put("drops/2023-11/cur.csv", CUR_LEGACY_SAMPLE)
    _put("drops/broken.csv", _poison_copy(tmp_path))
    _put("drops/readme.txt", CUR_LEGACY_SAMPLE)  # not a billing file: acknowledged, ignored
    assert _queue_depth(pipeline.queue_url) == 3  # delivered by S3 → EventBridge → SQS

    result = consume_queue(db=db, queue_url=pipeline.queue_url, wait_seconds=0)
    assert (result["ingested"], result["poison"], result["ignored"]) == (1, 1, 1)
    assert _queue_depth(pipeline.queue_url) == 0

    [dead] = _dead_letters(pipeline.dead_letter_queue_url)
    error = dead["MessageAttributes"]["finops_error"]["StringValue"]
    assert f"s3://{BUCKET}/drops/broken.csv" in error
    assert "lineItem/UnblendedCost" in error
    assert error == (
        f"s3://{BUCKET}/drops/broken.csv: row 18 (line 19), column lineItem/UnblendedCost: "
        "got 'twelve dollars'; expected a decimal number"
    )
    assert parse_notification(dead["Body"])[0].key == "drops/broken.csv"

    with db.sessions() as session:
        runs = {r.source: (r.status, r.trigger) for r in session.scalars(select(IngestionRun))}
    assert runs == {
        f"s3://{BUCKET}/drops/2023-11/cur.csv": ("succeeded", "s3-event"),
        f"s3://{BUCKET}/drops/broken.csv": ("failed", "s3-event"),
    }

    with api_client(db) as api:
        status, body = api.get(
            "/costs?start=2023-11-01&end=2023-12-01&group_by=service&metric=billed"
        )
    assert status == 200, body
    shown = {r["keys"]["service"]: Decimal(r["billed"]) for r in body["rows"]}
    assert shown == by_service
    assert Decimal(body["totals"][0]["billed"]) == SAMPLE_TOTAL

    # the same object again (S3 re-delivery) changes nothing
    facts = _fact_count(db)
    _put("drops/2023-11/cur.csv", CUR_LEGACY_SAMPLE)
    again = consume_queue(db=db, queue_url=pipeline.queue_url, wait_seconds=0)
    assert again["duplicate"] == 1
    assert _fact_count(db) == facts


def test_out_of_order_delivery_is_superseded(
    db: Database, pipeline: BillingPipeline, tmp_path: Path
) -> None:
    header, rows = read_rows(CUR_LEGACY_SAMPLE)
    newer = write_rows(tmp_path / "newer.csv", header, rows)
    older = write_rows(tmp_path / "older.csv", header, rows[: len(rows) // 2])
    s3, sqs = boto3.client("s3"), boto3.client("sqs")
    s3.upload_file(str(newer), BUCKET, "restated/newer.csv")
    s3.upload_file(str(older), BUCKET, "restated/older.csv")
    # replace what moto delivered with the same events carrying AWS's ISO times, older last
    sqs.purge_queue(QueueUrl=pipeline.queue_url)
    for key, when in (
        ("restated/newer.csv", "2026-11-02T10:00:00Z"),
        ("restated/older.csv", "2026-11-01T10:00:00Z"),
    ):
        sqs.send_message(QueueUrl=pipeline.queue_url, MessageBody=json.dumps(_event(key, when)))
    result = consume_queue(db=db, queue_url=pipeline.queue_url, wait_seconds=0)
    assert (result["ingested"], result["superseded"]) == (1, 1)
    with db.sessions() as session:
        total = sum((f.billed_cost for f in session.scalars(select(BillingFact))), Decimal(0))
    assert total == SAMPLE_TOTAL  # the newer, complete delivery owns the month


def _event(key: str, when: str, bucket: str = BUCKET) -> dict[str, Any]:
    """An EventBridge "Object Created" event as AWS documents it."""
    return {
        "version": "0",
        "id": "17793124-05d4-b198-2fde-7ededc63b103",
        "detail-type": "Object Created",
        "source": "aws.s3",
        "account": "123456789012",
        "time": when,
        "region": "us-east-1",
        "resources": [f"arn:aws:s3:::{bucket}"],
        "detail": {
            "version": "0",
            "bucket": {"name": bucket},
            "object": {"key": key, "size": 5, "etag": "b1946ac92492d2347c6235b4d2611184"},
            "request-id": "N4N7GDK58NMKJ12R",
            "requester": "123456789012",
            "source-ip-address": "1.2.3.4",
            "reason": "PutObject",
        },
    }


def test_data_file_waits_for_its_manifest_which_makes_one_delivery(
    db: Database, pipeline: BillingPipeline, tmp_path: Path
) -> None:
    parquet = legacy_to_cur2_parquet(CUR_LEGACY_SAMPLE, tmp_path / "finops-export-00001.parquet")
    data_key = "cur/finops-export/data/BILLING_PERIOD=2023-11/finops-export-00001.parquet"
    _put(data_key, parquet)
    first = consume_queue(db=db, queue_url=pipeline.queue_url, wait_seconds=0)
    assert first["awaiting_manifest"] == 1
    assert _fact_count(db) == 0

    manifest = tmp_path / "finops-export-Manifest.json"
    manifest.write_text(
        json.dumps(
            {
                "executionId": "e1",
                "billingPeriod": {"start": "2023-11-01T00:00:00.000Z"},
                "dataFiles": [f"s3://{BUCKET}/{data_key}"],
            }
        )
    )
    _put("cur/finops-export/metadata/BILLING_PERIOD=2023-11/finops-export-Manifest.json", manifest)
    second = consume_queue(db=db, queue_url=pipeline.queue_url, wait_seconds=0)
    assert second["ingested"] == 1
    with db.sessions() as session:
        [run] = session.scalars(select(IngestionRun)).all()
        total = sum((f.billed_cost for f in session.scalars(select(BillingFact))), Decimal(0))
    assert run.details["manifest"].endswith("finops-export-Manifest.json")
    assert total == SAMPLE_TOTAL


def test_manifest_listing_a_missing_file_is_poison(
    db: Database, pipeline: BillingPipeline, tmp_path: Path
) -> None:
    manifest = tmp_path / "r-Manifest.json"
    manifest.write_text(json.dumps({"reportKeys": ["cur/r/20231101-20231201/abc/r-1.csv.gz"]}))
    _put("cur/r/20231101-20231201/r-Manifest.json", manifest)
    result = consume_queue(db=db, queue_url=pipeline.queue_url, wait_seconds=0)
    assert result["poison"] == 1
    [dead] = _dead_letters(pipeline.dead_letter_queue_url)
    error = dead["MessageAttributes"]["finops_error"]["StringValue"]
    assert error == f"s3://{BUCKET}/cur/r/20231101-20231201/abc/r-1.csv.gz: object not found"


def test_lambda_handler_settles_a_real_sqs_event_and_runs_downstream_stages(
    db: Database, pipeline: BillingPipeline, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _put("drops/cur.csv", CUR_LEGACY_SAMPLE)
    _put("drops/broken.csv", _poison_copy(tmp_path))
    sqs = boto3.client("sqs")
    received = sqs.receive_message(
        QueueUrl=pipeline.queue_url, MaxNumberOfMessages=10, AttributeNames=["All"]
    )["Messages"]
    assert len(received) == 2
    event = {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": m.get("Attributes", {}),
                "messageAttributes": {},
                "md5OfBody": m["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": pipeline.queue_arn,
                "awsRegion": "us-east-1",
            }
            for m in received
        ]
    }
    from chalice.test import Client

    from chalicelib import create_app

    with Client(create_app(database_factory=lambda: db)) as client:
        reply = client.lambda_.invoke("billing_events", event)
    assert reply.payload["counts"] == {"ingested": 1, "poison": 1}
    emf = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    [document] = emf  # CloudWatch Embedded Metric Format, one per invocation
    assert (document["Messages_ingested"], document["Messages_poison"]) == ([1.0], [1.0])
    assert document["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "FinOps"
    assert set(reply.payload["downstream"]) == {
        "detect_cost_anomalies",
        "track_savings",
        "evaluate_budgets",
        "build_insights",
    }
    assert _queue_depth(pipeline.queue_url) == 0
    assert len(_dead_letters(pipeline.dead_letter_queue_url)) == 1
    with db.sessions() as session:
        stages = {r.job_name: (r.status, r.triggered_by) for r in session.scalars(select(JobRun))}
    assert stages["detect_cost_anomalies"] == ("succeeded", "s3-event")
    assert stages["build_insights"] == ("succeeded", "s3-event")


def test_lambda_handler_fails_the_invocation_when_a_message_must_be_retried(
    db: Database, pipeline: BillingPipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    # S3 unreachable: an AWS failure, not a bad file -> left for SQS to redeliver, not poisoned
    _put("drops/cur.csv", CUR_LEGACY_SAMPLE)
    sqs = boto3.client("sqs")
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("FINOPS_AWS_MAX_ATTEMPTS", "1")
    [message] = sqs.receive_message(QueueUrl=pipeline.queue_url, AttributeNames=["All"])["Messages"]
    event = {
        "Records": [
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "eventSource": "aws:sqs",
                "eventSourceARN": pipeline.queue_arn,
            }
        ]
    }
    from chalice.test import Client

    from chalicelib import create_app
    from finops.ingest.s3_events import RetryBatchError

    with Client(create_app(database_factory=lambda: db)) as client, pytest.raises(RetryBatchError):
        client.lambda_.invoke("billing_events", event)
    assert _queue_depth(pipeline.queue_url) == 1  # still there: SQS will redeliver it
    assert _dead_letters(pipeline.dead_letter_queue_url) == []
    with db.sessions() as session:
        assert session.scalars(select(IngestionRun)).all() == []


def test_jobs_lambda_runs_a_stage_and_refuses_bad_requests(db: Database) -> None:
    from chalice.test import Client

    from chalicelib import create_app

    with Client(create_app(database_factory=lambda: db)) as client:
        ok = client.lambda_.invoke(
            "jobs", {"job": "build_insights", "parameters": {"as_of": "2026-11-01"}}
        ).payload
        unknown = client.lambda_.invoke(
            "jobs", {"job": "build_insights", "parameters": {"x": 1}}
        ).payload
        bad = client.lambda_.invoke("jobs", {"parameters": {}}).payload
    assert ok["status"] == "succeeded"
    assert ok["job"] == "build_insights"
    assert unknown["status"] == "failed"
    assert "has no parameter 'x'" in unknown["error"]
    assert bad["status"] == "failed"
    with db.sessions() as session:
        [run] = session.scalars(select(JobRun)).all()
    assert (run.job_name, run.triggered_by, run.job_key) == (
        "build_insights",
        "lambda",
        "2026-11-01",
    )


def test_unreadable_messages_are_refused_with_what_was_expected() -> None:
    with pytest.raises(InvalidInputError, match="not JSON"):
        parse_notification("{")
    with pytest.raises(InvalidInputError, match="EventBridge 'Object Created'"):
        parse_notification('{"hello": 1}')
    assert parse_notification('{"Event": "s3:TestEvent"}') == []
    record = {
        "eventName": "ObjectCreated:Put",
        "eventTime": "2026-11-01T00:00:00.000Z",
        "s3": {"bucket": {"name": "b1"}, "object": {"key": "a+b%3D.csv", "size": 3}},
    }
    [created] = parse_notification(json.dumps({"Records": [record]}))
    assert (created.bucket, created.key, created.event_time) == (
        "b1",
        "a b=.csv",
        dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
    )


def test_bucket_sweep_ingests_what_no_event_brought_and_skips_what_is_in(
    db: Database, pipeline: BillingPipeline, tmp_path: Path
) -> None:
    from finops.jobs import run_job

    _put("drops/cur.csv", CUR_LEGACY_SAMPLE)
    _put("drops/broken.csv", _poison_copy(tmp_path))
    boto3.client("sqs").purge_queue(QueueUrl=pipeline.queue_url)  # the events were lost
    first = run_job("sync_billing_bucket", db=db, bucket=BUCKET, prefix="drops/")
    assert (first["objects"], first["succeeded"], first["failed"]) == (2, 1, 1)
    assert first["status"] == "failed"  # the bad file is reported, the good one is in
    assert "drops/broken.csv" in first["error"]
    with db.sessions() as session:
        total = sum((f.billed_cost for f in session.scalars(select(BillingFact))), Decimal(0))
    assert total == SAMPLE_TOTAL
    second = run_job("sync_billing_bucket", db=db, bucket=BUCKET, prefix="drops/")
    assert (second["skipped"], second["succeeded"], second["failed"]) == (1, 0, 1)


def test_cli_bootstraps_the_path_and_consumes_the_queue(
    db: Database, db_url: str, aws: MotoServer, tmp_path: Path
) -> None:
    boot = run(["events", "bootstrap", "--bucket", BUCKET, "--queue", "cli-events"], url=db_url)
    assert boot.returncode == 0, boot.stderr
    pipeline = json.loads(boot.stdout)
    assert pipeline["dead_letter_queue_url"].endswith("/cli-events-dlq")
    _put("drops/cur.csv", CUR_LEGACY_SAMPLE)
    _put("drops/broken.csv", _poison_copy(tmp_path))
    consumed = run(
        ["events", "consume", "--queue", "cli-events", "--no-downstream", "--json", "--wait", "0"],
        url=db_url,
    )
    assert consumed.returncode == 0, consumed.stderr
    assert json.loads(consumed.stdout) == {
        "batches": 1,
        "ingested": 1,
        "poison": 1,
        "downstream": {},
    }
    bad_name = run(["events", "bootstrap", "--bucket", "No_Such!Bucket"], url=db_url)
    assert bad_name.returncode == 1
    assert bad_name.stderr.startswith("error: bucket 'No_Such!Bucket' or queue")
    assert "Traceback" not in bad_name.stderr
    too_short = run(["events", "bootstrap", "--bucket", "ab"], url=db_url)
    assert too_short.returncode == 1
    assert too_short.stderr.startswith("error: CreateBucket refused: InvalidBucketName")
    bad_params = run(["jobs", "run", "build_insights", "--params", "{as_of"], url=db_url)
    assert bad_params.returncode == 2
    assert "--params" in bad_params.stderr
    assert "not JSON" in bad_params.stderr
    wrong_params = run(["jobs", "run", "build_insights", "--params", '{"x": 1}'], url=db_url)
    assert wrong_params.returncode == 1
    assert "has no parameter 'x'" in wrong_params.stderr
    missing = run(["events", "consume", "--queue", "no-such-queue"], url=db_url)
    assert missing.returncode == 1
    assert missing.stderr.startswith("error: ")
    assert "Traceback" not in missing.stderr
