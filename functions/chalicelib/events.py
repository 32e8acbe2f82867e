"""Lambda handlers that are not HTTP routes: the billing-event queue consumer and the jobs
function that MWAA tasks invoke. Both only translate the event and call ``app/``.

- ``billing_events`` (``on_sqs_message``): S3 → EventBridge → SQS → here. Settles every message
  itself (:func:`finops.ingest.s3_events.handle_messages` deletes settled ones, sends poison
  ones to the dead-letter queue) and fails the invocation only when a message must be
  retried, so SQS redelivers exactly those. Never ``on_s3_event`` (not deployable through
  CloudFormation).
- ``jobs`` (``lambda_function``): ``{"job": NAME, "parameters": {...}}`` → the jobs registry;
  replies ``{"job": ..., "status": "succeeded"|"failed", ...}``; a bad request is a ``failed``
  reply with the reason, never a stack trace.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit
from chalice.app import Chalice

from chalicelib.factory import LazyDatabase
from finops.aws.clients import aws_client
from finops.core.errors import FinOpsError
from finops.ingest.s3_events import (
    QueueMessage,
    handle_messages,
    queue_url_from_arn,
    raise_for_retry,
)
from finops.jobs import run_after_delivery

logger = logging.getLogger("finops.events")

BILLING_QUEUE = os.environ.get("FINOPS_BILLING_QUEUE", "finops-billing-events")
BATCH_SIZE = 10
METRICS_NAMESPACE = "FinOps"

# CloudWatch Embedded Metric Format on stdout: one document per invocation, per outcome.
metrics = Metrics(namespace=METRICS_NAMESPACE, service="billing-events")


def sqs_messages(records: list[dict[str, Any]]) -> tuple[str, list[QueueMessage]]:
    """The queue ARN and messages of a Lambda SQS event's records (one queue per event)."""
    arns = {str(r.get("eventSourceARN", "")) for r in records}
    if len(arns) != 1:
        raise ValueError(f"expected records from one queue, got {sorted(arns)}")
    messages = [
        QueueMessage(str(r["messageId"]), str(r["body"]), str(r["receiptHandle"])) for r in records
    ]
    return arns.pop(), messages


def register_event_handlers(chalice_app: Chalice, database: LazyDatabase) -> None:
    """Attach the queue consumer and the jobs function to ``chalice_app``."""

    @chalice_app.on_sqs_message(queue=BILLING_QUEUE, batch_size=BATCH_SIZE, name="billing_events")
    def billing_events(event: Any) -> dict[str, Any]:
        records = [record.to_dict() for record in event]
        if not records:
            return {"messages": 0}
        queue_arn, messages = sqs_messages(records)
        sqs = aws_client("sqs")
        db = database.get()
        batch = handle_messages(
            db=db,
            messages=messages,
            queue_url=queue_url_from_arn(sqs, queue_arn),
            sqs=sqs,
            after_ingest=lambda: run_after_delivery(db),
        )
        logger.info("billing events settled", extra={"counts": batch.counts()})
        for status, count in batch.counts().items():
            metrics.add_metric(name=f"Messages_{status}", unit=MetricUnit.Count, value=count)
        metrics.flush_metrics()
        raise_for_retry(batch)  # SQS redelivers only the messages left for retry
        return {"counts": batch.counts(), "downstream": batch.downstream}

    @chalice_app.lambda_function(name="jobs")
    def jobs(event: dict[str, Any], context: Any) -> dict[str, Any]:
        from finops.jobs import run_job
        from finops.jobs.registry import push_run_metrics_to

        push_run_metrics_to(os.environ.get("FINOPS_PUSHGATEWAY_URL"))
        name = event.get("job") if isinstance(event, dict) else None
        parameters = event.get("parameters") or {} if isinstance(event, dict) else {}
        if not isinstance(name, str) or not isinstance(parameters, dict):
            return {
                "job": name,
                "status": "failed",
                "error": 'expected {"job": NAME, "parameters": {...}}',
            }
        try:
            return {
                "job": name,
                **run_job(name, db=database.get(), triggered_by="lambda", **parameters),
            }
        except FinOpsError as exc:
            return {"job": name, "status": "failed", "error": exc.message}
        except ModuleNotFoundError as exc:  # a stage whose libraries the Lambda does not carry
            return {
                "job": name,
                "status": "failed",
                "error": f"stage {name!r} needs {exc.name!r}, which the Lambda package does not "
                "carry: run it in the jobs image (ECS task, FINOPS_DAG_EXECUTOR=ecs)",
            }
