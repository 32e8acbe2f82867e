"""savings_baselines: the baseline an applied recommendation's realized savings are measured against

Revision ID: 0005
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from finops.db.types import Money, UTCDateTime

revision: str = "0005"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "savings_baselines",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("recommendation_id", BigId, nullable=False),
        sa.Column("resource_id", sa.String(1024), nullable=False),
        sa.Column("account_id", sa.String(128), nullable=True),
        sa.Column("applied_on", sa.Date(), nullable=False),
        sa.Column("baseline_start", sa.Date(), nullable=False),
        sa.Column("baseline_end", sa.Date(), nullable=False),
        sa.Column("baseline_days", sa.Integer(), nullable=False),
        sa.Column("billing_currency", sa.String(3), nullable=False),
        sa.Column("baseline_daily_cost", Money(), nullable=False),
        sa.Column("estimated_monthly_saving", Money(), nullable=False),
        sa.Column("estimated_daily_saving", Money(), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["recommendations.id"],
            name="fk_savings_baselines_recommendation_id_recommendations",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_savings_baselines"),
        sa.UniqueConstraint("recommendation_id", name="uq_savings_baselines_recommendation_id"),
    )


def downgrade() -> None:
    op.drop_table("savings_baselines")
