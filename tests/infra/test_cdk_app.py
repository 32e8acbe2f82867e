"""The CDK app: synthesized offline, checked by cdk-nag, cfn-lint and assertions on each stack's
key properties (what a reviewer of the templates would look for first)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.infra.conftest import INFRA, ROOT, Synthesis

pytestmark = pytest.mark.slow

WRITE_VERB = re.compile(
    r":(Create|Delete|Put|Update|Modify|Stop|Start|Terminate|Run|Register|Attach|Detach|Set|Tag)"
)


def _statements(synthesis: Synthesis, stack: str, role_prefix: str) -> list[dict[str, Any]]:
    """Every statement of the IAM policies attached to the role(s) whose logical id starts
    with ``role_prefix`` in ``stack``."""
    found = []
    for resource in synthesis.resources(stack, "AWS::IAM::Policy").values():
        roles = json.dumps(resource["Properties"].get("Roles", []))
        if role_prefix in roles:
            found.extend(resource["Properties"]["PolicyDocument"]["Statement"])
    assert found, f"no policy for {role_prefix} in {stack}"
    return found


def _actions(statements: list[dict[str, Any]]) -> set[str]:
    actions: set[str] = set()
    for statement in statements:
        value = statement["Action"]
        actions.update([value] if isinstance(value, str) else value)
    return actions


def _listed(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


def _assert_writes_only_under_scans(statements: list[dict[str, Any]]) -> None:
    """The only S3 write of a jobs role: PutObject under the scan bucket's ``scans/``."""
    for statement in statements:
        if "s3:PutObject" in _listed(statement["Action"]):
            resource = json.dumps(statement["Resource"])
            assert "spark-scans-" in resource, resource
            assert resource.endswith('/scans/*"]]}'), resource
            assert set(_listed(statement["Action"])) == {"s3:GetObject", "s3:PutObject"}


# --------------------------------------------------------------------------- the checkers


def test_cdk_nag_reports_no_unacknowledged_error(synthesis: Synthesis) -> None:
    """The app synthesized with cdk-nag on (it fails on an unacknowledged error) and the
    report lists no violation."""
    report = json.loads((synthesis.outdir / "policy-validation-report.json").read_text())
    violations = [v for p in report["pluginReports"] for v in p.get("violations", [])]
    assert violations == []


def test_the_same_checks_fail_a_non_compliant_app(infra_path: None, tmp_path: Path) -> None:
    """Negative control: the checks the app registers reject a bucket without TLS-only access
    or logging, naming the rule."""
    import aws_cdk as cdk
    from aws_cdk import aws_s3 as s3
    from finops_infra.app import add_checks

    app = cdk.App(outdir=str(tmp_path), context={"@aws-cdk/core:validationReportJson": True})
    s3.Bucket(cdk.Stack(app, "Bad"), "Open")
    add_checks(app)
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    report = json.loads((tmp_path / "policy-validation-report.json").read_text())
    rules = {v["ruleName"] for p in report["pluginReports"] for v in p["violations"]}
    assert {"AwsSolutions-S1", "AwsSolutions-S10"} <= rules


def test_every_acknowledgment_carries_a_reason(infra_path: None) -> None:
    from finops_infra.nag import acknowledge

    with pytest.raises(ValueError, match="real reason"):
        acknowledge(None, "S1", "because")  # type: ignore[arg-type]
    for module in (INFRA / "finops_infra").glob("*.py"):
        if module.name != "nag.py":
            assert ".acknowledge(Acknowledgment" not in module.read_text(), module.name


def test_cfn_lint_finds_no_error_and_no_deprecated_engine(synthesis: Synthesis) -> None:
    templates = sorted(str(p) for p in synthesis.outdir.glob("*.template.json"))
    assert len(templates) == len(synthesis.templates)
    done = subprocess.run(
        [str(Path(sys.executable).parent / "cfn-lint"), "--format", "parseable", "--", *templates],
        capture_output=True,
        text=True,
        check=False,
    )
    findings = [line for line in done.stdout.splitlines() if line.strip()]
    errors = [f for f in findings if re.search(r":E\d{4}:", f) or ":W3691:" in f]
    assert errors == [], "\n".join(errors)
    assert done.returncode in (0, 4), done.stderr  # 4: warnings only


# --------------------------------------------------------------------------- data


