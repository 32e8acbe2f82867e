"""Data: RDS PostgreSQL (pinned minor, encrypted, credentials in Secrets Manager with rotation),
the billing bucket (versioned, encrypted, TLS only, EventBridge on, lifecycle), the billing-event
queue with its dead-letter queue, and the EventBridge rule "Object Created" -> queue.

The queue's timings and the rule's pattern are the ones ``finops events bootstrap`` builds on an
emulator (:mod:`finops.aws.pipeline`), so the local path and AWS agree.
"""

from __future__ import annotations

from aws_cdk import Aws, Duration, RemovalPolicy, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_rds as rds
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from finops.aws.pipeline import DLQ_RETENTION_SECONDS, MAX_RECEIVE_COUNT, VISIBILITY_TIMEOUT_SECONDS
from finops_infra.nag import acknowledge
from finops_infra.network import NetworkStack
from finops_infra.settings import DeploymentSettings

DATABASE_NAME = "finops"
DATABASE_ADMIN = "finops_admin"
DATABASE_PORT = 5432


def billing_bucket_name(settings: DeploymentSettings) -> str:
    """The billing bucket's name (unique per account and region): other stacks build its ARN
    from it instead of importing it."""
    return f"{settings.prefix}-billing-{Aws.ACCOUNT_ID}-{settings.region}"


def billing_bucket_read(settings: DeploymentSettings) -> list[iam.PolicyStatement]:
    """Read-only access to the billing files (list the bucket, get its objects)."""
    arn = f"arn:{Aws.PARTITION}:s3:::{billing_bucket_name(settings)}"
    return [
        iam.PolicyStatement(actions=["s3:ListBucket", "s3:GetBucketLocation"], resources=[arn]),
        iam.PolicyStatement(
            actions=["s3:GetObject", "s3:GetObjectVersion"], resources=[f"{arn}/*"]
        ),
    ]


def billing_bucket_findings(settings: DeploymentSettings) -> list[str]:
    """The IAM5 finding cdk-nag reports for :func:`billing_bucket_read`."""
    return [
        f"Resource::arn:<AWS::Partition>:s3:::{settings.prefix}-billing-<AWS::AccountId>-"
        f"{settings.region}/*"
    ]


#: Where the Spark scans live in the scan bucket: one folder per planned scan, holding the
#: planner's ``delivery.json``, the EMR job's ``facts/`` and ``manifest.json``, the loader's
#: ``loaded.json``.
SCANS_PREFIX = "scans/"


def scan_bucket_name(settings: DeploymentSettings) -> str:
    """The Spark scan bucket's name (the spark stack creates it): like the billing bucket's,
    other stacks build its ARN from it instead of importing it."""
    return f"{settings.prefix}-spark-scans-{Aws.ACCOUNT_ID}-{settings.region}"


def scan_uri(settings: DeploymentSettings) -> str:
    """``s3://<scan bucket>/scans/``: the prefix the platform plans, runs and loads scans under
    (``FINOPS_SPARK_SCAN_URI``)."""
    return f"s3://{scan_bucket_name(settings)}/{SCANS_PREFIX}"


def scan_bucket_jobs_access(settings: DeploymentSettings) -> list[iam.PolicyStatement]:
    """What the platform's jobs need of the scan bucket: list it, read the scans' outputs and
    write their small bookkeeping files (``delivery.json``, ``loaded.json``) under ``scans/``;
    no delete, nothing outside ``scans/``."""
    arn = f"arn:{Aws.PARTITION}:s3:::{scan_bucket_name(settings)}"
    return [
        iam.PolicyStatement(actions=["s3:ListBucket", "s3:GetBucketLocation"], resources=[arn]),
        iam.PolicyStatement(
            actions=["s3:GetObject", "s3:PutObject"], resources=[f"{arn}/{SCANS_PREFIX}*"]
        ),
    ]


def scan_bucket_jobs_findings(settings: DeploymentSettings) -> list[str]:
    """The IAM5 finding cdk-nag reports for :func:`scan_bucket_jobs_access`."""
    return [
        f"Resource::arn:<AWS::Partition>:s3:::{settings.prefix}-spark-scans-<AWS::AccountId>-"
        f"{settings.region}/{SCANS_PREFIX}*"
    ]


