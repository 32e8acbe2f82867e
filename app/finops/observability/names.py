"""Metric names and help texts (Prometheus conventions: ``finops_`` prefix, base units,
``_total`` for counters, ``_seconds`` for durations and timestamps).

The alert rules in ``monitoring/prometheus/rules/`` and the Grafana dashboards refer to these
names; ``tests/monitoring`` checks that every name they use is defined here.
"""

from __future__ import annotations

from typing import Final

PREFIX: Final = "finops_"

# API (recorded in the serving process; label values are route templates, never raw paths)
HTTP_REQUESTS = "finops_http_requests_total"
HTTP_REQUESTS_HELP = "API requests answered, by route template, method and status code."
HTTP_DURATION = "finops_http_request_duration_seconds"
HTTP_DURATION_HELP = "Time to answer an API request, by route template and method."
HTTP_ERRORS = "finops_http_errors_total"
HTTP_ERRORS_HELP = "API error replies by error code of the error envelope (not_found, ...)."

# Batch stages (pushed to the Pushgateway by each run; grouping key: job)
JOB_DURATION = "finops_job_duration_seconds"
JOB_DURATION_HELP = "Wall time of the stage's last run."
JOB_LAST_RUN_SUCCESS = "finops_job_last_run_success"
JOB_LAST_RUN_SUCCESS_HELP = "1 when the stage's last run succeeded, 0 when it failed."
JOB_LAST_RUN_TIMESTAMP = "finops_job_last_run_timestamp_seconds"
JOB_LAST_RUN_TIMESTAMP_HELP = "When the stage's last run finished (Unix time)."
JOB_LAST_SUCCESS_PUSHED = "finops_job_last_success_timestamp_seconds"
JOB_LAST_SUCCESS_PUSHED_HELP = "When the stage last finished successfully (Unix time)."
JOB_COUNT = "finops_job_count"
JOB_COUNT_HELP = "The numeric counts the stage's last run reported (rows, recommendations...)."

# Read from the database at scrape time
BILLING_NEWEST_CHARGE = "finops_billing_newest_charge_timestamp_seconds"
BILLING_NEWEST_CHARGE_HELP = "Start of the newest charge period ingested, per billing account."
INGEST_LAST_SUCCESS = "finops_ingest_last_success_timestamp_seconds"
INGEST_LAST_SUCCESS_HELP = "When the last successful billing ingestion run finished."
INGEST_RUNS = "finops_ingest_runs"
INGEST_RUNS_HELP = "Billing ingestion runs recorded in the last 24 hours, by status."
JOB_LAST_SUCCESS = "finops_job_last_success_recorded_timestamp_seconds"
JOB_LAST_SUCCESS_HELP = "When the stage last succeeded, from the recorded job runs."
JOB_LAST_FAILED = "finops_job_last_run_failed"
JOB_LAST_FAILED_HELP = "1 when the stage's newest recorded run failed, else 0."
ANOMALIES_OPEN = "finops_anomalies_open"
ANOMALIES_OPEN_HELP = "Open cost anomalies by severity."
SAVINGS_UNREALIZED = "finops_savings_unrealized_monthly"
SAVINGS_UNREALIZED_HELP = (
    "Estimated monthly saving of open and accepted recommendations, per billing currency "
    "(money in the currency's unit)."
)
BUDGET_CROSSED = "finops_budget_threshold_crossed_percent"
BUDGET_CROSSED_HELP = (
    "Highest threshold (% of the amount) a budget crossed in its current period, by kind "
    "(actual, forecast)."
)
SCRAPE_ERRORS = "finops_metrics_collect_errors_total"
SCRAPE_ERRORS_HELP = "Scrapes whose database read failed (the freshness gauges are then absent)."

ALL_NAMES: Final = frozenset(
    {
        HTTP_REQUESTS,
        HTTP_DURATION,
        HTTP_ERRORS,
        JOB_DURATION,
        JOB_LAST_RUN_SUCCESS,
        JOB_LAST_RUN_TIMESTAMP,
        JOB_LAST_SUCCESS_PUSHED,
        JOB_COUNT,
        BILLING_NEWEST_CHARGE,
        INGEST_LAST_SUCCESS,
        INGEST_RUNS,
        JOB_LAST_SUCCESS,
        JOB_LAST_FAILED,
        ANOMALIES_OPEN,
        SAVINGS_UNREALIZED,
        BUDGET_CROSSED,
        SCRAPE_ERRORS,
    }
)
"""Every metric this package defines (counter names with their ``_total`` suffix)."""
