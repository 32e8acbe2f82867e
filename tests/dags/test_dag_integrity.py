"""The DAG folder parses cleanly and every DAG follows the house rules (owner, retries,
timeouts, tags, docs) with the asset wiring of DESIGN.md §2."""

from __future__ import annotations

import ast
import itertools
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("airflow", reason="Airflow is not installed: pip install -e '.[airflow]'")

from airflow.sdk import Asset
from airflow.sdk.bases.operator import BaseOperator

from finops.jobs import graph
from tests.support.airflow_dags import DAG_IDS, DAGS_FOLDER, load_dag_bag

#: dag id -> (tasks in order, how it is scheduled). What each task reads and writes, and so
#: its outlets and the assets its DAG is scheduled on, comes from the stage graph.
EXPECTED: dict[str, tuple[list[str], str]] = {
    "finops_billing_ingestion": (
        ["sync_billing_bucket", "plan_spark_scans", "scan_with_spark", "load_spark_scans"],
        "cron",
    ),
    "finops_usage_ingestion": (["collect_inventory", "collect_usage"], "cron"),
    "finops_anomaly_detection": (["detect_cost_anomalies", "build_insights"], "assets"),
    "finops_rightsizing": (["rightsize"], "assets"),
    "finops_cost_forecasting": (["forecast_costs", "evaluate_budgets"], "assets"),
    "finops_savings_tracker": (["track_savings"], "assets"),
    "finops_auto_remediation": (["remediate"], "assets"),
}

#: The Spark path's steps (finops_dags/spark_steps.py): planned through the jobs Lambda and
#: scanned on EMR Serverless whatever the executor, except the local one.
SPARK_PLAN, SPARK_SCAN, SPARK_LOAD = "plan_spark_scans", "scan_with_spark", "load_spark_scans"

#: The datasets the DAGs publish as Airflow assets (``finops://<dataset>``).
PUBLISHED = {
    graph.BILLING_FACTS,
    graph.USAGE_METRICS,
    graph.ANOMALIES,
    graph.RECOMMENDATIONS,
    graph.FORECASTS,
}


def uri(dataset: str) -> str:
    # as Airflow stores it (it normalizes "finops://billing_facts" to "finops://billing_facts/")
    return str(Asset(f"finops://{dataset}").uri)


def published_uris(datasets: frozenset[str]) -> set[str]:
    return {uri(d) for d in datasets & PUBLISHED}


@pytest.fixture(scope="module")
def dag_bag() -> Any:
    return load_dag_bag()


def asset_uris(condition: Any) -> set[str]:
    if isinstance(condition, Asset):
        return {condition.uri}
    return set().union(*(asset_uris(c) for c in condition.objects))


def ordered_task_ids(dag: Any) -> list[str]:
    return [t.task_id for t in dag.topological_sort()]


def test_the_dag_folder_parses_without_import_errors(dag_bag: Any) -> None:
    assert dag_bag.import_errors == {}


def test_the_folder_holds_exactly_the_seven_finops_dags(dag_bag: Any) -> None:
    assert set(dag_bag.dag_ids) == DAG_IDS


def test_the_helper_package_is_ignored_as_dag_source(dag_bag: Any) -> None:
    parsed = {Path(d.fileloc).name for d in dag_bag.dags.values()}
    assert parsed == {f"{dag_id}.py" for dag_id in DAG_IDS}
    ignore = (DAGS_FOLDER / ".airflowignore").read_text(encoding="utf-8").split()
    assert "finops_dags" in ignore


@pytest.mark.parametrize("dag_id", sorted(DAG_IDS))
def test_every_dag_has_an_owner_retries_timeouts_tags_and_docs(dag_bag: Any, dag_id: str) -> None:
    dag = dag_bag.dags[dag_id]
    assert dag.catchup is False
    assert dag.start_date is not None
    assert dag.max_active_runs == 1
    assert "finops" in dag.tags
    assert len(dag.tags) >= 2
    assert dag.doc_md
    assert dag.doc_md.strip().startswith("### FinOps")
    assert dag.owner not in ("", "airflow")
    for task in dag.tasks:
        assert task.owner == "finops-platform", task.task_id
        assert task.retries >= 2, task.task_id
        assert task.retry_delay.total_seconds() >= 60, task.task_id
        assert task.execution_timeout is not None, task.task_id
        assert task.execution_timeout.total_seconds() <= 3 * 3600, task.task_id


