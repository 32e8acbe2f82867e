"""
### FinOps: cost forecasting and budgets

Runs whenever new cost facts land (`finops://billing_facts`).

1. `forecast_costs` (first forecast day = the run's day): SMA, ARIMA/ETS and Prophet per
   scope, the model chosen by rolling-origin backtest, 80% and 95% intervals.
2. `evaluate_budgets` (same day): actual and forecast budget alerts, delivered.

**Produces** `finops://forecasts` (when the forecasts are stored).
Re-run a past day by triggering with the run conf `{"as_of": "YYYY-MM-DD"}`.
"""

from __future__ import annotations

import datetime as dt

from airflow.sdk import dag

from finops_dags.assets import BILLING_FACTS, FORECASTS
from finops_dags.dag_defaults import START_DATE, default_args, tags
from finops_dags.job_steps import as_of, job_step


@dag(
    dag_id="finops_cost_forecasting",
    schedule=[BILLING_FACTS],
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=default_args(execution_timeout=dt.timedelta(hours=1)),
    tags=tags("forecasts", "budgets"),
    doc_md=__doc__,
)
def finops_cost_forecasting() -> None:
    forecast = job_step("forecast_costs", parameters=as_of, outlets=[FORECASTS])
    budgets = job_step("evaluate_budgets", parameters=as_of)
    forecast >> budgets


finops_cost_forecasting()
