"""``finops events``: the billing-event path on any AWS endpoint (AWS, moto's server, LocalStack).

``bootstrap`` creates the bucket → EventBridge → queue (+ dead-letter queue) path; ``consume``
polls the queue and settles each batch with the same handler the Lambda runs.
"""

from __future__ import annotations

from typing import Annotated

import typer

from finops.cli.support import open_cli_database, print_json, user_errors

events_app = typer.Typer(
    help="S3 billing drops through EventBridge and SQS (the Lambda's path, run locally).",
    no_args_is_help=True,
)


@events_app.command("bootstrap")
def events_bootstrap(
    bucket: Annotated[str, typer.Option(help="Billing bucket (created if missing).")],
    prefix: Annotated[str | None, typer.Option(help="Only keys under this prefix.")] = None,
    queue: Annotated[str, typer.Option(help="Queue name.")] = "finops-billing-events",
    region: Annotated[str | None, typer.Option(help="AWS region.")] = None,
) -> None:
    """Create (idempotently) bucket notifications, the EventBridge rule, the queue and its DLQ."""
    with user_errors():
        from finops.aws.pipeline import ensure_billing_pipeline

        pipeline = ensure_billing_pipeline(
            bucket=bucket, prefix=prefix, queue_name=queue, region=region
        )
        print_json(pipeline.as_json())


@events_app.command("consume")
def events_consume(
    queue: Annotated[str, typer.Option(help="Queue name or URL.")] = "finops-billing-events",
    max_batches: Annotated[int | None, typer.Option(min=1, help="Stop after N batches.")] = None,
    wait: Annotated[int, typer.Option(min=0, max=20, help="Long-poll seconds.")] = 1,
    forever: Annotated[bool, typer.Option(help="Keep polling when the queue is empty.")] = False,
    downstream: Annotated[
        bool, typer.Option(help="Run anomaly, savings, budget and insight stages after ingest.")
    ] = True,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Poll the billing-event queue and ingest what it announces (poison files go to the DLQ)."""
    with user_errors():
        from finops.aws.clients import aws_client
        from finops.ingest.s3_events import consume_queue
        from finops.jobs import run_after_delivery

        sqs = aws_client("sqs")
        queue_url = (
            queue
            if queue.startswith(("http://", "https://"))
            else str(sqs.get_queue_url(QueueName=queue)["QueueUrl"])
        )
        database = open_cli_database()
        result = consume_queue(
            db=database,
            queue_url=queue_url,
            max_batches=max_batches,
            wait_seconds=wait,
            stop_when_empty=not forever,
            sqs=sqs,
            after_ingest=(lambda: run_after_delivery(database)) if downstream else None,
        )
        if json_output:
            print_json(result)
        else:
            typer.echo(f"events consumed: {result}")