class DataStack(Stack):
    """Where the platform's state lives: the database, the billing files and their events."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        settings: DeploymentSettings,
        network: NetworkStack,
    ) -> None:
        super().__init__(scope, construct_id, env=settings.cdk_environment())
        self.logs_bucket = s3.Bucket(
            self,
            "AccessLogs",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
            lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(365))],
            removal_policy=RemovalPolicy.RETAIN,
        )
        acknowledge(
            self.logs_bucket,
            "S1",
            "This bucket receives the other buckets' and the CDN's access logs; logging its own "
            "access would recurse.",
        )
        self.billing_bucket_name = billing_bucket_name(settings)
        self.billing_bucket = s3.Bucket(
            self,
            "BillingBucket",
            bucket_name=self.billing_bucket_name,
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            event_bridge_enabled=True,
            server_access_logs_bucket=self.logs_bucket,
            server_access_logs_prefix="billing-bucket/",
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="restated-exports",
                    noncurrent_version_expiration=Duration.days(
                        settings.billing_noncurrent_version_days
                    ),
                    abort_incomplete_multipart_upload_after=Duration.days(7),
                ),
                s3.LifecycleRule(
                    id="cold-after-a-year",
                    transitions=[
                        s3.Transition(
                            storage_class=s3.StorageClass.INTELLIGENT_TIERING,
                            transition_after=Duration.days(365),
                        )
                    ],
                ),
            ],
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.dead_letter_queue = sqs.Queue(
            self,
            "BillingEventsDlq",
            queue_name=settings.name("billing-events-dlq"),
            retention_period=Duration.seconds(DLQ_RETENTION_SECONDS),
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
        )
        self.queue = sqs.Queue(
            self,
            "BillingEvents",
            queue_name=settings.name("billing-events"),
            visibility_timeout=Duration.seconds(VISIBILITY_TIMEOUT_SECONDS),
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            dead_letter_queue=sqs.DeadLetterQueue(
                queue=self.dead_letter_queue, max_receive_count=MAX_RECEIVE_COUNT
            ),
        )
        detail: dict[str, object] = {"bucket": {"name": [self.billing_bucket.bucket_name]}}
        if settings.billing_prefix:
            detail["object"] = {"key": [{"prefix": settings.billing_prefix}]}
        self.rule = events.Rule(
            self,
            "BillingObjectCreated",
            description="Billing files created in the billing bucket",
            event_pattern=events.EventPattern(
                source=["aws.s3"], detail_type=["Object Created"], detail=detail
            ),
            targets=[targets.SqsQueue(self.queue)],
        )

        self.database = rds.DatabaseInstance(
            self,
            "Database",
            engine=rds.DatabaseInstanceEngine.postgres(
                version=rds.PostgresEngineVersion.of(
                    settings.postgres_version, settings.postgres_version.split(".")[0]
                )
            ),
            instance_type=ec2.InstanceType(settings.db_instance_class),
            vpc=network.vpc,
            vpc_subnets=network.private_subnets,
            database_name=DATABASE_NAME,
            port=DATABASE_PORT,
            credentials=rds.Credentials.from_generated_secret(
                DATABASE_ADMIN, secret_name=settings.name("database-admin")
            ),
            storage_encrypted=True,
            storage_type=rds.StorageType.GP3,
            allocated_storage=settings.db_allocated_storage_gib,
            max_allocated_storage=settings.db_max_allocated_storage_gib,
            multi_az=settings.db_multi_az,
            backup_retention=Duration.days(settings.db_backup_retention_days),
            deletion_protection=True,
            iam_authentication=True,
            auto_minor_version_upgrade=False,
            cloudwatch_logs_exports=["postgresql", "upgrade"],
            enable_performance_insights=True,
            parameters={"rds.force_ssl": "1", "log_min_duration_statement": "1000"},
            removal_policy=RemovalPolicy.SNAPSHOT,
        )
        assert self.database.secret is not None
        self.database_secret = self.database.secret
        self.database.add_rotation_single_user(
            automatically_after=Duration.days(settings.db_rotation_days),
            vpc_subnets=network.private_subnets,
        )
        for security_group, why in (
            (network.lambda_security_group, "the Lambdas"),
            (network.tasks_security_group, "ECS tasks and MWAA"),
        ):
            self.database.connections.allow_default_port_from(
                security_group, f"PostgreSQL from {why}"
            )
        acknowledge(
            self.database,
            "RDS11",
            "The port is not a control: the database is in private subnets and its security "
            "group admits only the platform's Lambdas, tasks and MWAA.",
        )
        acknowledge(
            self,
            "IAM4",
            "aws-cdk-lib's bucket-notifications handler (it turns EventBridge on for the "
            "billing bucket) uses AWSLambdaBasicExecutionRole: logs only.",
            "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
        )
        if not settings.db_multi_az:
            acknowledge(
                self.database,
                "RDS3",
                "Multi-AZ is a context switch (finops:db_multi_az); the default single-AZ "
                "instance keeps a small estate's bill low, with 7-day point-in-time backups.",
            )
