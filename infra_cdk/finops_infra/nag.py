"""cdk-nag acknowledgments that always carry their reason."""

from __future__ import annotations

from aws_cdk import Acknowledgment, Validations
from constructs import IConstruct

PACK = "AwsSolutions"
MIN_REASON = 25


def acknowledge(construct: IConstruct, rule: str, reason: str, finding: str | None = None) -> None:
    """Acknowledge the AwsSolutions ``rule`` (e.g. ``"IAM5"``) on ``construct`` and its
    children, for one ``finding`` (``"Resource::*"``) or the whole rule. The reason must say
    why in a sentence; an empty or token reason is refused."""
    if len(reason.strip()) < MIN_REASON:
        raise ValueError(f"cdk-nag {rule}: the acknowledgment needs a real reason, got {reason!r}")
    rule_id = f"{PACK}-{rule}" + (f"[{finding}]" if finding else "")
    Validations.of(construct).acknowledge(Acknowledgment(id=f"{PACK}::{rule_id}", reason=reason))


def acknowledge_findings(
    construct: IConstruct, rule: str, reason: str, findings: list[str]
) -> None:
    """:func:`acknowledge` for each of ``findings`` of ``rule``, with one reason."""
    for finding in findings:
        acknowledge(construct, rule, reason, finding)


def s3_read_findings(bucket_resource: str) -> list[str]:
    """The IAM5 findings of a CDK ``grant_read`` on the bucket ``bucket_resource`` (as nag
    prints it, e.g. ``<DagBucket6BDF1AAF.Arn>``)."""
    return [
        "Action::s3:GetBucket*",
        "Action::s3:GetObject*",
        "Action::s3:List*",
        f"Resource::{bucket_resource}/*",
    ]


def bucket_deployment_findings(region: str, bucket_resource: str) -> list[str]:
    """The IAM5 findings of aws-cdk-lib's BucketDeployment provider writing to
    ``bucket_resource`` from the CDK asset bucket (default bootstrap qualifier)."""
    return [
        "Resource::*",
        "Action::s3:GetBucket*",
        "Action::s3:GetObject*",
        "Action::s3:List*",
        "Action::s3:DeleteObject*",
        "Action::s3:Abort*",
        f"Resource::{bucket_resource}/*",
        f"Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-{region}/*",
    ]
