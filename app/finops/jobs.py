"""The registry of batch stages and their recorded runs (DESIGN.md §2 "Jobs").

Each stage is a named function of ``app/`` with typed parameters. :func:`run_job` records a
``job_runs`` row (start, end, status, counts, error) around it. Every adapter (CLI, Airflow
task, Lambda) runs stages through here, so a run looks the same whoever started it.
"""

from __future__ import annotations

import datetime as dt
import inspect
import logging
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import update

from finops.core.errors import FinOpsError, InvalidInputError, NotFoundError
from finops.db.database import Database
from finops.db.models import JobRun
from finops.db.types import to_json_document

logger = logging.getLogger(__name__)


def _for_json(value: Any) -> Any:
    return to_json_document(value, unknown=str)


JobFunction = Callable[..., dict[str, Any]]


@dataclass(frozen=True)
class Job:
    """A registered batch stage: name, what it does, and its function."""

    name: str
    description: str
    function: JobFunction
    key_parameter: str | None = None


_REGISTRY: dict[str, Job] = {}


def register(
    name: str, description: str, *, key_parameter: str | None = None
) -> Callable[[JobFunction], JobFunction]:
    """Decorator registering ``function`` as the stage ``name``."""

    def wrap(function: JobFunction) -> JobFunction:
        if name in _REGISTRY:
            raise ValueError(f"job {name!r} registered twice")
        _REGISTRY[name] = Job(name, description, function, key_parameter)
        return function

    return wrap


def registered_jobs() -> list[Job]:
    """Every registered stage, in registration order."""
    _load_builtin_jobs()
    return list(_REGISTRY.values())


def get_job(name: str) -> Job:
    _load_builtin_jobs()
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

    A :class:`FinOpsError` is recorded as the run's error and re-raised; any other exception is
    recorded as an internal error (type only, no internals) and re-raised.
    """
    job = get_job(name)
    parameters = coerce_parameters(job, parameters)
    key = str(parameters.get(job.key_parameter, "")) if job.key_parameter else ""
    with db.sessions.begin() as session:
        run = JobRun(
            job_name=name,
            job_key=key,
            parameters=_for_json(parameters),
            triggered_by=triggered_by,
            status="running",
        )
        session.add(run)
        session.flush()
        run_id = run.id
    try:
        counts = job.function(db=db, **parameters)
    except FinOpsError as exc:
        _finish(db, run_id, "failed", {}, exc.message)
        raise
    except Exception as exc:
        _finish(db, run_id, "failed", {}, f"internal error ({type(exc).__name__})")
        raise
    status = "failed" if counts.get("failed") else "succeeded"
    _finish(db, run_id, status, counts, counts.get("error"))
    return {"job_run_id": run_id, "status": status, **counts}


def _coerce(name: str, value: Any, annotation: Any) -> Any:
    """One JSON value as the parameter's annotated type (dates, numbers, lists of text)."""
    if value is None:
        return None
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        annotation = next(a for a in typing.get_args(annotation) if a is not type(None))
    kind = typing.get_origin(annotation) or annotation
    try:
        if kind is dt.date and not isinstance(value, dt.date):
            return dt.date.fromisoformat(str(value))
        if kind is int and not isinstance(value, bool):
            return int(value)
        if kind is float:
            return float(value)
        if kind is Decimal:
            return Decimal(str(value))
        if kind is str:
            return str(value)
        if kind is list:
            if isinstance(value, str | bytes) or not isinstance(value, list | tuple):
                raise TypeError("expected a list")
            return [str(item) for item in value]
    except (TypeError, ValueError, ArithmeticError) as exc:
        raise InvalidInputError(
            f"job parameter {name!r}: cannot read {value!r} as {getattr(kind, '__name__', kind)}",
            details={"parameter": name},
        ) from exc
    return value


def coerce_parameters(job: Job, parameters: dict[str, Any]) -> dict[str, Any]:
    """``parameters`` checked against the stage's signature and converted from JSON forms
    (ISO dates, numbers as text): an unknown parameter or an unreadable value is refused with
    :class:`InvalidInputError` naming it and what the stage accepts."""
    signature = inspect.signature(job.function)
    hints = typing.get_type_hints(job.function)
    accepted = [n for n in signature.parameters if n != "db"]
    unknown = sorted(set(parameters) - set(accepted))
    if unknown:
        raise InvalidInputError(
            f"job {job.name!r} has no parameter {', '.join(map(repr, unknown))}; "
            f"it accepts: {', '.join(accepted) or 'none'}",
            details={"parameter": unknown[0]},
        )
    return {n: _coerce(n, v, hints.get(n, Any)) for n, v in parameters.items()}


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
                counts=_for_json(counts),
                error=error,
            )
        )


# ----------------------------------------------------------------------------- built-in stages

_LOADED = False


