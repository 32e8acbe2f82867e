"""Spark: the EMR Serverless application that runs the ingest scan of large billing deliveries
(``finops/ingest/spark_job.py``), its custom image, its job role and the scan bucket.

The billing-ingestion DAG plans a scan (the jobs write ``delivery.json`` under ``scans/``),
starts the job on this application (``FINOPS_EMR_APPLICATION_ID``,
``FINOPS_EMR_EXECUTION_ROLE_ARN``, ``FINOPS_SPARK_ENTRY_POINT``), and the jobs load the facts
it wrote (``loaded.json``). The application costs nothing while idle: it starts on a job and
stops after 15 idle minutes.
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_emrserverless as emrserverless
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_assets as s3_assets
from constructs import Construct

from finops_infra.api import _retention
from finops_infra.data import (
    DataStack,
    billing_bucket_findings,
    billing_bucket_read,
    scan_bucket_name,
    scan_uri,
)
from finops_infra.nag import acknowledge_findings
from finops_infra.network import NetworkStack
from finops_infra.settings import REPO_ROOT, DeploymentSettings

#: The one EMR release of the stack: the application's release label and the base image of
#: ``infra_cdk/images/spark.Dockerfile`` (passed as its EMR_RELEASE build argument).
SPARK_RELEASE_LABEL = "emr-spark-8.0.0"
SPARK_LOG_GROUP = "/finops/spark"
SPARK_DOCKERFILE = "infra_cdk/images/spark.Dockerfile"
ENTRY_POINT = REPO_ROOT / "app" / "finops" / "ingest" / "spark_job.py"
IDLE_MINUTES = 15
#: The image's Python (spark.Dockerfile installs it and sets PYSPARK_PYTHON to it).
IMAGE_PYTHON = "/usr/bin/python3.11"
#: Every job's Spark defaults, set on the application so no job run can miss them: PySpark on
#: the image's Python 3.11 (Spark reads these before PYSPARK_PYTHON), and the in-memory catalog
#: (the scan uses temporary views only; EMR's default Glue Data Catalog would need glue:
#: permissions for nothing).
SPARK_DEFAULTS = {
    "spark.pyspark.python": IMAGE_PYTHON,
    "spark.pyspark.driver.python": IMAGE_PYTHON,
    "spark.sql.catalogImplementation": "in-memory",
    # the scan's generated code is JIT-compiled even past HotSpot's huge-method limit
    # (finops.ingest.spark_job.JVM_CONF, the same options the tests' local Spark runs with)
    "spark.driver.extraJavaOptions": "-XX:-DontCompileHugeMethods",
    "spark.executor.extraJavaOptions": "-XX:-DontCompileHugeMethods",
}
#: A scan's output is loaded into PostgreSQL within the day it is written; after that the
#: folder is only a record (the run record in the database is the lasting one).
SCAN_RETENTION_DAYS = 30

#: What the Spark image build needs from the repository: the package's sources and metadata and
#: the Dockerfile (a change to the dashboard, the DAGs or the CDK app does not rebuild it).
SPARK_IMAGE_CONTEXT_EXCLUDES = [
    "*",
    "!pyproject.toml",
    "!README.md",
    "!app",
    f"!{SPARK_DOCKERFILE}",
    "**/__pycache__",
    "**/.pytest_cache",
    "**/*.egg-info",
]


def application_arn_export(settings: DeploymentSettings) -> str:
    """The CloudFormation export name of the application's ARN."""
    return settings.name("spark-application-arn")


