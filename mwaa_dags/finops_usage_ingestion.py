"""
### FinOps: usage ingestion (daily)

1. `collect_inventory`: EC2 instances, ECS services, EKS clusters and node groups, Lambda
   functions of the configured regions (`FINOPS_USAGE_REGIONS`; unset: every enabled region)
   into the resource inventory.
2. `collect_usage`: their daily CloudWatch utilization for the days
   `[yesterday - 14 days, today)` (UTC). Re-reading two weeks every day fills gaps left by late
   metrics and by failed runs; rows are upserted, never duplicated.

**Produces** `finops://usage_metrics`, which (with `finops://billing_facts`) starts rightsizing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from airflow.sdk import dag

from finops_dags.assets import USAGE_METRICS
from finops_dags.config import list_setting
from finops_dags.dag_defaults import START_DATE, default_args, tags
from finops_dags.job_steps import job_step

#: Days re-read before yesterday on every run.
REREAD_DAYS = 14


def inventory_parameters(day: dt.date) -> dict[str, Any]:
    del day
    return {"regions": list_setting("FINOPS_USAGE_REGIONS")}


def usage_parameters(day: dt.date) -> dict[str, Any]:
    yesterday = day - dt.timedelta(days=1)
    return {
        "start": (yesterday - dt.timedelta(days=REREAD_DAYS)).isoformat(),
        "end": day.isoformat(),
        "regions": list_setting("FINOPS_USAGE_REGIONS"),
    }


@dag(
    dag_id="finops_usage_ingestion",
    schedule="0 5 * * *",  # daily, once yesterday's metrics are complete
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=default_args(execution_timeout=dt.timedelta(hours=1)),
    tags=tags("usage", "ingestion"),
    doc_md=__doc__,
)
def finops_usage_ingestion() -> None:
    inventory = job_step("collect_inventory", parameters=inventory_parameters)
    usage = job_step("collect_usage", parameters=usage_parameters, outlets=[USAGE_METRICS])
    inventory >> usage


finops_usage_ingestion()
