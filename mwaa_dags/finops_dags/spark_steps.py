"""The Spark path of large billing deliveries as DAG steps (``finops.ingest.spark_scans``).

Three steps after the catch-up sweep, each thin:

1. ``plan_spark_scans``: the job plans a scan per large delivery not yet ingested and returns
   them (folder, name, the Spark job's arguments per scan). It runs where its reply can be
   read back: in the worker (``local``) or in the jobs Lambda (``lambda`` and ``ecs``: planning
   only lists the bucket, well inside a Lambda's 15 minutes).
2. ``scan_with_spark``, one mapped task per scan: with the ``local`` executor the job
   ``scan_with_spark`` runs the scan on local Spark in the worker; otherwise the Amazon
   provider's ``EmrServerlessStartJobOperator`` runs ``finops/ingest/spark_job.py`` on the EMR
   Serverless application the CDK stack provisions, and waits for it
   (``scan_with_spark_request`` first resolves the application, role and entry point). No scan
   planned: the mapped task is skipped.
3. ``load_spark_scans``: the job loads every finished scan (also ones an earlier run left),
   with the restatement, idempotency and run-record guarantees of any ingestion. It runs
   whatever became of the scans (``all_done``): one failed scan does not hold back the others,
   and the failed task still fails the DAG run.

Settings (environment or Airflow Variable, read when a task runs): ``FINOPS_SPARK_SCAN_URI``
(unset: the Spark path is off and the steps do nothing), ``FINOPS_INGEST_SPARK_MIN_BYTES``
(optional), and for EMR ``FINOPS_EMR_APPLICATION_ID``, ``FINOPS_EMR_EXECUTION_ROLE_ARN`` and
``FINOPS_SPARK_ENTRY_POINT``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from airflow.sdk import task

from finops_dags import config
from finops_dags.job_steps import (
    ParameterBuilder,
    invoke_jobs_lambda,
    job_parameters,
    job_step,
    run_locally,
    triggered_by,
)

if TYPE_CHECKING:
    from airflow.sdk import Asset

#: How long one EMR Serverless scan may run (the house ceiling for a task is 3 hours).
SCAN_TIMEOUT = dt.timedelta(hours=3)
EMR_POLL_SECONDS = 60


def spark_scan_uri() -> str | None:
    return config.setting("FINOPS_SPARK_SCAN_URI")


def min_bytes() -> int | None:
    raw = config.setting("FINOPS_INGEST_SPARK_MIN_BYTES")
    if raw is None:
        return None
    try:
        value = int(raw)
    except ValueError as exc:
        raise config.DagConfigurationError(
            f"setting FINOPS_INGEST_SPARK_MIN_BYTES: expected a size in bytes, got {raw!r}"
        ) from exc
    if value <= 0:
        raise config.DagConfigurationError(
            f"setting FINOPS_INGEST_SPARK_MIN_BYTES: expected a positive size, got {value}"
        )
    return value


def emr_job_run(scan: Mapping[str, Any]) -> dict[str, Any]:
    """The ``EmrServerlessStartJobOperator`` arguments of one planned scan."""
    return {
        "application_id": config.required_setting(
            "FINOPS_EMR_APPLICATION_ID", "the EMR Serverless application's id"
        ),
        "execution_role_arn": config.required_setting(
            "FINOPS_EMR_EXECUTION_ROLE_ARN", "the ARN of the scan jobs' execution role"
        ),
        "job_driver": {
            "sparkSubmit": {
                "entryPoint": config.required_setting(
                    "FINOPS_SPARK_ENTRY_POINT", "the s3:// URI of finops/ingest/spark_job.py"
                ),
                "entryPointArguments": [str(a) for a in scan["arguments"]],
            }
        },
        "name": f"finops-{scan['name']}"[:200],
    }


def plan_step(parameters: ParameterBuilder) -> Any:
    """The planning task; it returns the planned scans (the job's reply, with its counts, is
    the job run's record)."""
    kind = config.executor()
    runner = run_locally if kind == config.LOCAL else invoke_jobs_lambda
    where = "in the worker" if kind == config.LOCAL else "in the jobs lambda"

    @task(
        task_id="plan_spark_scans",
        trigger_rule="all_done",
        doc_md=f"Plans the Spark scans of large deliveries (job `plan_spark_scans`, {where}).",
    )
    def plan(**context: Any) -> list[dict[str, Any]]:
        reply = runner(
            "plan_spark_scans",
            job_parameters(parameters, context),
            triggered_by=triggered_by(context),
        )
        scans = reply.get("scans")
        if not isinstance(scans, list):
            raise config.DagConfigurationError(
                f"job 'plan_spark_scans' replied without a list of scans: {sorted(reply)}"
            )
        return scans

    return plan()


def scan_step(scans: Any) -> Any:
    """The mapped scan task over ``scans`` (the plan's list)."""
    if config.executor() == config.LOCAL:

        @task(
            task_id="scan_with_spark",
            execution_timeout=SCAN_TIMEOUT,
            doc_md="Runs one planned scan on local Spark (job `scan_with_spark`, local).",
        )
        def scan(scan: dict[str, Any], **context: Any) -> dict[str, Any]:
            return run_locally(
                "scan_with_spark", {"out": scan["out"]}, triggered_by=triggered_by(context)
            )

        return scan.expand(scan=scans)

    from airflow.providers.amazon.aws.operators.emr import EmrServerlessStartJobOperator

    @task(
        task_id="scan_with_spark_request",
        doc_md="Resolves the EMR Serverless job run of each planned scan.",
    )
    def request(scans: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        return [emr_job_run(scan) for scan in scans]

    return EmrServerlessStartJobOperator.partial(
        task_id="scan_with_spark",
        doc_md="Runs one planned scan on EMR Serverless (`finops/ingest/spark_job.py`).",
        aws_conn_id=config.aws_conn_id(),
        wait_for_completion=True,
        waiter_delay=EMR_POLL_SECONDS,
        waiter_max_attempts=int(SCAN_TIMEOUT.total_seconds() // EMR_POLL_SECONDS),
        execution_timeout=SCAN_TIMEOUT,
    ).expand_kwargs(request(scans))


def spark_steps(
    *,
    plan_parameters: ParameterBuilder,
    load_parameters: ParameterBuilder,
    outlets: Sequence[Asset] = (),
) -> tuple[Any, Any]:
    """Add plan -> scans -> load to the DAG being defined; returns (first, last) task."""
    plan = plan_step(plan_parameters)
    scans = scan_step(plan)
    load = job_step(
        "load_spark_scans",
        parameters=load_parameters,
        outlets=outlets,
        trigger_rule="all_done",
    )
    scans >> load
    return plan, load
