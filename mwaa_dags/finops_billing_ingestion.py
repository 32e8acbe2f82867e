"""
### FinOps: billing ingestion (daily catch-up sweep)

Runs the job `sync_billing_bucket` over the billing export bucket (`FINOPS_BILLING_BUCKET`,
under `FINOPS_BILLING_PREFIX`): every billing file (CUR, CUR 2.0, FOCUS) not yet ingested, or
changed since, is ingested into the daily cost facts.

New files normally arrive in real time (S3 → EventBridge → SQS → the ingest Lambda); this sweep
picks up whatever that path missed, and is safe to run any time: a file ingested before changes
nothing, a restated month replaces its billing period.

Deliveries too large for one machine (from `FINOPS_INGEST_SPARK_MIN_BYTES`, when
`FINOPS_SPARK_SCAN_URI` turns the Spark path on) are left by the sweep to the Spark steps:
`plan_spark_scans` plans a scan per delivery, `scan_with_spark` runs each on EMR Serverless
(local Spark with the local executor), `load_spark_scans` loads the scanned facts with the same
guarantees. With the Spark path off these steps do nothing.

**Produces** `finops://billing_facts`, which starts anomaly detection, rightsizing (with
`finops://usage_metrics`), cost forecasting and the savings tracker.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from airflow.sdk import dag

from finops_dags.assets import BILLING_FACTS
from finops_dags.config import required_setting, setting
from finops_dags.dag_defaults import START_DATE, default_args, tags
from finops_dags.job_steps import job_step
from finops_dags.spark_steps import min_bytes, spark_scan_uri, spark_steps


def bucket_parameters(day: dt.date) -> dict[str, Any]:
    del day  # the sweep covers the whole bucket
    return {
        "bucket": required_setting("FINOPS_BILLING_BUCKET", "the billing export bucket's name"),
        "prefix": setting("FINOPS_BILLING_PREFIX", "") or "",
    }


def plan_parameters(day: dt.date) -> dict[str, Any]:
    return {
        **bucket_parameters(day),
        "scan_uri": spark_scan_uri(),
        "spark_min_bytes": min_bytes(),
    }


def load_parameters(day: dt.date) -> dict[str, Any]:
    del day  # loads every finished scan, whenever it was planned
    return {"scan_uri": spark_scan_uri()}


@dag(
    dag_id="finops_billing_ingestion",
    schedule="30 6 * * *",  # daily, after the overnight export refresh
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=default_args(execution_timeout=dt.timedelta(hours=2)),
    tags=tags("billing", "ingestion"),
    doc_md=__doc__,
)
def finops_billing_ingestion() -> None:
    sweep = job_step("sync_billing_bucket", parameters=bucket_parameters, outlets=[BILLING_FACTS])
    plan, _ = spark_steps(
        plan_parameters=plan_parameters, load_parameters=load_parameters, outlets=[BILLING_FACTS]
    )
    sweep >> plan


finops_billing_ingestion()
