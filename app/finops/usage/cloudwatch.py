"""The CloudWatch usage job: per-resource daily utilization statistics read with
``GetMetricData`` into ``usage_metrics``.

What is read, per inventoried resource (metric names are stored as CloudWatch spells them, the
names the file loader and the rightsizing rules use):

============== ================ ====================================== =====================
resource       namespace        metrics (statistics fetched)           dimensions
============== ================ ====================================== =====================
EC2 instance   AWS/EC2          CPUUtilization (Average, Maximum),     InstanceId
                                NetworkIn, NetworkOut (Sum)
EC2 instance   CWAgent          mem_used_percent (Average, Maximum)    the instance's set
ECS service    AWS/ECS          CPUUtilization, MemoryUtilization      ClusterName,
                                (Average, Maximum)                     ServiceName
EKS cluster    ContainerInsights node_cpu_utilization,                 ClusterName
                                node_memory_utilization (Avg, Max)
EKS node group ContainerInsights the same                              ClusterName, NodeGroup
Lambda         AWS/Lambda       Duration (Average, Maximum),           FunctionName
                                Invocations (Sum)
Lambda         LambdaInsights   used_memory_max (Maximum),             function_name
                                memory_utilization (Average, Maximum)
============== ================ ====================================== =====================

The CloudWatch agent's dimension set is whatever its configuration appends (``InstanceId``
alone, or with ``ImageId``, ``InstanceType``, ``AutoScalingGroupName``...), so it is found
with ``ListMetrics`` (which only knows metrics active in the last two weeks; otherwise
``InstanceId`` alone is asked for).

Samples are fetched at ``period_seconds`` (default 300) for the half-open UTC day range
``[start, end)`` and reduced per (resource, metric, UTC day) by the file loader's own
statistics (:func:`finops.usage.loader.daily_statistics`): ``Average`` samples are the
distribution (p50, p95, p99.5, avg, samples), ``Maximum`` samples give the peak, a metric
fetched only as a ``Sum`` uses its sums. Network sums are expressed per 300 seconds whatever
the period (bytes per 5-minute datapoint, what :mod:`finops.rightsizing.evidence` reads).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa
from botocore.exceptions import BotoCoreError, ClientError
from sqlalchemy import select

from finops.aws._calls import AwsCalls, error_code, is_throttling, translated_errors
from finops.core.errors import IntegrationError, InvalidInputError
from finops.core.window import check_window
from finops.db.database import Database
from finops.db.models import Resource
from finops.rightsizing.evidence import NETWORK_DATAPOINT_SECONDS
from finops.usage.loader import TYPED_RELATION, daily_statistics, upsert_usage_metrics

logger = logging.getLogger(__name__)

PROVIDER = "AWS"
SOURCE = "cloudwatch-api"
DEFAULT_PERIOD_SECONDS = 300
MAX_QUERIES_PER_CALL = 500  # GetMetricData limit
DATAPOINT_BUDGET = 500_000  # datapoints one batch may hold in memory
MAX_THROTTLE_RETRIES = 4
MISSING_SAMPLE = 20  # resource ids without any data listed in the job's counts
BACKOFF_BASE_SECONDS = 1.0
BACKOFF_CAP_SECONDS = 30.0

Sleep = Callable[[float], None]


@dataclass(frozen=True)
class MetricSpec:
    """One CloudWatch metric read for a kind of resource."""

    namespace: str
    metric_name: str
    unit: str
    statistics: tuple[str, ...]
    per_seconds: int | None = None  # Sum statistics re-expressed per this many seconds


_AVG_MAX = ("Average", "Maximum")
EC2_METRICS = (
    MetricSpec("AWS/EC2", "CPUUtilization", "Percent", _AVG_MAX),
    MetricSpec("AWS/EC2", "NetworkIn", "Bytes", ("Sum",), NETWORK_DATAPOINT_SECONDS),
    MetricSpec("AWS/EC2", "NetworkOut", "Bytes", ("Sum",), NETWORK_DATAPOINT_SECONDS),
)
EC2_AGENT_METRICS = (MetricSpec("CWAgent", "mem_used_percent", "Percent", _AVG_MAX),)
ECS_METRICS = (
    MetricSpec("AWS/ECS", "CPUUtilization", "Percent", _AVG_MAX),
    MetricSpec("AWS/ECS", "MemoryUtilization", "Percent", _AVG_MAX),
)
EKS_METRICS = (
    MetricSpec("ContainerInsights", "node_cpu_utilization", "Percent", _AVG_MAX),
    MetricSpec("ContainerInsights", "node_memory_utilization", "Percent", _AVG_MAX),
)
LAMBDA_METRICS = (
    MetricSpec("AWS/Lambda", "Duration", "Milliseconds", _AVG_MAX),
    MetricSpec("AWS/Lambda", "Invocations", "Count", ("Sum",)),
    MetricSpec("LambdaInsights", "used_memory_max", "Megabytes", ("Maximum",)),
    MetricSpec("LambdaInsights", "memory_utilization", "Percent", _AVG_MAX),
)

Dimensions = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Target:
    """A resource to read: its kind, region and the dimensions that name it per namespace."""

    resource_id: str
    kind: str  # ec2_instance | ecs_service | eks_cluster | eks_nodegroup | lambda_function
    region: str
    dimensions: Dimensions


@dataclass(frozen=True)
class SeriesQuery:
    """One (resource, metric, statistic) series: one ``MetricDataQuery``."""

    resource_id: str
    spec: MetricSpec
    statistic: str
    dimensions: Dimensions

    def as_query(self, query_id: str, period_seconds: int) -> dict[str, Any]:
        return {
            "Id": query_id,
            "MetricStat": {
                "Metric": {
                    "Namespace": self.spec.namespace,
                    "MetricName": self.spec.metric_name,
                    "Dimensions": [{"Name": k, "Value": v} for k, v in self.dimensions],
                },
                "Period": period_seconds,
                "Stat": self.statistic,
            },
            "ReturnData": True,
        }


# ----------------------------------------------------------------------------- targets


def _arn_parts(arn: str) -> list[str]:
    return arn.split(":", 5)


def target_of(resource: Resource) -> Target | None:
    """What to read for a ``resources`` row, or ``None`` for a resource this job does not read
    (another service, or an ECS service whose cluster cannot be told)."""
    rid = resource.resource_id
    attrs = resource.attributes or {}
    parts = _arn_parts(rid)
    arn_region = parts[3] if len(parts) == 6 and rid.startswith("arn:") else ""
    region = resource.region_id or arn_region
    if not region:
        return None
    if rid.startswith("i-"):
        return Target(rid, "ec2_instance", region, (("InstanceId", rid),))
    if not arn_region:
        return None
    service, rest = parts[2], parts[5]
    if service == "ecs" and rest.startswith("service/"):
        pieces = rest.split("/")
        cluster = attrs.get("cluster") or (pieces[1] if len(pieces) == 3 else None)
        if not cluster:
            return None  # old-format ARN (service/name) without an inventoried cluster
        name = pieces[-1]
        return Target(
            rid, "ecs_service", region, (("ClusterName", str(cluster)), ("ServiceName", name))
        )
    if service == "eks" and rest.startswith("cluster/"):
        return Target(rid, "eks_cluster", region, (("ClusterName", rest.split("/")[1]),))
    if service == "eks" and rest.startswith("nodegroup/"):
        pieces = rest.split("/")
        if len(pieces) < 3:
            return None
        return Target(
            rid, "eks_nodegroup", region, (("ClusterName", pieces[1]), ("NodeGroup", pieces[2]))
        )
    if service == "lambda" and rest.startswith("function:"):
        name = rest.split(":")[1]
        return Target(rid, "lambda_function", region, (("FunctionName", name),))
    return None


def series_for(target: Target, agent_dimensions: dict[str, Dimensions]) -> list[SeriesQuery]:
    """Every series to fetch for ``target``; ``agent_dimensions`` maps an instance id to the
    CloudWatch agent's dimension set for it (found with ListMetrics)."""
    out: list[SeriesQuery] = []

    def add(specs: Sequence[MetricSpec], dims: Dimensions) -> None:
        for spec in specs:
            out.extend(SeriesQuery(target.resource_id, spec, s, dims) for s in spec.statistics)

    if target.kind == "ec2_instance":
        add(EC2_METRICS, target.dimensions)
        add(EC2_AGENT_METRICS, agent_dimensions.get(target.resource_id, target.dimensions))
    elif target.kind == "ecs_service":
        add(ECS_METRICS, target.dimensions)
    elif target.kind in ("eks_cluster", "eks_nodegroup"):
        add(EKS_METRICS, target.dimensions)
    elif target.kind == "lambda_function":
        name = target.dimensions[0][1]
        add(LAMBDA_METRICS[:2], target.dimensions)
        add(LAMBDA_METRICS[2:], (("function_name", name),))
    return out