def _load_builtin_jobs() -> None:
    global _LOADED
    if _LOADED:
        return
    _LOADED = True

    @register(
        "ingest_billing",
        "Ingest billing files (CUR, CUR 2.0, FOCUS) into cost facts",
        key_parameter="paths",
    )
    def ingest_billing(*, db: Database, paths: list[str], trigger: str = "job") -> dict[str, Any]:
        from finops.ingest.service import ingest_paths

        if not paths:
            raise InvalidInputError(
                "ingest_billing needs at least one path", details={"parameter": "paths"}
            )
        outcomes = ingest_paths(db=db, paths=[Path(p) for p in paths], trigger=trigger)
        by_status: dict[str, int] = {}
        for outcome in outcomes:
            by_status[outcome.status] = by_status.get(outcome.status, 0) + 1
        errors = [o.error for o in outcomes if o.error]
        return {
            "deliveries": len(outcomes),
            **by_status,
            "rows_read": sum(o.rows_read for o in outcomes),
            "rows_written": sum(o.rows_written for o in outcomes),
            "error": "; ".join(e for e in errors if e) or None,
        }

    @register(
        "ingest_usage",
        "Load CloudWatch-shaped utilization files into usage metrics",
        key_parameter="path",
    )
    def ingest_usage(*, db: Database, path: str) -> dict[str, Any]:
        from finops.usage import load_usage_dir, load_usage_file

        target = Path(path)
        if not target.exists():
            raise InvalidInputError(
                f"{target}: no such file or folder", details={"parameter": "path"}
            )
        result = (
            load_usage_dir(db=db, path=target)
            if target.is_dir()
            else load_usage_file(db=db, path=target)
        )
        return {
            "files": len(result.paths),
            "rows_read": result.rows_read,
            "daily_rows": result.daily_rows,
            "resources": len(result.resource_ids),
            "first_day": result.first_day.isoformat() if result.first_day else None,
            "last_day": result.last_day.isoformat() if result.last_day else None,
            "metrics": list(result.metrics),
        }

    @register(
        "sync_billing_bucket",
        "Ingest billing files in the S3 bucket that no event brought (catch-up sweep)",
        key_parameter="bucket",
    )
    def sync_billing_bucket_job(*, db: Database, bucket: str, prefix: str = "") -> dict[str, Any]:
        from finops.aws.bucket_sync import sync_billing_bucket

        return sync_billing_bucket(db=db, bucket=bucket, prefix=prefix)

    @register(
        "collect_inventory",
        "Inventory EC2, ECS, EKS and Lambda resources (type, size, tags) from AWS",
    )
    def collect_inventory_job(
        *, db: Database, regions: list[str] | None = None, page_size: int | None = None
    ) -> dict[str, Any]:
        from finops.aws.inventory import collect_inventory

        return collect_inventory(db=db, regions=regions, page_size=page_size)

    @register(
        "collect_usage",
        "Daily utilization percentiles per resource from CloudWatch GetMetricData",
        key_parameter="start",
    )
    def collect_usage_job(
        *,
        db: Database,
        start: dt.date,
        end: dt.date,
        regions: list[str] | None = None,
        period_seconds: int = 300,
    ) -> dict[str, Any]:
        from finops.aws.cloudwatch_usage import collect_usage

        return collect_usage(
            db=db, start=start, end=end, regions=regions, period_seconds=period_seconds
        )

    @register(
        "remediate",
        "Plan every enabled remediation policy; execute allow-listed auto-mode actions",
        key_parameter="as_of",
    )
    def remediate_job(*, db: Database, as_of: dt.date | None = None) -> dict[str, Any]:
        from finops.remediation import run_policies

        return run_policies(db=db, as_of=as_of)

    @register(
        "evaluate_budgets",
        "Raise budget alerts on actual and forecast spend; deliver them",
        key_parameter="as_of",
    )
    def evaluate_budgets_job(*, db: Database, as_of: dt.date | None = None) -> dict[str, Any]:
        from finops.budgets import evaluate_budgets

        return evaluate_budgets(db=db, as_of=as_of)

    @register(
        "build_insights",
        "Daily insights: top movers, new services, waste, budget risk",
        key_parameter="as_of",
    )
    def build_insights_job(*, db: Database, as_of: dt.date | None = None) -> dict[str, Any]:
        from finops.insights import build_insights

        return build_insights(db=db, as_of=as_of)

    @register(
        "rightsize",
        "Rightsizing and idle recommendations from usage and the catalogue",
        key_parameter="as_of",
    )
    def rightsize_job(
        *, db: Database, as_of: dt.date | None = None, lookback_days: int = 14
    ) -> dict[str, Any]:
        from finops.rightsizing import rightsize

        return rightsize(db=db, as_of=as_of, lookback_days=lookback_days)

    @register(
        "track_savings",
        "Accrue realized savings of applied recommendations from bills",
        key_parameter="as_of",
    )
    def track_savings_job(*, db: Database, as_of: dt.date | None = None) -> dict[str, Any]:
        from finops.savings import track_savings

        return track_savings(db=db, as_of=as_of)

    @register(
        "detect_cost_anomalies", "Cost anomalies per scope with root cause", key_parameter="as_of"
    )
    def detect_cost_anomalies_job(
        *, db: Database, as_of: dt.date | None = None, lookback_days: int = 90
    ) -> dict[str, Any]:
        from finops.anomalies import detect_cost_anomalies
        from finops.config import get_settings

        return detect_cost_anomalies(
            db=db,
            as_of=as_of,
            lookback_days=lookback_days,
            holiday_country=get_settings().holiday_country or None,
        )

    @register(
        "forecast_costs",
        "Cost forecasts per scope with backtested model choice",
        key_parameter="as_of",
    )
    def forecast_costs_job(
        *, db: Database, as_of: dt.date | None = None, horizon_days: int = 90
    ) -> dict[str, Any]:
        from finops.forecasting import forecast_costs

        return forecast_costs(db=db, as_of=as_of, horizon_days=horizon_days)
