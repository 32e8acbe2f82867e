"""The ingest transaction: scan each file of a delivery, take over or supersede its billing
periods, replace their facts, upsert accounts and resources, and record the outcome."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from decimal import Decimal
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
from finops.db.partitions import (
    create_staging,
    ensure_month,
    is_partitioned,
    leaf_holds_only,
    leaf_partition,
    swap_in,
)
from finops.db.rollups import MONEY_COLUMNS, ROLLUPS, VALUE_COLUMNS, delete_rollups, refresh_rollups
from finops.db.types import decimal_to_text
from finops.ingest.deliveries import Delivery, IngestionOutcome
from finops.ingest.formats import detect_format
from finops.ingest.scan import FactScanner, FileScan, Scope
from finops.ingest.store import (
    STORED_COLUMNS,
    BackgroundCopier,
    copy_csv_file,
    delete_scope,
    upsert_resources_from_csv,
    write_batches,
)


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


def scan_and_store(
    db: Database,
    scanner: FactScanner,
    delivery: Delivery,
    run_id: int,
    file_ids: list[int],
    outcome: IngestionOutcome,
) -> None:
    """Scan each file and store its facts, all in one transaction, with the daily roll-ups
    of the replaced scopes recomputed in that same transaction.

    On PostgreSQL the facts of file N are COPYed on a worker thread while DuckDB scans file
    N+1; any error rolls the whole delivery back.
    """
    scans: list[FileScan] = []
    written: Counter[int] = Counter()
    decided: dict[Scope, bool] = {}
    staged: dict[Scope, str] = {}
    with db.engine.begin() as conn:
        postgres = conn.dialect.name == "postgresql"
        partitioned = is_partitioned(conn)
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
                    if partitioned:
                        staged.update(_stage_scopes(conn, taken, run_id))
                    _copy_file(scanner, copier, scan, decided, taken, staged, written)
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
        # The roll-ups of every scope this delivery replaced, in the facts' own transaction.
        owned = [scope for scope, mine in decided.items() if mine]
        if postgres:
            _copy_rollups(conn, scanner, owned, [s for s, mine in decided.items() if not mine])
        else:
            refresh_rollups(conn, owned)
        if postgres:
            _upsert_entities(conn, scanner.entities(include_resources=False))
            upsert_resources_from_csv(conn, scanner.export_resources_csv())
        else:
            _upsert_entities(conn, scanner.entities())
        _record_outcome(conn, delivery, run_id, scans, written, decided, outcome)
        for scope, table in staged.items():
            swap_in(conn, scope, table)


def _copy_rollups(
    conn: Connection, scanner: FactScanner, owned: list[Scope], superseded: list[Scope]
) -> None:
    """Replace the roll-ups of the ``owned`` scopes with sums DuckDB computes over the facts
    this delivery just wrote (its scan's facts minus the ``superseded`` scopes: exactly the
    owned scopes' new facts, at the same DECIMAL(38,18) scale as ``billing_facts``), COPYed
    in. Equal to :func:`refresh_rollups` over the stored facts, without PostgreSQL summing
    NUMERIC row by row again."""
    if not owned:
        return
    delete_rollups(conn, owned)
    for spec in ROLLUPS:
        path, _rows = scanner.export_rollup_csv(
            keys=spec.key_columns, money=MONEY_COLUMNS, exclude=superseded
        )
        copy_csv_file(conn, path, spec.table.name, columns=(*spec.key_columns, *VALUE_COLUMNS))


def _stage_scopes(conn: Connection, taken: list[Scope], run_id: int) -> dict[Scope, str]:
    """For each scope just taken over: a staging table to load its new facts into when its
    leaf partition is (or will be) the scope alone, so the old leaf is swapped out whole at
    the end; a scope sharing its leaf with another provider is deleted row by row instead."""
    staged: dict[Scope, str] = {}
    for scope in taken:
        ensure_month(conn, scope.billing_period_start)
        leaf = leaf_partition(scope.billing_period_start, scope.billing_account_id)
        exists = conn.execute(text("SELECT to_regclass(:n) IS NOT NULL"), {"n": leaf}).scalar()
        if exists and not leaf_holds_only(conn, scope):
            continue
        staged[scope] = create_staging(conn, scope, f"r{run_id}")
    return staged


def _copy_file(
    scanner: FactScanner,
    copier: BackgroundCopier,
    scan: FileScan,
    decided: dict[Scope, bool],
    taken: list[Scope],
    staged: dict[Scope, str],
    written: Counter[int],
) -> None:
    """COPY one file's facts of the scopes this delivery owns: into ``billing_facts`` in one
    go (after deleting the taken scopes' old rows), or, when a scope of the file is staged,
    one COPY per scope into its target (its staging table, or ``billing_facts``)."""
    superseded = [s for s, owned in decided.items() if not owned]
    mine = [s for s in scan.scopes if decided.get(s)]
    if not any(s in staged for s in mine):
        csv_path, rows = scanner.export_csv(
            columns=STORED_COLUMNS, file_id=scan.file_id, exclude=superseded
        )
        written[scan.file_id] += rows
        copier.submit(csv_path, delete_first=taken)
        return
    for scope in mine:
        others = [s for s in scan.scopes if s != scope]
        csv_path, rows = scanner.export_csv(
            columns=STORED_COLUMNS, file_id=scan.file_id, exclude=[*superseded, *others]
        )
        written[scan.file_id] += rows
        delete = [scope] if scope in taken and scope not in staged else []
        copier.submit(csv_path, delete_first=delete, table=staged.get(scope, "billing_facts"))


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
