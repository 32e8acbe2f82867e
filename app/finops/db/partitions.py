"""Monthly partitions of ``billing_facts`` on PostgreSQL (docs/decisions/0017).

Layout (migration 0008): ``billing_facts`` is partitioned by RANGE of ``billing_period_start``,
one partition per UTC month, each partitioned by LIST of ``billing_account_id``: a leaf holds
one billing account's month, the restatement scope (provider aside). SQLite keeps a plain table.

Guarantees:

- :func:`ensure_partitions` creates the month and leaf partitions a set of scopes needs (idempotent,
  safe under concurrent ingests: an advisory lock per partition name); it runs before any write;
- :func:`leaf_holds_only` says whether a scope's leaf holds no other provider's facts, which is
  when :func:`swap_in` may replace the whole leaf;
- :func:`create_staging` makes an empty table of the leaf's shape (ids from the same sequence);
  :func:`swap_in` then, in the caller's transaction, detaches and drops the old leaf and attaches
  the staging table in its place: readers see the old month until commit, the new one after.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any, Protocol

from sqlalchemy import Connection, text

FACTS = "billing_facts"


class ScopeLike(Protocol):
    @property
    def provider(self) -> str: ...
    @property
    def billing_account_id(self) -> str: ...
    @property
    def billing_period_start(self) -> dt.datetime: ...


def month_start(moment: dt.datetime) -> dt.datetime:
    """The first instant (UTC) of the month of ``moment``."""
    utc = moment.astimezone(dt.UTC)
    return dt.datetime(utc.year, utc.month, 1, tzinfo=dt.UTC)


def next_month(moment: dt.datetime) -> dt.datetime:
    first = month_start(moment)
    return first.replace(year=first.year + first.month // 12, month=first.month % 12 + 1)


def month_partition(moment: dt.datetime) -> str:
    """Name of the month partition holding billing periods starting at ``moment``."""
    first = month_start(moment)
    return f"{FACTS}_y{first.year:04d}m{first.month:02d}"


def leaf_partition(moment: dt.datetime, billing_account_id: str) -> str:
    """Name of the leaf holding one billing account's month (the account id hashed: any text
    may be an account id, a table name may not)."""
    digest = hashlib.sha256(billing_account_id.encode()).hexdigest()[:12]
    return f"{month_partition(moment)}_a{digest}"


def is_partitioned(conn: Connection) -> bool:
    """True when ``billing_facts`` is a partitioned table (PostgreSQL after migration 0008)."""
    if conn.dialect.name != "postgresql":
        return False
    kind = conn.execute(
        text("SELECT relkind FROM pg_class WHERE oid = to_regclass(:t)"), {"t": FACTS}
    ).scalar()
    return bool(kind == "p")


def _exists(conn: Connection, name: str) -> bool:
    return conn.execute(text("SELECT to_regclass(:n) IS NOT NULL"), {"n": name}).scalar() is True


def _lock(conn: Connection, name: str) -> None:
    conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:n))"), {"n": name})


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _bounds(moment: dt.datetime) -> str:
    lower, upper = month_start(moment), next_month(moment)
    return f"FROM ('{lower.isoformat()}') TO ('{upper.isoformat()}')"


def ensure_month(conn: Connection, moment: dt.datetime) -> str:
    """Create the month partition for billing periods starting at ``moment`` if missing."""
    name = month_partition(moment)
    if not _exists(conn, name):
        _lock(conn, name)
        conn.execute(
            text(
                f"CREATE TABLE IF NOT EXISTS {name} PARTITION OF {FACTS} "
                f"FOR VALUES {_bounds(moment)} PARTITION BY LIST (billing_account_id)"
            )
        )
    return name


def ensure_partitions(conn: Connection, scopes: list[Any]) -> None:
    """Create every month and leaf partition ``scopes`` write to (no-op if not partitioned)."""
    if not is_partitioned(conn):
        return
    for scope in scopes:
        month = ensure_month(conn, scope.billing_period_start)
        leaf = leaf_partition(scope.billing_period_start, scope.billing_account_id)
        if _exists(conn, leaf):
            continue
        _lock(conn, leaf)
        conn.execute(
            text(
                f"CREATE TABLE IF NOT EXISTS {leaf} PARTITION OF {month} "
                f"FOR VALUES IN ({_literal(scope.billing_account_id)})"
            )
        )


def leaf_holds_only(conn: Connection, scope: ScopeLike) -> bool:
    """True when the scope's leaf holds facts of the scope's provider only (or none): the leaf
    is then exactly the scope and may be swapped whole. Two index probes, not a scan."""
    leaf = leaf_partition(scope.billing_period_start, scope.billing_account_id)
    providers = conn.execute(
        text(
            f"(SELECT provider FROM {leaf} ORDER BY provider LIMIT 1) UNION "
            f"(SELECT provider FROM {leaf} ORDER BY provider DESC LIMIT 1)"
        )
    ).scalars()
    return set(providers) <= {scope.provider}


def create_staging(conn: Connection, scope: ScopeLike, suffix: str) -> str:
    """An empty table shaped like ``billing_facts`` (same columns, defaults and id sequence,
    no indexes yet: they are built once at attach time) to load a scope's new facts into."""
    name = f"{leaf_partition(scope.billing_period_start, scope.billing_account_id)}_{suffix}"
    conn.execute(text(f"DROP TABLE IF EXISTS {name}"))
    conn.execute(text(f"CREATE TABLE {name} (LIKE {FACTS} INCLUDING DEFAULTS)"))
    return name


def swap_in(conn: Connection, scope: ScopeLike, staging: str) -> None:
    """Replace the scope's leaf by ``staging``: detach and drop the old leaf, attach the new
    (PostgreSQL builds its indexes, checks its bound and foreign key), rename it. Runs in the
    caller's transaction; the month is locked from here to commit, so do it last."""
    month = month_partition(scope.billing_period_start)
    leaf = leaf_partition(scope.billing_period_start, scope.billing_account_id)
    account = _literal(scope.billing_account_id)
    # A CHECK that implies the partition bound lets ATTACH skip its validation scan.
    conn.execute(
        text(
            f"ALTER TABLE {staging} ADD CONSTRAINT {staging}_bound CHECK "
            f"(billing_account_id IS NOT NULL AND billing_account_id = {account} "
            f"AND billing_period_start IS NOT NULL "
            f"AND billing_period_start >= '{month_start(scope.billing_period_start).isoformat()}' "
            f"AND billing_period_start < '{next_month(scope.billing_period_start).isoformat()}')"
        )
    )
    if _exists(conn, leaf):
        conn.execute(text(f"ALTER TABLE {month} DETACH PARTITION {leaf}"))
        conn.execute(text(f"DROP TABLE {leaf}"))
    conn.execute(text(f"ALTER TABLE {month} ATTACH PARTITION {staging} FOR VALUES IN ({account})"))
    conn.execute(text(f"ALTER TABLE {staging} DROP CONSTRAINT {staging}_bound"))
    conn.execute(text(f"ALTER TABLE {staging} RENAME TO {leaf}"))