def test_billing_bucket_is_private_versioned_encrypted_tls_only_with_eventbridge(
    synthesis: Synthesis,
) -> None:
    buckets = synthesis.resources("data", "AWS::S3::Bucket")
    (billing,) = [b for name, b in buckets.items() if name.startswith("BillingBucket")]
    props = billing["Properties"]
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    (notifications,) = synthesis.resources("data", "Custom::S3BucketNotifications").values()
    assert notifications["Properties"]["NotificationConfiguration"] == {
        "EventBridgeConfiguration": {}
    }
    assert notifications["Properties"]["BucketName"]["Ref"].startswith("BillingBucket")
    assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0][
        "ServerSideEncryptionByDefault"
    ]["SSEAlgorithm"] in {"AES256", "aws:kms"}
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    rules = {r["Id"]: r for r in props["LifecycleConfiguration"]["Rules"]}
    assert rules["restated-exports"]["NoncurrentVersionExpiration"]["NoncurrentDays"] == 90
    policies = synthesis.resources("data", "AWS::S3::BucketPolicy")
    tls_denials = [
        s
        for p in policies.values()
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if s["Effect"] == "Deny"
        and s.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}
    ]
    assert len(tls_denials) >= 2  # the billing bucket and the access-log bucket


def test_queue_redrives_to_the_dlq_and_the_rule_matches_object_created(
    synthesis: Synthesis,
) -> None:
    queues = synthesis.resources("data", "AWS::SQS::Queue")
    by_name = {q["Properties"]["QueueName"]: (lid, q["Properties"]) for lid, q in queues.items()}
    dlq_id, _ = by_name["finops-billing-events-dlq"]
    _, queue = by_name["finops-billing-events"]
    assert queue["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": [dlq_id, "Arn"]},
        "maxReceiveCount": 3,
    }
    assert queue["VisibilityTimeout"] >= 900  # not shorter than the billing_events Lambda
    assert all(q["Properties"]["SqsManagedSseEnabled"] for q in queues.values())
    (rule,) = synthesis.resources("data", "AWS::Events::Rule").values()
    pattern = rule["Properties"]["EventPattern"]
    assert pattern["source"] == ["aws.s3"]
    assert pattern["detail-type"] == ["Object Created"]
    bucket_ref = pattern["detail"]["bucket"]["name"][0]
    assert "Ref" in bucket_ref
    assert bucket_ref["Ref"].startswith("BillingBucket")
    (target,) = rule["Properties"]["Targets"]
    assert target["Arn"]["Fn::GetAtt"][0] == by_name["finops-billing-events"][0]


def test_database_is_encrypted_pinned_private_and_rotated(synthesis: Synthesis) -> None:
    (db,) = synthesis.resources("data", "AWS::RDS::DBInstance").values()
    props = db["Properties"]
    assert props["Engine"] == "postgres"
    assert re.fullmatch(r"\d+\.\d+", props["EngineVersion"])
    assert props["StorageEncrypted"] is True
    assert props["PubliclyAccessible"] is False if "PubliclyAccessible" in props else True
    assert props["MultiAZ"] is False
    assert props["DeletionProtection"] is True
    assert props["AutoMinorVersionUpgrade"] is False  # the minor is pinned
    assert "Fn::Join" in json.dumps(props["MasterUserPassword"])  # from the generated secret
    (rotation,) = synthesis.resources("data", "AWS::SecretsManager::RotationSchedule").values()
    assert rotation["Properties"]["RotationRules"]["ScheduleExpression"] == "rate(30 days)"
    (params,) = synthesis.resources("data", "AWS::RDS::DBParameterGroup").values()
    assert params["Properties"]["Parameters"]["rds.force_ssl"] == "1"


def test_multi_az_is_a_context_switch(infra_path: None) -> None:
    import aws_cdk as cdk
    from aws_cdk.assertions import Template
    from finops_infra.data import DataStack
    from finops_infra.network import NetworkStack
    from finops_infra.settings import DeploymentSettings

    app = cdk.App(context={"finops:db_multi_az": "true", "finops:prefix": "acme"})
    settings = DeploymentSettings.from_context(app.node.try_get_context)
    network = NetworkStack(app, "n", settings)
    template = Template.from_stack(DataStack(app, "d", settings, network))
    template.has_resource_properties("AWS::RDS::DBInstance", {"MultiAZ": True})
    template.has_resource_properties("AWS::SQS::Queue", {"QueueName": "acme-billing-events"})


def test_the_api_stack_needs_a_built_chalice_project(infra_path: None, tmp_path: Path) -> None:
    import aws_cdk as cdk
    from finops_infra.api import ApiStack
    from finops_infra.data import DataStack
    from finops_infra.network import NetworkStack
    from finops_infra.settings import DeploymentSettings, SettingsError

    app = cdk.App(context={"finops:chalice_project_dir": str(tmp_path / "missing")})
    settings = DeploymentSettings.from_context(app.node.try_get_context)
    network = NetworkStack(app, "n", settings)
    data = DataStack(app, "d", settings, network)
    with pytest.raises(SettingsError, match="make package"):
        ApiStack(app, "a", settings, network, data, tmp_path / "staging")


