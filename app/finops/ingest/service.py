"""Ingest billing deliveries: the one function behind ``finops ingest``, the S3 event handler
and the Airflow task.

Guarantees:
- **Idempotent.** A delivery whose files (by SHA-256) were already ingested successfully changes
  nothing; its run is recorded as ``duplicate``.
- **Restatement.** A delivery replaces, in one transaction, every billing period (per provider and
  billing account) it contains. A CUR manifest listing several files is one delivery.
- **Late delivery.** A delivery older (``delivered_at``) than the one that owns a billing period
  does not touch that period (``superseded``).
- **Bad input loses nothing.** A malformed file fails its delivery with a one-line message naming
  the file (and the row and column where known); the run is recorded as ``failed`` and the stored
  facts are exactly as they were.
- Money stays exact and keeps its currency; totals are recorded per currency.
- **Either engine, same facts.** A delivery is scanned by DuckDB in-process or by Spark
  (:func:`~finops.ingest.spark_facts.choose_engine`, by total size); the Spark facts go through
  the same store path, so every guarantee above holds whichever engine scanned.
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from finops.config import get_settings
from finops.db.database import Database
from finops.db.models import IngestionFile, IngestionRun
from finops.ingest.deliveries import Delivery, IngestionOutcome, discover_deliveries, sha256_of
from finops.ingest.exceptions import IngestionError
from finops.ingest.formats import detected_elsewhere
from finops.ingest.scan import FactScanner, FileScan
from finops.ingest.spark_facts import (
    EngineChoice,
    SparkFactsScanner,
    choose_engine,
    detected_formats,
    read_manifest,
)
from finops.ingest.transaction import scan_and_store

logger = logging.getLogger(__name__)

ProgressCallback = Callable[[str, int, int], None]


def ingest_paths(
    *,
    db: Database,
    paths: Sequence[Path],
    trigger: str = "cli",
    delivered_at: dt.datetime | None = None,
    progress: ProgressCallback | None = None,
    memory_limit: str = "1GB",
    engine: EngineChoice | None = None,
    spark_min_bytes: int | None = None,
    spark_master: str | None = None,
) -> list[IngestionOutcome]:
    """Ingest every delivery found under ``paths``; a failed delivery does not stop the others.
    The engine arguments default to the settings (``FINOPS_INGEST_ENGINE``,
    ``FINOPS_INGEST_SPARK_MIN_BYTES``, ``FINOPS_INGEST_SPARK_MASTER``).

    Raises :class:`IngestionError` only for problems with the arguments themselves (a path that
    does not exist, an unreadable manifest); problems inside a file become a ``failed`` outcome.
    """
    deliveries = discover_deliveries(paths, delivered_at)
    outcomes = []
    for index, delivery in enumerate(deliveries):
        if progress:
            progress(str(delivery.source), index, len(deliveries))
        outcomes.append(
            ingest_delivery(
                db=db,
                delivery=delivery,
                trigger=trigger,
                memory_limit=memory_limit,
                engine=engine,
                spark_min_bytes=spark_min_bytes,
                spark_master=spark_master,
            )
        )
    if progress:
        progress("done", len(deliveries), len(deliveries))
    return outcomes


def ingest_delivery(
    *,
    db: Database,
    delivery: Delivery,
    trigger: str = "cli",
    memory_limit: str = "1GB",
    engine: EngineChoice | None = None,
    spark_min_bytes: int | None = None,
    spark_master: str | None = None,
) -> IngestionOutcome:
    """Ingest one delivery atomically (see the module docstring for the guarantees).

    ``engine`` picks the scanner (``auto``: Spark from ``spark_min_bytes`` of files up); a
    Spark scan here runs in-process on ``spark_master`` (pyspark must be installed). Unset
    engine arguments come from the settings."""
    settings = get_settings()
    checksums = _checksums(delivery)
    chosen = choose_engine(
        engine=engine or settings.ingest_engine,
        total_bytes=sum(size for _, _, size in checksums),
        spark_min_bytes=spark_min_bytes or settings.ingest_spark_min_bytes,
    )
    master = spark_master or settings.ingest_spark_master

    @contextmanager
    def scanner() -> Iterator[FactScanner]:
        if chosen == "duckdb":
            with FactScanner(memory_limit=memory_limit) as duck:
                yield duck
            return
        from finops.ingest.spark_job import scan_with_spark, spark_session

        with tempfile.TemporaryDirectory(prefix="finops-spark-") as out:
            manifest = scan_with_spark(spark_session(master), delivery.files, out)
            with SparkFactsScanner(
                manifest=manifest, folder=Path(out), memory_limit=memory_limit
            ) as loaded:
                yield loaded

    return _ingest(db, delivery, checksums, trigger, scanner, engine=chosen)


def ingest_spark_output(
    *,
    db: Database,
    folder: Path,
    delivered_at: dt.datetime,
    trigger: str = "spark",
    manifest_key: str | None = None,
    memory_limit: str = "1GB",
) -> IngestionOutcome:
    """Ingest the delivery a Spark scan (EMR Serverless) already scanned: ``folder`` is a
    local copy of its output (``manifest.json`` + ``facts/``), made with checksums, so the raw
    files are never downloaded. Same guarantees as :func:`ingest_delivery`; the run and its
    files are named by their ``s3://`` sources."""
    manifest = read_manifest(folder)
    if not manifest.files:
        raise IngestionError(
            f"{folder}: the Spark scan lists no files", details={"file": str(folder)}
        )
    stand_ins = tuple(folder / f"source-{entry.index:05d}" for entry in manifest.files)
    origins = tuple((p, e.source) for p, e in zip(stand_ins, manifest.files, strict=True))
    delivery = Delivery(
        source=stand_ins[0] if len(stand_ins) == 1 else folder,
        files=stand_ins,
        delivered_at=delivered_at,
        origins=(*origins, *(((folder, manifest_key),) if manifest_key else ())),
    )
    checksums = []
    for path, entry in zip(stand_ins, manifest.files, strict=True):
        if entry.sha256 is None or entry.size_bytes is None:
            entry.raise_error()
            raise IngestionError(
                f"{entry.source}: the Spark scan recorded no checksum; expected a scan made "
                "with checksums (the default of the spark_job entry point)",
                details={"file": entry.source},
            )
        checksums.append((path, entry.sha256, entry.size_bytes))
    sources = dict(origins)

    @contextmanager
    def scanner() -> Iterator[FactScanner]:
        with (
            detected_elsewhere(detected_formats(manifest, stand_ins)),
            SparkFactsScanner(
                manifest=manifest, folder=folder, sources=sources, memory_limit=memory_limit
            ) as loaded,
        ):
            yield loaded

    return _ingest(db, delivery, checksums, trigger, scanner, engine="spark")


