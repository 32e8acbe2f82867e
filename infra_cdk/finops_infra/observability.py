"""Observability: Prometheus, the Pushgateway, Grafana, Loki and Vault (OpenBao) as ECS Fargate
services behind one internal load balancer, their configuration baked from ``monitoring/``.

Services find each other by the short names ``monitoring/prometheus/prometheus.yml`` uses
(``pushgateway``, ``loki``...) through ECS Service Connect. State lives on an encrypted EFS file
system: Prometheus's TSDB, Loki's chunks, and Vault's integrated (raft) storage, auto-unsealed
by a KMS key.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_efs as efs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from finops_infra.data import DataStack
from finops_infra.jobs import JobsStack
from finops_infra.nag import acknowledge
from finops_infra.network import NetworkStack
from finops_infra.settings import REPO_ROOT, DeploymentSettings

NAMESPACE = "finops.internal"
_CONTEXT_EXCLUDES = [
    "*",
    "!monitoring",
    "!infra_cdk",
    "infra_cdk/cdk.out",
    "infra_cdk/helm",
    "**/__pycache__",
]


@dataclass(frozen=True)
class ServiceSpec:
    """One service: its name (also its DNS name), image, port, data path on EFS."""

    name: str
    port: int
    dockerfile: str | None = None
    image: str | None = None
    data_path: str | None = None
    health_path: str = "/"
    public_port: int | None = None  # listener port on the internal load balancer
    cpu: int = 512
    memory_mib: int = 1024
    command: tuple[str, ...] = ()
    user: str | None = None


SERVICES = (
    ServiceSpec(
        "prometheus",
        9090,
        dockerfile="infra_cdk/images/prometheus.Dockerfile",
        data_path="/prometheus",
        health_path="/-/ready",
        public_port=9090,
        memory_mib=2048,
    ),
    ServiceSpec("pushgateway", 9091, image="prom/pushgateway:v1.11.1", health_path="/-/ready"),
    ServiceSpec(
        "grafana",
        3000,
        dockerfile="infra_cdk/images/grafana.Dockerfile",
        health_path="/api/health",
        public_port=3000,
    ),
    ServiceSpec(
        "loki",
        3100,
        dockerfile="infra_cdk/images/loki.Dockerfile",
        data_path="/loki",
        health_path="/ready",
        public_port=3100,
        memory_mib=2048,
    ),
    ServiceSpec(
        "vault",
        8200,
        dockerfile="infra_cdk/images/openbao.Dockerfile",
        data_path="/openbao/data",
        health_path="/v1/sys/health?standbyok=true&uninitcode=200&sealedcode=200",
        public_port=8200,
    ),
)


class ObservabilityStack(Stack):
    """The monitoring services, their storage and their load balancer."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        settings: DeploymentSettings,
        network: NetworkStack,
        data: DataStack,
        jobs: JobsStack,
    ) -> None:
        super().__init__(scope, construct_id, env=settings.cdk_environment())
        vpc = network.vpc
        self.security_group = ec2.SecurityGroup(
            self, "ServicesSecurityGroup", vpc=vpc, description="Monitoring services"
        )
        self.security_group.add_ingress_rule(
            ec2.Peer.ipv4(vpc.vpc_cidr_block), ec2.Port.tcp_range(3000, 9091), "inside the VPC"
        )
        self.security_group.add_ingress_rule(
            ec2.Peer.ipv4(vpc.vpc_cidr_block), ec2.Port.tcp(8200), "Vault inside the VPC"
        )
        self.file_system = efs.FileSystem(
            self,
            "Storage",
            vpc=vpc,
            vpc_subnets=network.private_subnets,
            encrypted=True,
            enable_automatic_backups=True,
            performance_mode=efs.PerformanceMode.GENERAL_PURPOSE,
            removal_policy=RemovalPolicy.RETAIN,
            security_group=self.security_group,
        )
        self.file_system.connections.allow_default_port_from(self.security_group)
        self.unseal_key = kms.Key(
            self, "VaultUnseal", enable_key_rotation=True, description="OpenBao auto-unseal"
        )
        jobs.cluster.add_default_cloud_map_namespace(name=NAMESPACE, use_for_service_connect=True)
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            retention=logs.RetentionDays.ONE_MONTH,
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.load_balancer = elbv2.ApplicationLoadBalancer(
            self,
            "InternalLoadBalancer",
            vpc=vpc,
            internet_facing=False,
            vpc_subnets=network.private_subnets,
            security_group=self.security_group,
            drop_invalid_header_fields=True,
        )
        self.load_balancer.log_access_logs(data.logs_bucket, "monitoring-alb")
        self.services: dict[str, ecs.FargateService] = {}
        for spec in SERVICES:
            self.services[spec.name] = self._service(spec, jobs, network)
        acknowledge(
            self.security_group,
            "EC23",
            "Ingress is limited to the VPC's own CIDR (internal load balancer, no public subnet).",
        )

    def _service(
        self, spec: ServiceSpec, jobs: JobsStack, network: NetworkStack
    ) -> ecs.FargateService:
        task = ecs.FargateTaskDefinition(
            self, f"{spec.name.title()}Task", cpu=spec.cpu, memory_limit_mib=spec.memory_mib
        )
        if spec.dockerfile:
            image = ecs.ContainerImage.from_docker_image_asset(
                ecr_assets.DockerImageAsset(
                    self,
                    f"{spec.name.title()}Image",
                    directory=str(REPO_ROOT),
                    file=spec.dockerfile,
                    exclude=_CONTEXT_EXCLUDES,
                    platform=ecr_assets.Platform.LINUX_AMD64,
                )
            )
        else:
            assert spec.image is not None
            image = ecs.ContainerImage.from_registry(spec.image)
        environment = {}
        if spec.name == "vault":
            environment = {
                "BAO_SEAL_TYPE": "awskms",
                "BAO_AWSKMS_SEAL_KEY_ID": self.unseal_key.key_id,
                "AWS_REGION": self.region,
            }
            self.unseal_key.grant(task.task_role, "kms:Encrypt", "kms:Decrypt", "kms:DescribeKey")
        container = task.add_container(
            spec.name,
            image=image,
            environment=environment,
            port_mappings=[ecs.PortMapping(container_port=spec.port, name=spec.name)],
            logging=ecs.LogDrivers.aws_logs(stream_prefix=spec.name, log_group=self.log_group),
        )
        if spec.data_path:
            volume = f"{spec.name}-data"
            access_point = self.file_system.add_access_point(
                f"{spec.name.title()}AccessPoint",
                path=f"/{spec.name}",
                create_acl=efs.Acl(owner_uid="10001", owner_gid="10001", permissions="750"),
                posix_user=efs.PosixUser(uid="10001", gid="10001"),
            )
            task.add_volume(
                name=volume,
                efs_volume_configuration=ecs.EfsVolumeConfiguration(
                    file_system_id=self.file_system.file_system_id,
                    transit_encryption="ENABLED",
                    authorization_config=ecs.AuthorizationConfig(
                        access_point_id=access_point.access_point_id, iam="ENABLED"
                    ),
                ),
            )
            container.add_mount_points(
                ecs.MountPoint(container_path=spec.data_path, source_volume=volume, read_only=False)
            )
            self.file_system.grant_read_write(task.task_role)
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
            "Only non-secret settings are environment variables (the KMS key id for unseal); "
            "Grafana's database password is read from Secrets Manager.",
        )
        service = ecs.FargateService(
            self,
            f"{spec.name.title()}Service",
            cluster=jobs.cluster,
            task_definition=task,
            desired_count=1,
            min_healthy_percent=0,
            max_healthy_percent=100,
            security_groups=[self.security_group],
            vpc_subnets=network.private_subnets,
            service_connect_configuration=ecs.ServiceConnectProps(
                services=[
                    ecs.ServiceConnectService(
                        port_mapping_name=spec.name, dns_name=spec.name, port=spec.port
                    )
                ]
            ),
            circuit_breaker=ecs.DeploymentCircuitBreaker(rollback=True),
        )
        if spec.public_port:
            listener = self.load_balancer.add_listener(
                f"{spec.name.title()}Listener",
                port=spec.public_port,
                protocol=elbv2.ApplicationProtocol.HTTP,
                open=False,
            )
            listener.add_targets(
                spec.name.title(),
                port=spec.port,
                protocol=elbv2.ApplicationProtocol.HTTP,
                targets=[service],
                health_check=elbv2.HealthCheck(
                    path=spec.health_path, interval=Duration.seconds(30)
                ),
            )
        return service
