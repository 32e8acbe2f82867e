"""Orchestration: Amazon MWAA (Airflow 3) running the DAGs of ``mwaa_dags/``.

The DAG bucket holds ``dags/``, ``requirements.txt`` (with MWAA's constraints line) and a
startup script exporting the DAGs' settings (``FINOPS_DAG_EXECUTOR=ecs``, the cluster, task
definition, subnets, the jobs Lambda, the EMR Serverless application of the Spark scan), so the
DAGs need no Airflow Variables to run. The execution role may invoke the jobs Lambda, run the
jobs task and run Spark scans on the application, nothing else of the platform.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from aws_cdk import Fn, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_mwaa as mwaa
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct

from finops_infra.api import ApiStack
from finops_infra.data import DataStack
from finops_infra.jobs import JOBS_LOG_GROUP, JobsStack
from finops_infra.nag import (
    acknowledge,
    acknowledge_findings,
    bucket_deployment_findings,
    s3_read_findings,
)
from finops_infra.network import NetworkStack
from finops_infra.settings import REPO_ROOT, DeploymentSettings
from finops_infra.spark import SparkStack

DAGS_DIR = REPO_ROOT / "mwaa_dags"
STARTUP_SCRIPT = "startup.sh"
#: The EMR Serverless calls of the Airflow Amazon provider's EmrServerlessStartJobOperator.
EMR_SERVERLESS_ACTIONS = (
    "emr-serverless:GetApplication",
    "emr-serverless:StartApplication",
    "emr-serverless:StartJobRun",
    "emr-serverless:GetJobRun",
    "emr-serverless:CancelJobRun",
    "emr-serverless:GetDashboardForJobRun",
)


class OrchestrationStack(Stack):
    """The MWAA environment, its bucket and its execution role."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        settings: DeploymentSettings,
        network: NetworkStack,
        data: DataStack,
        spark: SparkStack,
        api: ApiStack,
        jobs: JobsStack,
        staging_dir: Path,
    ) -> None:
        super().__init__(scope, construct_id, env=settings.cdk_environment())
        environment_name = settings.name("airflow")
        self.bucket = s3.Bucket(
            self,
            "DagBucket",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            server_access_logs_bucket=data.logs_bucket,
            server_access_logs_prefix="dag-bucket/",
            removal_policy=RemovalPolicy.DESTROY,
            auto_delete_objects=True,
        )
        bundle = stage_bundle(settings.path(settings.mwaa_bundle_dir), staging_dir)
        private = network.vpc.select_subnets(subnet_group_name="private")
        exports = {
            "FINOPS_DAG_EXECUTOR": "ecs",
            "FINOPS_ECS_CLUSTER": jobs.cluster.cluster_name,
            "FINOPS_ECS_TASK_DEFINITION": jobs.jobs_task.task_definition_arn,
            "FINOPS_ECS_CONTAINER": "finops",
            "FINOPS_ECS_SUBNETS": Fn.join(",", private.subnet_ids),
            "FINOPS_ECS_SECURITY_GROUPS": network.tasks_security_group.security_group_id,
            "FINOPS_ECS_LOG_GROUP": jobs.log_group.log_group_name,
            "FINOPS_ECS_LOG_STREAM_PREFIX": "jobs",
            "FINOPS_JOBS_FUNCTION": api.jobs_function_name,
            # the Spark path of large deliveries (its logs go to CloudWatch: set on the application)
            "FINOPS_EMR_APPLICATION_ID": spark.application_id,
            "FINOPS_EMR_EXECUTION_ROLE_ARN": spark.job_role.role_arn,
            "FINOPS_SPARK_ENTRY_POINT": spark.entry_point,
            "FINOPS_SPARK_SCAN_URI": spark.scan_uri,
        }
        startup = (
            "#!/bin/sh\n# Written by the CDK orchestration stack: the DAGs' settings.\n"
            + "".join(f"export {key}={value}\n" for key, value in exports.items())
        )
        deployment = s3deploy.BucketDeployment(
            self,
            "DagFiles",
            destination_bucket=self.bucket,
            sources=[
                s3deploy.Source.asset(str(bundle)),
                s3deploy.Source.data(STARTUP_SCRIPT, startup),
            ],
            destination_key_prefix="",
            prune=True,
            retain_on_delete=False,
        )
        acknowledge(
            self,
            "L1",
            "The BucketDeployment's provider function runtime is chosen by aws-cdk-lib and "
            "follows its releases.",
        )
        acknowledge_findings(
            self,
            "IAM5",
            "The BucketDeployment provider (aws-cdk-lib) copies the DAG files from the CDK "
            "asset bucket into this stack's bucket; its grants are the library's.",
            bucket_deployment_findings(self.region, "<DagBucket6BDF1AAF.Arn>"),
        )
        acknowledge(
            self,
            "IAM4",
            "The BucketDeployment provider uses AWSLambdaBasicExecutionRole (aws-cdk-lib's "
            "choice, logs only).",
            "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
        )

        role = iam.Role(
            self,
            "ExecutionRole",
            assumed_by=iam.CompositePrincipal(
                iam.ServicePrincipal("airflow.amazonaws.com"),
                iam.ServicePrincipal("airflow-env.amazonaws.com"),
            ),
            description="MWAA execution role: read the DAG bucket, run the FinOps jobs",
        )
        self.bucket.grant_read(role)
        env_arn = (
            f"arn:{self.partition}:airflow:{self.region}:{self.account}"
            f":environment/{environment_name}"
        )
        role.add_to_policy(
            iam.PolicyStatement(actions=["airflow:PublishMetrics"], resources=[env_arn])
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=[
                    "logs:CreateLogStream",
                    "logs:CreateLogGroup",
                    "logs:PutLogEvents",
                    "logs:GetLogEvents",
                    "logs:GetLogRecord",
                    "logs:GetLogGroupFields",
                    "logs:GetQueryResults",
                ],
                resources=[
                    f"arn:{self.partition}:logs:{self.region}:{self.account}:log-group:airflow-{environment_name}-*"
                ],
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=[
                    "logs:DescribeLogGroups",
                    "cloudwatch:PutMetricData",
                    "s3:GetAccountPublicAccessBlock",
                ],
                resources=["*"],
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=[
                    "sqs:ChangeMessageVisibility",
                    "sqs:DeleteMessage",
                    "sqs:GetQueueAttributes",
                    "sqs:GetQueueUrl",
                    "sqs:ReceiveMessage",
                    "sqs:SendMessage",
                ],
                resources=[f"arn:{self.partition}:sqs:{self.region}:*:airflow-celery-*"],
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey*", "kms:Encrypt"],
                resources=["*"],
                conditions={"StringLike": {"kms:ViaService": [f"sqs.{self.region}.amazonaws.com"]}},
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["lambda:InvokeFunction"], resources=[api.jobs_function_arn]
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["ecs:RunTask"],
                resources=[jobs.jobs_task.task_definition_arn],
                conditions={"ArnEquals": {"ecs:cluster": jobs.cluster.cluster_arn}},
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["ecs:DescribeTasks", "ecs:StopTask"],
                resources=[f"arn:{self.partition}:ecs:{self.region}:{self.account}:task/*"],
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["logs:GetLogEvents"],
                resources=[
                    f"arn:{self.partition}:logs:{self.region}:{self.account}:log-group:{JOBS_LOG_GROUP}:*"
                ],
            )
        )
        task_roles = [jobs.jobs_task.task_role.role_arn]
        if jobs.jobs_task.execution_role is not None:
            task_roles.append(jobs.jobs_task.execution_role.role_arn)
        role.add_to_policy(iam.PolicyStatement(actions=["iam:PassRole"], resources=task_roles))
        # EmrServerlessStartJobOperator (Amazon provider 9.12.0, wait_for_completion): it reads
        # the application's state and starts it unless CREATED/STARTED, starts the job run,
        # polls it, cancels it when the task is killed, and its UI link asks for the dashboard.
        role.add_to_policy(
            iam.PolicyStatement(
                actions=list(EMR_SERVERLESS_ACTIONS),
                resources=[
                    spark.exported_application_arn,
                    f"{spark.exported_application_arn}/jobruns/*",
                ],
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["iam:PassRole"],
                resources=[spark.job_role.role_arn],
                conditions={
                    "StringEquals": {"iam:PassedToService": "emr-serverless.amazonaws.com"}
                },
            )
        )
        region = self.region
        acknowledge_findings(
            role,
            "IAM5",
            "MWAA's documented execution-role permissions: its Celery queues and log groups "
            "are named by MWAA at creation, ECS task ARNs and log streams exist only at run "
            "time; the DAG bucket is read-only.",
            [
                "Resource::*",
                f"Resource::arn:<AWS::Partition>:logs:{region}:<AWS::AccountId>:log-group:airflow-{environment_name}-*",
                f"Resource::arn:<AWS::Partition>:sqs:{region}:*:airflow-celery-*",
                f"Resource::arn:<AWS::Partition>:ecs:{region}:<AWS::AccountId>:task/*",
                f"Resource::arn:<AWS::Partition>:logs:{region}:<AWS::AccountId>:log-group:{JOBS_LOG_GROUP}:*",
                "Action::kms:GenerateDataKey*",
                *s3_read_findings("<DagBucket6BDF1AAF.Arn>"),
            ],
        )
        acknowledge(
            role,
            "IAM5",
            "EMR Serverless job-run IDs exist only once a DAG starts a scan; the grant is "
            "limited to the job runs of the platform's one Spark application.",
            f"Resource::{spark.application_arn_export}/jobruns/*",
        )

        self.airflow = mwaa.CfnEnvironment(
            self,
            "Airflow",
            name=environment_name,
            airflow_version=settings.mwaa_airflow_version,
            environment_class=settings.mwaa_environment_class,
            max_workers=settings.mwaa_max_workers,
            execution_role_arn=role.role_arn,
            source_bucket_arn=self.bucket.bucket_arn,
            dag_s3_path="dags",
            requirements_s3_path="requirements.txt",
            startup_script_s3_path=STARTUP_SCRIPT,
            webserver_access_mode="PRIVATE_ONLY",
            network_configuration=mwaa.CfnEnvironment.NetworkConfigurationProperty(
                subnet_ids=private.subnet_ids[:2],
                security_group_ids=[network.tasks_security_group.security_group_id],
            ),
            logging_configuration=mwaa.CfnEnvironment.LoggingConfigurationProperty(
                dag_processing_logs=_log("INFO"),
                scheduler_logs=_log("INFO"),
                task_logs=_log("INFO"),
                webserver_logs=_log("WARNING"),
                worker_logs=_log("INFO"),
            ),
            airflow_configuration_options={"core.load_examples": "False"},
        )
        self.airflow.node.add_dependency(deployment)
        self.exports = exports


def stage_bundle(built: Path, destination: Path) -> Path:
    """The MWAA bundle to upload: ``built`` when ``make package`` wrote it (``dags/`` and
    ``requirements.txt``), else assembled at ``destination`` from ``mwaa_dags/`` (the DAG
    files and their helper package under ``dags/``, the requirements at the top)."""
    if (built / "dags").is_dir() and (built / "requirements.txt").is_file():
        return built
    if destination.exists():
        shutil.rmtree(destination)
    shutil.copytree(
        DAGS_DIR,
        destination / "dags",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "constraints", "requirements.txt"),
    )
    shutil.copy2(DAGS_DIR / "requirements.txt", destination / "requirements.txt")
    return destination


def _log(level: str) -> mwaa.CfnEnvironment.ModuleLoggingConfigurationProperty:
    return mwaa.CfnEnvironment.ModuleLoggingConfigurationProperty(enabled=True, log_level=level)
