"""Daily cost roll-ups (detail, by service, by account), backfilled from the existing facts

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from finops.db.types import Money, UTCDateTime

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TABLES: dict[str, tuple[tuple[str, sa.types.TypeEngine[object]], ...]] = {
    "cost_rollup_daily": (
        ("sub_account_id", sa.String(128)),
        ("service_name", sa.String(256)),
        ("service_category", sa.String(64)),
        ("region_id", sa.String(64)),
        ("pricing_category", sa.String(32)),
    ),
    "cost_rollup_daily_service": (
        ("service_name", sa.String(256)),
        ("service_category", sa.String(64)),
    ),
    "cost_rollup_daily_account": (("sub_account_id", sa.String(128)),),
}
_KEPT = (
    "provider",
    "billing_account_id",
    "billing_period_start",
    "charge_period_start",
    "charge_category",
    "billing_currency",
)
_MONEY = ("billed_cost", "effective_cost", "list_cost", "contracted_cost")


def _create(name: str, dimensions: tuple[tuple[str, sa.types.TypeEngine[object]], ...]) -> None:
    op.create_table(
        name,
        sa.Column("id", _ID, nullable=False),
        sa.Column("provider", sa.String(64), nullable=False),
        sa.Column("billing_account_id", sa.String(128), nullable=False),
        sa.Column("billing_period_start", UTCDateTime(), nullable=False),
        sa.Column("charge_period_start", UTCDateTime(), nullable=False),
        sa.Column("charge_category", sa.String(32), nullable=False),
        sa.Column("billing_currency", sa.String(3), nullable=False),
        *(sa.Column(money, Money(), nullable=False) for money in _MONEY),
        sa.Column("line_items", sa.BigInteger(), nullable=False),
        sa.Column("fact_count", sa.BigInteger(), nullable=False),
        *(sa.Column(dim, type_, nullable=True) for dim, type_ in dimensions),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
    )
    with op.batch_alter_table(name) as batch:
        batch.create_index(f"ix_{name}_charge_day", ["charge_period_start"])
        batch.create_index(
            f"ix_{name}_scope", ["provider", "billing_account_id", "billing_period_start"]
        )


def _backfill(name: str, dimensions: tuple[str, ...], source: str, count: str) -> None:
    total = "decimal_sum" if op.get_bind().dialect.name == "sqlite" else "sum"
    keys = ", ".join((*_KEPT, *dimensions))
    sums = ", ".join(f"{total}({money})" for money in _MONEY)
    columns = ", ".join((*_KEPT, *dimensions, *_MONEY, "line_items", "fact_count"))
    op.execute(
        f"INSERT INTO {name} ({columns}) SELECT {keys}, {sums}, sum(line_items), {count} "
        f"FROM {source} GROUP BY {keys}"
    )


def upgrade() -> None:
    for name, dimensions in _TABLES.items():
        _create(name, dimensions)
    # The same sums finops.db.rollups.rebuild_rollups computes, frozen here so this revision
    # does not change when the roll-up module does.
    detail = tuple(d for d, _ in _TABLES["cost_rollup_daily"])
    _backfill("cost_rollup_daily", detail, "billing_facts", "count(*)")
    for name in ("cost_rollup_daily_service", "cost_rollup_daily_account"):
        dims = tuple(d for d, _ in _TABLES[name])
        _backfill(name, dims, "cost_rollup_daily", "sum(fact_count)")


def downgrade() -> None:
    for name in reversed(_TABLES):
        op.drop_table(name)
