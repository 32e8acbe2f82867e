"""S3 billing drops delivered through EventBridge and SQS: the one handler behind the Lambda and
``finops events consume``.

Path in AWS (DESIGN.md §2): a billing object is created in the billing bucket → EventBridge
"Object Created" rule → SQS queue (with a dead-letter queue) → Chalice ``on_sqs_message`` →
:func:`handle_messages`. Locally :func:`consume_queue` polls the same queue and calls the same
function.

Guarantees:
- **Same ingestion as the CLI.** Objects are downloaded to a private temporary folder and go
  through :func:`finops.ingest.service.ingest_delivery`; runs and errors name ``s3://bucket/key``,
  never the temporary path. The event time is the delivery time, so an out-of-order delivery is
  ``superseded`` and a repeated one is a ``duplicate``: both harmless.
- **Manifests.** A CUR / Data Exports manifest makes one delivery of every file it lists. A data
  file of an export layout that a manifest will cover (``.../data/BILLING_PERIOD=...`` or a legacy
  CUR assembly folder) is acknowledged as ``awaiting_manifest``: the manifest event ingests it.
- **One message never sinks the batch.** Each message is settled on its own: succeeded, duplicate
  and skipped messages are deleted from the queue; a *poison* message (the file itself is bad:
  the ingestion failed on its content, or the event is unreadable) is sent to the queue's
  dead-letter queue with its error as message attributes, then deleted; a *transient* failure (AWS
  or database unavailable) is left on the queue to be retried, and the redrive policy moves it to
  the dead-letter queue after ``maxReceiveCount`` receipts. The failed ingestion run is recorded
  either way.
- **Downstream stages.** After a batch ingested something, ``after_ingest`` (given by the
  adapter: :func:`finops.jobs.run_after_delivery`) runs once and its results are reported.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote_plus

from botocore.exceptions import BotoCoreError, ClientError

from finops.aws.clients import aws_client
from finops.config import get_settings
from finops.core.errors import FinOpsError, IntegrationError, InvalidInputError
from finops.db.database import Database
from finops.ingest.deliveries import BILLING_SUFFIXES, Delivery, IngestionOutcome
from finops.ingest.exceptions import IngestionError
from finops.ingest.manifests import read_manifest
from finops.ingest.service import ingest_delivery

logger = logging.getLogger(__name__)

AfterIngest = Callable[[], dict[str, str]]
"""Runs the stages that follow an ingested batch; returns each stage's status."""

TRIGGER = "s3-event"
MAX_ATTRIBUTE_TEXT = 1000

# Layouts whose data files always come with a manifest written after them.
_MANIFEST_LAYOUTS = (
    re.compile(r"/data/BILLING_PERIOD=[^/]+/"),  # Data Exports (CUR 2.0, FOCUS)
    re.compile(r"/\d{8}-\d{8}/[0-9a-fA-F-]{36}/"),  # legacy CUR assembly folder
    re.compile(r"/\d{8}-\d{8}/\d{14}Z?/"),  # legacy CUR timestamped assembly folder
)


@dataclass(frozen=True)
class ObjectCreated:
    """One created S3 object, from an EventBridge event or an S3 notification record."""

    bucket: str
    key: str
    size: int | None
    event_time: dt.datetime

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


@dataclass(frozen=True)
class QueueMessage:
    """An SQS message as both the Lambda event and ReceiveMessage carry it."""

    message_id: str
    body: str
    receipt_handle: str


@dataclass
class MessageOutcome:
    """What became of one message: ``ingested`` | ``duplicate`` | ``superseded`` |
    ``awaiting_manifest`` | ``ignored`` | ``poison`` | ``retry``."""

    message_id: str
    status: str
    objects: list[str] = field(default_factory=list)
    run_ids: list[int] = field(default_factory=list)
    error: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "message_id": self.message_id,
            "status": self.status,
            "objects": self.objects,
            "run_ids": self.run_ids,
            "error": self.error,
        }


