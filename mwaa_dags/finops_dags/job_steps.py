"""One FinOps job as one DAG step, run where the configuration says (DESIGN.md §2).

A step stays thin: it works out the job's parameters for the run (the run's day, settings) and
hands them to the job, which does all the work and records a ``job_runs`` row. Where the job
runs is the executor setting (:func:`finops_dags.config.executor`):

- ``local``: in the Airflow worker, through ``finops.jobs.run_job`` (needs this project installed:
  local runs and tests, never MWAA);
- ``lambda``: in the jobs Lambda, invoked synchronously with ``{"job", "parameters"}``;
- ``ecs``: in an ECS Fargate task of the jobs image, running
  ``finops jobs run NAME --params JSON`` (for jobs that outlast a Lambda's 15 minutes).

A job that fails (an exception, a ``failed`` status, a Lambda ``FunctionError``, a non-zero exit
of the ECS container) fails the task, so Airflow retries it; every job is idempotent for its key.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from airflow.sdk import task

from finops_dags import config

if TYPE_CHECKING:
    from airflow.sdk import Asset

#: Builds a job's parameters (JSON values: ISO dates as strings) from the run's day.
ParameterBuilder = Callable[[dt.date], Mapping[str, Any]]

#: Parameters that travel as ISO date strings and reach in-process jobs as dates (the jobs'
#: parameter models in app/finops/jobs/parameters.py take ``datetime.date``).
DATE_PARAMETERS = frozenset({"as_of", "start", "end"})
LAMBDA_READ_TIMEOUT_SECONDS = 910  # a Lambda runs 15 minutes at most
MAX_REPLY_CHARS = 2000


class JobFailedError(RuntimeError):
    """The job ran and failed, or its runner could not tell whether it succeeded."""


# ----------------------------------------------------------------------------- parameters


def run_day(context: Mapping[str, Any]) -> dt.date:
    """The day a run is for, in UTC: the run conf's ``as_of`` (a manual re-run of a past day),
    else the run's logical date, else when it was due (``run_after``: asset-triggered runs
    have no logical date)."""
    dag_run = context.get("dag_run")
    conf = getattr(dag_run, "conf", None)
    override = conf.get("as_of") if isinstance(conf, Mapping) else None
    if override:
        try:
            return dt.date.fromisoformat(str(override))
        except ValueError as exc:
            raise config.DagConfigurationError(
                f"run conf 'as_of': expected a date YYYY-MM-DD, got {override!r}"
            ) from exc
    moment = context.get("logical_date") or getattr(dag_run, "run_after", None)
    if moment is None:
        moment = dt.datetime.now(dt.UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).date()


def as_of(day: dt.date) -> dict[str, Any]:
    """The parameters of a dated job: ``as_of`` is the run's day."""
    return {"as_of": day.isoformat()}


def job_parameters(builder: ParameterBuilder | None, context: Mapping[str, Any]) -> dict[str, Any]:
    """The job's parameters for this run, as the JSON document every runner receives."""
    built = dict(builder(run_day(context))) if builder is not None else {}
    try:
        document: dict[str, Any] = json.loads(json.dumps(built))
    except (TypeError, ValueError) as exc:
        raise config.DagConfigurationError(
            f"job parameters {sorted(built)}: expected JSON values (dates as ISO strings)"
        ) from exc
    return document


def typed_parameters(parameters: Mapping[str, Any]) -> dict[str, Any]:
    """``parameters`` with the ISO dates of :data:`DATE_PARAMETERS` as ``datetime.date``."""
    typed = dict(parameters)
    for name in DATE_PARAMETERS & typed.keys():
        value = typed[name]
        if isinstance(value, str):
            try:
                typed[name] = dt.date.fromisoformat(value)
            except ValueError as exc:
                raise config.DagConfigurationError(
                    f"job parameter {name!r}: expected a date YYYY-MM-DD, got {value!r}"
                ) from exc
    return typed


def triggered_by(context: Mapping[str, Any]) -> str:
    return f"airflow:{context['ti'].dag_id}"


# ----------------------------------------------------------------------------- runners


def checked_reply(job: str, reply: Mapping[str, Any]) -> dict[str, Any]:
    """``reply`` (the job's ``{"job_run_id", "status", ...counts}``) when the job succeeded,
    JSON-shaped for XCom; :class:`JobFailedError` otherwise."""
    status = reply.get("status")
    if status != "succeeded":
        error = reply.get("error") or "no error recorded"
        raise JobFailedError(
            f"job {job!r} (run {reply.get('job_run_id', '?')}) finished {status!r}: {error}"
        )
    document: dict[str, Any] = json.loads(json.dumps(dict(reply), default=str))
    return document


def run_locally(job: str, parameters: Mapping[str, Any], *, triggered_by: str) -> dict[str, Any]:
    """Run the job in this process through the project's job registry."""
    # Imported here, never at module level: MWAA parses the DAGs without the project installed.
    try:
        from finops.db.database import database_from_env
        from finops.jobs import run_job
        from finops.jobs.registry import push_run_metrics_to
    except ImportError as exc:
        raise config.DagConfigurationError(
            f"{config.EXECUTOR} is {config.LOCAL!r} but the FinOps package is not installed on "
            f"this worker ({exc}); on MWAA set it to {config.LAMBDA!r} or {config.ECS!r}"
        ) from exc

    push_run_metrics_to(os.environ.get("FINOPS_PUSHGATEWAY_URL"))
    db = database_from_env()
    try:
        result = run_job(job, db=db, triggered_by=triggered_by, **typed_parameters(parameters))
    finally:
        db.dispose()
    return checked_reply(job, result)


def lambda_payload(job: str, parameters: Mapping[str, Any]) -> dict[str, Any]:
    return {"job": job, "parameters": dict(parameters)}


