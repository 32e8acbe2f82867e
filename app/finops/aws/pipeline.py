"""Create (idempotently) the S3 → EventBridge → SQS billing-event path on any AWS endpoint.

In AWS the CDK data stack owns these resources; this function builds the same shape on a local
emulator (moto's server, LocalStack) and in a sandbox account, and is what
``finops events bootstrap`` and ``localstack/bootstrap.sh`` run. Re-running it changes nothing.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from botocore.exceptions import ClientError, ParamValidationError

from finops.aws.clients import aws_client, default_region
from finops.core.errors import IntegrationError, InvalidInputError

DEFAULT_QUEUE = "finops-billing-events"
DEFAULT_RULE = "finops-billing-object-created"
MAX_RECEIVE_COUNT = 3
VISIBILITY_TIMEOUT_SECONDS = 900  # >= the ingest Lambda's timeout
DLQ_RETENTION_SECONDS = 14 * 24 * 3600


@dataclass(frozen=True)
class BillingPipeline:
    """Where the billing-event path's parts are."""

    bucket: str
    queue_url: str
    queue_arn: str
    dead_letter_queue_url: str
    dead_letter_queue_arn: str
    rule_name: str
    region: str

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def event_pattern(bucket: str, prefix: str | None = None) -> dict[str, Any]:
    """The EventBridge pattern matching objects created in ``bucket`` (under ``prefix``)."""
    detail: dict[str, Any] = {"bucket": {"name": [bucket]}}
    if prefix:
        detail["object"] = {"key": [{"prefix": prefix}]}
    return {"source": ["aws.s3"], "detail-type": ["Object Created"], "detail": detail}


def _ensure_bucket(s3: Any, bucket: str, region: str) -> None:
    try:
        s3.head_bucket(Bucket=bucket)
        return
    except ClientError as exc:
        if str(exc.response.get("Error", {}).get("Code")) not in ("404", "NoSuchBucket"):
            raise
    kwargs: dict[str, Any] = {"Bucket": bucket}
    if region != "us-east-1":
        kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
    s3.create_bucket(**kwargs)


def _queue(sqs: Any, name: str, attributes: dict[str, str]) -> tuple[str, str]:
    url = str(sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"])
    sqs.set_queue_attributes(QueueUrl=url, Attributes=attributes)
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    return url, str(arn)


def ensure_billing_pipeline(
    *,
    bucket: str,
    prefix: str | None = None,
    queue_name: str = DEFAULT_QUEUE,
    rule_name: str = DEFAULT_RULE,
    max_receive_count: int = MAX_RECEIVE_COUNT,
    region: str | None = None,
) -> BillingPipeline:
    """Bucket with EventBridge notifications on, a queue with a dead-letter queue (redrive after
    ``max_receive_count`` receipts), a queue policy letting only the rule send, and the rule
    targeting the queue. Returns where each part is; an AWS refusal (a bad bucket name, missing
    permissions) is an :class:`IntegrationError` naming the call and AWS's reason."""
    try:
        return _ensure(bucket, prefix, queue_name, rule_name, max_receive_count, region)
    except ParamValidationError as exc:
        raise InvalidInputError(
            f"bucket {bucket!r} or queue {queue_name!r}: {str(exc).splitlines()[-1].strip()}",
            details={"bucket": bucket, "queue": queue_name},
        ) from exc
    except ClientError as exc:
        error = exc.response.get("Error", {})
        operation = getattr(exc, "operation_name", "AWS call")
        reason = f"{error.get('Code', 'Error')}: {error.get('Message', '')}".strip()
        raise IntegrationError(
            f"{operation} refused: {reason}", details={"bucket": bucket, "queue": queue_name}
        ) from exc


def _ensure(
    bucket: str,
    prefix: str | None,
    queue_name: str,
    rule_name: str,
    max_receive_count: int,
    region: str | None,
) -> BillingPipeline:
    where = region or default_region()
    s3 = aws_client("s3", region=where)
    sqs = aws_client("sqs", region=where)
    events = aws_client("events", region=where)

    _ensure_bucket(s3, bucket, where)
    s3.put_bucket_notification_configuration(
        Bucket=bucket, NotificationConfiguration={"EventBridgeConfiguration": {}}
    )
    dlq_url, dlq_arn = _queue(
        sqs, f"{queue_name}-dlq", {"MessageRetentionPeriod": str(DLQ_RETENTION_SECONDS)}
    )
    rule_arn = str(
        events.put_rule(
            Name=rule_name,
            EventPattern=json.dumps(event_pattern(bucket, prefix)),
            State="ENABLED",
            Description=f"Billing files created in s3://{bucket}/{prefix or ''}",
        )["RuleArn"]
    )
    queue_url, queue_arn = _queue(
        sqs,
        queue_name,
        {
            "VisibilityTimeout": str(VISIBILITY_TIMEOUT_SECONDS),
            "RedrivePolicy": json.dumps(
                {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(max_receive_count)}
            ),
        },
    )
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "EventBridgeBillingRule",
                "Effect": "Allow",
                "Principal": {"Service": "events.amazonaws.com"},
                "Action": "sqs:SendMessage",
                "Resource": queue_arn,
                "Condition": {"ArnEquals": {"aws:SourceArn": rule_arn}},
            }
        ],
    }
    sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"Policy": json.dumps(policy)})
    events.put_targets(Rule=rule_name, Targets=[{"Id": "billing-queue", "Arn": queue_arn}])
    return BillingPipeline(
        bucket=bucket,
        queue_url=queue_url,
        queue_arn=queue_arn,
        dead_letter_queue_url=dlq_url,
        dead_letter_queue_arn=dlq_arn,
        rule_name=rule_name,
        region=where,
    )