def discover_agent_dimensions(client: Any, *, region: str) -> dict[str, Dimensions]:
    """Instance id -> the dimension set the CloudWatch agent publishes ``mem_used_percent``
    with (the smallest set naming the instance, when it publishes several)."""
    found: dict[str, Dimensions] = {}
    with translated_errors("CloudWatch ListMetrics", region=region):
        paginator = client.get_paginator("list_metrics")
        for page in paginator.paginate(Namespace="CWAgent", MetricName="mem_used_percent"):
            for metric in page.get("Metrics", []):
                # kept in the order ListMetrics gives (CloudWatch ignores it; moto does not)
                dims = tuple(
                    (str(d["Name"]), str(d["Value"])) for d in metric.get("Dimensions", [])
                )
                instance = dict(dims).get("InstanceId")
                if instance is None:
                    continue
                known = found.get(instance)
                if known is None or (len(dims), sorted(dims)) < (len(known), sorted(known)):
                    found[instance] = dims
    return found


# ----------------------------------------------------------------------------- fetching


def backoff_seconds(attempt: int) -> float:
    """The pause before retry ``attempt`` (0-based) of a throttled batch: doubling from
    :data:`BACKOFF_BASE_SECONDS`, capped at :data:`BACKOFF_CAP_SECONDS`."""
    return float(min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2**attempt))