@pytest.mark.parametrize("dag_id", sorted(DAG_IDS))
def test_tasks_chain_in_order_and_publish_their_assets(dag_bag: Any, dag_id: str) -> None:
    dag = dag_bag.dags[dag_id]
    tasks, _ = EXPECTED[dag_id]
    assert ordered_task_ids(dag) == tasks
    for upstream, downstream in itertools.pairwise(tasks):
        assert dag.get_task(downstream).upstream_task_ids == {upstream}
    for task in dag.tasks:
        expected = published_uris(graph.stage(task.task_id).outputs)
        assert {o.uri for o in task.outlets} == expected, task.task_id


@pytest.mark.parametrize("dag_id", sorted(DAG_IDS))
def test_downstream_dags_are_scheduled_on_the_upstream_assets(dag_bag: Any, dag_id: str) -> None:
    dag = dag_bag.dags[dag_id]
    tasks, schedule = EXPECTED[dag_id]
    condition = getattr(dag.timetable, "asset_condition", None)
    first = graph.stage(tasks[0])
    if schedule == "cron":
        assert condition is None
        assert isinstance(dag.schedule, str)
        assert len(dag.schedule.split()) == 5
        assert not published_uris(first.inputs)
    else:
        assert type(condition).__name__ == "AssetAll"
        assert asset_uris(condition) == published_uris(first.inputs)
    # every later task's inputs are the DAG's trigger or an earlier task's outputs
    available = asset_uris(condition) if condition is not None else set()
    for name in tasks:
        node = graph.stage(name)
        assert published_uris(node.inputs) <= available, name
        available |= published_uris(node.outputs)


def test_task_order_within_each_dag_follows_the_stage_graph() -> None:
    order = [node.name for node in graph.STAGES]
    for tasks, _ in EXPECTED.values():
        assert [t for t in order if t in tasks] == tasks


def test_every_asset_consumed_is_produced_by_some_dag(dag_bag: Any) -> None:
    produced = {o.uri for d in dag_bag.dags.values() for t in d.tasks for o in t.outlets}
    consumed: set[str] = set()
    for dag in dag_bag.dags.values():
        condition = getattr(dag.timetable, "asset_condition", None)
        if condition is not None:
            consumed |= asset_uris(condition)
    assert consumed <= produced
    assert produced == {uri(d) for d in PUBLISHED}


# ----------------------------------------------------------------------------- what parses on MWAA