def test_synthesis_leaves_the_process_environment_as_it_was(synthesis: Synthesis) -> None:
    """Chalice's packager sets the stage's variables in os.environ; the API stack restores it
    (a leaked FINOPS_DATABASE_SECRET_ARN would point every later lookup at a CDK token)."""
    import os

    assert synthesis.templates["api"]
    leaked = {k: v for k, v in os.environ.items() if "${Token[" in v}
    assert leaked == {}
    assert "FINOPS_DATABASE_SECRET_ARN" not in os.environ


def test_the_assistant_may_invoke_only_its_model_and_only_when_turned_on(
    synthesis: Synthesis, infra_path: None, tmp_path: Path
) -> None:
    assert "bedrock:InvokeModel" not in _actions(_statements(synthesis, "api", "ApiRole"))
    import aws_cdk as cdk
    from aws_cdk.assertions import Template
    from finops_infra.api import ApiStack
    from finops_infra.chalice_project import stage_project
    from finops_infra.data import DataStack
    from finops_infra.network import NetworkStack
    from finops_infra.settings import DeploymentSettings

    project = stage_project(None, tmp_path / "project", "unused", {})
    (project / "requirements.txt").write_text("")
    app = cdk.App(
        context={
            "finops:assistant_engine": "bedrock",
            "finops:chalice_project_dir": str(project),
        }
    )
    settings = DeploymentSettings.from_context(app.node.try_get_context)
    network = NetworkStack(app, "n", settings)
    data = DataStack(app, "d", settings, network)
    here = Path.cwd()
    os.chdir(tmp_path)
    try:
        api = ApiStack(app, "a", settings, network, data, tmp_path / "staging")
    finally:
        os.chdir(here)
    template = Template.from_stack(api).to_json()
    grants = [
        statement
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::IAM::Policy"
        and "ApiRole" in json.dumps(resource["Properties"]["Roles"])
        for statement in resource["Properties"]["PolicyDocument"]["Statement"]
        if statement["Action"] == "bedrock:InvokeModel"
    ]
    assert len(grants) == 1
    assert json.dumps(grants[0]["Resource"]).endswith(
        'foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0"]]}'
    )


def test_bad_context_is_refused_naming_the_key(infra_path: None) -> None:
    from finops_infra.settings import DeploymentSettings, SettingsError

    cases = {
        "finops:db_multi_az": ("maybe", "finops:db_multi_az must be bool"),
        "finops:postgres_version": ("16", "pinned MAJOR.MINOR"),
        "finops:max_azs": ("1", "finops:max_azs must be 2 or 3"),
        "finops:mwaa_airflow_version": ("2.10.3", "Airflow 3.x"),
        "finops:prefix": ("Fin_Ops", "finops:prefix"),
        "finops:domain_name": ("costs.example.com", "finops:certificate_arn"),
        "finops:spark_max_vcpu": ("4", "finops:spark_max_vcpu must be >= 8"),
        "finops:spark_max_memory_gb": ("3000000", "finops:spark_max_memory_gb must be 2 to 8 GB"),
    }
    for key, (value, message) in cases.items():
        with pytest.raises(SettingsError, match=re.escape(message)):
            DeploymentSettings.from_context({key: value}.get)
    with pytest.raises(SettingsError, match=re.escape("finops:spark_max_vcpu must be int")):
        DeploymentSettings.from_context({"finops:spark_max_vcpu": "lots"}.get)


# --------------------------------------------------------------------------- spark


