"""Each DAG end to end with ``dag.test()``: the local executor runs the real jobs in-process
against the test PostgreSQL database and the moto server, and each run leaves its ``job_runs``
rows (triggered by ``airflow:<dag_id>``) and real results behind.

Airflow's own metadata lives in a throwaway SQLite database (``tests/dags/conftest.py``).
Retries are switched off for these runs, so a failing job fails the test at once instead of
waiting for its retry delay.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("airflow", reason="Airflow is not installed: pip install -e '.[airflow]'")

import boto3
from sqlalchemy import func, select

from finops.db.database import Database
from finops.db.models import (
    Anomaly,
    BillingFact,
    ForecastRun,
    JobRun,
    Recommendation,
    Resource,
    SavingsEntry,
    UsageMetric,
)
from finops.devtools.sample import generate_sample
from finops.ingest.service import ingest_paths
from finops.rightsizing import mark_recommendation_applied, rightsize
from finops.usage import load_usage_dir
from tests.support.airflow_dags import load_dag_bag
from tests.support.moto_server import MotoServer

# A test that parses the DAGs with another executor gives a DAG a second version in Airflow's
# metadata; Airflow 3.3 then loads DagRun.serialized_dag (uselist=False) over several rows and
# SQLAlchemy warns, which pyproject's filterwarnings would turn into an error.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Multiple rows returned with uselist=False:sqlalchemy.exc.SAWarning"
)

END = dt.date(2026, 3, 20)  # the sample's bills cover [.., END)
LAST_BILLED = END - dt.timedelta(days=1)
BUCKET = "finops-billing-exports"


# ----------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three months of bills and utilization for three accounts, with planted anomalies."""
    out = tmp_path_factory.mktemp("dag-sample")
    generate_sample(out_dir=out, months=3, accounts=3, seed=7, end=END)
    return out


@pytest.fixture(scope="module")
def dag_bag() -> Any:
    return load_dag_bag()


@pytest.fixture
def finops(
    db: Database, db_url: str, airflow_metadata_db: Path, monkeypatch: pytest.MonkeyPatch
) -> Database:
    """The test database, as the DAGs' local executor finds it (``database_from_env``)."""
    monkeypatch.setenv("FINOPS_DATABASE_URL", db_url)
    monkeypatch.setenv("FINOPS_DAG_EXECUTOR", "local")
    monkeypatch.delenv("FINOPS_VAULT_ADDR", raising=False)
    return db


@pytest.fixture
def billed(finops: Database, sample: Path) -> Database:
    outcomes = ingest_paths(db=finops, paths=[sample / "billing"])
    assert all(o.status == "succeeded" for o in outcomes), [o.error for o in outcomes]
    return finops


@pytest.fixture
def billed_and_used(billed: Database, sample: Path) -> Database:
    load_usage_dir(db=billed, path=sample / "usage")
    return billed


# ----------------------------------------------------------------------------- helpers


def run_dag(
    dag_bag: Any, dag_id: str, *, day: dt.date | None, conf: dict[str, Any] | None = None
) -> Any:
    """``dag.test()`` of ``dag_id`` for ``day`` (``None``: no logical date, like an
    asset-triggered run); asserts the run succeeded, naming the tasks that did not."""
    dag = dag_bag.dags[dag_id]
    for task in dag.tasks:
        task.retries = 0
    logical_date = None if day is None else dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
    dag_run = dag.test(logical_date=logical_date, run_conf=conf)
    states = {ti.task_id: str(ti.state) for ti in dag_run.get_task_instances()}
    assert str(dag_run.state) == "success", states
    return dag_run


def job_runs(db: Database, dag_id: str) -> list[JobRun]:
    with db.sessions() as session:
        return list(
            session.scalars(
                select(JobRun).where(JobRun.triggered_by == f"airflow:{dag_id}").order_by(JobRun.id)
            )
        )


def summary(runs: list[JobRun]) -> list[tuple[str, str]]:
    return [(r.job_name, r.status) for r in runs]


def count(db: Database, model: type, *where: Any) -> int:
    with db.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


# ----------------------------------------------------------------------------- ingestion


