"""Airflow for the DAG tests: a throwaway AIRFLOW_HOME with a SQLite metadata database.

Airflow reads its configuration when first imported, so the environment is set here, when
pytest imports this conftest, before any test module of this folder imports Airflow. The home
folder lives for the test session and is removed after it; its database is created once per
session (from Airflow's ORM, about two seconds), only by the tests that run DAGs.

The DAG folder (``DAGS_FOLDER`` in ``tests/support/airflow_dags.py``) is put on ``sys.path`` as
Airflow does for a DAG bundle, so the DAG files import their helper package (``finops_dags``)
exactly as on MWAA.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

from tests.support.airflow_dags import DAGS_FOLDER

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


@pytest.fixture(scope="session")
def airflow_metadata_db() -> Path:
    """The session's Airflow metadata database, created on first use."""
    pytest.importorskip("airflow", reason="Airflow is not installed: pip install -e '.[airflow]'")
    from airflow.utils.db import initdb

    initdb()
    return _AIRFLOW_HOME / "airflow.db"
