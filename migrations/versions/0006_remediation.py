"""remediation_actions: run, mode, resource scope, refusal reason, who executed / rolled back
and when, verification time; indexes for the planner (policy + resource) and status filters

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from finops.db.types import UTCDateTime

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NULLABLE_COLUMNS = (
    ("resource_type", sa.String(64)),
    ("account_id", sa.String(128)),
    ("region_id", sa.String(64)),
    ("billing_currency", sa.String(3)),
    ("reason", sa.Text()),
    ("rejected_by", sa.String(256)),
    ("executed_by", sa.String(256)),
    ("rolled_back_by", sa.String(256)),
    ("executed_at", UTCDateTime()),
    ("verified_at", UTCDateTime()),
    ("rolled_back_at", UTCDateTime()),
)


def upgrade() -> None:
    with op.batch_alter_table("remediation_actions") as batch:
        batch.add_column(sa.Column("run_id", sa.String(64), nullable=True))
        # existing rows predate modes: they were plans only
        batch.add_column(
            sa.Column("mode", sa.String(16), nullable=False, server_default="dry-run")
        )
        for name, type_ in _NULLABLE_COLUMNS:
            batch.add_column(sa.Column(name, type_, nullable=True))
    with op.batch_alter_table("remediation_actions") as batch:
        batch.alter_column("mode", server_default=None, existing_type=sa.String(16))
        batch.create_index("ix_remediation_actions_run_id", ["run_id"])
        batch.create_index("ix_remediation_actions_status", ["status"])
        batch.create_index(
            "ix_remediation_actions_policy_resource", ["policy_id", "resource_id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("remediation_actions") as batch:
        batch.drop_index("ix_remediation_actions_policy_resource")
        batch.drop_index("ix_remediation_actions_status")
        batch.drop_index("ix_remediation_actions_run_id")
        for name, _ in reversed(_NULLABLE_COLUMNS):
            batch.drop_column(name)
        batch.drop_column("mode")
        batch.drop_column("run_id")
