"""Jobs: the ECS Fargate cluster and the task definitions that run ``finops jobs run NAME`` for
the long stages, from the platform's image (``infra_cdk/images/finops.Dockerfile``).

Two task definitions: ``jobs`` (read-only AWS access, like the jobs Lambda, but for the Spark
scans' bookkeeping files under the scan bucket's ``scans/``) and
``remediation`` (the only principal that can change a resource: the actions of
:mod:`finops_infra.remediation`, on EC2 instances tagged ``finops:remediation``).
"""

from __future__ import annotations

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from constructs import Construct

from finops_infra import remediation
from finops_infra.api import READ_ONLY_ACTIONS
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
from finops_infra.settings import REPO_ROOT, DeploymentSettings

JOBS_LOG_GROUP = "/finops/jobs"

#: What the image build needs from the repository (everything else stays out of the asset).
IMAGE_CONTEXT_EXCLUDES = [
    "*",
    "!pyproject.toml",
    "!README.md",
    "!alembic.ini",
    "!app",
    "!functions",
    "!migrations",
    "!frontend",
    "!infra_cdk",
    "infra_cdk/cdk.out",
    "infra_cdk/helm",
    "frontend/node_modules",
    "frontend/dist",
    "functions/vendor",
    "**/__pycache__",
    "**/.pytest_cache",
]


class JobsStack(Stack):
    """The cluster, the image and the two task definitions."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        settings: DeploymentSettings,
        network: NetworkStack,
        data: DataStack,
    ) -> None:
        super().__init__(scope, construct_id, env=settings.cdk_environment())
        self.cluster = ecs.Cluster(
            self,
            "Cluster",
            vpc=network.vpc,
            container_insights_v2=ecs.ContainerInsights.ENABLED,
        )
        self.image = ecr_assets.DockerImageAsset(
            self,
            "PlatformImage",
            directory=str(REPO_ROOT),
            file="infra_cdk/images/finops.Dockerfile",
            exclude=IMAGE_CONTEXT_EXCLUDES,
            platform=ecr_assets.Platform.LINUX_AMD64,
        )
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            log_group_name=JOBS_LOG_GROUP,
            retention=logs.RetentionDays.THREE_MONTHS,
            removal_policy=RemovalPolicy.DESTROY,
        )
        environment = {
            "FINOPS_ENVIRONMENT": settings.environment,
            "FINOPS_DATABASE_SECRET_ARN": data.database_secret.secret_arn,
            "FINOPS_BILLING_BUCKET": data.billing_bucket.bucket_name,
            "FINOPS_SPARK_SCAN_URI": scan_uri(settings),
        }
        jobs_role = iam.Role(
            self,
            "JobsTaskRole",
            assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"),
            description="finops jobs task: batch stages, read-only AWS access",
        )
        jobs_role.add_to_policy(
            iam.PolicyStatement(actions=list(READ_ONLY_ACTIONS), resources=["*"])
        )
        for statement in [*billing_bucket_read(settings), *scan_bucket_jobs_access(settings)]:
            jobs_role.add_to_policy(statement)
        data.database_secret.grant_read(jobs_role)
        acknowledge_findings(
            jobs_role,
            "IAM5",
            "Describe/List/GetMetricData calls of the inventory and usage stages cannot be "
            "scoped to resources (AWS supports only '*' for them); all are read-only, as is "
            "the billing bucket access. Spark scans are folders named at run time under the "
            "scan bucket's scans/ prefix: read, and write of their small bookkeeping files.",
            [
                "Resource::*",
                *billing_bucket_findings(settings),
                *scan_bucket_jobs_findings(settings),
            ],
        )
        self.jobs_task = self._task("Jobs", settings, jobs_role, environment)

        remediation_role = iam.Role(
            self,
            "RemediationTaskRole",
            assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"),
            description="finops remediation task: only the actions remediation policies can take",
        )
        remediation_role.add_to_policy(
            iam.PolicyStatement(actions=list(remediation.READS), resources=["*"])
        )
        ec2_writes = [a for a in remediation.write_actions() if a.startswith("ec2:")]
        other_writes = [a for a in remediation.write_actions() if not a.startswith("ec2:")]
        remediation_role.add_to_policy(
            iam.PolicyStatement(
                actions=ec2_writes,
                resources=[f"arn:{self.partition}:ec2:*:{self.account}:instance/*"],
                conditions={
                    "StringEquals": {f"aws:ResourceTag/{remediation.OPT_IN_TAG}": "allowed"}
                },
            )
        )
        remediation_role.add_to_policy(iam.PolicyStatement(actions=other_writes, resources=["*"]))
        remediation_role.add_to_policy(
            iam.PolicyStatement(
                actions=["iam:PassRole"],
                resources=["*"],
                conditions={"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
            )
        )
        data.database_secret.grant_read(remediation_role)
        for finding in (
            "Resource::*",
            "Resource::arn:<AWS::Partition>:ec2:*:<AWS::AccountId>:instance/*",
        ):
            acknowledge(
                remediation_role,
                "IAM5",
                "Remediation targets are chosen at run time by approved policies; EC2 writes "
                "are limited to instances tagged finops:remediation=allowed, and every action "
                "needs a policy, an approval and an audit record in the platform.",
                finding,
            )
        self.remediation_task = self._task(
            "Remediation",
            settings,
            remediation_role,
            environment,
            command=["jobs", "run", "remediate"],
        )
        self.task_roles = [jobs_role, remediation_role]

    def _task(
        self,
        construct_id: str,
        settings: DeploymentSettings,
        role: iam.Role,
        environment: dict[str, str],
        command: list[str] | None = None,
    ) -> ecs.FargateTaskDefinition:
        task = ecs.FargateTaskDefinition(
            self,
            f"{construct_id}Task",
            cpu=settings.jobs_cpu,
            memory_limit_mib=settings.jobs_memory_mb,
            task_role=role,
            runtime_platform=ecs.RuntimePlatform(
                cpu_architecture=ecs.CpuArchitecture.X86_64,
                operating_system_family=ecs.OperatingSystemFamily.LINUX,
            ),
        )
        task.add_container(
            "finops",
            image=ecs.ContainerImage.from_docker_image_asset(self.image),
            command=command or ["jobs", "run", "rightsize"],
            environment=environment,
            logging=ecs.LogDrivers.aws_logs(
                stream_prefix=construct_id.lower(), log_group=self.log_group
            ),
            readonly_root_filesystem=False,
        )
        assert task.execution_role is not None
        acknowledge(
            task.execution_role,
            "IAM5",
            "ECS's execution role needs ecr:GetAuthorizationToken, which takes no resource.",
            "Resource::*",
        )
        acknowledge(
            task,
            "ECS2",
            "Only non-secret settings (ARNs, names) are environment variables; the database "
            "credentials are read from Secrets Manager at run time by the platform.",
        )
        return task
