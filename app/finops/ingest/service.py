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
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from finops.db.database import Database
from finops.db.models import (
    Account,
    BillingPeriodDelivery,
    IngestionFile,
    IngestionRun,
    Resource,
    table_of,
)
from finops.db.types import decimal_to_text
from finops.ingest.exceptions import IngestionError, ManifestError
from finops.ingest.formats import container_of, detect_format
from finops.ingest.scan import FactScanner, FileScan, Scope
from finops.ingest.store import (
    STORED_COLUMNS,
    BackgroundCopier,
    delete_scope,
    upsert_resources_from_csv,
    write_batches,
)

logger = logging.getLogger(__name__)

BILLING_SUFFIXES = (".csv", ".csv.gz", ".csv.gzip", ".parquet")
ProgressCallback = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Delivery:
    """A unit of ingestion: one file, or the files a manifest lists."""

    source: Path
    files: tuple[Path, ...]
    delivered_at: dt.datetime
    manifest: Path | None = None
    origins: tuple[tuple[Path, str], ...] = ()
    """Where local copies came from (e.g. ``s3://bucket/key``): recorded and shown instead of the
    temporary local path, so every run and error names the object a user can find."""

    def name_of(self, path: Path) -> str:
        """The origin of ``path`` when it is a downloaded copy, else the path itself."""
        return dict(self.origins).get(path, str(path))

    def describe(self, text: str) -> str:
        """``text`` with every local copy's path replaced by its origin."""
        for path, origin in self.origins:
            text = text.replace(str(path), origin)
        return text


@dataclass
class IngestionOutcome:
    """What happened to one delivery."""

    run_id: int
    source: str
    status: str  # succeeded | duplicate | superseded | failed
    rows_read: int = 0
    rows_written: int = 0
    files: list[str] = field(default_factory=list)
    formats: list[str] = field(default_factory=list)
    totals: dict[str, dict[str, str]] = field(default_factory=dict)
    replaced_scopes: list[dict[str, str]] = field(default_factory=list)
    superseded_scopes: list[dict[str, str]] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status != "failed"


# ----------------------------------------------------------------------------- discovery


def _is_billing_file(path: Path) -> bool:
    return path.name.lower().endswith(BILLING_SUFFIXES)


def _is_manifest(path: Path) -> bool:
    return path.name.lower().endswith("manifest.json")


def _mtime(path: Path) -> dt.datetime:
    return dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC)