def _checksums(delivery: Delivery) -> list[tuple[Path, str, int]]:
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="finops-sha") as pool:
        digests = list(pool.map(sha256_of, delivery.files))  # hashlib releases the GIL
    return [
        (path, digest, path.stat().st_size)
        for path, digest in zip(delivery.files, digests, strict=True)
    ]


def _ingest(
    db: Database,
    delivery: Delivery,
    checksums: list[tuple[Path, str, int]],
    trigger: str,
    scanner: Callable[[], Any],
    *,
    engine: str,
) -> IngestionOutcome:
    run_id, file_ids = _start_run(db, delivery, checksums, trigger)
    outcome = IngestionOutcome(
        run_id=run_id,
        source=delivery.name_of(delivery.source),
        status="running",
        files=[delivery.name_of(p) for p in delivery.files],
    )
    if _already_ingested(db, run_id, {c[1] for c in checksums}):
        outcome.status = "duplicate"
        _finish(db, run_id, file_ids, status="duplicate", outcome=outcome, scans=[])
        logger.info("duplicate delivery skipped", extra={"source": outcome.source})
        return outcome
    logger.info("ingesting delivery", extra={"source": outcome.source, "engine": engine})
    try:
        with scanner() as opened:
            scan_and_store(db, opened, delivery, run_id, file_ids, outcome)
    except IngestionError as exc:
        outcome.status = "failed"
        outcome.error = delivery.describe(exc.message)
        _fail(db, run_id, file_ids, exc, delivery)
        logger.warning("ingestion failed", extra={"source": outcome.source})
        return outcome
    except Exception as exc:
        outcome.status = "failed"
        outcome.error = f"{outcome.source}: internal error ({type(exc).__name__})"
        _fail(db, run_id, file_ids, exc, delivery)
        raise
    return outcome