def test_spark_application_runs_the_custom_image_in_the_private_subnets(
    synthesis: Synthesis,
) -> None:
    from finops_infra.settings import DeploymentSettings
    from finops_infra.spark import IMAGE_PYTHON, SPARK_LOG_GROUP, SPARK_RELEASE_LABEL

    (application,) = synthesis.resources("spark", "AWS::EMRServerless::Application").values()
    props = application["Properties"]
    assert (props["Type"], props["Architecture"]) == ("SPARK", "X86_64")
    assert props["ReleaseLabel"] == SPARK_RELEASE_LABEL
    assert re.fullmatch(r"emr-spark-8\.\d+\.\d+", props["ReleaseLabel"])  # Spark 4, as tested
    assert "cdk-hnb659fds-container-assets" in json.dumps(props["ImageConfiguration"]["ImageUri"])
    subnets = props["NetworkConfiguration"]["SubnetIds"]
    assert len(subnets) == 2
    assert all("Vpcprivate" in json.dumps(subnet) for subnet in subnets)
    assert "TasksSecurityGroup" in json.dumps(props["NetworkConfiguration"]["SecurityGroupIds"])
    assert props["AutoStartConfiguration"] == {"Enabled": True}
    assert props["AutoStopConfiguration"] == {"Enabled": True, "IdleTimeoutMinutes": 15}
    defaults = DeploymentSettings()
    assert props["MaximumCapacity"] == {
        "Cpu": f"{defaults.spark_max_vcpu} vCPU",
        "Memory": f"{defaults.spark_max_memory_gb} GB",
    }
    assert props["RuntimeConfiguration"] == [
        {
            "Classification": "spark-defaults",
            "Properties": {
                "spark.pyspark.python": IMAGE_PYTHON,
                "spark.pyspark.driver.python": IMAGE_PYTHON,
                "spark.sql.catalogImplementation": "in-memory",
                # the JIT options the tests' local Spark runs the scan with
                "spark.driver.extraJavaOptions": "-XX:-DontCompileHugeMethods",
                "spark.executor.extraJavaOptions": "-XX:-DontCompileHugeMethods",
            },
        }
    ]
    logging = props["MonitoringConfiguration"]["CloudWatchLoggingConfiguration"]
    assert logging["Enabled"] is True
    groups = synthesis.resources("spark", "AWS::Logs::LogGroup")
    assert groups[logging["LogGroupName"]["Ref"]]["Properties"]["LogGroupName"] == SPARK_LOG_GROUP
    # the image: built on the application's release, Python 3.11 for PySpark, run as hadoop
    assets = json.loads((synthesis.outdir / "finops-spark.assets.json").read_text())
    (image,) = assets["dockerImages"].values()
    assert image["source"]["dockerBuildArgs"] == {"EMR_RELEASE": SPARK_RELEASE_LABEL}
    assert image["source"]["platform"] == "linux/amd64"
    dockerfile = (INFRA / "images" / "spark.Dockerfile").read_text()
    assert f"ARG EMR_RELEASE={SPARK_RELEASE_LABEL}\n" in dockerfile
    assert "FROM public.ecr.aws/emr-serverless/spark/${EMR_RELEASE}:latest" in dockerfile
    assert "pip install --no-cache-dir --no-deps" in dockerfile
    assert f"PYSPARK_PYTHON={IMAGE_PYTHON}" in dockerfile
    assert f"PYSPARK_DRIVER_PYTHON={IMAGE_PYTHON}" in dockerfile
    assert "dnf install -y python3.11 python3.11-pip" in dockerfile
    assert re.findall(r"^USER .*$", dockerfile, re.M)[-1] == "USER hadoop:hadoop"
    context = synthesis.outdir / image["source"]["directory"]
    assert sorted(p.name for p in context.iterdir()) == [
        "README.md",
        "app",
        "infra_cdk",
        "pyproject.toml",
    ]
    assert (context / "app" / "finops" / "ingest" / "spark_job.py").is_file()


def test_spark_maximum_capacity_follows_the_settings(infra_path: None) -> None:
    import aws_cdk as cdk
    from aws_cdk.assertions import Template
    from finops_infra.data import DataStack
    from finops_infra.network import NetworkStack
    from finops_infra.settings import DeploymentSettings
    from finops_infra.spark import SparkStack

    app = cdk.App(context={"finops:spark_max_vcpu": "64", "finops:spark_max_memory_gb": "256"})
    settings = DeploymentSettings.from_context(app.node.try_get_context)
    network = NetworkStack(app, "n", settings)
    spark = SparkStack(app, "s", settings, network, DataStack(app, "d", settings, network))
    Template.from_stack(spark).has_resource_properties(
        "AWS::EMRServerless::Application",
        {"MaximumCapacity": {"Cpu": "64 vCPU", "Memory": "256 GB"}},
    )


def test_spark_job_role_is_assumed_by_emr_serverless_for_this_account_and_application(
    synthesis: Synthesis,
) -> None:
    roles = synthesis.resources("spark", "AWS::IAM::Role")
    (role,) = [r for name, r in roles.items() if name.startswith("JobRole")]
    (trust,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "emr-serverless.amazonaws.com"}
    assert trust["Action"] == "sts:AssumeRole"
    assert trust["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    assert trust["Condition"]["ArnEquals"] == {
        "aws:SourceArn": {"Fn::GetAtt": ["Application", "Arn"]}
    }


