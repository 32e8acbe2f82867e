"""The inventory job against a real moto server and a real PostgreSQL database."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from typing import Any

import boto3
import pytest
from sqlalchemy import func, select

from finops.aws._calls import AwsCalls
from finops.core.errors import InvalidInputError
from finops.db.database import Database
from finops.db.models import Resource
from finops.inventory.collect import collect_inventory, enabled_regions
from tests.support.moto_server import MotoServer

ACCOUNT = "123456789012"
EAST, WEST = "us-east-1", "us-west-2"
T0 = dt.datetime(2026, 3, 1, 6, 0, tzinfo=dt.UTC)
T1 = T0 + dt.timedelta(hours=5)


def _linux_ami(ec2: Any) -> str:
    images = ec2.describe_images()["Images"]
    return str(next(i["ImageId"] for i in images if not i.get("Platform")))


def _run(ec2: Any, ami: str, itype: str, tags: dict[str, str]) -> dict[str, Any]:
    spec = [{"ResourceType": "instance", "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}]
    answer = ec2.run_instances(
        ImageId=ami,
        MinCount=1,
        MaxCount=1,
        InstanceType=itype,
        **({"TagSpecifications": spec} if tags else {}),
    )
    return dict(answer["Instances"][0])


def _described(ec2: Any, instance_id: str) -> dict[str, Any]:
    answer = ec2.describe_instances(InstanceIds=[instance_id])
    return dict(answer["Reservations"][0]["Instances"][0])


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("handler.py", "def handle(event, context):\n    return event\n")
    return buf.getvalue()


def _ec2_attributes(instance: dict[str, Any], **extra: str) -> dict[str, Any]:
    return {
        "state": "running",
        "launch_time": instance["LaunchTime"].astimezone(dt.UTC).isoformat(),
        "architecture": instance["Architecture"],
        "availability_zone": instance["Placement"]["AvailabilityZone"],
        "tenancy": "default",
        "platform": "Linux/UNIX",
        "lifecycle": "on-demand",
        "monitoring": "disabled",
        "image_id": instance["ImageId"],
        **extra,
    }


@pytest.fixture
def estate(aws: MotoServer) -> dict[str, Any]:
    """Two regions of EC2, ECS (Fargate and EC2), EKS and Lambda in the emulator."""
    east, west = boto3.client("ec2", region_name=EAST), boto3.client("ec2", region_name=WEST)
    ami_east, ami_west = _linux_ami(east), _linux_ami(west)
    web = _run(east, ami_east, "m5.large", {"Name": "web-1", "team": "payments"})
    host = _run(east, ami_east, "m5.xlarge", {"Name": "ecs-host"})
    fleet = [_run(east, ami_east, "t3.micro", {"fleet": str(k)}) for k in range(11)]
    node = _run(
        west,
        ami_west,
        "m6g.large",
        {"eks:cluster-name": "k1", "eks:nodegroup-name": "ng1", "Name": "node-a"},
    )

    ecs = boto3.client("ecs", region_name=EAST)
    ecs.create_cluster(clusterName="apps")
    ecs.create_cluster(clusterName="workers")
    ecs.register_task_definition(
        family="api",
        containerDefinitions=[{"name": "api", "image": "api:1", "cpu": 512, "memory": 1024}],
        cpu="512",
        memory="1024",
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        runtimePlatform={"cpuArchitecture": "ARM64", "operatingSystemFamily": "LINUX"},
    )
    ecs.register_task_definition(
        family="worker",
        containerDefinitions=[
            {"name": "main", "image": "w:1", "cpu": 256, "memory": 512},
            {"name": "sidecar", "image": "s:1", "cpu": 128, "memoryReservation": 256},
        ],
    )
    api = ecs.create_service(
        cluster="apps",
        serviceName="api",
        taskDefinition="api",
        desiredCount=3,
        launchType="FARGATE",
        tags=[{"key": "team", "value": "payments"}],
    )["service"]
    worker = ecs.create_service(
        cluster="workers", serviceName="worker", taskDefinition="worker", desiredCount=2
    )["service"]
    ecs.register_container_instance(
        cluster="workers", instanceIdentityDocument=json.dumps({"instanceId": host["InstanceId"]})
    )

    eks = boto3.client("eks", region_name=WEST)
    eks.create_cluster(
        name="k1",
        roleArn=f"arn:aws:iam::{ACCOUNT}:role/eks",
        resourcesVpcConfig={"subnetIds": ["subnet-1"]},
        tags={"env": "prod"},
    )
    eks.create_nodegroup(
        clusterName="k1",
        nodegroupName="ng1",
        nodeRole=f"arn:aws:iam::{ACCOUNT}:role/node",
        subnets=["subnet-1"],
        instanceTypes=["m6g.large"],
        scalingConfig={"minSize": 1, "maxSize": 4, "desiredSize": 2},
        tags={"team": "platform"},
    )
    cluster = eks.describe_cluster(name="k1")["cluster"]
    nodegroup = eks.describe_nodegroup(clusterName="k1", nodegroupName="ng1")["nodegroup"]

    role = boto3.client("iam", region_name=EAST).create_role(
        RoleName="lambda", AssumeRolePolicyDocument="{}"
    )["Role"]["Arn"]
    resize = boto3.client("lambda", region_name=EAST).create_function(
        FunctionName="resize",
        Runtime="python3.12",
        Role=role,
        Handler="handler.handle",
        Code={"ZipFile": _zip()},
        MemorySize=512,
        Timeout=30,
        Architectures=["arm64"],
        Tags={"team": "media"},
    )
    etl = boto3.client("lambda", region_name=WEST).create_function(
        FunctionName="etl",
        Runtime="python3.11",
        Role=role,
        Handler="handler.handle",
        Code={"ZipFile": _zip()},
        MemorySize=1024,
        Timeout=300,
    )
    return {
        "web": _described(east, web["InstanceId"]),
        "host": _described(east, host["InstanceId"]),
        "fleet": [f["InstanceId"] for f in fleet],
        "node": _described(west, node["InstanceId"]),
        "api": api,
        "worker": worker,
        "cluster": cluster,
        "nodegroup": nodegroup,
        "resize": resize,
        "etl": etl,
    }


def _rows(db: Database) -> dict[str, Resource]:
    with db.sessions() as session:
        return {r.resource_id: r for r in session.scalars(select(Resource))}


def _shape(r: Resource) -> dict[str, Any]:
    return {
        "resource_type": r.resource_type,
        "service_name": r.service_name,
        "account_id": r.account_id,
        "region_id": r.region_id,
        "name": r.name,
        "instance_type": r.instance_type,
        "attributes": r.attributes,
        "tags": r.tags,
    }


def test_inventory_records_every_kind_with_its_attributes_and_tags(
    db: Database, estate: dict[str, Any]
) -> None:
    counts = collect_inventory(db=db, regions=[WEST, EAST], now=T0, page_size=5)

    assert counts["regions"] == [EAST, WEST]
    assert counts["by_type"] == {
        "ec2_instance": 14,
        "ecs_service": 2,
        "eks_cluster": 1,
        "eks_nodegroup": 1,
        "lambda_function": 2,
    }
    assert counts["by_region"] == {EAST: 16, WEST: 4}
    assert counts["resources"] == 20
    # 13 reservations in us-east-1 at 5 per page: three DescribeInstances pages, one in us-west-2
    assert counts["api_calls_by_operation"]["ec2:DescribeInstances"] == 3 + 1
    assert counts["api_calls"] == sum(counts["api_calls_by_operation"].values())

    rows = _rows(db)
    assert len(rows) == 20
    assert set(estate["fleet"]) <= set(rows)
    web, host, node = estate["web"], estate["host"], estate["node"]
    assert _shape(rows[web["InstanceId"]]) == {
        "resource_type": "instance",
        "service_name": "Amazon Elastic Compute Cloud",
        "account_id": ACCOUNT,
        "region_id": EAST,
        "name": "web-1",
        "instance_type": "m5.large",
        "attributes": _ec2_attributes(web),
        "tags": {"Name": "web-1", "team": "payments"},
    }
    assert rows[host["InstanceId"]].attributes == _ec2_attributes(host, ecs_cluster="workers")
    assert _shape(rows[node["InstanceId"]]) == {
        "resource_type": "instance",
        "service_name": "Amazon Elastic Compute Cloud",
        "account_id": ACCOUNT,
        "region_id": WEST,
        "name": "node-a",
        "instance_type": "m6g.large",
        "attributes": _ec2_attributes(node, eks_cluster="k1", node_group="ng1"),
        "tags": {"eks:cluster-name": "k1", "eks:nodegroup-name": "ng1", "Name": "node-a"},
    }

    api_arn = f"arn:aws:ecs:{EAST}:{ACCOUNT}:service/apps/api"
    assert estate["api"]["serviceArn"] == api_arn
    assert _shape(rows[api_arn]) == {
        "resource_type": "service",
        "service_name": "Amazon Elastic Container Service",
        "account_id": ACCOUNT,
        "region_id": EAST,
        "name": "api",
        "instance_type": None,
        "attributes": {
            "cluster": "apps",
            "cluster_arn": f"arn:aws:ecs:{EAST}:{ACCOUNT}:cluster/apps",
            "launch_type": "FARGATE",
            "desired_count": 3,
            "running_count": estate["api"]["runningCount"],
            "pending_count": estate["api"]["pendingCount"],
            "status": "ACTIVE",
            "scheduling_strategy": "REPLICA",
            "task_definition": f"arn:aws:ecs:{EAST}:{ACCOUNT}:task-definition/api:1",
            "cpu": "512",
            "memory": "1024",
            "task_size_source": "task",
            "cpu_architecture": "ARM64",
        },
        "tags": {"team": "payments"},
    }
    worker = rows[f"arn:aws:ecs:{EAST}:{ACCOUNT}:service/workers/worker"].attributes
    assert worker["launch_type"] == "EC2"
    assert worker["desired_count"] == 2
    assert (worker["cpu"], worker["memory"], worker["task_size_source"]) == (
        "384",
        "768",
        "containers",
    )
    assert worker["cpu_architecture"] == "X86_64"

    cluster = estate["cluster"]
    assert _shape(rows[cluster["arn"]]) == {
        "resource_type": "cluster",
        "service_name": "Amazon Elastic Kubernetes Service",
        "account_id": ACCOUNT,
        "region_id": WEST,
        "name": "k1",
        "instance_type": None,
        "attributes": {
            "version": cluster["version"],
            "platform_version": cluster["platformVersion"],
            "status": "ACTIVE",
            "created_at": cluster["createdAt"].astimezone(dt.UTC).isoformat(),
        },
        "tags": {"env": "prod"},
    }
    nodegroup = estate["nodegroup"]
    assert nodegroup["nodegroupArn"].startswith(f"arn:aws:eks:{WEST}:{ACCOUNT}:nodegroup/k1/ng1/")
    assert _shape(rows[nodegroup["nodegroupArn"]]) == {
        "resource_type": "nodegroup",
        "service_name": "Amazon Elastic Kubernetes Service",
        "account_id": ACCOUNT,
        "region_id": WEST,
        "name": "ng1",
        "instance_type": "m6g.large",
        "attributes": {
            "cluster": "k1",
            "instance_types": ["m6g.large"],
            "min_size": 1,
            "max_size": 4,
            "desired_size": 2,
            "capacity_type": nodegroup["capacityType"],
            "ami_type": nodegroup["amiType"],
            "status": "ACTIVE",
            "version": nodegroup["version"],
            "auto_scaling_groups": [g["name"] for g in nodegroup["resources"]["autoScalingGroups"]],
        },
        "tags": {"team": "platform"},
    }

    resize_arn = f"arn:aws:lambda:{EAST}:{ACCOUNT}:function:resize"
    assert estate["resize"]["FunctionArn"] == resize_arn
    assert _shape(rows[resize_arn]) == {
        "resource_type": "function",
        "service_name": "AWS Lambda",
        "account_id": ACCOUNT,
        "region_id": EAST,
        "name": "resize",
        "instance_type": None,
        "attributes": {
            "memory_mb": 512,
            "architecture": "arm64",
            "runtime": "python3.12",
            "timeout_seconds": 30,
            "package_type": "Zip",
            "ephemeral_storage_mb": 512,
        },
        "tags": {"team": "media"},
    }
    etl = rows[f"arn:aws:lambda:{WEST}:{ACCOUNT}:function:etl"]
    assert (etl.region_id, etl.attributes["memory_mb"], etl.attributes["architecture"]) == (
        WEST,
        1024,
        "x86_64",
    )
    assert etl.tags == {}
    assert {r.first_seen for r in rows.values()} == {T0}
    assert {r.last_seen for r in rows.values()} == {T0}


def test_rerun_updates_in_place_keeping_first_seen(db: Database, estate: dict[str, Any]) -> None:
    collect_inventory(db=db, regions=[EAST, WEST], now=T0)
    before = _rows(db)

    east = boto3.client("ec2", region_name=EAST)
    web_id = estate["web"]["InstanceId"]
    east.create_tags(Resources=[web_id], Tags=[{"Key": "team", "Value": "checkout"}])
    east.stop_instances(InstanceIds=[web_id])
    boto3.client("lambda", region_name=EAST).update_function_configuration(
        FunctionName="resize", MemorySize=256
    )
    counts = collect_inventory(db=db, regions=[EAST, WEST], now=T1)

    after = _rows(db)
    assert counts["resources"] == 20
    assert set(after) == set(before)
    with db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Resource)) == 20
    assert {r.first_seen for r in after.values()} == {T0}
    assert {r.last_seen for r in after.values()} == {T1}
    assert {r.id for r in after.values()} == {r.id for r in before.values()}
    web = after[web_id]
    assert web.tags == {"Name": "web-1", "team": "checkout"}
    assert web.attributes["state"] == "stopped"
    assert after[estate["resize"]["FunctionArn"]].attributes["memory_mb"] == 256
    # nothing else moved
    for rid, row in after.items():
        if rid not in (web_id, estate["resize"]["FunctionArn"]):
            assert _shape(row) == _shape(before[rid]), rid


def test_inventory_keeps_first_seen_of_a_resource_billing_found_first(
    db: Database, estate: dict[str, Any]
) -> None:
    web_id = estate["web"]["InstanceId"]
    billed_at = T0 - dt.timedelta(days=30)
    with db.sessions.begin() as session:
        session.add(
            Resource(
                provider="AWS",
                resource_id=web_id,
                account_id=ACCOUNT,
                region_id=EAST,
                service_name="Amazon Elastic Compute Cloud",
                first_seen=billed_at,
                last_seen=billed_at,
            )
        )
    collect_inventory(db=db, regions=[EAST], now=T0)
    row = _rows(db)[web_id]
    assert (row.first_seen, row.last_seen) == (billed_at, T0)
    assert (row.resource_type, row.instance_type, row.name) == ("instance", "m5.large", "web-1")


def test_enabled_regions_lists_the_account_regions(aws: MotoServer) -> None:
    regions = enabled_regions(AwsCalls())
    assert regions == sorted(regions)
    assert {EAST, WEST, "eu-west-1"} <= set(regions)
    opted_out = {
        r["RegionName"]
        for r in boto3.client("ec2", region_name=EAST).describe_regions(AllRegions=True)["Regions"]
        if r.get("OptInStatus") == "not-opted-in"
    }
    assert not opted_out & set(regions)


def test_bad_parameters_are_refused_before_any_call(db: Database, aws: MotoServer) -> None:
    with pytest.raises(InvalidInputError, match="'now'"):
        collect_inventory(db=db, regions=[EAST], now=dt.datetime(2026, 1, 1))  # noqa: DTZ001 (naive on purpose)
    with pytest.raises(InvalidInputError, match="'regions'"):
        collect_inventory(db=db, regions="us-east-1")
    with pytest.raises(InvalidInputError, match="'page_size'"):
        collect_inventory(db=db, regions=[EAST], page_size=0)
