"""API: the Chalice app through Chalice's CDK construct (the REST API Lambda, the
``billing_events`` SQS Lambda and the ``jobs`` Lambda), each with its own least-privilege role.

Read-only by default: no role here can change an AWS resource (the jobs role writes only the
Spark scans' bookkeeping files under the scan bucket's ``scans/``). The remediation role lives
in the jobs stack and is used only by the remediation task.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from chalice.cdk import Chalice
from constructs import Construct

from finops_infra.chalice_project import stage_project
from finops_infra.data import (
    DataStack,
    billing_bucket_findings,
    billing_bucket_read,
    scan_bucket_jobs_access,
    scan_bucket_jobs_findings,
    scan_uri,
)
from finops_infra.nag import acknowledge, acknowledge_findings
from finops_infra.network import NetworkStack
from finops_infra.settings import DeploymentSettings, SettingsError

API_GATEWAY_STAGE = "api"
LAMBDA_RUNTIME = "python3.12"
#: Read-only AWS calls the inventory, usage and rightsizing stages make (no write action).
READ_ONLY_ACTIONS = (
    "ec2:DescribeInstances",
    "ec2:DescribeInstanceTypes",
    "ec2:DescribeVolumes",
    "ec2:DescribeRegions",
    "ecs:ListClusters",
    "ecs:ListServices",
    "ecs:DescribeServices",
    "ecs:DescribeTaskDefinition",
    "eks:ListClusters",
    "eks:ListNodegroups",
    "eks:DescribeNodegroup",
    "lambda:ListFunctions",
    "lambda:GetFunctionConfiguration",
    "cloudwatch:GetMetricData",
    "cloudwatch:ListMetrics",
    "pricing:GetProducts",
)
_VPC_ENI_ACTIONS = (
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
)


_RETENTION = {
    30: logs.RetentionDays.ONE_MONTH,
    90: logs.RetentionDays.THREE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
}


def _retention(days: int) -> logs.RetentionDays:
    """The CloudWatch retention for ``days`` (one of 30, 90, 180, 365: the settings check)."""
    return _RETENTION[days]


@contextmanager
def _packaging_environment(region: str) -> Iterator[None]:
    """Chalice's packager asks botocore for a region (no AWS call is made) and writes the
    stage's environment variables into ``os.environ`` while it loads the app: give it our
    region, and put the process environment back exactly as it was afterwards."""
    saved = dict(os.environ)
    os.environ["AWS_DEFAULT_REGION"] = region
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


class ApiStack(Stack):
    """The Chalice app and its three functions' roles."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        settings: DeploymentSettings,
        network: NetworkStack,
        data: DataStack,
        staging_dir: Path,
    ) -> None:
        super().__init__(scope, construct_id, env=settings.cdk_environment())
        self.settings = settings
        self.api_role = self._role("ApiRole", "REST API Lambda: reads the database only", data)
        self.events_role = self._role(
            "BillingEventsRole",
            "billing_events Lambda: reads billing files, settles messages",
            data,
        )
        for statement in billing_bucket_read(settings):
            self.events_role.add_to_policy(statement)
        data.queue.grant_consume_messages(self.events_role)
        self.jobs_role = self._role(
            "JobsRole", "jobs Lambda: batch stages, read-only AWS access", data
        )
        for statement in [*billing_bucket_read(settings), *scan_bucket_jobs_access(settings)]:
            self.jobs_role.add_to_policy(statement)
        self.jobs_role.add_to_policy(
            iam.PolicyStatement(actions=list(READ_ONLY_ACTIONS), resources=["*"])
        )
        acknowledge(
            self.jobs_role,
            "IAM5",
            "Describe/List/GetMetricData calls of the inventory and usage stages cannot be "
            "scoped to resources (AWS supports only '*' for them); all are read-only.",
            "Resource::*",
        )
        acknowledge_findings(
            self.jobs_role,
            "IAM5",
            "Spark scans are folders named at run time under the scan bucket's scans/ prefix: "
            "the jobs read their outputs and write only their small bookkeeping files there.",
            scan_bucket_jobs_findings(settings),
        )
        if settings.assistant_engine == "bedrock":
            # the only model the assistant may call; nothing else of Bedrock
            self.api_role.add_to_policy(
                iam.PolicyStatement(
                    actions=["bedrock:InvokeModel"],
                    resources=[
                        f"arn:{self.partition}:bedrock:{self.region}::foundation-model/"
                        f"{settings.bedrock_model_id}"
                    ],
                )
            )
        private = network.vpc.select_subnets(subnet_group_name="private")
        environment = {
            "FINOPS_ENVIRONMENT": settings.environment,
            "FINOPS_DATABASE_SECRET_ARN": data.database_secret.secret_arn,
            "FINOPS_BILLING_BUCKET": data.billing_bucket.bucket_name,
            # a literal, not a token: Chalice builds the event source's queue ARN from it
            "FINOPS_BILLING_QUEUE": settings.name("billing-events"),
            "POWERTOOLS_SERVICE_NAME": settings.name("api"),
            "FINOPS_LOG_LEVEL": "INFO",
            "FINOPS_ASSISTANT_ENGINE": settings.assistant_engine,
            "FINOPS_BEDROCK_MODEL_ID": settings.bedrock_model_id,
            "FINOPS_SPARK_SCAN_URI": scan_uri(settings),
        }
        stage = {
            "api_gateway_stage": API_GATEWAY_STAGE,
            "api_gateway_endpoint_type": "REGIONAL",
            "manage_iam_role": False,
            "iam_role_arn": self.api_role.role_arn,
            "lambda_memory_size": settings.api_memory_mb,
            "lambda_timeout": settings.api_timeout_seconds,
            "subnet_ids": private.subnet_ids,
            "security_group_ids": [network.lambda_security_group.security_group_id],
            "environment_variables": environment,
            "xray": True,
            "lambda_functions": {
                "billing_events": {
                    "iam_role_arn": self.events_role.role_arn,
                    "lambda_timeout": 900,
                    "lambda_memory_size": 2048,
                    "reserved_concurrency": 5,
                },
                "jobs": {
                    "iam_role_arn": self.jobs_role.role_arn,
                    "lambda_timeout": settings.jobs_lambda_timeout_seconds,
                    "lambda_memory_size": 3008,
                },
            },
        }
        built = settings.path(settings.chalice_project_dir)
        if not (built / "app.py").is_file():
            raise SettingsError(
                f"finops:chalice_project_dir {built} is not a built Chalice project: run "
                "`make package` first (it installs the Lambda's dependencies for Python 3.12 "
                "and checks the 250 MB limit; Chalice's own install would not fit)"
            )
        project = stage_project(built, staging_dir, construct_id, stage)
        with _packaging_environment(settings.region):
            self.chalice = Chalice(self, "Chalice", source_dir=str(project))
        # Chalice writes the synthesizing interpreter's version as the runtime; the package is
        # built for Python 3.12 (scripts/package.py), so the functions run on that.
        for function in ("APIHandler", "BillingEvents", "Jobs"):
            self.chalice.get_resource(function).add_override("Properties.Runtime", LAMBDA_RUNTIME)
        # Chalice's own log_retention_in_days names the API's log group wrongly (ApiHandler vs
        # APIHandler), so the retention is set here, on the groups Lambda writes to.
        for function in ("APIHandler", "BillingEvents", "Jobs"):
            logs.LogGroup(
                self,
                f"{function}Logs",
                log_group_name=f"/aws/lambda/{self.chalice.get_resource(function).ref}",
                retention=_retention(settings.log_retention_days),
            )
        self.rest_api_id = self.chalice.get_resource("RestAPI").ref
        self.jobs_function_arn = self.chalice.get_resource("Jobs").get_att("Arn").to_string()
        self.jobs_function_name = self.chalice.get_resource("Jobs").ref

    def _role(self, construct_id: str, description: str, data: DataStack) -> iam.Role:
        role = iam.Role(
            self,
            construct_id,
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=description,
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[f"arn:{self.partition}:logs:{self.region}:{self.account}:*"],
            )
        )
        role.add_to_policy(iam.PolicyStatement(actions=list(_VPC_ENI_ACTIONS), resources=["*"]))
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["xray:PutTraceSegments", "xray:PutTelemetryRecords"], resources=["*"]
            )
        )
        data.database_secret.grant_read(role)
        acknowledge_findings(
            role,
            "IAM5",
            "Lambda in a VPC must create/delete its ENIs and write X-Ray segments; these "
            "actions take no resource ARN. Log writes are limited to this account/region; "
            "billing files are read-only.",
            [
                "Resource::*",
                f"Resource::arn:<AWS::Partition>:logs:{self.region}:<AWS::AccountId>:*",
                *billing_bucket_findings(self.settings),
            ],
        )
        return role