def test_billing_ingestion_syncs_the_bucket_into_cost_facts(
    dag_bag: Any,
    finops: Database,
    aws: MotoServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = tmp_path / "bucket"
    generate_sample(out_dir=out, months=1, accounts=1, seed=3, end=END)
    s3 = boto3.client("s3", region_name=aws.region)
    s3.create_bucket(Bucket=BUCKET)
    uploaded = []
    for path in sorted((out / "billing").rglob("*")):
        if path.is_file():  # keys relative to the sample folder: its manifests say so
            key = path.relative_to(out).as_posix()
            s3.upload_file(str(path), BUCKET, key)
            uploaded.append(key)
    assert uploaded
    monkeypatch.setenv("FINOPS_BILLING_BUCKET", BUCKET)
    monkeypatch.setenv("FINOPS_BILLING_PREFIX", "billing/")

    run_dag(dag_bag, "finops_billing_ingestion", day=END)

    runs = job_runs(finops, "finops_billing_ingestion")
    # the Spark path is off (no FINOPS_SPARK_SCAN_URI): its steps run and do nothing
    assert summary(runs) == [
        ("sync_billing_bucket", "succeeded"),
        ("plan_spark_scans", "succeeded"),
        ("load_spark_scans", "succeeded"),
    ]
    assert runs[0].parameters == {"bucket": BUCKET, "prefix": "billing/"}
    assert runs[1].counts.get("planned") == 0
    assert count(finops, BillingFact) > 0


def test_billing_ingestion_scans_a_large_delivery_on_spark_and_loads_it(
    dag_bag: Any,
    finops: Database,
    aws: MotoServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from finops.config import get_settings
    from tests.support.billing_files import CUR_LEGACY_SAMPLE, FOCUS_SAMPLE
    from tests.support.facts import facts_snapshot

    duck = ingest_paths(db=finops, paths=[CUR_LEGACY_SAMPLE, FOCUS_SAMPLE], engine="duckdb")
    assert all(o.status == "succeeded" for o in duck), [o.error for o in duck]
    expected = facts_snapshot(finops)
    with finops.engine.begin() as conn:  # the same files, now through the DAG
        for table in ("billing_facts", "billing_period_deliveries", "ingestion_files"):
            conn.exec_driver_sql(f"DELETE FROM {table}")
        conn.exec_driver_sql("DELETE FROM ingestion_runs")
    s3 = boto3.client("s3", region_name=aws.region)
    for bucket in (BUCKET, "finops-spark-scans"):
        s3.create_bucket(Bucket=bucket)
    s3.upload_file(str(CUR_LEGACY_SAMPLE), BUCKET, "billing/cur/november.csv")  # ~1.0 MB
    s3.upload_file(str(FOCUS_SAMPLE), BUCKET, "billing/focus/sample.csv")  # ~0.7 MB
    for name, value in {
        "FINOPS_BILLING_BUCKET": BUCKET,
        "FINOPS_BILLING_PREFIX": "billing/",
        "FINOPS_SPARK_SCAN_URI": "s3://finops-spark-scans/scans/",
        "FINOPS_INGEST_SPARK_MIN_BYTES": "1000000",
        "FINOPS_INGEST_SPARK_MASTER": "local[2]",
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()  # the sweep's process reads the Spark settings
    try:
        dag_run = run_dag(dag_bag, "finops_billing_ingestion", day=END)
    finally:
        get_settings.cache_clear()

    runs = job_runs(finops, "finops_billing_ingestion")
    assert summary(runs) == [
        ("sync_billing_bucket", "succeeded"),
        ("plan_spark_scans", "succeeded"),
        ("scan_with_spark", "succeeded"),
        ("load_spark_scans", "succeeded"),
    ]
    assert runs[0].counts.get("succeeded") == 1  # the small file, by DuckDB
    assert runs[3].counts.get("succeeded") == 1  # the large one, by Spark
    mapped = [ti for ti in dag_run.get_task_instances() if ti.task_id == "scan_with_spark"]
    assert [ti.map_index for ti in mapped] == [0]
    assert facts_snapshot(finops) == expected


def test_usage_ingestion_collects_the_inventory_then_two_weeks_of_metrics(
    dag_bag: Any, finops: Database, aws: MotoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    today = dt.datetime.now(dt.UTC).date()
    ec2 = boto3.client("ec2", region_name=aws.region)
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    [instance] = ec2.run_instances(ImageId=image, InstanceType="m5.large", MinCount=1, MaxCount=1)[
        "Instances"
    ]
    instance_id = instance["InstanceId"]
    cloudwatch = boto3.client("cloudwatch", region_name=aws.region)
    for days_ago in (1, 2, 3):
        day = dt.datetime.combine(today - dt.timedelta(days=days_ago), dt.time(), tzinfo=dt.UTC)
        cloudwatch.put_metric_data(
            Namespace="AWS/EC2",
            MetricData=[
                {
                    "MetricName": "CPUUtilization",
                    "Dimensions": [{"Name": "InstanceId", "Value": instance_id}],
                    "Timestamp": day + dt.timedelta(hours=hour),
                    "Value": 5.0 + hour,
                    "Unit": "Percent",
                }
                for hour in range(0, 24, 3)
            ],
        )
    monkeypatch.setenv("FINOPS_USAGE_REGIONS", aws.region)

    run_dag(dag_bag, "finops_usage_ingestion", day=today)

    runs = job_runs(finops, "finops_usage_ingestion")
    assert summary(runs) == [("collect_inventory", "succeeded"), ("collect_usage", "succeeded")]
    assert runs[0].parameters == {"regions": [aws.region]}
    assert runs[1].parameters == {
        "start": (today - dt.timedelta(days=15)).isoformat(),
        "end": today.isoformat(),
        "regions": [aws.region],
    }
    assert count(finops, Resource, Resource.resource_id.contains(instance_id)) == 1
    assert count(finops, UsageMetric, UsageMetric.resource_id.contains(instance_id)) > 0


# ----------------------------------------------------------------------------- analysis


def test_anomaly_detection_finds_the_planted_anomalies_then_builds_insights(
    dag_bag: Any, billed: Database
) -> None:
    run_dag(dag_bag, "finops_anomaly_detection", day=LAST_BILLED)

    runs = job_runs(billed, "finops_anomaly_detection")
    assert summary(runs) == [
        ("detect_cost_anomalies", "succeeded"),
        ("build_insights", "succeeded"),
    ]
    assert all(r.parameters == {"as_of": LAST_BILLED.isoformat()} for r in runs)
    assert runs[0].counts["created"] > 0
    assert count(billed, Anomaly) == runs[0].counts["created"]


def test_an_asset_triggered_run_without_a_logical_date_takes_as_of_from_its_conf(
    dag_bag: Any, billed: Database
) -> None:
    run_dag(dag_bag, "finops_anomaly_detection", day=None, conf={"as_of": LAST_BILLED.isoformat()})

    runs = job_runs(billed, "finops_anomaly_detection")
    assert [r.parameters["as_of"] for r in runs] == [LAST_BILLED.isoformat()] * 2
    assert count(billed, Anomaly) > 0


def test_rightsizing_recommends_from_bills_and_utilization(
    dag_bag: Any, billed_and_used: Database
) -> None:
    run_dag(dag_bag, "finops_rightsizing", day=END)

    runs = job_runs(billed_and_used, "finops_rightsizing")
    assert summary(runs) == [("rightsize", "succeeded")]
    assert runs[0].parameters == {"as_of": END.isoformat()}
    assert count(billed_and_used, Recommendation) > 0


def test_cost_forecasting_stores_forecasts_then_evaluates_budgets(
    dag_bag: Any, billed: Database
) -> None:
    run_dag(dag_bag, "finops_cost_forecasting", day=END)

    runs = job_runs(billed, "finops_cost_forecasting")
    assert summary(runs) == [("forecast_costs", "succeeded"), ("evaluate_budgets", "succeeded")]
    assert count(billed, ForecastRun) == runs[0].counts["created"] > 0
    assert count(billed, ForecastRun, ForecastRun.trained_until != END) == 0


def test_savings_tracker_accrues_an_applied_recommendation_from_later_bills(
    dag_bag: Any, billed_and_used: Database
) -> None:
    db = billed_and_used
    applied_on = END - dt.timedelta(days=10)
    rightsize(db=db, as_of=applied_on, lookback_days=14)
    with db.sessions.begin() as session:
        first = session.scalar(
            select(Recommendation.id).order_by(Recommendation.estimated_monthly_saving.desc())
        )
        assert first is not None
        mark_recommendation_applied(
            session=session, recommendation_id=first, actor="test", applied_on=applied_on
        )

    run_dag(dag_bag, "finops_savings_tracker", day=END)

    runs = job_runs(db, "finops_savings_tracker")
    assert summary(runs) == [("track_savings", "succeeded")]
    assert count(db, SavingsEntry, SavingsEntry.recommendation_id == first) > 0


def test_auto_remediation_runs_over_the_open_recommendations(
    dag_bag: Any, billed_and_used: Database
) -> None:
    rightsize(db=billed_and_used, as_of=END, lookback_days=14)
    assert count(billed_and_used, Recommendation) > 0

    run_dag(dag_bag, "finops_auto_remediation", day=END)

    runs = job_runs(billed_and_used, "finops_auto_remediation")
    assert summary(runs) == [("remediate", "succeeded")]
    assert runs[0].parameters == {"as_of": END.isoformat()}


# ----------------------------------------------------------------------------- failures


def test_a_failed_job_fails_its_task_and_stops_the_dag(
    dag_bag: Any, finops: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FINOPS_DATABASE_URL", "postgresql+psycopg2://nobody@127.0.0.1:1/none")
    dag = dag_bag.dags["finops_cost_forecasting"]
    for task in dag.tasks:
        task.retries = 0

    dag_run = dag.test(logical_date=dt.datetime.combine(END, dt.time(), tzinfo=dt.UTC))

    states = {ti.task_id: str(ti.state) for ti in dag_run.get_task_instances()}
    assert str(dag_run.state) == "failed"
    assert states["forecast_costs"] == "failed"
    assert states["evaluate_budgets"] == "upstream_failed"
    assert job_runs(finops, "finops_cost_forecasting") == []


def test_the_lambda_executor_sends_the_job_and_fails_on_a_failed_reply(
    dag_bag: Any, finops: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Lambda path end to end, with a stand-in for the jobs Lambda (moto cannot run
    Lambda code here): the DAG sends ``{"job", "parameters"}`` and checks the reply."""
    from airflow.providers.amazon.aws.hooks.lambda_function import LambdaHook

    sent: list[tuple[str, dict[str, Any]]] = []
    replies = iter([{"job_run_id": 41, "status": "succeeded", "created": 3}])

    class Body:
        def __init__(self, document: dict[str, Any]) -> None:
            self.data = json.dumps(document).encode()

        def read(self) -> bytes:
            return self.data

    def invoke_lambda(self: LambdaHook, *, function_name: str, **kwargs: Any) -> dict[str, Any]:
        assert kwargs["invocation_type"] == "RequestResponse"
        sent.append((function_name, json.loads(kwargs["payload"])))
        reply = next(replies, {"job_run_id": 42, "status": "failed", "error": "no budgets table"})
        return {"StatusCode": 200, "Payload": Body(reply)}

    monkeypatch.setattr(LambdaHook, "invoke_lambda", invoke_lambda)
    monkeypatch.setenv("FINOPS_DAG_EXECUTOR", "lambda")
    monkeypatch.setenv("FINOPS_JOBS_FUNCTION", "finops-jobs")
    dag = load_dag_bag().dags["finops_cost_forecasting"]
    for task in dag.tasks:
        task.retries = 0

    dag_run = dag.test(logical_date=dt.datetime.combine(END, dt.time(), tzinfo=dt.UTC))

    states = {ti.task_id: str(ti.state) for ti in dag_run.get_task_instances()}
    assert states == {"forecast_costs": "success", "evaluate_budgets": "failed"}
    assert sent == [
        ("finops-jobs", {"job": "forecast_costs", "parameters": {"as_of": END.isoformat()}}),
        ("finops-jobs", {"job": "evaluate_budgets", "parameters": {"as_of": END.isoformat()}}),
    ]