@dataclass
class BatchOutcome:
    """A settled batch: per-message outcomes and the downstream job runs it triggered."""

    messages: list[MessageOutcome] = field(default_factory=list)
    downstream: dict[str, str] = field(default_factory=dict)

    @property
    def retry(self) -> list[MessageOutcome]:
        return [m for m in self.messages if m.status == "retry"]

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for message in self.messages:
            out[message.status] = out.get(message.status, 0) + 1
        return out


class PoisonMessageError(Exception):
    """The message or the file it names is bad in itself; retrying cannot help."""


# ----------------------------------------------------------------------------- parsing


def _event_time(value: Any) -> dt.datetime:
    if isinstance(value, int | float):
        return dt.datetime.fromtimestamp(float(value), tz=dt.UTC)
    if isinstance(value, str) and value:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    return dt.datetime.now(dt.UTC)


def parse_notification(body: str) -> list[ObjectCreated]:
    """The created objects an SQS message body announces.

    Accepts an EventBridge ``Object Created`` event (``source: aws.s3``), an S3 event
    notification (``Records[].s3``, also wrapped in SNS), and S3's ``s3:TestEvent`` (no objects).
    Raises :class:`InvalidInputError` for anything else, naming what was expected.
    """
    try:
        document = json.loads(body)
    except json.JSONDecodeError as exc:
        raise InvalidInputError(f"message body is not JSON: {exc.msg}") from exc
    if not isinstance(document, dict):
        raise InvalidInputError("message body: expected a JSON object")
    if document.get("Type") == "Notification" and isinstance(document.get("Message"), str):
        return parse_notification(document["Message"])  # SNS envelope
    if document.get("Event") == "s3:TestEvent":
        return []
    if document.get("source") == "aws.s3":
        if document.get("detail-type") != "Object Created":
            return []
        detail = document.get("detail") or {}
        try:
            bucket = str(detail["bucket"]["name"])
            key = str(detail["object"]["key"])
        except (KeyError, TypeError) as exc:
            raise InvalidInputError(
                "EventBridge event: expected detail.bucket.name and detail.object.key"
            ) from exc
        size = detail.get("object", {}).get("size")
        return [ObjectCreated(bucket, key, _int_or_none(size), _event_time(document.get("time")))]
    records = document.get("Records")
    if isinstance(records, list):
        found: list[ObjectCreated] = []
        for index, record in enumerate(records):
            if not str(record.get("eventName", "")).startswith("ObjectCreated"):
                continue
            try:
                s3 = record["s3"]
                bucket, key = str(s3["bucket"]["name"]), unquote_plus(str(s3["object"]["key"]))
            except (KeyError, TypeError) as exc:
                raise InvalidInputError(
                    f"S3 notification record {index}: expected s3.bucket.name and s3.object.key"
                ) from exc
            size = _int_or_none(s3["object"].get("size"))
            found.append(ObjectCreated(bucket, key, size, _event_time(record.get("eventTime"))))
        return found
    raise InvalidInputError(
        "message body: expected an EventBridge 'Object Created' event from aws.s3 "
        "or an S3 event notification (Records[].s3)"
    )


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _is_manifest_key(key: str) -> bool:
    return key.lower().endswith("manifest.json")


def awaits_manifest(key: str) -> bool:
    """True for a data file of an export layout whose manifest will announce it."""
    return any(pattern.search("/" + key) for pattern in _MANIFEST_LAYOUTS)


# ----------------------------------------------------------------------------- ingestion


def _download(s3: Any, bucket: str, key: str, folder: Path) -> Path:
    name = PurePosixPath(key).name
    if not name or name in (".", ".."):
        raise PoisonMessageError(f"s3://{bucket}/{key}: not a file key")
    target = folder / name
    try:
        s3.download_file(bucket, key, str(target))
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code in ("404", "NoSuchKey", "NotFound"):
            # the object is gone (deleted or replaced since the event): nothing to ingest
            raise PoisonMessageError(f"s3://{bucket}/{key}: object not found") from exc
        raise IntegrationError(f"s3://{bucket}/{key}: download failed ({code})") from exc
    return target


