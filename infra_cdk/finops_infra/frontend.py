"""Frontend: the dashboard build in a private S3 bucket behind CloudFront (origin access
control), with ``/api/*`` routed to the API Gateway stage, so browser and API share one origin."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct

from finops_infra.api import API_GATEWAY_STAGE, ApiStack
from finops_infra.data import DataStack
from finops_infra.nag import acknowledge, acknowledge_findings, bucket_deployment_findings
from finops_infra.settings import DeploymentSettings, SettingsError


class FrontendStack(Stack):
    """The dashboard's bucket, its upload and the CloudFront distribution."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        settings: DeploymentSettings,
        data: DataStack,
        api: ApiStack,
    ) -> None:
        super().__init__(scope, construct_id, env=settings.cdk_environment())
        dashboard = settings.path(settings.dashboard_dir)
        if not (dashboard / "index.html").is_file():
            raise SettingsError(
                f"finops:dashboard_dir {dashboard} has no index.html: build the dashboard first "
                "(make dashboard)"
            )
        self.bucket = s3.Bucket(
            self,
            "Dashboard",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            server_access_logs_bucket=data.logs_bucket,
            server_access_logs_prefix="dashboard-bucket/",
            removal_policy=RemovalPolicy.DESTROY,
            auto_delete_objects=True,
        )
        api_origin = origins.HttpOrigin(
            f"{api.rest_api_id}.execute-api.{self.region}.{self.url_suffix}",
            origin_path=f"/{API_GATEWAY_STAGE}",
            protocol_policy=cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
        )
        certificate = (
            acm.Certificate.from_certificate_arn(self, "Certificate", settings.certificate_arn)
            if settings.certificate_arn
            else None
        )
        self.distribution = cloudfront.Distribution(
            self,
            "Distribution",
            default_root_object="index.html",
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(self.bucket),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                response_headers_policy=cloudfront.ResponseHeadersPolicy.SECURITY_HEADERS,
            ),
            additional_behaviors={
                "/api/*": cloudfront.BehaviorOptions(
                    origin=api_origin,
                    viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
                    allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
                    cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
                    origin_request_policy=cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
                )
            },
            # the single-page app routes in the browser: unknown paths get index.html
            error_responses=[
                cloudfront.ErrorResponse(
                    http_status=404,
                    response_http_status=200,
                    response_page_path="/index.html",
                    ttl=Duration.seconds(0),
                )
            ],
            domain_names=[settings.domain_name] if settings.domain_name else None,
            certificate=certificate,
            minimum_protocol_version=cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
            enable_logging=True,
            log_bucket=data.logs_bucket,
            log_file_prefix="cdn/",
            price_class=cloudfront.PriceClass.PRICE_CLASS_100,
        )
        s3deploy.BucketDeployment(
            self,
            "DashboardFiles",
            destination_bucket=self.bucket,
            sources=[s3deploy.Source.asset(str(dashboard))],
            distribution=self.distribution,
            distribution_paths=["/*"],
        )
        acknowledge(
            self.distribution,
            "CFR1",
            "The platform's users are an organisation's staff anywhere; access is controlled by "
            "API keys, not by country.",
        )
        acknowledge(
            self.distribution,
            "CFR2",
            "A WAF web ACL for CloudFront must live in us-east-1; attach the organisation's own "
            "ACL (no public write path exists: every API call needs a key).",
        )
        if not settings.certificate_arn:
            acknowledge(
                self.distribution,
                "CFR4",
                "Without finops:domain_name/certificate_arn CloudFront serves its default "
                "*.cloudfront.net certificate, whose TLS policy cannot be pinned.",
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
            "The BucketDeployment provider (aws-cdk-lib) copies the dashboard from the CDK "
            "asset bucket into this stack's bucket and invalidates the CDN; its grants are "
            "the library's.",
            bucket_deployment_findings(self.region, "<Dashboard9E4231ED.Arn>"),
        )
        acknowledge(
            self,
            "IAM4",
            "aws-cdk-lib's providers use AWSLambdaBasicExecutionRole (logs only).",
            "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
        )
