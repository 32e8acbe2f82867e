"""Where the FinOps DAGs' settings come from: an environment variable, else an Airflow Variable.

Every setting has an environment name (``FINOPS_JOBS_FUNCTION``) and a Variable key, the same
name in lower case (``finops_jobs_function``). The environment wins, so a local run or a test
never depends on the metadata database. On MWAA, set them as Variables (UI, CLI or the Secrets
Manager backend) or export them from the environment's startup script.

Only the executor is read while a DAG file is parsed (it decides which operators the DAG has);
everything else is read when a task runs, so a parse costs at most one Variable lookup.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

EXECUTOR = "FINOPS_DAG_EXECUTOR"
LOCAL, LAMBDA, ECS = "local", "lambda", "ecs"
EXECUTORS = (LOCAL, LAMBDA, ECS)
DEFAULT_EXECUTOR = LOCAL
DEFAULT_AWS_CONN_ID = "aws_default"


class DagConfigurationError(ValueError):
    """A setting is missing or malformed; the message names it and what was expected."""


def _variable(key: str) -> str | None:
    try:
        from airflow.sdk import Variable

        value = Variable.get(key, default=None)
    except Exception:  # no Variable store reachable (a parse without a supervisor)
        return None
    return None if value is None else str(value)


def setting(name: str, default: str | None = None) -> str | None:
    """The setting ``name``: environment variable ``name``, else Variable ``name.lower()``,
    else ``default``. Blank values count as unset."""
    value = os.environ.get(name)
    if value is None or not value.strip():
        value = _variable(name.lower())
    if value is None or not value.strip():
        return default
    return value.strip()


def required_setting(name: str, what: str) -> str:
    value = setting(name)
    if value is None:
        raise DagConfigurationError(
            f"setting {name} (environment variable, or Airflow Variable {name.lower()!r}) is "
            f"not set: expected {what}"
        )
    return value


def list_setting(name: str) -> list[str] | None:
    """A list setting, given as a JSON array or comma-separated; ``None`` when unset."""
    raw = setting(name)
    if raw is None:
        return None
    if raw.startswith("["):
        try:
            items = json.loads(raw)
        except ValueError as exc:
            raise DagConfigurationError(
                f"setting {name}: expected a JSON array of strings"
            ) from exc
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise DagConfigurationError(f"setting {name}: expected a JSON array of strings")
    else:
        items = raw.split(",")
    cleaned = [i.strip() for i in items if i.strip()]
    return cleaned or None


def executor() -> str:
    """Where the jobs run: ``local`` (in the worker, needs this project installed), ``lambda``
    (the jobs Lambda) or ``ecs`` (an ECS task of the jobs image). Read at parse time."""
    value = (setting(EXECUTOR, DEFAULT_EXECUTOR) or DEFAULT_EXECUTOR).lower()
    if value not in EXECUTORS:
        raise DagConfigurationError(
            f"setting {EXECUTOR}: expected one of {', '.join(EXECUTORS)}, got {value!r}"
        )
    return value


def aws_conn_id() -> str:
    """The Airflow connection the Amazon provider uses (MWAA: its execution role)."""
    return os.environ.get("FINOPS_AWS_CONN_ID", "").strip() or DEFAULT_AWS_CONN_ID


@dataclass(frozen=True)
class EcsSettings:
    """Where and how an ECS job task runs (Fargate, in private subnets)."""

    cluster: str
    task_definition: str
    container: str
    subnets: list[str]
    security_groups: list[str]
    assign_public_ip: str
    log_group: str
    log_stream_prefix: str

    @classmethod
    def from_settings(cls) -> EcsSettings:
        subnets = list_setting("FINOPS_ECS_SUBNETS")
        if not subnets:
            raise DagConfigurationError(
                "setting FINOPS_ECS_SUBNETS (or Variable 'finops_ecs_subnets') is not set: "
                "expected the subnet ids of the jobs tasks, comma-separated or a JSON array"
            )
        assign = (setting("FINOPS_ECS_ASSIGN_PUBLIC_IP", "DISABLED") or "DISABLED").upper()
        if assign not in ("ENABLED", "DISABLED"):
            raise DagConfigurationError(
                f"setting FINOPS_ECS_ASSIGN_PUBLIC_IP: expected ENABLED or DISABLED, got {assign!r}"
            )
        return cls(
            cluster=required_setting("FINOPS_ECS_CLUSTER", "the ECS cluster name or ARN"),
            task_definition=required_setting(
                "FINOPS_ECS_TASK_DEFINITION", "the jobs task definition (family[:revision] or ARN)"
            ),
            container=required_setting(
                "FINOPS_ECS_CONTAINER", "the name of the jobs container in the task definition"
            ),
            subnets=subnets,
            security_groups=list_setting("FINOPS_ECS_SECURITY_GROUPS") or [],
            assign_public_ip=assign,
            log_group=setting("FINOPS_ECS_LOG_GROUP", "") or "",
            log_stream_prefix=setting("FINOPS_ECS_LOG_STREAM_PREFIX", "") or "",
        )