def _fetch_pages(
    client: Any,
    queries: Sequence[dict[str, Any]],
    start: dt.datetime,
    end: dt.datetime,
    region: str,
) -> dict[str, tuple[list[dt.datetime], list[float]]]:
    series: dict[str, tuple[list[dt.datetime], list[float]]] = {
        str(q["Id"]): ([], []) for q in queries
    }
    token: str | None = None
    while True:
        kwargs: dict[str, Any] = {
            "MetricDataQueries": list(queries),
            "StartTime": start,
            "EndTime": end,
            "ScanBy": "TimestampAscending",
        }
        if token:
            kwargs["NextToken"] = token
        answer = client.get_metric_data(**kwargs)
        for result in answer.get("MetricDataResults", []):
            status = result.get("StatusCode", "Complete")
            if status in ("InternalError", "Forbidden"):
                messages = "; ".join(
                    str(m.get("Value", "")) for m in result.get("Messages", []) or []
                )
                raise IntegrationError(
                    f"AWS CloudWatch GetMetricData in {region}: query {result.get('Id')} "
                    f"({result.get('Label', '')}) answered {status}: {messages or 'no message'}",
                    details={"region": region, "query": result.get("Id"), "status": status},
                )
            stamps, values = series.setdefault(str(result["Id"]), ([], []))
            stamps.extend(result.get("Timestamps", []))
            values.extend(float(v) for v in result.get("Values", []))
        token = answer.get("NextToken")
        if not token:
            return series


