"""Network: a VPC with private subnets and the endpoints that let Lambdas reach S3, SQS and
Secrets Manager without a NAT gateway; VPC flow logs on."""

from __future__ import annotations

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_logs as logs
from constructs import Construct

from finops_infra.nag import acknowledge
from finops_infra.settings import DeploymentSettings

#: Interface endpoints in the private subnets (S3 is a gateway endpoint).
INTERFACE_ENDPOINTS = {
    "Sqs": ec2.InterfaceVpcEndpointAwsService.SQS,
    "SecretsManager": ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
    "CloudWatchLogs": ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
    "CloudWatchMonitoring": ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_MONITORING,
    "Sts": ec2.InterfaceVpcEndpointAwsService.STS,
    "EcrApi": ec2.InterfaceVpcEndpointAwsService.ECR,
    "EcrDocker": ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER,
}


class NetworkStack(Stack):
    """The VPC every other stack places its compute and database in."""

    def __init__(self, scope: Construct, construct_id: str, settings: DeploymentSettings) -> None:
        super().__init__(scope, construct_id, env=settings.cdk_environment())
        self.vpc = ec2.Vpc(
            self,
            "Vpc",
            max_azs=settings.max_azs,
            nat_gateways=settings.nat_gateways,
            subnet_configuration=[
                ec2.SubnetConfiguration(name="public", subnet_type=ec2.SubnetType.PUBLIC),
                ec2.SubnetConfiguration(
                    name="private",
                    subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS
                    if settings.nat_gateways
                    else ec2.SubnetType.PRIVATE_ISOLATED,
                ),
            ],
            restrict_default_security_group=True,
        )
        flow_logs = logs.LogGroup(
            self,
            "FlowLogs",
            retention=logs.RetentionDays.THREE_MONTHS,
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.vpc.add_flow_log(
            "FlowLog", destination=ec2.FlowLogDestination.to_cloud_watch_logs(flow_logs)
        )
        self.private_subnets = ec2.SubnetSelection(
            subnet_group_name="private",
        )
        self.vpc.add_gateway_endpoint(
            "S3", service=ec2.GatewayVpcEndpointAwsService.S3, subnets=[self.private_subnets]
        )
        for name, service in INTERFACE_ENDPOINTS.items():
            endpoint = self.vpc.add_interface_endpoint(
                name, service=service, subnets=self.private_subnets, private_dns_enabled=True
            )
            acknowledge(
                endpoint,
                "EC23",
                "The endpoint admits HTTPS from the VPC's own CIDR only; cdk-nag cannot resolve "
                "the CIDR token and reads it as open.",
            )
        self.lambda_security_group = ec2.SecurityGroup(
            self,
            "LambdaSecurityGroup",
            vpc=self.vpc,
            description="The platform Lambdas (API, billing events, jobs)",
            allow_all_outbound=True,
        )
        self.tasks_security_group = ec2.SecurityGroup(
            self,
            "TasksSecurityGroup",
            vpc=self.vpc,
            description="ECS tasks (jobs) and MWAA workers",
            allow_all_outbound=True,
        )
        self.tasks_security_group.add_ingress_rule(
            self.tasks_security_group, ec2.Port.all_traffic(), "MWAA workers and the web server"
        )