def test_spark_job_role_writes_only_the_scan_bucket(synthesis: Synthesis) -> None:
    statements = _statements(synthesis, "spark", "JobRole")
    reads = {"s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket", "s3:GetBucketLocation"}
    s3_writes = {a for a in _actions(statements) if a.startswith("s3:") and a not in reads}
    writes = [s for s in statements if s3_writes & set(_listed(s["Action"]))]
    assert writes
    for statement in writes:
        assert statement["Resource"] == {
            "Fn::Join": ["", [{"Fn::GetAtt": [_scan_bucket_id(synthesis), "Arn"]}, "/*"]]
        }
    assert {a for s in writes for a in _listed(s["Action"])} == {
        "s3:GetObject",
        "s3:PutObject",
        "s3:DeleteObject",
        "s3:AbortMultipartUpload",
    }
    billing = [s for s in statements if "finops-billing-" in json.dumps(s["Resource"])]
    assert billing
    assert {a for s in billing for a in _listed(s["Action"])} <= reads
    # the entry point: one object of the CDK asset bucket, read-only
    (entry,) = [s for s in statements if "cdk-hnb659fds-assets" in json.dumps(s["Resource"])]
    assert entry["Action"] == "s3:GetObject"
    assert json.dumps(entry["Resource"]).endswith('.py"]]}')
    assert not any(WRITE_VERB.search(a) for a in _actions(statements) if a.startswith("iam:"))


def _scan_bucket_id(synthesis: Synthesis) -> str:
    (name,) = synthesis.resources("spark", "AWS::S3::Bucket")
    return name


def test_scan_bucket_is_private_tls_only_logged_and_expires_scans(synthesis: Synthesis) -> None:
    bucket = synthesis.resources("spark", "AWS::S3::Bucket")[_scan_bucket_id(synthesis)]
    props = bucket["Properties"]
    assert "finops-spark-scans-" in json.dumps(props["BucketName"])
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0][
        "ServerSideEncryptionByDefault"
    ]["SSEAlgorithm"] in {"AES256", "aws:kms"}
    assert "AccessLogs" in json.dumps(props["LoggingConfiguration"]["DestinationBucketName"])
    (rule,) = props["LifecycleConfiguration"]["Rules"]
    assert rule["ExpirationInDays"] == 30
    (policy,) = synthesis.resources("spark", "AWS::S3::BucketPolicy").values()
    assert any(
        s["Effect"] == "Deny" and s.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
    )


def test_jobs_read_the_scan_bucket_and_know_its_uri(synthesis: Synthesis) -> None:
    for stack, prefix in (("jobs", "JobsTaskRole"), ("api", "JobsRole")):
        statements = _statements(synthesis, stack, prefix)
        (listing,) = [
            s
            for s in statements
            if "s3:ListBucket" in _listed(s["Action"])
            and "spark-scans-" in json.dumps(s["Resource"])
        ]
        assert json.dumps(listing["Resource"]).endswith('-eu-west-1"]]}')
        _assert_writes_only_under_scans(statements)
        assert any("s3:PutObject" in _listed(s["Action"]) for s in statements)
    (task, *_) = [
        t
        for name, t in synthesis.resources("jobs", "AWS::ECS::TaskDefinition").items()
        if name.startswith("JobsTask")
    ]
    environment = {
        e["Name"]: e["Value"] for e in task["Properties"]["ContainerDefinitions"][0]["Environment"]
    }
    expected = {
        "Fn::Join": [
            "",
            ["s3://finops-spark-scans-", {"Ref": "AWS::AccountId"}, "-eu-west-1/scans/"],
        ]
    }
    assert environment["FINOPS_SPARK_SCAN_URI"] == expected
    function = synthesis.resources("api", "AWS::Serverless::Function")["Jobs"]
    assert function["Properties"]["Environment"]["Variables"]["FINOPS_SPARK_SCAN_URI"] == expected
    # the scan bucket's stack is deployed before the stacks that name it
    manifest = json.loads((synthesis.outdir / "manifest.json").read_text())
    for stack in ("finops-api", "finops-jobs"):
        assert "finops-spark" in manifest["artifacts"][stack]["dependencies"]


# --------------------------------------------------------------------------- API


def test_the_rest_api_serves_every_route_of_the_platform(synthesis: Synthesis) -> None:
    from finops.api.routes import ROUTES

    (api,) = synthesis.resources("api", "AWS::Serverless::Api").values()
    paths = api["Properties"]["DefinitionBody"]["paths"]
    for spec in ROUTES:
        full = f"/api/v1{spec.path}" if not spec.path.startswith("/api/") else spec.path
        assert full in paths, full
        assert spec.method.lower() in paths[full], (full, spec.method)
    assert api["Properties"]["StageName"] == "api"
    assert api["Properties"]["EndpointConfiguration"] == "REGIONAL"