def _start_run(
    db: Database, delivery: Delivery, checksums: list[tuple[Path, str, int]], trigger: str
) -> tuple[int, list[int]]:
    with db.sessions.begin() as session:
        run = IngestionRun(
            source=delivery.name_of(delivery.source),
            trigger=trigger,
            status="running",
            delivered_at=delivery.delivered_at,
            details={
                "manifest": delivery.name_of(delivery.manifest) if delivery.manifest else None
            },
        )
        session.add(run)
        session.flush()
        files = [
            IngestionFile(
                run_id=run.id,
                key=delivery.name_of(path),
                size_bytes=size,
                sha256=digest,
                status="running",
            )
            for path, digest, size in checksums
        ]
        session.add_all(files)
        session.flush()
        return run.id, [f.id for f in files]


def _already_ingested(db: Database, run_id: int, digests: set[str]) -> bool:
    """True when an earlier successful run ingested exactly these files (same SHA-256 set)."""
    with db.sessions() as session:
        candidates = session.scalars(
            select(IngestionFile.run_id)
            .join(IngestionRun, IngestionRun.id == IngestionFile.run_id)
            .where(
                IngestionRun.status.in_(("succeeded", "superseded")),
                IngestionRun.id != run_id,
                IngestionFile.sha256.in_(digests),
            )
            .distinct()
        ).all()
        for candidate in candidates:
            seen = set(
                session.scalars(
                    select(IngestionFile.sha256).where(IngestionFile.run_id == candidate)
                ).all()
            )
            if seen == digests:
                return True
    return False


def _finish(
    db: Database,
    run_id: int,
    file_ids: list[int],
    *,
    status: str,
    outcome: IngestionOutcome,
    scans: list[FileScan],
) -> None:
    with db.sessions.begin() as session:
        session.execute(
            update(IngestionFile).where(IngestionFile.id.in_(file_ids)).values(status=status)
        )
        session.execute(
            update(IngestionRun)
            .where(IngestionRun.id == run_id)
            .values(status=status, finished_at=dt.datetime.now(dt.UTC))
        )


def _fail(
    db: Database, run_id: int, file_ids: list[int], exc: Exception, delivery: Delivery
) -> None:
    message = delivery.describe(
        exc.message if isinstance(exc, IngestionError) else f"internal error ({type(exc).__name__})"
    )
    failing_file = exc.details.get("file") if isinstance(exc, IngestionError) else None
    if failing_file is not None:
        failing_file = delivery.describe(str(failing_file))
    with db.sessions.begin() as session:
        files = session.scalars(select(IngestionFile).where(IngestionFile.id.in_(file_ids))).all()
        for file in files:
            if failing_file is None or file.key == failing_file:
                file.status, file.error = "failed", message
            else:
                file.status = "failed"
                file.error = "not ingested: another file of the same delivery failed"
        session.execute(
            update(IngestionRun)
            .where(IngestionRun.id == run_id)
            .values(status="failed", finished_at=dt.datetime.now(dt.UTC), error=message)
        )
