"""
### FinOps: rightsizing

Runs once both new cost facts (`finops://billing_facts`) and new utilization
(`finops://usage_metrics`) have landed since its last run.

`rightsize` (as of the run's day, 14-day lookback): rightsizing and idle recommendations for
EC2, ECS, EKS and Lambda, priced from the catalogue, with their utilization evidence.

**Produces** `finops://recommendations`, which starts auto-remediation.
Re-run a past day by triggering with the run conf `{"as_of": "YYYY-MM-DD"}`.
"""

from __future__ import annotations

import datetime as dt

from airflow.sdk import dag

from finops_dags.assets import BILLING_FACTS, RECOMMENDATIONS, USAGE_METRICS
from finops_dags.dag_defaults import START_DATE, default_args, tags
from finops_dags.job_steps import as_of, job_step


@dag(
    dag_id="finops_rightsizing",
    schedule=(BILLING_FACTS & USAGE_METRICS),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=default_args(execution_timeout=dt.timedelta(minutes=30)),
    tags=tags("rightsizing", "recommendations"),
    doc_md=__doc__,
)
def finops_rightsizing() -> None:
    job_step("rightsize", parameters=as_of, outlets=[RECOMMENDATIONS])


finops_rightsizing()