def test_three_functions_each_with_its_own_read_only_role(synthesis: Synthesis) -> None:
    functions = synthesis.resources("api", "AWS::Serverless::Function")
    assert set(functions) == {"APIHandler", "BillingEvents", "Jobs"}
    roles = {name: json.dumps(f["Properties"]["Role"]) for name, f in functions.items()}
    assert "ApiRole" in roles["APIHandler"]
    assert "BillingEventsRole" in roles["BillingEvents"]
    assert "JobsRole" in roles["Jobs"]
    for function in functions.values():
        assert function["Properties"]["Runtime"] == "python3.12"  # what the package is built for
        assert function["Properties"]["VpcConfig"]["SubnetIds"]
        assert function["Properties"]["Environment"]["Variables"]["FINOPS_DATABASE_SECRET_ARN"]
    event = functions["BillingEvents"]["Properties"]["Events"]
    (source,) = [e for e in event.values() if e["Type"] == "SQS"]
    assert source["Properties"]["Queue"]["Fn::Sub"].endswith(":finops-billing-events")
    for prefix in ("ApiRole", "BillingEventsRole", "JobsRole"):
        actions = _actions(_statements(synthesis, "api", prefix))
        writes = {
            a
            for a in actions
            if WRITE_VERB.search(a)
            and not a.startswith(("logs:", "xray:"))
            and a not in {"ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface"}
        }
        allowed = {"sqs:DeleteMessage"} | ({"s3:PutObject"} if prefix == "JobsRole" else set())
        assert writes <= allowed, (prefix, writes)
    _assert_writes_only_under_scans(_statements(synthesis, "api", "JobsRole"))
    assert "sqs:ReceiveMessage" in _actions(_statements(synthesis, "api", "BillingEventsRole"))
    assert "sqs:ReceiveMessage" not in _actions(_statements(synthesis, "api", "ApiRole"))


# --------------------------------------------------------------------------- jobs


def test_remediation_role_holds_exactly_the_policy_actions(synthesis: Synthesis) -> None:
    from finops_infra import remediation

    from finops.remediation.kinds import ActionKind

    assert set(remediation.PERMISSIONS) == set(ActionKind)
    statements = _statements(synthesis, "jobs", "RemediationTaskRole")
    writes = {a for a in _actions(statements) if WRITE_VERB.search(a)}
    assert writes == set(remediation.write_actions())
    ec2_writes = [s for s in statements if any(str(a).startswith("ec2:Stop") for a in s["Action"])]
    assert ec2_writes
    assert all(
        s["Condition"] == {"StringEquals": {"aws:ResourceTag/finops:remediation": "allowed"}}
        for s in ec2_writes
    )
    jobs_writes = {
        a for a in _actions(_statements(synthesis, "jobs", "JobsTaskRole")) if WRITE_VERB.search(a)
    }
    assert jobs_writes == {"s3:PutObject"}  # the Spark scans' bookkeeping files only
    _assert_writes_only_under_scans(_statements(synthesis, "jobs", "JobsTaskRole"))


def test_jobs_tasks_run_the_platform_image(synthesis: Synthesis) -> None:
    tasks = synthesis.resources("jobs", "AWS::ECS::TaskDefinition")
    commands = sorted(
        tuple(t["Properties"]["ContainerDefinitions"][0]["Command"]) for t in tasks.values()
    )
    assert commands == [("jobs", "run", "remediate"), ("jobs", "run", "rightsize")]
    for task in tasks.values():
        assert task["Properties"]["RequiresCompatibilities"] == ["FARGATE"]
        image = json.dumps(task["Properties"]["ContainerDefinitions"][0]["Image"])
        assert "cdk-hnb659fds-container-assets" in image


# --------------------------------------------------------------------------- orchestration


def test_mwaa_runs_airflow_3_with_the_dag_bundle_and_a_scoped_role(synthesis: Synthesis) -> None:
    (env,) = synthesis.resources("orchestration", "AWS::MWAA::Environment").values()
    props = env["Properties"]
    assert props["AirflowVersion"] == "3.0.6"
    assert (props["DagS3Path"], props["RequirementsS3Path"]) == ("dags", "requirements.txt")
    assert props["StartupScriptS3Path"] == "startup.sh"
    assert props["WebserverAccessMode"] == "PRIVATE_ONLY"
    assert len(props["NetworkConfiguration"]["SubnetIds"]) == 2
    actions = _actions(_statements(synthesis, "orchestration", "ExecutionRole"))
    assert {"lambda:InvokeFunction", "ecs:RunTask", "airflow:PublishMetrics"} <= actions
    assert not any(a.startswith(("rds:", "secretsmanager:", "ec2:Stop")) for a in actions)


