"""The registry of batch stages and their recorded runs (DESIGN.md §2 "Jobs").

A stage is a module-level function ``(*, db, params) -> counts`` registered with a name, a
description and a pydantic parameters model (:mod:`finops.jobs.parameters`). :func:`run_job`
validates the parameters, records a ``job_runs`` row (start, end, status, counts, error) around
the call and returns the counts. Every adapter (CLI, Airflow task, Lambda) runs stages through
here, so a run looks the same whoever started it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import update

from finops.core.errors import FinOpsError, NotFoundError
from finops.db.database import Database
from finops.db.models import JobRun
from finops.db.types import to_json_document
from finops.jobs.parameters import JobParameters, read_parameters
from finops.observability.job_runs import PushgatewayObserver, RunReport
from finops.observability.logs import log_context

logger = logging.getLogger(__name__)

StageFunction = Callable[..., dict[str, Any]]
RunObserver = Callable[[RunReport], None]


@dataclass(frozen=True)
class Job:
    """A registered batch stage: name, what it does, its parameters model and its function.

    ``key_parameter`` names the parameter that identifies a run for idempotency (the file, the
    day); it is recorded as the run's ``job_key``.
    """

    name: str
    description: str
    function: StageFunction
    parameters: type[JobParameters]
    key_parameter: str | None = None


_REGISTRY: dict[str, Job] = {}
_OBSERVERS: list[RunObserver] = []


def add_run_observer(observer: RunObserver) -> None:
    """Call ``observer`` with a :class:`RunReport` after every finished run in this process.

    Adapters install observers at start-up (the Pushgateway one, :func:`push_run_metrics_to`).
    An observer that raises is logged and never changes the run's outcome.
    """
    if observer not in _OBSERVERS:
        _OBSERVERS.append(observer)


def push_run_metrics_to(pushgateway_url: str | None) -> None:
    """Push every run's metrics to the Pushgateway at ``pushgateway_url`` (no-op for None;
    installing the same URL twice pushes once)."""
    if not pushgateway_url:
        return
    url = pushgateway_url.rstrip("/")
    if any(isinstance(o, PushgatewayObserver) and o.url == url for o in _OBSERVERS):
        return
    add_run_observer(PushgatewayObserver(url))


def remove_run_observers() -> None:
    """Forget every observer (tests)."""
    _OBSERVERS.clear()


def register(
    name: str,
    description: str,
    parameters: type[JobParameters],
    *,
    key_parameter: str | None = None,
) -> Callable[[StageFunction], StageFunction]:
    """Decorator registering ``function`` as the stage ``name`` taking ``parameters``."""

    def wrap(function: StageFunction) -> StageFunction:
        if name in _REGISTRY:
            raise ValueError(f"job {name!r} registered twice")
        if key_parameter is not None and key_parameter not in parameters.model_fields:
            raise ValueError(f"job {name!r}: key parameter {key_parameter!r} is not a parameter")
        _REGISTRY[name] = Job(name, description, function, parameters, key_parameter)
        return function

    return wrap


def registered_jobs() -> list[Job]:
    """Every registered stage, in registration order (the built-in ones register when
    :mod:`finops.jobs` is imported, which importing this module always does first)."""
    return list(_REGISTRY.values())


def get_job(name: str) -> Job:
    """The stage ``name``; :class:`NotFoundError` listing the known ones otherwise."""
    try:
        return _REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY))
        raise NotFoundError(
            f"unknown job {name!r}; known jobs: {known}", details={"parameter": "job"}
        ) from None


def run_job(
    name: str, *, db: Database, triggered_by: str = "cli", **parameters: Any
) -> dict[str, Any]:
    """Run the stage ``name`` with ``parameters``, recording the run; returns its counts.

    Parameters are read with the stage's model first (an unknown or unreadable one raises
    InvalidInputError before anything is recorded). A :class:`FinOpsError` is recorded as the
    run's error and re-raised; any other exception is recorded as an internal error (type only,
    no internals) and re-raised.
    """
    job = get_job(name)
    params = read_parameters(job.name, job.parameters, parameters)
    given = params.model_dump(exclude_unset=True)
    key = str(given.get(job.key_parameter, "")) if job.key_parameter else ""
    with db.sessions.begin() as session:
        run = JobRun(
            job_name=name,
            job_key=key,
            parameters=to_json_document(given, unknown=str),
            triggered_by=triggered_by,
            status="running",
        )
        session.add(run)
        session.flush()
        run_id = run.id
    started = dt.datetime.now(dt.UTC)
    try:
        with log_context(job=name, run_id=run_id):
            logger.info("job %s run %s started", name, run_id)
            counts = job.function(db=db, params=params)
    except FinOpsError as exc:
        _finish(db, run_id, "failed", {}, exc.message)
        _report(RunReport(name, run_id, False, started, dt.datetime.now(dt.UTC)))
        raise
    except Exception as exc:
        _finish(db, run_id, "failed", {}, f"internal error ({type(exc).__name__})")
        _report(RunReport(name, run_id, False, started, dt.datetime.now(dt.UTC)))
        raise
    status = "failed" if counts.get("failed") else "succeeded"
    _finish(db, run_id, status, counts, counts.get("error"))
    _report(
        RunReport(name, run_id, status == "succeeded", started, dt.datetime.now(dt.UTC), counts)
    )
    return {"job_run_id": run_id, "status": status, **counts}


def _report(report: RunReport) -> None:
    for observer in list(_OBSERVERS):
        try:
            observer(report)
        except Exception as exc:  # an observer never changes the run's outcome
            logger.warning(
                "job %s run %s: run observer failed (%s)",
                report.job,
                report.run_id,
                type(exc).__name__,
            )


def _finish(
    db: Database, run_id: int, status: str, counts: dict[str, Any], error: str | None
) -> None:
    with db.sessions.begin() as session:
        session.execute(
            update(JobRun)
            .where(JobRun.id == run_id)
            .values(
                status=status,
                finished_at=dt.datetime.now(dt.UTC),
                counts=to_json_document(counts, unknown=str),
                error=error,
            )
        )
