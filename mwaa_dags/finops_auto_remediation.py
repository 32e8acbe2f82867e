"""
### FinOps: auto-remediation

Runs whenever rightsizing publishes new recommendations (`finops://recommendations`).

`remediate` (as of the run's day): applies the remediation policies to the open
recommendations: dry-run by default, approval or auto (allow-listed only) where a policy says
so; exclusion tags and the blast-radius limit hold; every step is audited with its rollback.

Re-run a past day by triggering with the run conf `{"as_of": "YYYY-MM-DD"}`.
"""

from __future__ import annotations

import datetime as dt

from airflow.sdk import dag

from finops_dags.assets import RECOMMENDATIONS
from finops_dags.dag_defaults import START_DATE, default_args, tags
from finops_dags.job_steps import as_of, job_step


@dag(
    dag_id="finops_auto_remediation",
    schedule=[RECOMMENDATIONS],
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=default_args(execution_timeout=dt.timedelta(minutes=30)),
    tags=tags("remediation"),
    doc_md=__doc__,
)
def finops_auto_remediation() -> None:
    job_step("remediate", parameters=as_of)


finops_auto_remediation()
