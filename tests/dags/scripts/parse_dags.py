"""Parse a DAG folder the way an Airflow DAG processor does and write what it found as JSON.

Run by ``tests/dags/test_mwaa_parity.py`` with the interpreter of the MWAA-like environment
(``python -I parse_dags.py DAG_FOLDER OUT_JSON``); standard library and Airflow only. The
folder goes on ``sys.path`` as Airflow puts a DAG bundle's root there. Each executor setting is
parsed in turn; ``unset`` leaves ``FINOPS_DAG_EXECUTOR`` out, as on a fresh MWAA environment.
"""

from __future__ import annotations

import inspect
import json
import os
import sys
from typing import Any

EXECUTORS = ("unset", "local", "lambda", "ecs")


def dag_bag(folder: str) -> Any:
    try:
        from airflow.dag_processing.dagbag import DagBag
    except ImportError:  # Airflow 3.0
        from airflow.models.dagbag import DagBag
    kwargs: dict[str, Any] = {"dag_folder": folder}
    if "include_examples" in inspect.signature(DagBag).parameters:
        kwargs["include_examples"] = False
    return DagBag(**kwargs)


def main(folder: str, out: str) -> None:
    import airflow
    import airflow.providers.amazon

    sys.path.append(folder)
    results: dict[str, Any] = {}
    for executor in EXECUTORS:
        if executor == "unset":
            os.environ.pop("FINOPS_DAG_EXECUTOR", None)
        else:
            os.environ["FINOPS_DAG_EXECUTOR"] = executor
        bag = dag_bag(folder)
        results[executor] = {
            "dags": {
                dag_id: sorted(t.task_id for t in dag.tasks) for dag_id, dag in bag.dags.items()
            },
            "import_errors": {str(k): v for k, v in bag.import_errors.items()},
        }
    report = {
        "python": "{}.{}".format(*sys.version_info[:2]),
        "airflow": airflow.__version__,
        "amazon_provider": airflow.providers.amazon.__version__,
        "core_loaded": any(m == "finops" or m.startswith("finops.") for m in sys.modules),
        "executors": results,
    }
    with open(out, "w", encoding="utf-8") as handle:
        json.dump(report, handle, indent=2, sort_keys=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
