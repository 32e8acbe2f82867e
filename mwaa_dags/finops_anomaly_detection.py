"""
### FinOps: cost anomaly detection

Runs whenever new cost facts land (`finops://billing_facts`), so an anomaly shows minutes after
its bill arrives, not a day later.

1. `detect_cost_anomalies` (as of the run's day): per-scope daily cost against a seasonal,
   robust baseline; anomalies with dollar impact and root cause.
2. `build_insights` (same day): top movers, new services, waste, budget risk.

**Produces** `finops://anomalies` (when detection succeeds).
Re-run a past day by triggering with the run conf `{"as_of": "YYYY-MM-DD"}`.
"""

from __future__ import annotations

import datetime as dt

from airflow.sdk import dag

from finops_dags.assets import ANOMALIES, BILLING_FACTS
from finops_dags.dag_defaults import START_DATE, default_args, tags
from finops_dags.job_steps import as_of, job_step


@dag(
    dag_id="finops_anomaly_detection",
    schedule=[BILLING_FACTS],
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=default_args(execution_timeout=dt.timedelta(minutes=30)),
    tags=tags("anomalies", "insights"),
    doc_md=__doc__,
)
def finops_anomaly_detection() -> None:
    detect = job_step("detect_cost_anomalies", parameters=as_of, outlets=[ANOMALIES])
    insights = job_step("build_insights", parameters=as_of)
    detect >> insights


finops_anomaly_detection()