class SparkStack(Stack):
    """The scan bucket, the image and entry point, the application and its job role."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        settings: DeploymentSettings,
        network: NetworkStack,
        data: DataStack,
    ) -> None:
        super().__init__(scope, construct_id, env=settings.cdk_environment())
        self.scan_bucket = s3.Bucket(
            self,
            "ScanBucket",
            bucket_name=scan_bucket_name(settings),
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            server_access_logs_bucket=data.logs_bucket,
            server_access_logs_prefix="spark-scan-bucket/",
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="loaded-scans",
                    expiration=Duration.days(SCAN_RETENTION_DAYS),
                    abort_incomplete_multipart_upload_after=Duration.days(1),
                )
            ],
            # only derived data: the billing bucket and the database keep what matters
            removal_policy=RemovalPolicy.DESTROY,
            auto_delete_objects=True,
        )
        self.scan_uri = scan_uri(settings)

        # The image goes to the CDK bootstrap's container-assets repository, whose repository
        # policy already lets emr-serverless.amazonaws.com pull from applications of this
        # account and region (statement EmrServerlessImageRetrievalPolicy): no policy here.
        self.image = ecr_assets.DockerImageAsset(
            self,
            "SparkImage",
            directory=str(REPO_ROOT),
            file=SPARK_DOCKERFILE,
            exclude=SPARK_IMAGE_CONTEXT_EXCLUDES,
            build_args={"EMR_RELEASE": SPARK_RELEASE_LABEL},
            platform=ecr_assets.Platform.LINUX_AMD64,
        )
        self.entry_point_asset = s3_assets.Asset(self, "EntryPoint", path=str(ENTRY_POINT))
        self.entry_point = self.entry_point_asset.s3_object_url

        self.log_group = logs.LogGroup(
            self,
            "Logs",
            log_group_name=SPARK_LOG_GROUP,
            retention=_retention(settings.log_retention_days),
            removal_policy=RemovalPolicy.DESTROY,
        )
        private = network.vpc.select_subnets(subnet_group_name="private")
        self.application = emrserverless.CfnApplication(
            self,
            "Application",
            name=settings.name("spark"),
            type="SPARK",
            release_label=SPARK_RELEASE_LABEL,
            architecture="X86_64",
            image_configuration=emrserverless.CfnApplication.ImageConfigurationInputProperty(
                image_uri=self.image.image_uri
            ),
            network_configuration=emrserverless.CfnApplication.NetworkConfigurationProperty(
                subnet_ids=private.subnet_ids,
                security_group_ids=[network.tasks_security_group.security_group_id],
            ),
            auto_start_configuration=emrserverless.CfnApplication.AutoStartConfigurationProperty(
                enabled=True
            ),
            auto_stop_configuration=emrserverless.CfnApplication.AutoStopConfigurationProperty(
                enabled=True, idle_timeout_minutes=IDLE_MINUTES
            ),
            maximum_capacity=emrserverless.CfnApplication.MaximumAllowedResourcesProperty(
                cpu=f"{settings.spark_max_vcpu} vCPU",
                memory=f"{settings.spark_max_memory_gb} GB",
            ),
            runtime_configuration=[
                emrserverless.CfnApplication.ConfigurationObjectProperty(
                    classification="spark-defaults", properties=SPARK_DEFAULTS
                )
            ],
            monitoring_configuration=emrserverless.CfnApplication.MonitoringConfigurationProperty(
                cloud_watch_logging_configuration=emrserverless.CfnApplication.CloudWatchLoggingConfigurationProperty(
                    enabled=True,
                    log_group_name=self.log_group.log_group_name,
                    log_stream_name_prefix="scans",
                ),
            ),
        )
        self.application_id = self.application.attr_application_id
        self.application_arn = self.application.attr_arn
        # For other stacks, under an export name of ours (not CDK's hashed one), so the MWAA
        # role's cdk-nag acknowledgment can name the job-run ARNs whatever the prefix.
        self.application_arn_export = application_arn_export(settings)
        self.exported_application_arn = self.export_value(
            self.application_arn, name=self.application_arn_export
        )

        self.job_role = iam.Role(
            self,
            "JobRole",
            assumed_by=iam.ServicePrincipal(
                "emr-serverless.amazonaws.com",
                conditions={
                    "StringEquals": {"aws:SourceAccount": self.account},
                    "ArnEquals": {"aws:SourceArn": self.application_arn},
                },
            ),
            description="EMR Serverless Spark scan: read billing files, write the scan bucket",
        )
        for statement in billing_bucket_read(settings):
            self.job_role.add_to_policy(statement)
        # the entry point: this one object of the CDK asset bucket
        self.job_role.add_to_policy(
            iam.PolicyStatement(
                actions=["s3:GetObject"],
                resources=[
                    self.entry_point_asset.bucket.arn_for_objects(
                        self.entry_point_asset.s3_object_key
                    )
                ],
            )
        )
        self.job_role.add_to_policy(
            iam.PolicyStatement(
                actions=["s3:ListBucket", "s3:GetBucketLocation"],
                resources=[self.scan_bucket.bucket_arn],
            )
        )
        self.job_role.add_to_policy(
            iam.PolicyStatement(
                # Spark's output committer overwrites and cleans up its attempt files and
                # aborts the multipart uploads of a failed task
                actions=[
                    "s3:GetObject",
                    "s3:PutObject",
                    "s3:DeleteObject",
                    "s3:AbortMultipartUpload",
                ],
                resources=[self.scan_bucket.arn_for_objects("*")],
            )
        )
        # EMR Serverless's CloudWatch logging: it looks the group up, then writes its streams
        self.job_role.add_to_policy(
            iam.PolicyStatement(
                actions=["logs:DescribeLogGroups"],
                resources=[f"arn:{self.partition}:logs:{self.region}:{self.account}:log-group:*"],
            )
        )
        self.job_role.add_to_policy(
            iam.PolicyStatement(
                actions=["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
                resources=[self.log_group.log_group_arn],
            )
        )
        bucket_resource = self.scan_bucket.node.default_child
        assert isinstance(bucket_resource, s3.CfnBucket)
        acknowledge_findings(
            self.job_role,
            "IAM5",
            "A scan reads the billing files and writes facts/ and manifest.json under a folder "
            "named at run time, so object access is per bucket (read-only on the billing "
            "bucket, the scan bucket's objects only); DescribeLogGroups takes no narrower "
            "resource than the account's log groups.",
            [
                *billing_bucket_findings(settings),
                f"Resource::<{self.get_logical_id(bucket_resource)}.Arn>/*",
                f"Resource::arn:<AWS::Partition>:logs:{self.region}:<AWS::AccountId>:log-group:*",
            ],
        )
