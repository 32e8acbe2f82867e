"""The CloudWatch usage job against a real moto server and a real PostgreSQL database.

Expected statistics are computed here with numpy from the very values put into CloudWatch,
independently of the code under test.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import boto3
import numpy as np
import pytest
from sqlalchemy import func, select

from finops.catalogue import packaged_catalogue
from finops.core.errors import InvalidInputError
from finops.db.database import Database
from finops.db.models import Recommendation, UsageMetric
from finops.inventory.collect import collect_inventory
from finops.jobs import run_job
from finops.usage.cloudwatch import collect_usage
from tests.support.moto_server import MotoServer

ACCOUNT = "123456789012"
EAST, WEST = "us-east-1", "us-west-2"
TODAY = dt.datetime.now(dt.UTC).date()
D1, D2 = TODAY - dt.timedelta(days=3), TODAY - dt.timedelta(days=2)
START, END = D1, TODAY - dt.timedelta(days=1)  # [D1, D2]

Datum = dict[str, Any]


def _at(day: dt.date, hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=dt.UTC)


def _dims(**names: str) -> list[dict[str, str]]:
    return [{"Name": k, "Value": v} for k, v in names.items()]


def _put(region: str, namespace: str, data: list[Datum]) -> None:
    client = boto3.client("cloudwatch", region_name=region)
    for lo in range(0, len(data), 500):
        client.put_metric_data(Namespace=namespace, MetricData=data[lo : lo + 500])


def _datum(name: str, dims: list[dict[str, str]], when: dt.datetime, value: float) -> Datum:
    return {"MetricName": name, "Dimensions": dims, "Timestamp": when, "Value": float(value)}


def _hourly(
    name: str, dims: list[dict[str, str]], values: dict[dt.date, list[float]], minute: int = 30
) -> list[Datum]:
    return [
        _datum(name, dims, _at(day, hour, minute), v)
        for day, vs in values.items()
        for hour, v in enumerate(vs)
    ]


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("handler.py", "def handle(event, context):\n    return event\n")
    return buf.getvalue()


def _instance(region: str, itype: str, name: str) -> str:
    ec2 = boto3.client("ec2", region_name=region)
    ami = next(i["ImageId"] for i in ec2.describe_images()["Images"] if not i.get("Platform"))
    answer = ec2.run_instances(
        ImageId=ami,
        MinCount=1,
        MaxCount=1,
        InstanceType=itype,
        TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": name}]}],
    )
    return str(answer["Instances"][0]["InstanceId"])


def _fargate_service(cluster: str, name: str, cpu: str, memory: str) -> str:
    ecs = boto3.client("ecs", region_name=EAST)
    ecs.create_cluster(clusterName=cluster)
    ecs.register_task_definition(
        family=name,
        containerDefinitions=[{"name": name, "image": f"{name}:1"}],
        cpu=cpu,
        memory=memory,
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
    )
    service = ecs.create_service(
        cluster=cluster, serviceName=name, taskDefinition=name, desiredCount=2, launchType="FARGATE"
    )["service"]
    return str(service["serviceArn"])


def _function(region: str, name: str, memory: int) -> str:
    role = f"arn:aws:iam::{ACCOUNT}:role/lambda"
    iam = boto3.client("iam", region_name=EAST)
    if not any(r["RoleName"] == "lambda" for r in iam.list_roles()["Roles"]):
        iam.create_role(RoleName="lambda", AssumeRolePolicyDocument="{}")
    answer = boto3.client("lambda", region_name=region).create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role,
        Handler="handler.handle",
        Code={"ZipFile": _zip()},
        MemorySize=memory,
    )
    return str(answer["FunctionArn"])


def _stats(distribution: Iterable[float], peak: float | None = None) -> dict[str, Any]:
    values = np.array(list(distribution), dtype=float)
    return {
        "samples": len(values),
        "avg": float(values.mean()),
        "p50": float(np.percentile(values, 50)),
        "p95": float(np.percentile(values, 95)),
        "p99_5": float(np.percentile(values, 99.5)),
        "max": float(values.max() if peak is None else peak),
    }


def _rows(db: Database) -> dict[tuple[str, str, dt.date], UsageMetric]:
    with db.sessions() as session:
        return {
            (r.resource_id, r.metric_name, r.day): r for r in session.scalars(select(UsageMetric))
        }


def _assert_row(row: UsageMetric, want: dict[str, Any], unit: str) -> None:
    assert row.samples == want["samples"]
    assert row.unit == unit
    assert row.source == "cloudwatch-api"
    for column in ("avg", "p50", "p95", "p99_5", "max"):
        got = getattr(row, column)
        assert isinstance(got, Decimal)
        assert got == got.quantize(Decimal("0.000001"))
        assert abs(float(got) - want[column]) <= 1.5e-6, (row.metric_name, column, got, want)


@pytest.fixture
def estate(aws: MotoServer, db: Database) -> dict[str, Any]:
    """Inventoried resources in two regions with two days of known metrics."""
    rng = np.random.default_rng(20260301)
    busy = _instance(EAST, "m5.large", "busy")
    silent = _instance(EAST, "m5.large", "silent")
    api = _fargate_service("apps", "api", "1024", "2048")
    resize = _function(EAST, "resize", 1024)
    etl = _function(WEST, "etl", 512)
    eks = boto3.client("eks", region_name=EAST)
    eks.create_cluster(
        name="k1",
        roleArn=f"arn:aws:iam::{ACCOUNT}:role/eks",
        resourcesVpcConfig={"subnetIds": ["subnet-1"]},
    )
    eks.create_nodegroup(
        clusterName="k1",
        nodegroupName="ng1",
        nodeRole=f"arn:aws:iam::{ACCOUNT}:role/node",
        subnets=["subnet-1"],
        instanceTypes=["m5.large"],
    )
    collect_inventory(db=db, regions=[EAST, WEST])

    days = (D1, D2)
    hourly = {name: {d: list(rng.uniform(0, 100, 24)) for d in days} for name in "abcdefghij"}
    # CPU: two datapoints in the same 5-minute period each hour, so the Average and the Maximum
    # CloudWatch answers differ: the averages are the distribution, the maxima the peak
    cpu_pairs = {d: [tuple(rng.uniform(0, 100, 2)) for _ in range(24)] for d in days}
    instance = _dims(InstanceId=busy)
    cpu = [
        _datum("CPUUtilization", instance, _at(day, h, 0, 10), pair[0])
        for day in days
        for h, pair in enumerate(cpu_pairs[day])
    ] + [
        _datum("CPUUtilization", instance, _at(day, h, 2, 0), pair[1])
        for day in days
        for h, pair in enumerate(cpu_pairs[day])
    ]
    # outside [START, END): the day before and the end day itself
    cpu += [
        _datum("CPUUtilization", instance, _at(D1 - dt.timedelta(days=1), 23, 59), 99.0),
        _datum("CPUUtilization", instance, _at(END, 0, 0), 99.0),
    ]
    _put(EAST, "AWS/EC2", cpu)
    _put(EAST, "AWS/EC2", _hourly("NetworkIn", instance, hourly["a"]))
    _put(EAST, "AWS/EC2", _hourly("NetworkOut", instance, hourly["b"]))
    agent = _dims(InstanceId=busy, ImageId="ami-1", InstanceType="m5.large")
    _put(EAST, "CWAgent", _hourly("mem_used_percent", agent, hourly["c"]))
    service = _dims(ClusterName="apps", ServiceName="api")
    _put(EAST, "AWS/ECS", _hourly("CPUUtilization", service, hourly["d"]))
    _put(EAST, "AWS/ECS", _hourly("MemoryUtilization", service, hourly["e"]))
    _put(EAST, "AWS/Lambda", _hourly("Duration", _dims(FunctionName="resize"), hourly["f"]))
    _put(EAST, "AWS/Lambda", _hourly("Invocations", _dims(FunctionName="resize"), hourly["g"]))
    _put(
        EAST,
        "LambdaInsights",
        _hourly("used_memory_max", _dims(function_name="resize"), hourly["h"]),
    )
    _put(WEST, "AWS/Lambda", _hourly("Invocations", _dims(FunctionName="etl"), hourly["i"]))
    _put(
        EAST,
        "ContainerInsights",
        _hourly("node_cpu_utilization", _dims(ClusterName="k1"), hourly["j"]),
    )
    cluster_arn = f"arn:aws:eks:{EAST}:{ACCOUNT}:cluster/k1"
    nodegroup_arn = eks.describe_nodegroup(clusterName="k1", nodegroupName="ng1")["nodegroup"][
        "nodegroupArn"
    ]
    return {
        "busy": busy,
        "silent": silent,
        "api": api,
        "resize": resize,
        "etl": etl,
        "cluster": cluster_arn,
        "nodegroup": nodegroup_arn,
        "hourly": hourly,
        "cpu_pairs": cpu_pairs,
    }


def _expected(estate: dict[str, Any]) -> dict[tuple[str, str, dt.date], tuple[dict[str, Any], str]]:
    h = estate["hourly"]
    out: dict[tuple[str, str, dt.date], tuple[dict[str, Any], str]] = {}
    for day in (D1, D2):
        pairs = estate["cpu_pairs"][day]
        out[(estate["busy"], "CPUUtilization", day)] = (
            _stats(((a + b) / 2 for a, b in pairs), peak=max(max(p) for p in pairs)),
            "Percent",
        )
        for rid, metric, key, unit in (
            (estate["busy"], "NetworkIn", "a", "Bytes"),
            (estate["busy"], "NetworkOut", "b", "Bytes"),
            (estate["busy"], "mem_used_percent", "c", "Percent"),
            (estate["api"], "CPUUtilization", "d", "Percent"),
            (estate["api"], "MemoryUtilization", "e", "Percent"),
            (estate["resize"], "Duration", "f", "Milliseconds"),
            (estate["resize"], "Invocations", "g", "Count"),
            (estate["resize"], "used_memory_max", "h", "Megabytes"),
            (estate["etl"], "Invocations", "i", "Count"),
            (estate["cluster"], "node_cpu_utilization", "j", "Percent"),
        ):
            out[(rid, metric, day)] = (_stats(h[key][day]), unit)
    return out


def test_daily_statistics_match_the_values_put_into_cloudwatch(
    db: Database, estate: dict[str, Any]
) -> None:
    counts = collect_usage(db=db, start=START, end=END, regions=[EAST, WEST])

    assert counts["resources"] == 7
    assert counts["resources_by_type"] == {
        "ec2_instance": 2,
        "ecs_service": 1,
        "eks_cluster": 1,
        "eks_nodegroup": 1,
        "lambda_function": 2,
    }
    assert counts["regions"] == [EAST, WEST]
    assert counts["series"] == 22
    assert counts["metrics_written"] == 11
    assert counts["daily_rows"] == 22
    assert counts["missing_metrics"] == 11
    assert counts["missing_by_metric"] == {
        "CPUUtilization": 1,  # the silent instance
        "Duration": 1,  # etl
        "NetworkIn": 1,
        "NetworkOut": 1,
        "mem_used_percent": 1,
        "memory_utilization": 2,  # no Lambda Insights memory_utilization for either function
        "node_cpu_utilization": 1,  # the node group
        "node_memory_utilization": 2,
        "used_memory_max": 1,  # etl
    }
    assert counts["resources_without_data"] == 2
    assert counts["resources_without_data_sample"] == sorted(
        [estate["silent"], estate["nodegroup"]]
    )
    # one ListMetrics (agent dimensions) and one GetMetricData batch per region with EC2 / data
    assert counts["api_calls_by_operation"] == {
        "cloudwatch:GetMetricData": 2,
        "cloudwatch:ListMetrics": 1,
    }
    assert counts["api_calls"] == 3
    assert counts["throttle_retries"] == 0
    assert counts["inventory"] is None

    rows = _rows(db)
    expected = _expected(estate)
    assert set(rows) == set(expected)
    for key, (want, unit) in expected.items():
        _assert_row(rows[key], want, unit)
    assert not any(rid == estate["silent"] for rid, _, _ in rows)
    assert {day for _, _, day in rows} == {D1, D2}


def test_rerun_replaces_rows_with_the_new_statistics(db: Database, estate: dict[str, Any]) -> None:
    collect_usage(db=db, start=START, end=END)
    before = _rows(db)
    busy = estate["busy"]
    late = [float(v) for v in np.linspace(1.0, 12.0, 12)]
    _put(
        EAST,
        "AWS/EC2",
        [
            _datum("NetworkIn", _dims(InstanceId=busy), _at(D2, h, 45), v)
            for h, v in enumerate(late)
        ],
    )

    counts = collect_usage(db=db, start=START, end=END)

    assert counts["daily_rows"] == 22
    after = _rows(db)
    assert set(after) == set(before)
    with db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(UsageMetric)) == 22
    key = (busy, "NetworkIn", D2)
    assert after[key].id == before[key].id
    _assert_row(after[key], _stats(estate["hourly"]["a"][D2] + late), "Bytes")
    assert before[key].samples == 24
    assert after[key].samples == 36
    unchanged = [k for k in after if k != key]
    for k in unchanged:
        assert (after[k].samples, after[k].p95, after[k].max) == (
            before[k].samples,
            before[k].p95,
            before[k].max,
        )


def test_a_region_filter_reads_only_that_region(db: Database, estate: dict[str, Any]) -> None:
    counts = collect_usage(db=db, start=START, end=END, regions=[WEST])
    assert counts["resources"] == 1
    assert counts["resources_not_read"] == {"other_region": 6}
    assert {(rid, metric) for rid, metric, _ in _rows(db)} == {(estate["etl"], "Invocations")}


def test_an_idle_instance_and_an_oversized_task_feed_the_rightsize_job(
    db: Database, aws: MotoServer
) -> None:
    idle = _instance(EAST, "m5.large", "forgotten")
    api = _fargate_service("apps", "api", "2048", "8192")
    rng = np.random.default_rng(7)
    days = [TODAY - dt.timedelta(days=k) for k in range(14, 0, -1)]
    flat = {d: list(rng.uniform(0.2, 0.9, 24)) for d in days}  # peak CPU <= 1%
    instance = _dims(InstanceId=idle)
    _put(EAST, "AWS/EC2", _hourly("CPUUtilization", instance, flat))
    bytes_per_hour = {d: [6000.0] * 24 for d in days}
    _put(EAST, "AWS/EC2", _hourly("NetworkIn", instance, bytes_per_hour))
    _put(EAST, "AWS/EC2", _hourly("NetworkOut", instance, bytes_per_hour))
    service = _dims(ClusterName="apps", ServiceName="api")
    _put(EAST, "AWS/ECS", _hourly("CPUUtilization", service, {d: [5.0] * 24 for d in days}))
    _put(EAST, "AWS/ECS", _hourly("MemoryUtilization", service, {d: [10.0] * 24 for d in days}))

    # nothing inventoried yet: the job lists the account first
    usage = collect_usage(db=db, start=days[0], end=TODAY, regions=[EAST], period_seconds=3600)
    assert usage["inventory"]["by_type"]["ec2_instance"] == 1
    assert usage["inventory"]["by_type"]["ecs_service"] == 1
    assert usage["daily_rows"] == 14 * 5
    with db.sessions() as session:
        network = session.scalar(
            select(func.max(UsageMetric.max)).where(
                UsageMetric.resource_id == idle, UsageMetric.metric_name == "NetworkIn"
            )
        )
    # hourly sums re-expressed per 5-minute datapoint
    assert network == Decimal("500.000000")

    result = run_job("rightsize", db=db, as_of=TODAY, lookback_days=14)

    assert result["status"] == "succeeded"
    with db.sessions() as session:
        recs = {(r.resource_id, r.kind): r for r in session.scalars(select(Recommendation))}
    rec = recs[(idle, "ec2_idle")]
    assert rec.action == "terminate"
    hourly_price = packaged_catalogue().ec2_prices[(EAST, "m5.large")]
    assert rec.estimated_monthly_saving == hourly_price * 730
    assert rec.evidence["days_observed"] == 14
    assert rec.evidence["cpu_max_percent"] < 0.9
    # 2 x 6,000 B an hour = 288 kB a day, under the idle rule's 5 MB
    assert rec.evidence["idle_check"]["idle"] is True
    fargate = recs[(api, "fargate_task")]
    assert fargate.action == "modify"
    assert fargate.current_config["vcpu"] == "2"
    assert Decimal(fargate.recommended_config["vcpu"]) < 2


def test_bad_ranges_are_refused(db: Database, aws: MotoServer) -> None:
    with pytest.raises(InvalidInputError) as empty:
        collect_usage(db=db, start=D2, end=D2)
    assert empty.value.message == (
        f"parameter 'end': expected a date after start ({D2.isoformat()}; the window is "
        f"half-open [start, end)), got {D2.isoformat()}"
    )
    with pytest.raises(InvalidInputError, match="'period_seconds'"):
        collect_usage(db=db, start=D1, end=D2, period_seconds=90)
    with pytest.raises(InvalidInputError, match="'regions'"):
        collect_usage(db=db, start=D1, end=D2, regions=[" "])
    with pytest.raises(InvalidInputError, match="'regions'"):
        collect_usage(db=db, start=D1, end=D2, regions="us-east-1")
    with pytest.raises(InvalidInputError, match="'start': expected a date"):
        collect_usage(db=db, start="2026-03-01", end=D2)  # type: ignore[arg-type]


def test_old_ranges_ask_for_the_period_cloudwatch_still_keeps(
    db: Database, aws: MotoServer
) -> None:
    recent = collect_usage(db=db, start=D1, end=D2, regions=[EAST], period_seconds=60)
    month = collect_usage(
        db=db, start=TODAY - dt.timedelta(days=40), end=D2, regions=[EAST], period_seconds=60
    )
    old = collect_usage(
        db=db, start=TODAY - dt.timedelta(days=100), end=D2, regions=[EAST], period_seconds=600
    )
    assert (recent["period_seconds"], month["period_seconds"], old["period_seconds"]) == (
        60,
        300,
        3600,
    )


def test_jobs_take_json_parameters_and_record_their_runs(
    db: Database, estate: dict[str, Any]
) -> None:
    """What a DAG task or the jobs Lambda sends: ISO dates and lists as JSON."""
    from finops.db.models import JobRun

    inventory = run_job("collect_inventory", db=db, regions=[EAST, WEST], triggered_by="lambda")
    usage = run_job(
        "collect_usage",
        db=db,
        start=START.isoformat(),
        end=END.isoformat(),
        regions=[EAST],
        triggered_by="lambda",
    )
    assert inventory["status"] == usage["status"] == "succeeded"
    assert inventory["resources"] == 7
    assert usage["daily_rows"] == len(
        [k for k in _expected(estate) if k[0] not in (estate["etl"],)]
    )
    with db.sessions() as session:
        runs = [(r.job_name, r.job_key, r.status) for r in session.scalars(select(JobRun))]
    assert ("collect_usage", START.isoformat(), "succeeded") in runs
    with pytest.raises(InvalidInputError, match="'start': cannot read"):
        run_job("collect_usage", db=db, start="yesterday", end=END.isoformat())