def _manifest_keys(manifest: Path, bucket: str, manifest_key: str) -> list[tuple[str, str]]:
    """``(bucket, key)`` of every file a downloaded manifest lists."""
    try:
        body = manifest.read_bytes()
    except OSError as exc:
        raise PoisonMessageError(
            f"s3://{bucket}/{manifest_key}: unreadable manifest: {exc}"
        ) from exc
    return manifest_keys_of(body, bucket, manifest_key)


def manifest_keys_of(body: bytes, bucket: str, manifest_key: str) -> list[tuple[str, str]]:
    """``(bucket, key)`` of every file the manifest ``body`` (read from ``manifest_key`` in
    ``bucket``) lists; ``PoisonMessageError`` for a manifest that cannot be read or lists none."""
    try:
        document = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PoisonMessageError(
            f"s3://{bucket}/{manifest_key}: unreadable manifest: {exc}"
        ) from exc
    listed = document.get("reportKeys") or document.get("dataFiles")
    if not isinstance(listed, list) or not listed:
        raise PoisonMessageError(
            f"s3://{bucket}/{manifest_key}: manifest lists no files; "
            "expected a non-empty 'reportKeys' or 'dataFiles'"
        )
    out: list[tuple[str, str]] = []
    base = str(PurePosixPath(manifest_key).parent)
    for item in listed:
        ref = (
            str(item.get("key") or item.get("path") or "") if isinstance(item, dict) else str(item)
        )
        if ref.startswith("s3://"):
            other, _, key = ref[5:].partition("/")
            out.append((other, key))
        elif "/" in ref:
            out.append((bucket, ref))
        else:
            out.append((bucket, f"{base}/{ref}" if base != "." else ref))
    return out


def ingest_object(
    *, db: Database, event: ObjectCreated, s3: Any | None = None
) -> IngestionOutcome | None:
    """Download and ingest what ``event`` announces; None when the object is not ingested on
    its own (not a billing file, or a data file its manifest will bring).

    Raises ``PoisonMessageError`` (internal) for a bad object and :class:`IntegrationError`
    when AWS fails.
    """
    key = event.key
    is_manifest = _is_manifest_key(key)
    if not is_manifest and not key.lower().endswith(BILLING_SUFFIXES):
        return None
    if not is_manifest and awaits_manifest(key):
        return None
    client = s3 or aws_client("s3")
    if _left_to_spark(client, event):
        return None
    with tempfile.TemporaryDirectory(prefix="finops-s3-") as tmp:
        folder = Path(tmp)
        local = _download(client, event.bucket, key, folder)
        origins = [(local, event.uri)]
        manifest: Path | None = None
        files: tuple[Path, ...] = (local,)
        if is_manifest:
            manifest = local
            for bucket, data_key in _manifest_keys(local, event.bucket, key):
                data = _download(client, bucket, data_key, folder)
                origins.append((data, f"s3://{bucket}/{data_key}"))
            try:
                files = read_manifest(local)
            except IngestionError as exc:
                raise PoisonMessageError(_describe(exc.message, origins)) from exc
        delivery = Delivery(
            source=local,
            files=files,
            delivered_at=event.event_time,
            manifest=manifest,
            origins=tuple(origins),
        )
        return ingest_delivery(db=db, delivery=delivery, trigger=TRIGGER)


def _object_size(s3: Any, bucket: str, key: str) -> int:
    try:
        return int(s3.head_object(Bucket=bucket, Key=key)["ContentLength"])
    except ClientError as exc:
        raise IntegrationError(f"s3://{bucket}/{key}: cannot be read ({exc})") from exc


