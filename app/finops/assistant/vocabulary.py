"""The names a question may refer to: the values that exist in the billing facts, and the
aliases people use for them ("EC2", "lambda", "S3"), so filters name real values only."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from finops.db.models import BillingFact

#: Short names people use -> a phrase the AWS service name contains (case-insensitive).
SERVICE_ALIASES: dict[str, str] = {
    "ec2": "elastic compute cloud",
    "compute": "elastic compute cloud",
    "instances": "elastic compute cloud",
    "s3": "simple storage service",
    "storage": "simple storage service",
    "lambda": "lambda",
    "lambdas": "lambda",
    "rds": "relational database service",
    "database": "relational database service",
    "databases": "relational database service",
    "ecs": "elastic container service",
    "fargate": "elastic container service",
    "eks": "elastic kubernetes service",
    "kubernetes": "elastic kubernetes service",
    "cloudwatch": "cloudwatch",
    "dynamodb": "dynamodb",
    "cloudfront": "cloudfront",
    "ebs": "elastic block store",
    "vpc": "virtual private cloud",
    "sqs": "simple queue service",
    "sns": "simple notification service",
    "redshift": "redshift",
    "athena": "athena",
    "glue": "glue",
    "kinesis": "kinesis",
    "elasticache": "elasticache",
    "route 53": "route 53",
    "route53": "route 53",
    "api gateway": "api gateway",
    "opensearch": "opensearch",
    "sagemaker": "sagemaker",
    "bedrock": "bedrock",
}


@dataclass(frozen=True)
class Vocabulary:
    """Distinct values per dimension (``service``, ``account``, ``region``, ``charge_category``)
    and the tag keys seen."""

    services: tuple[str, ...] = ()
    accounts: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    charge_categories: tuple[str, ...] = ()
    tag_keys: tuple[str, ...] = field(default=())

    @classmethod
    def of(cls, **values: Iterable[str]) -> Vocabulary:
        return cls(**{k: tuple(sorted({v for v in vs if v})) for k, vs in values.items()})

    def services_matching(self, phrase: str) -> list[str]:
        """Service names containing ``phrase`` (case-insensitive)."""
        needle = phrase.lower()
        return [name for name in self.services if needle in name.lower()]


def load_vocabulary(session: Session) -> Vocabulary:
    """The vocabulary of the stored billing facts."""

    def values(column: object) -> list[str]:
        return [v for v in session.scalars(select(column).distinct()) if v]  # type: ignore[call-overload]

    from finops.inventory.listings import tag_keys

    return Vocabulary.of(
        services=values(BillingFact.service_name),
        accounts=values(BillingFact.sub_account_id),
        regions=values(BillingFact.region_id),
        charge_categories=values(BillingFact.charge_category),
        tag_keys=[k.key for k in tag_keys(session=session)],
    )
