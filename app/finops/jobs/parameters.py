"""Typed parameters of the batch stages: one pydantic model per stage.

Parameters arrive as JSON (a DAG's run conf, ``finops jobs run --params``, a Lambda event), so
ISO dates and numbers written as text are read into their types; an unknown parameter or an
unreadable value is refused with :class:`InvalidInputError` naming it and what the stage accepts.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from finops.core.errors import InvalidInputError

P = TypeVar("P", bound="JobParameters")


class JobParameters(BaseModel):
    """Base of every stage's parameters: unknown names refused, numbers readable as text."""

    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)


def _type_name(annotation: Any) -> str:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        annotation = next(a for a in typing.get_args(annotation) if a is not type(None))
    kind = typing.get_origin(annotation) or annotation
    return str(getattr(kind, "__name__", kind))


def read_parameters(job: str, model: type[P], parameters: Mapping[str, Any]) -> P:
    """``parameters`` as the stage's ``model``; InvalidInputError names the first problem.

    Messages: ``job 'J' has no parameter 'x'; it accepts: a, b`` for unknown names,
    ``job parameter 'a': cannot read 'v' as date`` for an unreadable value and
    ``job 'J' needs parameter 'a'`` for a missing one.
    """
    try:
        return model.model_validate(dict(parameters))
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        unknown = sorted(str(e["loc"][0]) for e in errors if e["type"] == "extra_forbidden")
        if unknown:
            accepted = ", ".join(model.model_fields) or "none"
            raise InvalidInputError(
                f"job {job!r} has no parameter {', '.join(map(repr, unknown))}; "
                f"it accepts: {accepted}",
                details={"parameter": unknown[0]},
            ) from exc
        first = errors[0]
        name = str(first["loc"][0]) if first["loc"] else job
        if first["type"] == "missing":
            raise InvalidInputError(
                f"job {job!r} needs parameter {name!r}", details={"parameter": name}
            ) from exc
        field = model.model_fields.get(name)
        kind = _type_name(field.annotation) if field is not None else "a valid value"
        raise InvalidInputError(
            f"job parameter {name!r}: cannot read {parameters.get(name)!r} as {kind}",
            details={"parameter": name},
        ) from exc


class IngestBillingParameters(JobParameters):
    paths: list[str] = Field(description="Billing files, CUR manifests or folders.")
    trigger: str = Field(default="job", description="Recorded as the ingestion run's trigger.")


class IngestUsageParameters(JobParameters):
    path: str = Field(description="A CloudWatch-shaped usage file or a folder of them.")


class SyncBillingBucketParameters(JobParameters):
    bucket: str
    prefix: str = ""


class PlanSparkScansParameters(JobParameters):
    bucket: str = Field(description="The billing bucket.")
    prefix: str = ""
    scan_uri: str | None = Field(
        default=None, description="Where scans write (s3://...); default: FINOPS_SPARK_SCAN_URI."
    )
    spark_min_bytes: int | None = Field(
        default=None, description="Smallest delivery for Spark; default: the setting."
    )


class SparkScanParameters(JobParameters):
    out: str = Field(description="The planned scan's folder (s3://.../), with its delivery.json.")


class LoadSparkScansParameters(JobParameters):
    scan_uri: str | None = Field(
        default=None, description="Where scans write (s3://...); default: FINOPS_SPARK_SCAN_URI."
    )


class CollectInventoryParameters(JobParameters):
    regions: list[str] | None = None
    page_size: int | None = None


class CollectUsageParameters(JobParameters):
    start: dt.date
    end: dt.date
    regions: list[str] | None = None
    period_seconds: int = 300


class AsOfParameters(JobParameters):
    """A stage that works on the data up to (excluding) ``as_of``; today (UTC) when unset."""

    as_of: dt.date | None = None


class RightsizeParameters(AsOfParameters):
    lookback_days: int = 14


class DetectAnomaliesParameters(AsOfParameters):
    lookback_days: int = 90


class ForecastParameters(AsOfParameters):
    horizon_days: int = 90
