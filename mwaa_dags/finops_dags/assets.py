"""The data the FinOps DAGs hand to one another (Airflow data-aware scheduling).

A producing task lists an asset in its ``outlets``; when that task succeeds, Airflow records an
asset event and starts the DAGs scheduled on the asset. The outlet sits on the task that writes
the asset's rows, so consumers start as soon as the data is in.
"""

from __future__ import annotations

from airflow.sdk import Asset

#: Daily cost facts (``billing``), written by billing ingestion.
BILLING_FACTS = Asset("finops://billing_facts")
#: Daily utilization (``usage_metrics``) and the resource inventory, written by usage ingestion.
USAGE_METRICS = Asset("finops://usage_metrics")
#: Cost anomalies with their root cause, written by anomaly detection.
ANOMALIES = Asset("finops://anomalies")
#: Rightsizing and idle recommendations, written by rightsizing.
RECOMMENDATIONS = Asset("finops://recommendations")
#: Cost forecasts per scope, written by cost forecasting.
FORECASTS = Asset("finops://forecasts")
