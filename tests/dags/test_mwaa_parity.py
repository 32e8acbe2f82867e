"""The DAG files parse on Amazon MWAA's stack: Airflow 3.0.6, its Amazon provider, Python 3.12,
the packages of ``mwaa_dags/requirements.txt`` under MWAA's constraints, and without this
project's package.

The environment is built once (about a minute) and cached outside the repository
(``tests/dags/mwaa_parity_env.py``); a cached run takes a few seconds. Deselect with
``-m 'not mwaa_parity'``.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.dags import mwaa_parity_env as mwaa
from tests.support.airflow_dags import DAG_IDS

pytestmark = pytest.mark.mwaa_parity

PARSE_SCRIPT = Path(__file__).parent / "scripts" / "parse_dags.py"
PARSE_TIMEOUT_SECONDS = 300


def test_requirements_name_the_official_constraints_of_the_copy_we_test_with() -> None:
    constraint, requirements = mwaa.requirement_lines()
    assert mwaa.REQUIREMENTS.read_text(encoding="utf-8").startswith("--constraint ")
    assert constraint == mwaa.CONSTRAINT_URL
    assert mwaa.constraints_origin() == mwaa.CONSTRAINT_URL
    assert requirements == ["apache-airflow-providers-amazon"]


@pytest.fixture(scope="module")
def parity_environment() -> mwaa.ParityEnvironment:
    python = mwaa.find_python312()
    if python is None:
        pytest.skip(
            "no Python 3.12 interpreter found (python3.12 on PATH, a pyenv 3.12, or "
            "FINOPS_PYTHON312): the MWAA parity check needs one"
        )
    return mwaa.ensure_environment(python)


def test_the_dags_parse_on_mwaa_airflow_without_the_project_package(
    parity_environment: mwaa.ParityEnvironment, tmp_path: Path
) -> None:
    out = tmp_path / "report.json"
    env = {
        "AIRFLOW_HOME": str(tmp_path / "airflow"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(mwaa.DAGS_FOLDER),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
    }
    result = subprocess.run(
        [str(parity_environment.python), "-I", str(PARSE_SCRIPT), str(mwaa.DAGS_FOLDER), str(out)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=PARSE_TIMEOUT_SECONDS,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    report = json.loads(out.read_text(encoding="utf-8"))

    assert report["python"] == mwaa.PYTHON_VERSION
    assert report["airflow"] == mwaa.MWAA_AIRFLOW_VERSION
    assert report["core_loaded"] is False
    for executor, found in report["executors"].items():
        assert found["import_errors"] == {}, executor
        assert set(found["dags"]) == DAG_IDS, executor
    # a fresh MWAA environment (no setting) runs the local shape, which needs the project:
    # the default only suits local runs, so MWAA must set FINOPS_DAG_EXECUTOR (docs/dags.md)
    assert report["executors"]["unset"]["dags"] == report["executors"]["local"]["dags"]
    assert report["executors"]["ecs"]["dags"]["finops_rightsizing"] == [
        "rightsize",
        "rightsize_ecs_request",
    ]
