"""billing_facts partitioned on PostgreSQL: RANGE by billing month, then LIST by billing account
(a leaf per restatement scope, swapped whole on restatement); SQLite keeps a plain table

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03

The existing table is converted with its rows: renamed aside, the partitioned table created
with the same columns, defaults, id sequence, foreign key and index names, one partition per
(month, billing account) present, every row copied, the old table dropped. Downgrade copies
the rows back into a plain table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

from finops.db.partitions import leaf_partition, month_partition, month_start, next_month

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INDEXES = (
    ("ix_billing_facts_charge_day", "charge_period_start"),
    ("ix_billing_facts_ingestion_file_id", "ingestion_file_id"),
    ("ix_billing_facts_period_scope", "provider, billing_account_id, billing_period_start"),
)
_FK = "fk_billing_facts_ingestion_file_id_ingestion_files"


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _set_aside() -> None:
    for name, _ in _INDEXES:
        op.execute(f"DROP INDEX {name}")
    op.execute("ALTER TABLE billing_facts RENAME TO billing_facts_old")
    op.execute("ALTER TABLE billing_facts_old RENAME CONSTRAINT pk_billing_facts TO pk_old")
    op.execute(f"ALTER TABLE billing_facts_old DROP CONSTRAINT {_FK}")


def _finish(new: str) -> None:
    """Sequence ownership, foreign key and indexes on the new table; the old one dropped."""
    op.execute(f"ALTER SEQUENCE billing_facts_id_seq OWNED BY {new}.id")
    op.execute("DROP TABLE billing_facts_old")
    op.execute(
        f"ALTER TABLE {new} ADD CONSTRAINT {_FK} FOREIGN KEY (ingestion_file_id) "
        "REFERENCES ingestion_files (id)"
    )
    for name, columns in _INDEXES:
        op.execute(f"CREATE INDEX {name} ON {new} ({columns})")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _set_aside()
    op.execute(
        "CREATE TABLE billing_facts (LIKE billing_facts_old INCLUDING DEFAULTS, "
        "CONSTRAINT pk_billing_facts PRIMARY KEY (id, billing_period_start, billing_account_id)"
        ") PARTITION BY RANGE (billing_period_start)"
    )
    scopes = (
        op.get_bind()
        .execute(
            text(
                "SELECT DISTINCT date_trunc('month', billing_period_start, 'UTC'), "
                "billing_account_id FROM billing_facts_old"
            )
        )
        .all()
    )
    for moment, account in scopes:
        start: dt.datetime = moment.astimezone(dt.UTC)
        month = month_partition(start)
        op.execute(
            f"CREATE TABLE IF NOT EXISTS {month} PARTITION OF billing_facts FOR VALUES FROM "
            f"('{month_start(start).isoformat()}') TO ('{next_month(start).isoformat()}') "
            "PARTITION BY LIST (billing_account_id)"
        )
        op.execute(
            f"CREATE TABLE {leaf_partition(start, account)} PARTITION OF {month} "
            f"FOR VALUES IN ({_quote(account)})"
        )
    op.execute("INSERT INTO billing_facts SELECT * FROM billing_facts_old")
    _finish("billing_facts")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _set_aside()
    op.execute(
        "CREATE TABLE billing_facts (LIKE billing_facts_old INCLUDING DEFAULTS, "
        "CONSTRAINT pk_billing_facts PRIMARY KEY (id))"
    )
    op.execute("INSERT INTO billing_facts SELECT * FROM billing_facts_old")
    _finish("billing_facts")