def fetch_metric_data(
    client: Any,
    queries: Sequence[dict[str, Any]],
    *,
    start: dt.datetime,
    end: dt.datetime,
    region: str,
    sleep: Sleep = time.sleep,
    max_retries: int = MAX_THROTTLE_RETRIES,
) -> tuple[dict[str, tuple[list[dt.datetime], list[float]]], int]:
    """Every datapoint of one ``GetMetricData`` batch (at most 500 queries), following
    ``NextToken`` to the end and merging a query's pages in order.

    Returns ``({query id: (timestamps, values)}, throttled retries)``. The client already
    retries (adaptive mode); when throttling still escapes it, the whole batch is fetched again
    after :func:`backoff_seconds` (through ``sleep``), at most ``max_retries`` times, then
    :class:`IntegrationError` is raised. Any other AWS error raises it at once.
    """
    if not 1 <= len(queries) <= MAX_QUERIES_PER_CALL:
        raise InvalidInputError(
            f"GetMetricData takes 1 to {MAX_QUERIES_PER_CALL} queries per call, got {len(queries)}",
            details={"parameter": "queries", "got": len(queries)},
        )
    attempt = 0
    while True:
        try:
            return _fetch_pages(client, queries, start, end, region), attempt
        except ClientError as exc:
            code = error_code(exc)
            if not is_throttling(exc):
                raise IntegrationError(
                    f"AWS CloudWatch GetMetricData in {region} failed: {code or 'error'}: "
                    f"{exc.response.get('Error', {}).get('Message', '') or exc}",
                    details={"region": region, "aws_error_code": code},
                ) from exc
            if attempt >= max_retries:
                raise IntegrationError(
                    f"AWS CloudWatch GetMetricData in {region} is still throttled ({code}) "
                    f"after {attempt + 1} attempts of a {len(queries)}-query batch; retry the "
                    "job later or ask for fewer resources or a shorter range",
                    details={
                        "region": region,
                        "aws_error_code": code,
                        "attempts": attempt + 1,
                        "queries": len(queries),
                    },
                ) from exc
            pause = backoff_seconds(attempt)
            logger.warning(
                "GetMetricData throttled; backing off",
                extra={"region": region, "attempt": attempt + 1, "sleep_seconds": pause},
            )
            sleep(pause)
            attempt += 1
        except BotoCoreError as exc:
            raise IntegrationError(
                f"AWS CloudWatch GetMetricData in {region} failed: {type(exc).__name__}: {exc}",
                details={"region": region},
            ) from exc


def _query_id(index: int) -> str:
    return f"q{index}"


def _batches(groups: Sequence[list[SeriesQuery]], limit: int) -> Iterator[list[SeriesQuery]]:
    """Whole groups (one resource's series) packed into batches of at most ``limit`` queries:
    a resource's statistics are always fetched and reduced together."""
    batch: list[SeriesQuery] = []
    for group in groups:
        if batch and len(batch) + len(group) > limit:
            yield batch
            batch = []
        batch.extend(group)
    if batch:
        yield batch


# ----------------------------------------------------------------------------- reducing

_SAMPLE_SCHEMA = pa.schema(
    [
        ("resource_id", pa.string()),
        ("metric_name", pa.string()),
        ("unit", pa.string()),
        ("statistic", pa.string()),
        ("day", pa.date32()),
        ("value", pa.float64()),
    ]
)


def _samples_table(
    batch: Sequence[SeriesQuery],
    data: dict[str, tuple[list[dt.datetime], list[float]]],
    *,
    start: dt.datetime,
    end: dt.datetime,
    period_seconds: int,
) -> tuple[pa.Table, set[tuple[str, str]]]:
    columns: dict[str, list[Any]] = {name: [] for name in _SAMPLE_SCHEMA.names}
    seen: set[tuple[str, str]] = set()
    for index, series in enumerate(batch):
        stamps, values = data.get(_query_id(index), ([], []))
        scale = 1.0
        if series.spec.per_seconds and series.statistic == "Sum":
            scale = series.spec.per_seconds / period_seconds
        kept = 0
        for stamp, value in zip(stamps, values, strict=True):
            moment = stamp if stamp.tzinfo is not None else stamp.replace(tzinfo=dt.UTC)
            moment = moment.astimezone(dt.UTC)
            if not start <= moment < end or not math.isfinite(value):
                continue
            columns["day"].append(moment.date())
            columns["value"].append(value * scale)
            kept += 1
        if kept:
            seen.add((series.resource_id, series.spec.metric_name))
            columns["resource_id"].extend([series.resource_id] * kept)
            columns["metric_name"].extend([series.spec.metric_name] * kept)
            columns["unit"].extend([series.spec.unit] * kept)
            columns["statistic"].extend([series.statistic] * kept)
    return pa.table(columns, schema=_SAMPLE_SCHEMA), seen


