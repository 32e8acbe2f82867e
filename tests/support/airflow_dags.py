"""The DAG folder the Airflow tests parse, the DAG ids it must hold, and a DagBag loader.

Importing this module never imports Airflow (``tests/dags/conftest.py`` must configure Airflow's
environment first); :func:`load_dag_bag` imports it when called.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

DAGS_FOLDER = Path(__file__).resolve().parents[2] / "mwaa_dags"
DAG_IDS = frozenset(
    {
        "finops_billing_ingestion",
        "finops_usage_ingestion",
        "finops_anomaly_detection",
        "finops_rightsizing",
        "finops_cost_forecasting",
        "finops_savings_tracker",
        "finops_auto_remediation",
    }
)


def load_dag_bag(folder: Path = DAGS_FOLDER) -> Any:
    """A DagBag of ``folder`` (the class moved between Airflow 3.0 and 3.1)."""
    try:
        from airflow.dag_processing.dagbag import DagBag
    except ImportError:  # Airflow 3.0
        from airflow.models.dagbag import DagBag  # type: ignore[no-redef]
    kwargs: dict[str, Any] = {"dag_folder": str(folder)}
    if "include_examples" in inspect.signature(DagBag).parameters:
        kwargs["include_examples"] = False
    return DagBag(**kwargs)
