"""
### FinOps: savings tracker

Runs whenever new cost facts land (`finops://billing_facts`).

`track_savings` (as of the run's day): realized savings of every applied recommendation,
accrued from the bills after it was applied against its recorded baseline, next to the
estimate.

Re-run a past day by triggering with the run conf `{"as_of": "YYYY-MM-DD"}`.
"""

from __future__ import annotations

import datetime as dt

from airflow.sdk import dag

from finops_dags.assets import BILLING_FACTS
from finops_dags.dag_defaults import START_DATE, default_args, tags
from finops_dags.job_steps import as_of, job_step


@dag(
    dag_id="finops_savings_tracker",
    schedule=[BILLING_FACTS],
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=default_args(execution_timeout=dt.timedelta(minutes=30)),
    tags=tags("savings"),
    doc_md=__doc__,
)
def finops_savings_tracker() -> None:
    job_step("track_savings", parameters=as_of)


finops_savings_tracker()