def invoke_jobs_lambda(
    job: str, parameters: Mapping[str, Any], *, triggered_by: str
) -> dict[str, Any]:
    """Run the job in the jobs Lambda (synchronous invocation) and check its reply."""
    from airflow.providers.amazon.aws.hooks.lambda_function import LambdaHook
    from botocore.config import Config

    del triggered_by  # the Lambda records its own trigger
    function_name = config.required_setting(
        "FINOPS_JOBS_FUNCTION", "the jobs Lambda's function name or ARN"
    )
    hook = LambdaHook(
        aws_conn_id=config.aws_conn_id(),
        # wait as long as the function may run; a retry is Airflow's (with back-off), not
        # botocore's, so a slow job is never started twice by the client
        config=Config(
            read_timeout=LAMBDA_READ_TIMEOUT_SECONDS,
            connect_timeout=10,
            retries={"mode": "standard", "total_max_attempts": 1},
        ),
    )
    response = hook.invoke_lambda(
        function_name=function_name,
        invocation_type="RequestResponse",
        payload=json.dumps(lambda_payload(job, parameters)),
    )
    body = response["Payload"].read().decode("utf-8", "replace")
    if response.get("FunctionError"):
        raise JobFailedError(
            f"job {job!r}: Lambda {function_name} raised ({response['FunctionError']}): "
            f"{body[:MAX_REPLY_CHARS]}"
        )
    try:
        reply = json.loads(body)
    except ValueError as exc:
        raise JobFailedError(
            f"job {job!r}: Lambda {function_name} replied with no JSON document: "
            f"{body[:MAX_REPLY_CHARS]!r}"
        ) from exc
    if not isinstance(reply, Mapping):
        raise JobFailedError(f"job {job!r}: Lambda {function_name} replied {reply!r}")
    return checked_reply(job, reply)


_RUNNERS: dict[str, Callable[..., dict[str, Any]]] = {
    config.LOCAL: run_locally,
    config.LAMBDA: invoke_jobs_lambda,
}


def ecs_command(job: str, parameters: Mapping[str, Any]) -> list[str]:
    """The jobs container's command for ``job``."""
    document = json.dumps(dict(parameters), sort_keys=True, separators=(",", ":"))
    return ["finops", "jobs", "run", job, "--params", document]


def ecs_run_task_request(
    job: str, parameters: Mapping[str, Any], ecs: config.EcsSettings
) -> dict[str, Any]:
    """The templated arguments of the step's ``EcsRunTaskOperator`` (resolved at run time)."""
    vpc: dict[str, Any] = {"subnets": ecs.subnets, "assignPublicIp": ecs.assign_public_ip}
    if ecs.security_groups:
        vpc["securityGroups"] = ecs.security_groups
    return {
        "cluster": ecs.cluster,
        "task_definition": ecs.task_definition,
        "overrides": {
            "containerOverrides": [{"name": ecs.container, "command": ecs_command(job, parameters)}]
        },
        "network_configuration": {"awsvpcConfiguration": vpc},
        "awslogs_group": ecs.log_group,
        "awslogs_stream_prefix": ecs.log_stream_prefix,
    }


# ----------------------------------------------------------------------------- the step


def job_step(
    job: str,
    *,
    parameters: ParameterBuilder | None = None,
    outlets: Sequence[Asset] = (),
    trigger_rule: str = "all_success",
) -> Any:
    """Add the step running ``job`` to the DAG being defined and return its last task.

    ``parameters`` builds the job's parameters from the run's day (:func:`run_day`) when the
    step runs; ``outlets`` are the assets the job writes (updated when it succeeds);
    ``trigger_rule`` is Airflow's, on the task that runs the job. With the
    ``ecs`` executor the step is two tasks: ``<job>_ecs_request`` resolves the parameters and
    the ECS settings, then ``<job>`` (``EcsRunTaskOperator``) runs the container.
    """
    kind = config.executor()
    if kind == config.ECS:
        return _ecs_step(job, parameters, list(outlets), trigger_rule)
    runner = _RUNNERS[kind]

    @task(
        task_id=job,
        outlets=list(outlets),
        trigger_rule=trigger_rule,
        doc_md=f"Runs the FinOps job `{job}` ({kind} executor).",
    )
    def run(**context: Any) -> dict[str, Any]:
        return runner(job, job_parameters(parameters, context), triggered_by=triggered_by(context))

    return run()


def _ecs_step(
    job: str,
    parameters: ParameterBuilder | None,
    outlets: list[Asset],
    trigger_rule: str,
) -> Any:
    from airflow.providers.amazon.aws.operators.ecs import EcsRunTaskOperator

    @task(
        task_id=f"{job}_ecs_request",
        multiple_outputs=True,
        doc_md=f"Resolves the parameters and ECS settings of the FinOps job `{job}`.",
    )
    def ecs_request(**context: Any) -> dict[str, Any]:
        return ecs_run_task_request(
            job, job_parameters(parameters, context), config.EcsSettings.from_settings()
        )

    request: Any = ecs_request()  # an XComArg; its keys resolve when the operator renders
    return EcsRunTaskOperator(
        task_id=job,
        doc_md=f"Runs the FinOps job `{job}` in an ECS task (`finops jobs run {job}`).",
        cluster=request["cluster"],
        task_definition=request["task_definition"],
        overrides=request["overrides"],
        network_configuration=request["network_configuration"],
        awslogs_group=request["awslogs_group"],
        awslogs_stream_prefix=request["awslogs_stream_prefix"],
        launch_type="FARGATE",
        aws_conn_id=config.aws_conn_id(),
        # a worker restart re-attaches to the running task instead of starting a second one
        reattach=True,
        number_logs_exception=20,
        outlets=outlets,
        trigger_rule=trigger_rule,
    )
