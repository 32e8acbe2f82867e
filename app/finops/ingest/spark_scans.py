"""Large billing deliveries in S3 through Spark: plan the scans, run one locally, load the output.

The AWS path of a delivery too large for one machine (``ingest_spark_min_bytes``), in three
steps the billing-ingestion DAG runs after its catch-up sweep (which leaves these deliveries
alone):

1. :func:`plan_spark_scans` finds every manifest or stand-alone billing file in the bucket that
   is not ingested yet and at least that large, and writes a ``delivery.json`` (what to scan,
   when it was delivered) under a folder of the scan URI named after the delivery and its
   modification time; the folders it returns are the scans to run.
2. Each scan runs ``finops.ingest.spark_job`` on EMR Serverless (the DAG's operator) or, for a
   local run, in this process (:func:`run_spark_scan`); it writes ``manifest.json`` and
   ``facts/`` into the folder.
3. :func:`load_spark_scans` loads every scanned folder not loaded yet through
   :func:`finops.ingest.service.ingest_spark_output` (the same restatement, idempotency and run
   record as any delivery) and writes a ``loaded.json`` with the outcome.

Every step is idempotent: a delivery already ingested, already scanned or already loaded is
skipped, and a scan that failed (no ``manifest.json``) is planned again on the next run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from botocore.exceptions import ClientError

from finops.aws.clients import aws_client
from finops.core.errors import IntegrationError, InvalidInputError
from finops.db.database import Database
from finops.ingest.bucket_sweep import already_settled, billing_candidates
from finops.ingest.s3_events import ObjectCreated, PoisonMessageError, delivery_files
from finops.ingest.spark_manifest import MANIFEST_NAME

logger = logging.getLogger(__name__)

DELIVERY_NAME = "delivery.json"
LOADED_NAME = "loaded.json"
FACTS_DIR = "facts"


@dataclass(frozen=True)
class ScanRequest:
    """One planned Spark scan: the delivery's files and where the scan writes."""

    out: str  # s3://bucket/prefix/<scan>/ (ends with '/')
    sources: tuple[str, ...]  # the billing files, s3:// URIs
    delivered_at: str  # ISO timestamp (UTC) of the delivery (its object's modification)
    source: str  # the manifest's or the stand-alone file's s3:// URI
    manifest_key: str | None  # the CUR/FOCUS manifest's s3:// URI, if any
    total_bytes: int

    @property
    def name(self) -> str:
        """A short name for the scan's job run: its folder's name."""
        return PurePosixPath(self.out.rstrip("/")).name

    def arguments(self) -> list[str]:
        """The Spark job's arguments: ``--out OUT FILE...`` (``spark_job.main``)."""
        return ["--out", self.out.rstrip("/"), *self.sources]

    def as_json(self) -> dict[str, Any]:
        document = asdict(self)
        document["sources"] = list(self.sources)
        return document

    @classmethod
    def from_json(cls, document: dict[str, Any], where: str) -> ScanRequest:
        try:
            return cls(
                out=str(document["out"]),
                sources=tuple(str(s) for s in document["sources"]),
                delivered_at=str(document["delivered_at"]),
                source=str(document["source"]),
                manifest_key=document.get("manifest_key"),
                total_bytes=int(document["total_bytes"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidInputError(
                f"{where}: not a scan request ({type(exc).__name__}: {exc}); expected out, "
                "sources, delivered_at, source, total_bytes",
                details={"file": where},
            ) from exc


# ----------------------------------------------------------------------------- S3 helpers


def split_uri(uri: str, what: str = "scan_uri") -> tuple[str, str]:
    """``(bucket, key prefix)`` of an ``s3://bucket/prefix`` URI."""
    if not uri.startswith("s3://") or not uri[5:].split("/", 1)[0]:
        raise InvalidInputError(
            f"parameter {what!r}: expected an s3://bucket/prefix URI, got {uri!r}",
            details={"parameter": what},
        )
    bucket, _, key = uri[5:].partition("/")
    return bucket, key


def _folder_uri(uri: str) -> str:
    return uri if uri.endswith("/") else uri + "/"


def _exists(s3: Any, bucket: str, key: str) -> bool:
    try:
        s3.head_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if str(exc.response.get("Error", {}).get("Code", "")) in ("404", "NoSuchKey", "NotFound"):
            return False
        raise IntegrationError(f"s3://{bucket}/{key}: cannot be read ({exc})") from exc
    return True


def _read_json(s3: Any, bucket: str, key: str) -> dict[str, Any]:
    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    try:
        document = json.loads(body)
    except ValueError as exc:
        raise InvalidInputError(
            f"s3://{bucket}/{key}: not a JSON document ({exc})", details={"file": key}
        ) from exc
    if not isinstance(document, dict):
        raise InvalidInputError(f"s3://{bucket}/{key}: expected a JSON object")
    return document


def _put_json(s3: Any, bucket: str, key: str, document: dict[str, Any]) -> None:
    s3.put_object(
        Bucket=bucket,
        Key=key,
        Body=json.dumps(document, indent=2, sort_keys=True).encode("utf-8"),
        ContentType="application/json",
    )


# ----------------------------------------------------------------------------- planning


def scan_folder(scan_uri: str, candidate: ObjectCreated) -> str:
    """The scan folder of a delivery: named after its URI and modification time, so a
    re-delivered (changed) object gets a new scan and an unchanged one keeps its own."""
    digest = hashlib.sha256(
        f"{candidate.uri}|{candidate.event_time.isoformat()}".encode()
    ).hexdigest()[:24]
    stem = PurePosixPath(candidate.key).name.split(".")[0][:40] or "delivery"
    return f"{_folder_uri(scan_uri)}{stem}-{digest}/"


def plan_spark_scans(
    *,
    db: Database,
    bucket: str,
    prefix: str = "",
    scan_uri: str,
    spark_min_bytes: int,
    s3: Any | None = None,
) -> dict[str, Any]:
    """Plan a Spark scan for every delivery under ``s3://bucket/prefix`` of at least
    ``spark_min_bytes`` that is neither ingested nor already scanned; writes each one's
    ``delivery.json`` and returns counts and ``scans``: per scan its folder (``out``), a
    ``name`` and the Spark job's ``arguments`` (``--out OUT FILE...``)."""
    if not bucket:
        raise InvalidInputError("parameter 'bucket': expected a bucket name")
    if spark_min_bytes <= 0:
        raise InvalidInputError(
            f"parameter 'spark_min_bytes': expected a positive size in bytes, got "
            f"{spark_min_bytes}",
            details={"parameter": "spark_min_bytes"},
        )
    scan_bucket, _ = split_uri(scan_uri)
    client = s3 or aws_client("s3")
    counts: dict[str, Any] = {
        "objects": 0,
        "small": 0,
        "ingested": 0,
        "scanned": 0,
        "unreadable": 0,
    }
    scans: list[dict[str, Any]] = []
    for candidate in billing_candidates(client, bucket, prefix):
        counts["objects"] += 1
        if already_settled(db, candidate):
            counts["ingested"] += 1
            continue
        try:
            files, total = delivery_files(client, candidate)
        except PoisonMessageError:
            counts["unreadable"] += 1  # the sweep records it as the failed delivery it is
            continue
        if total < spark_min_bytes:
            counts["small"] += 1
            continue
        out = scan_folder(scan_uri, candidate)
        _, out_key = split_uri(out)
        if _exists(client, scan_bucket, out_key + MANIFEST_NAME):
            counts["scanned"] += 1  # waiting for (or done with) its load
            continue
        is_manifest = candidate.key.lower().endswith("manifest.json")
        request = ScanRequest(
            out=out,
            sources=tuple(f"s3://{b}/{k}" for b, k in files),
            delivered_at=candidate.event_time.astimezone(dt.UTC).isoformat(),
            source=candidate.uri,
            manifest_key=candidate.uri if is_manifest else None,
            total_bytes=total,
        )
        _put_json(client, scan_bucket, out_key + DELIVERY_NAME, request.as_json())
        scans.append({"out": out, "name": request.name, "arguments": request.arguments()})
    counts["planned"] = len(scans)
    logger.info("spark scans planned", extra={"bucket": bucket, "counts": counts})
    return {**counts, "scans": scans}


# ----------------------------------------------------------------------------- scanning


def read_request(out: str, s3: Any | None = None) -> ScanRequest:
    """The scan request written in the folder ``out`` by :func:`plan_spark_scans`."""
    client = s3 or aws_client("s3")
    bucket, key = split_uri(_folder_uri(out), "out")
    return ScanRequest.from_json(_read_json(client, bucket, key + DELIVERY_NAME), out)


def run_spark_scan(*, out: str, master: str = "local[*]", s3: Any | None = None) -> dict[str, Any]:
    """Run the scan planned in ``out`` in this process on local Spark (what EMR Serverless
    does in AWS): the sources are downloaded, scanned, and ``manifest.json`` + ``facts/`` are
    uploaded to ``out`` with every source named by its ``s3://`` URI."""
    from finops.ingest.spark_job import scan_with_spark, spark_session

    client = s3 or aws_client("s3")
    request = read_request(out, client)
    bucket, key = split_uri(request.out, "out")
    with tempfile.TemporaryDirectory(prefix="finops-spark-scan-") as tmp:
        folder = Path(tmp)
        local: list[str] = []
        for index, source in enumerate(request.sources):
            src_bucket, src_key = split_uri(source, "sources")
            target = folder / "in" / f"{index:05d}" / PurePosixPath(src_key).name
            target.parent.mkdir(parents=True)
            client.download_file(src_bucket, src_key, str(target))
            local.append(str(target))
        result = folder / "out"
        manifest = scan_with_spark(spark_session(master), local, str(result), checksums=True)
        renamed = dict(zip(local, request.sources, strict=True))
        for entry in manifest.files:
            original = entry.source
            entry.source = renamed.get(original, original)
            if entry.error:
                entry.error["message"] = _without_local_paths(
                    str(entry.error["message"]), original, entry.source, folder
                )
                details = entry.error.get("details") or {}
                if details.get("file") == original:
                    details["file"] = entry.source
        (result / MANIFEST_NAME).write_text(manifest.to_json(), encoding="utf-8")
        for path in sorted((result / FACTS_DIR).rglob("*.parquet")):
            if path.is_file() and not path.name.startswith((".", "_")):
                client.upload_file(str(path), bucket, key + path.relative_to(result).as_posix())
        client.upload_file(str(result / MANIFEST_NAME), bucket, key + MANIFEST_NAME)
    failed = sum(1 for entry in manifest.files if entry.error)
    return {"files": len(manifest.files), "failed_files": failed, "out": request.out}


def _without_local_paths(message: str, local: str, source: str, folder: Path) -> str:
    """``message`` with the local copy named by its ``s3://`` source, and any other path
    under the scan's temporary ``folder`` (Spark names directories too) as that source."""
    message = message.replace(f"file:{local}", source).replace(local, source)
    return re.sub(rf"(file:)?{re.escape(str(folder))}\S*?(?=[)\s,;]|$)", source, message)


# ----------------------------------------------------------------------------- loading


def _scan_folders(s3: Any, bucket: str, prefix: str) -> dict[str, set[str]]:
    """Scan folder key -> the names of the marker files it holds."""
    folders: dict[str, set[str]] = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            key = str(item["Key"])
            name = PurePosixPath(key).name
            if name in (DELIVERY_NAME, MANIFEST_NAME, LOADED_NAME):
                parent = key[: -len(name)]
                if FACTS_DIR + "/" not in parent[len(prefix) :]:
                    folders.setdefault(parent, set()).add(name)
    return folders


def _download_scan(s3: Any, bucket: str, key: str, folder: Path) -> None:
    s3.download_file(bucket, key + MANIFEST_NAME, str(folder / MANIFEST_NAME))
    facts = key + FACTS_DIR + "/"
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=facts):
        for item in page.get("Contents", []):
            relative = str(item["Key"])[len(key) :]
            if not relative.endswith(".parquet"):
                continue  # _SUCCESS markers and the like
            target = folder / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            s3.download_file(bucket, str(item["Key"]), str(target))


def load_spark_scans(
    *, db: Database, scan_uri: str, s3: Any | None = None, memory_limit: str = "1GB"
) -> dict[str, Any]:
    """Load every scan under ``scan_uri`` that has its ``manifest.json`` and no
    ``loaded.json`` yet; returns counts per outcome. A scan whose files failed is recorded as
    a failed ingestion run (its error named per file) and marked loaded: a fixed delivery
    arrives as a new object and gets a new scan."""
    from finops.ingest.service import ingest_spark_output

    bucket, prefix = split_uri(scan_uri)
    client = s3 or aws_client("s3")
    counts: dict[str, Any] = {"scans": 0, "pending": 0, "loaded_before": 0}
    errors: list[str] = []
    for key, markers in sorted(_scan_folders(client, bucket, prefix).items()):
        counts["scans"] += 1
        if LOADED_NAME in markers:
            counts["loaded_before"] += 1
            continue
        if MANIFEST_NAME not in markers or DELIVERY_NAME not in markers:
            counts["pending"] += 1  # not scanned (yet, or the scan failed: planned again)
            continue
        request = ScanRequest.from_json(
            _read_json(client, bucket, key + DELIVERY_NAME), f"s3://{bucket}/{key}"
        )
        with tempfile.TemporaryDirectory(prefix="finops-spark-load-") as tmp:
            folder = Path(tmp)
            _download_scan(client, bucket, key, folder)
            outcome = ingest_spark_output(
                db=db,
                folder=folder,
                delivered_at=dt.datetime.fromisoformat(request.delivered_at),
                trigger="spark",
                manifest_key=request.manifest_key,
                memory_limit=memory_limit,
            )
        _put_json(
            client,
            bucket,
            key + LOADED_NAME,
            {
                "run_id": outcome.run_id,
                "status": outcome.status,
                "error": outcome.error,
                "loaded_at": dt.datetime.now(dt.UTC).isoformat(),
            },
        )
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
        if outcome.error:
            errors.append(outcome.error)
    counts["error"] = "; ".join(errors[:5]) or None
    logger.info("spark scans loaded", extra={"scan_uri": scan_uri, "counts": counts})
    return counts