def test_mwaa_runs_spark_scans_on_the_application_only(synthesis: Synthesis) -> None:
    from finops_infra.orchestration import EMR_SERVERLESS_ACTIONS

    statements = _statements(synthesis, "orchestration", "ExecutionRole")
    emr = [
        s for s in statements if any(a.startswith("emr-serverless:") for a in _listed(s["Action"]))
    ]
    (grant,) = emr
    assert set(_listed(grant["Action"])) == set(EMR_SERVERLESS_ACTIONS)
    assert {"emr-serverless:StartJobRun", "emr-serverless:GetJobRun"} <= set(EMR_SERVERLESS_ACTIONS)
    application = {"Fn::ImportValue": "finops-spark-application-arn"}
    assert grant["Resource"] == [
        application,
        {"Fn::Join": ["", [application, "/jobruns/*"]]},
    ]
    passes = [s for s in statements if "iam:PassRole" in _listed(s["Action"])]
    assert all(s["Resource"] != "*" for s in passes)
    (to_emr,) = [s for s in passes if "JobRole" in json.dumps(s["Resource"])]
    assert "finops-spark:" in json.dumps(to_emr["Resource"])
    assert to_emr["Condition"] == {
        "StringEquals": {"iam:PassedToService": "emr-serverless.amazonaws.com"}
    }
    assert all("Condition" not in s for s in passes if s is not to_emr)  # the ECS task roles


def _startup_exports(synthesis: Synthesis) -> dict[str, Any]:
    """The startup script's exports, each CDK marker replaced by the value it stands for."""
    (deployment,) = synthesis.resources("orchestration", "Custom::CDKBucketDeployment").values()
    props = deployment["Properties"]
    ((script, markers),) = [
        (synthesis.outdir / f"asset.{key.removesuffix('.zip')}" / "startup.sh", markers)
        for key, markers in zip(props["SourceObjectKeys"], props["SourceMarkers"], strict=True)
        if (synthesis.outdir / f"asset.{key.removesuffix('.zip')}" / "startup.sh").is_file()
    ]
    exports: dict[str, Any] = {}
    for line in script.read_text().splitlines():
        if line.startswith("export "):
            name, value = line.removeprefix("export ").split("=", 1)
            parts = re.split(r"(<<marker:0xbaba:\d+>>)", value)
            resolved = [markers.get(p, p) for p in parts if p]
            exports[name] = resolved[0] if len(resolved) == 1 else resolved
    return exports


def test_the_startup_script_exports_the_spark_settings(synthesis: Synthesis) -> None:
    exports = _startup_exports(synthesis)
    spark = {k for k in exports if k.startswith(("FINOPS_EMR_", "FINOPS_SPARK_"))}
    assert spark == {
        "FINOPS_EMR_APPLICATION_ID",
        "FINOPS_EMR_EXECUTION_ROLE_ARN",
        "FINOPS_SPARK_ENTRY_POINT",
        "FINOPS_SPARK_SCAN_URI",
    }
    assert (
        "GetAttApplicationApplicationId" in exports["FINOPS_EMR_APPLICATION_ID"]["Fn::ImportValue"]
    )
    assert "GetAttJobRole" in exports["FINOPS_EMR_EXECUTION_ROLE_ARN"]["Fn::ImportValue"]
    entry = exports["FINOPS_SPARK_ENTRY_POINT"]["Fn::Sub"]
    assert entry.startswith("s3://cdk-hnb659fds-assets-${AWS::AccountId}-eu-west-1/")
    staged = synthesis.outdir / f"asset.{entry.rsplit('/', 1)[1]}"
    source = ROOT / "app" / "finops" / "ingest" / "spark_job.py"
    assert staged.read_bytes() == source.read_bytes()  # the entry point is the package's file
    assert exports["FINOPS_SPARK_SCAN_URI"] == [
        "s3://finops-spark-scans-",
        {"Ref": "AWS::AccountId"},
        "-eu-west-1/scans/",
    ]
    assert exports["FINOPS_DAG_EXECUTOR"] == "ecs"


def test_the_dag_bundle_carries_the_dags_and_the_constraints(synthesis: Synthesis) -> None:
    staged = synthesis.outdir.parent / "staging" / "mwaa"
    requirements = (staged / "requirements.txt").read_text().splitlines()
    assert requirements[0].startswith("--constraint ")
    assert "constraints-3.0.6" in requirements[0]
    dags = sorted(p.name for p in (staged / "dags").glob("finops_*.py"))
    assert dags == sorted(p.name for p in (ROOT / "mwaa_dags").glob("finops_*.py"))
    assert (staged / "dags" / "finops_dags" / "job_steps.py").is_file()


# --------------------------------------------------------------------------- observability