def delivery_files(s3: Any, candidate: ObjectCreated) -> tuple[list[tuple[str, str]], int]:
    """The ``(bucket, key)`` files of a candidate delivery and their total size in bytes (a
    manifest's listed files, or the stand-alone file itself)."""
    if not candidate.key.lower().endswith("manifest.json"):
        size = candidate.size
        if size is None:
            size = _object_size(s3, candidate.bucket, candidate.key)
        return [(candidate.bucket, candidate.key)], size
    body = s3.get_object(Bucket=candidate.bucket, Key=candidate.key)["Body"].read()
    files = manifest_keys_of(body, candidate.bucket, candidate.key)
    return files, sum(_object_size(s3, bucket, key) for bucket, key in files)


def is_large(s3: Any, candidate: ObjectCreated, spark_min_bytes: int) -> bool:
    """True when the delivery ``candidate`` announces is at least ``spark_min_bytes``."""
    return delivery_files(s3, candidate)[1] >= spark_min_bytes


def _left_to_spark(s3: Any, event: ObjectCreated) -> bool:
    """True when the Spark path is on (``spark_scan_uri``) and the delivery is large enough
    for it: the billing-ingestion DAG scans it on Spark instead of this process."""
    settings = get_settings()
    if not settings.spark_scan_uri:
        return False
    if is_large(s3, event, settings.ingest_spark_min_bytes):
        logger.info("delivery left to the Spark path", extra={"object": event.uri})
        return True
    return False


def _describe(text: str, origins: Sequence[tuple[Path, str]]) -> str:
    for path, origin in origins:
        text = text.replace(str(path), origin)
    return text


def process_message(
    *, db: Database, message: QueueMessage, s3: Any | None = None
) -> MessageOutcome:
    """Ingest every object ``message`` announces and classify the result (never raises for a
    bad file or a failed AWS call: those become ``poison`` and ``retry`` outcomes)."""
    outcome = MessageOutcome(message_id=message.message_id, status="ignored")
    try:
        events = parse_notification(message.body)
    except InvalidInputError as exc:
        outcome.status, outcome.error = "poison", exc.message
        return outcome
    statuses: list[str] = []
    for event in events:
        outcome.objects.append(event.uri)
        try:
            result = ingest_object(db=db, event=event, s3=s3)
        except PoisonMessageError as exc:
            outcome.status, outcome.error = "poison", str(exc)
            return outcome
        except (IntegrationError, BotoCoreError, ClientError) as exc:
            outcome.status = "retry"
            outcome.error = exc.message if isinstance(exc, FinOpsError) else type(exc).__name__
            return outcome
        except FinOpsError as exc:
            outcome.status, outcome.error = "retry", exc.message
            return outcome
        if result is None:
            statuses.append("awaiting_manifest" if awaits_manifest(event.key) else "ignored")
            continue
        outcome.run_ids.append(result.run_id)
        if result.status == "failed":
            outcome.status, outcome.error = "poison", result.error
            return outcome
        statuses.append("ingested" if result.status == "succeeded" else result.status)
    for status in ("ingested", "superseded", "duplicate", "awaiting_manifest"):
        if status in statuses:
            outcome.status = status
            break
    return outcome


# ----------------------------------------------------------------------------- settling


def queue_url_from_arn(sqs: Any, queue_arn: str) -> str:
    """The URL of the queue ``arn:aws:sqs:REGION:ACCOUNT:NAME``."""
    parts = queue_arn.split(":")
    if len(parts) != 6 or parts[2] != "sqs":
        raise InvalidInputError(f"not an SQS queue ARN: {queue_arn!r}")
    return str(sqs.get_queue_url(QueueName=parts[5], QueueOwnerAWSAccountId=parts[4])["QueueUrl"])


def dead_letter_queue_url(sqs: Any, queue_url: str) -> str | None:
    """The URL of the dead-letter queue named by ``queue_url``'s redrive policy, if any."""
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["RedrivePolicy"])
    policy = attributes.get("Attributes", {}).get("RedrivePolicy")
    if not policy:
        return None
    return queue_url_from_arn(sqs, str(json.loads(policy).get("deadLetterTargetArn", "")))


