"""Catch-up sweep of the billing bucket: ingest what the event path has not (the daily DAG).

Events are the fast path; this sweep makes a lost or dead-lettered event harmless once fixed.
Guarantees: an object already ingested from the same ``s3://`` key with the same size and a
delivery time at or after its last modification is not downloaded again; everything else goes
through the same :func:`finops.ingest.s3_events.ingest_object` as an event would (so
duplicates and late deliveries stay harmless). One bad object does not stop the sweep; it is
counted and its run recorded as failed.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy import select

from finops.aws.clients import aws_client
from finops.core.errors import InvalidInputError
from finops.db.database import Database
from finops.db.models import IngestionFile, IngestionRun
from finops.ingest.deliveries import BILLING_SUFFIXES
from finops.ingest.s3_events import (
    ObjectCreated,
    PoisonMessageError,
    awaits_manifest,
    ingest_object,
)

logger = logging.getLogger(__name__)

SETTLED = ("succeeded", "duplicate", "superseded")


def billing_candidates(s3: Any, bucket: str, prefix: str) -> list[ObjectCreated]:
    """Manifests and stand-alone billing files under ``prefix``, oldest first."""
    found: list[ObjectCreated] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            key = str(item["Key"])
            lower = key.lower()
            if lower.endswith("manifest.json") or (
                lower.endswith(BILLING_SUFFIXES) and not awaits_manifest(key)
            ):
                modified = item["LastModified"]
                if modified.tzinfo is None:
                    modified = modified.replace(tzinfo=dt.UTC)
                found.append(ObjectCreated(bucket, key, int(item.get("Size", 0)), modified))
    found.sort(key=lambda o: (o.event_time, o.key))
    return found


def already_settled(db: Database, candidate: ObjectCreated) -> bool:
    with db.sessions() as session:
        rows = session.execute(
            select(IngestionFile.size_bytes, IngestionRun.delivered_at)
            .join(IngestionRun, IngestionRun.id == IngestionFile.run_id)
            .where(IngestionFile.key == candidate.uri, IngestionRun.status.in_(SETTLED))
        ).all()
    return any(
        size == candidate.size and delivered is not None and delivered >= candidate.event_time
        for size, delivered in rows
    )


def sync_billing_bucket(
    *, db: Database, bucket: str, prefix: str = "", s3: Any | None = None
) -> dict[str, Any]:
    """Ingest every manifest and stand-alone billing file under ``s3://bucket/prefix`` that is
    not already ingested; returns counts per outcome. With the Spark path on
    (``spark_scan_uri``), deliveries from ``ingest_spark_min_bytes`` up are skipped here: the
    DAG's Spark steps (:mod:`finops.ingest.spark_scans`) ingest them."""
    if not bucket:
        raise InvalidInputError("parameter 'bucket': expected a bucket name")
    client = s3 or aws_client("s3")
    counts: dict[str, Any] = {
        "objects": 0,
        "skipped": 0,
        "succeeded": 0,
        "duplicate": 0,
        "superseded": 0,
        "failed": 0,
    }
    errors: list[str] = []
    for candidate in billing_candidates(client, bucket, prefix):
        counts["objects"] += 1
        if already_settled(db, candidate):
            counts["skipped"] += 1
            continue
        try:
            outcome = ingest_object(db=db, event=candidate, s3=client)
        except PoisonMessageError as exc:
            counts["failed"] += 1
            errors.append(str(exc))
            continue
        if outcome is None:
            counts["skipped"] += 1
            continue
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
        if outcome.error:
            errors.append(outcome.error)
    counts["error"] = "; ".join(errors[:5]) or None
    logger.info("billing bucket swept", extra={"bucket": bucket, "counts": counts})
    return counts