def test_monitoring_services_vault_on_raft_over_efs(synthesis: Synthesis) -> None:
    services = synthesis.resources("observability", "AWS::ECS::Service")
    assert len(services) == 5
    (fs,) = synthesis.resources("observability", "AWS::EFS::FileSystem").values()
    assert fs["Properties"]["Encrypted"] is True
    tasks = synthesis.resources("observability", "AWS::ECS::TaskDefinition")
    (vault,) = [t for name, t in tasks.items() if name.startswith("VaultTask")]
    container = vault["Properties"]["ContainerDefinitions"][0]
    assert container["MountPoints"][0]["ContainerPath"] == "/openbao/data"
    assert (
        vault["Properties"]["Volumes"][0]["EFSVolumeConfiguration"]["TransitEncryption"]
        == "ENABLED"
    )
    hcl = (INFRA / "images" / "openbao.hcl").read_text()
    assert 'storage "raft"' in hcl
    assert 'storage "file"' not in hcl
    (lb,) = synthesis.resources(
        "observability", "AWS::ElasticLoadBalancingV2::LoadBalancer"
    ).values()
    assert lb["Properties"]["Scheme"] == "internal"
    # the Prometheus image carries the repository's config, whose targets the services answer to
    dockerfile = (INFRA / "images" / "prometheus.Dockerfile").read_text()
    assert "COPY monitoring/prometheus/ /etc/prometheus/" in dockerfile
    targets = {
        t.split(":")[0]
        for job in yaml.safe_load((ROOT / "monitoring/prometheus/prometheus.yml").read_text())[
            "scrape_configs"
        ]
        for c in job.get("static_configs", [])
        for t in c["targets"]
    }
    assert "pushgateway" in targets
    names = {
        s["Properties"]["ServiceConnectConfiguration"]["Services"][0]["ClientAliases"][0]["DnsName"]
        for s in services.values()
    }
    assert {"prometheus", "pushgateway", "grafana", "loki", "vault"} == names


# --------------------------------------------------------------------------- frontend


def test_cloudfront_serves_the_dashboard_privately_and_routes_the_api(synthesis: Synthesis) -> None:
    (dist,) = synthesis.resources("frontend", "AWS::CloudFront::Distribution").values()
    config = dist["Properties"]["DistributionConfig"]
    assert config["DefaultRootObject"] == "index.html"
    assert config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "redirect-to-https"
    (api,) = [b for b in config["CacheBehaviors"] if b["PathPattern"] == "/api/*"]
    origins = {o["Id"]: o for o in config["Origins"]}
    api_origin = origins[api["TargetOriginId"]]
    assert "execute-api" in json.dumps(api_origin["DomainName"])
    assert api_origin["OriginPath"] == "/api"
    assert api["AllowedMethods"][0:1]
    assert "POST" in api["AllowedMethods"]
    s3_origin = origins[config["DefaultCacheBehavior"]["TargetOriginId"]]
    assert "OriginAccessControlId" in s3_origin
    assert synthesis.resources("frontend", "AWS::CloudFront::OriginAccessControl")


def test_make_synth_writes_the_templates_under_infra_cdk() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^synth:", makefile, re.M)
    assert "infra_cdk" in makefile.split("synth:", 1)[1].split("\n\n", 1)[0]
    assert Path(INFRA / "cdk.json").is_file()


# --------------------------------------------------------------------------- the stack's own cost


def test_the_stacks_monthly_floor_is_counted_from_the_templates(synthesis: Synthesis) -> None:
    """Hand-counted from the design: 1 NAT gateway, 7 interface endpoints in 2 AZs, one
    db.t4g.small with 20 GB, one mw1.small, 5 Fargate services (3 x 0.5 vCPU/1 GB,
    2 x 0.5 vCPU/2 GB), one ALB, one secret, one KMS key; 730 hours a month."""
    from decimal import Decimal

    from finops_infra.stack_cost import load_prices, monthly_lines

    price = load_prices()
    lines = {line.item: line for line in monthly_lines(synthesis.outdir, price)}
    hours = Decimal(730)
    assert lines["NAT gateway"].monthly == Decimal("32.85")
    assert lines["interface endpoints"].quantity == 7 * 2 * hours
    assert lines["RDS db.t4g.small"].monthly == Decimal("23.36")
    assert lines["RDS gp3 storage"].quantity == 20
    assert lines["MWAA mw1.small"].quantity == hours
    assert lines["Fargate services vCPU"].quantity == Decimal("2.5") * hours
    assert lines["Fargate services memory"].quantity == 7 * hours
    expected = (
        hours * (price["nat_gateway"] + price["public_ipv4"])
        + 14 * hours * price["interface_endpoint"]
        + hours * price["rds_db.t4g.small"]
        + 20 * price["rds_gp3"]
        + hours * price["mwaa_mw1.small"]
        + Decimal("2.5") * hours * price["fargate_vcpu"]
        + 7 * hours * price["fargate_memory"]
        + hours * price["alb"]
        + price["secrets_manager_secret"]
        + price["kms_key"]
    )
    total = sum((line.monthly for line in lines.values()), Decimal(0))
    assert abs(total - expected) <= Decimal("0.05")  # per-line rounding to the cent
