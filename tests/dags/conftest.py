"""Airflow for the DAG tests: a throwaway AIRFLOW_HOME with a SQLite metadata database.

Airflow reads its configuration when first imported, so the environment is set here, when
pytest imports this conftest, before any test module of this folder imports Airflow. The home
folder lives for the test session and is removed after it; its database is created once per
session (from Airflow's ORM, about two seconds), only by the tests that run DAGs.

The DAG folder is put on ``sys.path`` as Airflow does for a DAG bundle, so the DAG files import
their helper package (``finops_dags``) exactly as on MWAA.
"""

from __future__ import annotations

import inspect
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
DAGS_FOLDER = REPO_ROOT / "mwaa_dags"
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

_AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="finops-airflow-"))
os.environ.update(
    {
        "AIRFLOW_HOME": str(_AIRFLOW_HOME),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{_AIRFLOW_HOME / 'airflow.db'}",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
    }
)
# parse with the local executor unless a test says otherwise (no Variable lookup at parse time)
os.environ.setdefault("FINOPS_DAG_EXECUTOR", "local")
if str(DAGS_FOLDER) not in sys.path:
    sys.path.append(str(DAGS_FOLDER))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "mwaa_parity: builds (once, cached) a Python 3.12 venv pinned like MWAA and parses the "
        "DAGs there; deselect with -m 'not mwaa_parity'",
    )


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(_AIRFLOW_HOME, ignore_errors=True)


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


@pytest.fixture(scope="session")
def airflow_metadata_db() -> Path:
    """The session's Airflow metadata database, created on first use."""
    pytest.importorskip("airflow", reason="Airflow is not installed: pip install -e '.[airflow]'")
    from airflow.utils.db import initdb

    initdb()
    return _AIRFLOW_HOME / "airflow.db"