def read_manifest(path: Path) -> tuple[Path, ...]:
    """The local files a legacy CUR (``reportKeys``) or Data Exports (``dataFiles``) manifest
    lists, resolved relative to the manifest's folder."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ManifestError(
            f"{path}: unreadable manifest: {exc}", details={"file": str(path)}
        ) from exc
    keys = document.get("reportKeys") or document.get("dataFiles")
    if not isinstance(keys, list) or not keys:
        raise ManifestError(
            f"{path}: manifest lists no files; expected a non-empty 'reportKeys' or 'dataFiles'",
            details={"file": str(path)},
        )
    resolved: list[Path] = []
    for key in keys:
        if isinstance(key, dict):
            key = key.get("key") or key.get("path") or ""
        name = str(key).split("/")[-1]
        candidates = [path.parent / str(key), path.parent / name]
        candidates += sorted(path.parent.rglob(name))
        found = next((c for c in candidates if c.is_file()), None)
        if found is None:
            raise ManifestError(
                f"{path}: manifest lists {key}, which is not in {path.parent}",
                details={"file": str(path), "missing": str(key)},
            )
        resolved.append(found)
    return tuple(resolved)


def discover_deliveries(
    paths: Sequence[Path], delivered_at: dt.datetime | None = None
) -> list[Delivery]:
    """Expand files and folders into deliveries, oldest first.

    A manifest makes its files one delivery; any other billing file is a delivery on its own.
    ``delivered_at`` defaults to the newest modification time among the delivery's files.
    """
    deliveries: list[Delivery] = []
    loose: list[Path] = []
    covered: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise IngestionError(f"{path}: no such file or folder", details={"file": str(path)})
        if path.is_dir():
            manifests = sorted(p for p in path.rglob("*") if p.is_file() and _is_manifest(p))
            files = sorted(p for p in path.rglob("*") if p.is_file() and _is_billing_file(p))
        elif _is_manifest(path):
            manifests, files = [path], []
        else:
            container_of(path)  # rejects unsupported extensions with a clear message
            manifests, files = [], [path]
        for manifest in manifests:
            listed = read_manifest(manifest)
            covered.update(p.resolve() for p in listed)
            when = delivered_at or max(_mtime(p) for p in (manifest, *listed))
            deliveries.append(Delivery(manifest, listed, when, manifest))
        loose.extend(files)
    for file in loose:
        if file.resolve() in covered:
            continue
        deliveries.append(Delivery(file, (file,), delivered_at or _mtime(file)))
    deliveries.sort(key=lambda d: (d.delivered_at, str(d.source)))
    return deliveries


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# ----------------------------------------------------------------------------- ingestion


def ingest_paths(
    *,
    db: Database,
    paths: Sequence[Path],
    trigger: str = "cli",
    delivered_at: dt.datetime | None = None,
    progress: ProgressCallback | None = None,
    memory_limit: str = "1GB",
) -> list[IngestionOutcome]:
    """Ingest every delivery found under ``paths``; a failed delivery does not stop the others.

    Raises :class:`IngestionError` only for problems with the arguments themselves (a path that
    does not exist, an unreadable manifest); problems inside a file become a ``failed`` outcome.
    """
    deliveries = discover_deliveries(paths, delivered_at)
    outcomes = []
    for index, delivery in enumerate(deliveries):
        if progress:
            progress(str(delivery.source), index, len(deliveries))
        outcomes.append(
            ingest_delivery(db=db, delivery=delivery, trigger=trigger, memory_limit=memory_limit)
        )
    if progress:
        progress("done", len(deliveries), len(deliveries))
    return outcomes


def ingest_delivery(
    *, db: Database, delivery: Delivery, trigger: str = "cli", memory_limit: str = "1GB"
) -> IngestionOutcome:
    """Ingest one delivery atomically (see the module docstring for the guarantees)."""
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="finops-sha") as pool:
        digests = list(pool.map(sha256_of, delivery.files))  # hashlib releases the GIL
    checksums = [
        (path, digest, path.stat().st_size)
        for path, digest in zip(delivery.files, digests, strict=True)
    ]
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
    try:
        with FactScanner(memory_limit=memory_limit) as scanner:
            _scan_and_store(db, scanner, delivery, run_id, file_ids, outcome)
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


def _scope_dict(scope: Scope) -> dict[str, str]:
    return {
        "provider": scope.provider,
        "billing_account_id": scope.billing_account_id,
        "billing_period_start": scope.billing_period_start.isoformat(),
        "billing_period_end": scope.billing_period_end.isoformat(),
    }


def _lock_scope(conn: Connection, scope: Scope) -> None:
    if conn.dialect.name == "postgresql":
        key = f"{scope.provider}|{scope.billing_account_id}|{scope.billing_period_start.date()}"
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": key})


def _decide_scopes(
    conn: Connection,
    scopes: list[Scope],
    delivery: Delivery,
    run_id: int,
    outcome: IngestionOutcome,
    decided: dict[Scope, bool],
) -> list[Scope]:
    """For each scope not decided yet: supersede it (an owner delivered later) or take it
    over (record this run as the owner). Returns the scopes taken over, whose old facts the
    caller must delete before inserting."""
    taken: list[Scope] = []
    table = table_of(BillingPeriodDelivery)
    for scope in sorted(
        (s for s in scopes if s not in decided),
        key=lambda s: (s.provider, s.billing_account_id, s.billing_period_start),
    ):
        _lock_scope(conn, scope)
        owner = conn.execute(
            select(table.c.delivered_at, table.c.run_id).where(
                table.c.provider == scope.provider,
                table.c.billing_account_id == scope.billing_account_id,
                table.c.billing_period_start == scope.billing_period_start,
            )
        ).first()
        if owner is not None and owner.delivered_at > delivery.delivered_at:
            decided[scope] = False
            outcome.superseded_scopes.append(_scope_dict(scope))
            continue
        _upsert_owner(conn, scope, run_id, delivery.delivered_at)
        decided[scope] = True
        taken.append(scope)
        outcome.replaced_scopes.append(_scope_dict(scope))
    return taken


def _scan_and_store(
    db: Database,
    scanner: FactScanner,
    delivery: Delivery,
    run_id: int,
    file_ids: list[int],
    outcome: IngestionOutcome,
) -> None:
    """Scan each file and store its facts, all in one transaction.

    On PostgreSQL the facts of file N are COPYed on a worker thread while DuckDB scans file
    N+1; any error rolls the whole delivery back.
    """
    scans: list[FileScan] = []
    written: Counter[int] = Counter()
    decided: dict[Scope, bool] = {}
    with db.engine.begin() as conn:
        postgres = conn.dialect.name == "postgresql"
        copier = BackgroundCopier(conn) if postgres else None
        try:
            for path, file_id in zip(delivery.files, file_ids, strict=True):
                fmt = detect_format(path)
                outcome.formats.append(fmt.name)
                scan = scanner.scan_file(file_id=file_id, path=path, fmt=fmt)
                scans.append(scan)
                if copier is not None:
                    copier.wait()  # the connection is ours again
                taken = _decide_scopes(conn, scan.scopes, delivery, run_id, outcome, decided)
                superseded = [s for s, owned in decided.items() if not owned]
                if copier is not None:
                    csv_path, rows = scanner.export_csv(
                        columns=STORED_COLUMNS, file_id=file_id, exclude=superseded
                    )
                    written[file_id] += rows
                    copier.submit(csv_path, delete_first=taken)
                else:
                    for scope in taken:
                        delete_scope(conn, scope)
                    written.update(
                        write_batches(
                            conn, scanner.iter_batches(file_id=file_id, exclude=superseded)
                        )
                    )
            if copier is not None:
                copier.wait()
        finally:
            if copier is not None:
                copier.close()
        if postgres:
            _upsert_entities(conn, scanner.entities(include_resources=False))
            upsert_resources_from_csv(conn, scanner.export_resources_csv())
        else:
            _upsert_entities(conn, scanner.entities())
        _record_outcome(conn, delivery, run_id, scans, written, decided, outcome)


def _record_outcome(
    conn: Connection,
    delivery: Delivery,
    run_id: int,
    scans: list[FileScan],
    written: Counter[int],
    decided: dict[Scope, bool],
    outcome: IngestionOutcome,
) -> None:
    outcome.rows_read = sum(scan.rows_read for scan in scans)
    outcome.rows_written = sum(written.values())
    outcome.totals = _merge_totals(scans)
    everything_superseded = bool(decided) and not any(decided.values())
    outcome.status = "superseded" if everything_superseded else "succeeded"
    now = dt.datetime.now(dt.UTC)
    files = table_of(IngestionFile)
    for scan, fmt in zip(scans, outcome.formats, strict=True):
        conn.execute(
            update(files)
            .where(files.c.id == scan.file_id)
            .values(
                status=outcome.status,
                detected_format=fmt,
                rows_read=scan.rows_read,
                rows_written=written.get(scan.file_id, 0),
                cost_totals=_totals_json(scan.totals),
                billing_period_start=min(
                    (s.billing_period_start for s in scan.scopes), default=None
                ),
                billing_period_end=max((s.billing_period_end for s in scan.scopes), default=None),
            )
        )
    conn.execute(
        update(table_of(IngestionRun))
        .where(table_of(IngestionRun).c.id == run_id)
        .values(
            status=outcome.status,
            finished_at=now,
            rows_read=outcome.rows_read,
            rows_written=outcome.rows_written,
            details={
                "manifest": str(delivery.manifest) if delivery.manifest else None,
                "replaced_scopes": outcome.replaced_scopes,
                "superseded_scopes": outcome.superseded_scopes,
                "totals": outcome.totals,
                "formats": outcome.formats,
            },
        )
    )


def _upsert_owner(conn: Connection, scope: Scope, run_id: int, delivered_at: dt.datetime) -> None:
    table = table_of(BillingPeriodDelivery)
    values = {
        "provider": scope.provider,
        "billing_account_id": scope.billing_account_id,
        "billing_period_start": scope.billing_period_start,
        "billing_period_end": scope.billing_period_end,
        "run_id": run_id,
        "delivered_at": delivered_at,
        "updated_at": dt.datetime.now(dt.UTC),
    }
    stmt: Any
    if conn.dialect.name == "postgresql":
        stmt = postgresql.insert(table).values(**values)
    else:
        stmt = sqlite.insert(table).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=["provider", "billing_account_id", "billing_period_start"],
        set_={
            k: stmt.excluded[k]
            for k in ("billing_period_end", "run_id", "delivered_at", "updated_at")
        },
    )
    conn.execute(stmt)


def _upsert_entities(conn: Connection, entities: dict[str, list[tuple[Any, ...]]]) -> None:
    now = dt.datetime.now(dt.UTC)
    dialect_insert: Any = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    accounts: dict[tuple[str, str], dict[str, Any]] = {}
    for provider, account_id, name, billing_account in entities["accounts"]:
        if account_id is None:
            continue
        entry = accounts.setdefault(
            (provider, account_id),
            {
                "provider": provider,
                "account_id": account_id,
                "name": name,
                "billing_account_id": billing_account,
                "first_seen": now,
                "last_seen": now,
            },
        )
        entry["name"] = entry["name"] or name
    if accounts:
        stmt = dialect_insert(table_of(Account)).values(list(accounts.values()))
        stmt = stmt.on_conflict_do_update(
            index_elements=["provider", "account_id"],
            set_={
                "last_seen": stmt.excluded.last_seen,
                "name": _coalesce(stmt.excluded.name, table_of(Account).c.name),
                "billing_account_id": stmt.excluded.billing_account_id,
            },
        )
        conn.execute(stmt)
    rows = [
        {
            "provider": provider,
            "resource_id": resource_id,
            "resource_type": rtype,
            "service_name": service,
            "account_id": account,
            "region_id": region,
            "name": name,
            "instance_type": instance_type,
            "tags": json.loads(tags) if tags else {},
            "attributes": {},
            "first_seen": now,
            "last_seen": now,
        }
        for (
            provider,
            resource_id,
            rtype,
            service,
            account,
            region,
            name,
            instance_type,
            tags,
        ) in entities["resources"]
    ]
    if rows:
        # One statement, executed for many parameter sets (batched "insertmanyvalues"):
        # far cheaper to compile than a literal multi-row VALUES list.
        stmt = dialect_insert(table_of(Resource))
        stmt = stmt.on_conflict_do_update(
            index_elements=["provider", "resource_id"],
            set_={
                "last_seen": stmt.excluded.last_seen,
                "tags": stmt.excluded.tags,
                "instance_type": _coalesce(
                    stmt.excluded.instance_type, table_of(Resource).c.instance_type
                ),
                "region_id": stmt.excluded.region_id,
                "service_name": stmt.excluded.service_name,
                "account_id": stmt.excluded.account_id,
            },
        )
        conn.execute(stmt, rows)


def _coalesce(*args: Any) -> Any:
    from sqlalchemy import func

    return func.coalesce(*args)


def _merge_totals(scans: list[FileScan]) -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, Decimal]] = {}
    for scan in scans:
        for currency, metrics in scan.totals.items():
            target = merged.setdefault(currency, {})
            for metric, value in metrics.items():
                target[metric] = target.get(metric, Decimal(0)) + value
    return _totals_json(merged)


def _totals_json(totals: dict[str, dict[str, Decimal]]) -> dict[str, dict[str, str]]:
    return {
        cur: {m: decimal_to_text(v) for m, v in metrics.items()}
        for cur, metrics in sorted(totals.items())
    }


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