def _to_dead_letter(sqs: Any, dlq_url: str, message: QueueMessage, error: str) -> None:
    sqs.send_message(
        QueueUrl=dlq_url,
        MessageBody=message.body,
        MessageAttributes={
            "finops_error": {"DataType": "String", "StringValue": error[:MAX_ATTRIBUTE_TEXT]},
            "finops_source_message_id": {"DataType": "String", "StringValue": message.message_id},
        },
    )


def handle_messages(
    *,
    db: Database,
    messages: Sequence[QueueMessage],
    queue_url: str,
    sqs: Any | None = None,
    s3: Any | None = None,
    after_ingest: AfterIngest | None = None,
) -> BatchOutcome:
    """Process and settle a batch (see the module guarantees); returns what became of each
    message. Messages left for retry are not deleted; the caller (the Lambda) must then fail the
    invocation so SQS redelivers them, which :func:`raise_for_retry` does. ``after_ingest``
    runs once when at least one message was ingested."""
    queue = sqs or aws_client("sqs")
    batch = BatchOutcome()
    dlq_url: str | None = None
    dlq_known = False
    for message in messages:
        outcome = process_message(db=db, message=message, s3=s3)
        batch.messages.append(outcome)
        if outcome.status == "retry":
            logger.warning(
                "billing event left for retry",
                extra={"message_id": message.message_id, "error": outcome.error},
            )
            continue
        if outcome.status == "poison":
            if not dlq_known:
                dlq_url, dlq_known = dead_letter_queue_url(queue, queue_url), True
            if dlq_url is None:
                # no dead-letter queue configured: leave it for the redrive/retention policy
                outcome.status = "retry"
                continue
            _to_dead_letter(queue, dlq_url, message, outcome.error or "poison message")
            logger.warning(
                "billing event sent to the dead-letter queue",
                extra={"message_id": message.message_id, "error": outcome.error},
            )
        queue.delete_message(QueueUrl=queue_url, ReceiptHandle=message.receipt_handle)
    if after_ingest is not None and any(m.status == "ingested" for m in batch.messages):
        batch.downstream = after_ingest()
    return batch


class RetryBatchError(IntegrationError):
    """Raised by the Lambda adapter so SQS redelivers the messages left for retry."""


def raise_for_retry(batch: BatchOutcome) -> None:
    """Raise :class:`RetryBatchError` when any message was left for retry (already-settled messages
    were deleted, so only those come back)."""
    left = batch.retry
    if left:
        raise RetryBatchError(
            f"{len(left)} billing event(s) left for retry: "
            + "; ".join(f"{m.message_id}: {m.error}" for m in left[:5])
        )


# ----------------------------------------------------------------------------- local consumer


def consume_queue(
    *,
    db: Database,
    queue_url: str,
    max_batches: int | None = None,
    wait_seconds: int = 1,
    stop_when_empty: bool = True,
    sqs: Any | None = None,
    s3: Any | None = None,
    after_ingest: AfterIngest | None = None,
) -> dict[str, Any]:
    """Poll ``queue_url`` and settle each batch with :func:`handle_messages`, like the Lambda's
    event source mapping does. Stops after ``max_batches`` or, with ``stop_when_empty``, at the
    first empty poll. Returns counts per status and the downstream results of the last batch."""
    queue = sqs or aws_client("sqs")
    totals: dict[str, int] = {}
    downstream_results: dict[str, str] = {}
    batches = 0
    while max_batches is None or batches < max_batches:
        reply = queue.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=wait_seconds,
            AttributeNames=["All"],
        )
        received = reply.get("Messages", [])
        if not received:
            if stop_when_empty:
                break
            continue
        batches += 1
        batch = handle_messages(
            db=db,
            messages=[
                QueueMessage(m["MessageId"], m["Body"], m["ReceiptHandle"]) for m in received
            ],
            queue_url=queue_url,
            sqs=queue,
            s3=s3,
            after_ingest=after_ingest,
        )
        for status, count in batch.counts().items():
            totals[status] = totals.get(status, 0) + count
        downstream_results = batch.downstream or downstream_results
    return {"batches": batches, **totals, "downstream": downstream_results}