# ----------------------------------------------------------------------------- the job


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def _validate(start: dt.date, end: dt.date, period_seconds: int) -> None:
    for name, value in (("start", start), ("end", end)):
        if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
            raise InvalidInputError(
                f"parameter '{name}': expected a date (a whole UTC day), got {value!r}",
                details={"parameter": name, "got": repr(value)},
            )
    check_window(start, end)
    if period_seconds < 60 or period_seconds % 60:
        raise InvalidInputError(
            f"parameter 'period_seconds': expected a multiple of 60, got {period_seconds}",
            details={"parameter": "period_seconds", "got": period_seconds},
        )


def cloudwatch_period(requested: int, start: dt.datetime, now: dt.datetime) -> int:
    """The period to ask for: ``requested``, raised to a multiple of what CloudWatch still
    keeps for data as old as ``start`` (1-minute data for 15 days, 5-minute for 63 days,
    1-hour after that)."""
    age = now - start
    floor = 60 if age <= dt.timedelta(days=15) else 300 if age <= dt.timedelta(days=63) else 3600
    return math.ceil(requested / floor) * floor


def _region_filter(regions: Sequence[str] | None) -> set[str] | None:
    if regions is None:
        return None
    names = set() if isinstance(regions, str) else {str(r).strip() for r in regions}
    names.discard("")
    if not names:
        raise InvalidInputError(
            f"parameter 'regions': expected a non-empty list of region names, or none for "
            f"all, got {regions!r}",
            details={"parameter": "regions", "got": repr(regions)},
        )
    return names


def _load_targets(db: Database, regions: set[str] | None) -> tuple[list[Target], Counter[str]]:
    targets: list[Target] = []
    skipped: Counter[str] = Counter()
    with db.sessions() as session:
        for resource in session.scalars(
            select(Resource).where(Resource.provider == PROVIDER).order_by(Resource.resource_id)
        ):
            target = target_of(resource)
            if target is None:
                skipped["not_read"] += 1
            elif regions is not None and target.region not in regions:
                skipped["other_region"] += 1
            else:
                targets.append(target)
    return targets, skipped