def _module_level_imports(statements: list[ast.stmt]) -> Iterator[str]:
    """Top-level module names imported when the module is imported (function bodies and
    ``if TYPE_CHECKING:`` blocks excluded)."""
    for node in statements:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        if isinstance(node, ast.Import):
            yield from (alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module:
                yield node.module.split(".")[0]
        elif isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING"):
            yield from _module_level_imports(node.orelse)
        else:
            for field in ("body", "orelse", "finalbody"):
                yield from _module_level_imports(getattr(node, field, []))
            for handler in getattr(node, "handlers", []):
                yield from _module_level_imports(handler.body)


@pytest.mark.parametrize(
    "path",
    sorted(DAGS_FOLDER.glob("*.py")) + sorted((DAGS_FOLDER / "finops_dags").glob("*.py")),
    ids=lambda p: p.name,
)
def test_dag_files_import_only_airflow_and_their_helpers_at_module_level(path: Path) -> None:
    allowed = {"airflow", "finops_dags", "__future__"} | set(sys.stdlib_module_names)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assert set(_module_level_imports(tree.body)) <= allowed


# ----------------------------------------------------------------------------- the other executors


def _bag_with(monkeypatch: pytest.MonkeyPatch, executor: str, **settings: str) -> Any:
    monkeypatch.setenv("FINOPS_DAG_EXECUTOR", executor)
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    return load_dag_bag()


def test_with_the_lambda_executor_the_dags_keep_their_shape(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bag = _bag_with(monkeypatch, "lambda")
    assert bag.import_errors == {}
    assert set(bag.dag_ids) == DAG_IDS
    for dag_id, (tasks, _) in EXPECTED.items():
        dag = bag.dags[dag_id]
        ordered = [t for t in ordered_task_ids(dag) if t != f"{SPARK_SCAN}_request"]
        assert ordered == tasks
        for task in dag.tasks:
            if task.task_id.startswith(SPARK_SCAN):
                continue  # EMR Serverless (test_the_spark_path_runs_on_emr_serverless...)
            assert "lambda" in task.doc_md
            expected = published_uris(graph.stage(task.task_id).outputs)
            assert {o.uri for o in task.outlets} == expected


def test_with_the_ecs_executor_each_job_is_an_ecs_run_task_after_its_request(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from airflow.providers.amazon.aws.operators.ecs import EcsRunTaskOperator

    bag = _bag_with(monkeypatch, "ecs")
    assert bag.import_errors == {}
    assert set(bag.dag_ids) == DAG_IDS
    for dag_id, (tasks, _) in EXPECTED.items():
        dag = bag.dags[dag_id]
        jobs = [t for t in tasks if t not in (SPARK_PLAN, SPARK_SCAN)]
        spark = {SPARK_PLAN, SPARK_SCAN, f"{SPARK_SCAN}_request"} if SPARK_PLAN in tasks else set()
        assert {t.task_id for t in dag.tasks} == {
            *jobs,
            *(f"{j}_ecs_request" for j in jobs),
            *spark,
        }
        for job in jobs:
            run: BaseOperator = dag.get_task(job)
            assert isinstance(run, EcsRunTaskOperator)
            assert run.launch_type == "FARGATE"
            assert run.reattach is True
            assert run.retries >= 2
            assert run.execution_timeout is not None
            assert {o.uri for o in run.outlets} == published_uris(graph.stage(job).outputs)
            before = tasks[tasks.index(job) - 1] if tasks.index(job) else None
            expected_upstream = {f"{job}_ecs_request"} | ({before} if before else set())
            assert run.upstream_task_ids == expected_upstream


@pytest.mark.parametrize("executor", ["lambda", "ecs"])
def test_the_spark_path_is_planned_by_lambda_and_scanned_on_emr_serverless(
    monkeypatch: pytest.MonkeyPatch, executor: str
) -> None:
    from airflow.providers.amazon.aws.operators.emr import EmrServerlessStartJobOperator

    dag = _bag_with(monkeypatch, executor).dags["finops_billing_ingestion"]
    plan, scan = dag.get_task(SPARK_PLAN), dag.get_task(SPARK_SCAN)
    request, load = dag.get_task(f"{SPARK_SCAN}_request"), dag.get_task(SPARK_LOAD)
    assert "lambda" in plan.doc_md  # planning reads back the job's reply
    assert plan.upstream_task_ids == {"sync_billing_bucket"}
    assert plan.trigger_rule == "all_done"  # a bad small file does not hold back the rest
    assert scan.operator_class is EmrServerlessStartJobOperator  # mapped: one per scan
    assert scan.partial_kwargs["wait_for_completion"] is True
    assert scan.partial_kwargs["execution_timeout"].total_seconds() <= 3 * 3600
    assert scan.upstream_task_ids == {request.task_id}
    assert request.upstream_task_ids == {SPARK_PLAN}
    assert SPARK_SCAN in load.upstream_task_ids
    assert load.trigger_rule == "all_done"  # one failed scan does not hold back the others
    assert {o.uri for o in load.outlets} == published_uris(graph.stage(SPARK_LOAD).outputs)


def test_an_unknown_executor_is_an_import_error_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bag = _bag_with(monkeypatch, "kubernetes")
    assert set(bag.import_errors) == {str(DAGS_FOLDER / f"{dag_id}.py") for dag_id in DAG_IDS}
    assert all("FINOPS_DAG_EXECUTOR" in error for error in bag.import_errors.values())