def collect_usage(
    *,
    db: Database,
    start: dt.date,
    end: dt.date,
    regions: Sequence[str] | None = None,
    period_seconds: int = DEFAULT_PERIOD_SECONDS,
    sleep: Sleep = time.sleep,
    max_throttle_retries: int = MAX_THROTTLE_RETRIES,
) -> dict[str, Any]:
    """The ``collect_usage`` job: daily utilization statistics of every inventoried EC2
    instance, ECS service, EKS cluster / node group and Lambda function (in ``regions``, default
    all) for the UTC days ``[start, end)``, upserted into ``usage_metrics``.

    When ``resources`` holds none of these, the inventory is collected first
    (:func:`finops.inventory.collect.collect_inventory`). Guarantees: statistics are the file
    loader's (same percentiles, same peak rule), days are UTC, values Decimal with 6 places;
    rows are upserted on (provider, resource, metric, day), so a re-run replaces them and never
    duplicates; each batch of resources is written as soon as it is fetched, and an interrupted
    run is completed by a re-run. ``period_seconds`` is raised to what CloudWatch keeps for the
    age of ``start`` (5 minutes past 15 days, 1 hour past 63 days); the result says which was
    used. A metric with no datapoints in the range writes nothing and is counted in
    ``missing_metrics`` (and a resource with none at all in ``resources_without_data``). Throttling
    that escapes the client's retries is retried per batch after a back-off (``sleep``), at
    most ``max_throttle_retries`` times, then :class:`IntegrationError` is raised.

    Returns ``{"start", "end", "period_seconds", "regions", "resources", "resources_by_type",
    "series": metrics asked for, "metrics_written", "daily_rows", "missing_metrics",
    "missing_by_metric", "resources_without_data", "resources_without_data_sample" (first 20
    ids), "api_calls", "api_calls_by_operation", "throttle_retries", "resources_not_read",
    "inventory"}``.
    """
    _validate(start, end, period_seconds)
    region_filter = _region_filter(regions)
    inventory: dict[str, Any] | None = None
    targets, skipped = _load_targets(db, region_filter)
    if not targets:
        from finops.inventory.collect import collect_inventory

        inventory = collect_inventory(
            db=db, regions=sorted(region_filter) if region_filter else None
        )
        targets, skipped = _load_targets(db, region_filter)

    t0, t1 = _day_start(start), _day_start(end)
    period = cloudwatch_period(period_seconds, t0, dt.datetime.now(dt.UTC))
    points = math.ceil((t1 - t0).total_seconds() / period)
    limit = max(1, min(MAX_QUERIES_PER_CALL, DATAPOINT_BUDGET // max(1, points)))
    calls = AwsCalls()
    by_region: dict[str, list[Target]] = defaultdict(list)
    for target in targets:
        by_region[target.region].append(target)

    written: set[tuple[str, str]] = set()
    expected: set[tuple[str, str]] = set()
    daily_rows = 0
    retries = 0
    conn = duckdb.connect(":memory:")
    try:
        for region in sorted(by_region):
            client = calls.client("cloudwatch", region)
            region_targets = by_region[region]
            agent_dims: dict[str, Dimensions] = {}
            if any(t.kind == "ec2_instance" for t in region_targets):
                agent_dims = discover_agent_dimensions(client, region=region)
            groups = [series_for(t, agent_dims) for t in region_targets]
            for group in groups:
                expected.update((q.resource_id, q.spec.metric_name) for q in group)
            for batch in _batches([g for g in groups if g], limit):
                queries = [q.as_query(_query_id(i), period) for i, q in enumerate(batch)]
                data, throttled = fetch_metric_data(
                    client,
                    queries,
                    start=t0,
                    end=t1,
                    region=region,
                    sleep=sleep,
                    max_retries=max_throttle_retries,
                )
                retries += throttled
                table, seen = _samples_table(batch, data, start=t0, end=t1, period_seconds=period)
                written |= seen
                conn.register(TYPED_RELATION, table)
                try:
                    for rows in daily_statistics(conn, source=SOURCE):
                        upsert_usage_metrics(db=db, rows=rows)
                        daily_rows += len(rows)
                finally:
                    conn.unregister(TYPED_RELATION)
    finally:
        conn.close()

    missing = sorted(expected - written)
    with_data = {rid for rid, _ in written}
    without_data = sorted(t.resource_id for t in targets if t.resource_id not in with_data)
    by_type = Counter(t.kind for t in targets)
    result: dict[str, Any] = {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "period_seconds": period,
        "regions": sorted(by_region),
        "resources": len(targets),
        "resources_by_type": dict(sorted(by_type.items())),
        "series": len(expected),
        "metrics_written": len(written),
        "daily_rows": daily_rows,
        "missing_metrics": len(missing),
        "missing_by_metric": dict(sorted(Counter(m for _, m in missing).items())),
        "resources_without_data": len(without_data),
        "resources_without_data_sample": without_data[:MISSING_SAMPLE],
        "api_calls": calls.total + (inventory["api_calls"] if inventory else 0),
        "api_calls_by_operation": dict(sorted(calls.counts.items())),
        "throttle_retries": retries,
        "resources_not_read": dict(skipped),
        "inventory": inventory,
    }
    logger.info("usage collected", extra={"counts": result})
    return result
