"""The read-only views of stored policies, actions and plan runs: what the API returns and the
CLI prints (money as exact decimal text, times as ISO 8601), each built from its rows here."""

from __future__ import annotations

import datetime as dt
from typing import Any, Self

from pydantic import Field

from finops.core.models import ViewModel
from finops.core.money import DecimalStr
from finops.db.models import RemediationAction, RemediationPolicy
from finops.remediation.kinds import ActionKind, PolicyMode
from finops.remediation.lifecycle import ActionStatus, rollback_available


class PolicyView(ViewModel):
    """A stored policy: the definition as validated, and on save whether it was created or
    changed."""

    name: str
    description: str | None
    mode: PolicyMode
    enabled: bool
    definition: dict[str, Any]
    created_at: dt.datetime
    updated_at: dt.datetime
    created: bool | None = Field(default=None, description="On save: created (vs replaced).")
    changed: bool | None = Field(default=None, description="On save: the definition changed.")

    @classmethod
    def from_row(
        cls, row: RemediationPolicy, *, created: bool | None = None, changed: bool | None = None
    ) -> Self:
        """The view of ``row`` (``created`` / ``changed`` only when it was just saved)."""
        return cls(
            name=row.name,
            description=row.definition.get("description"),
            mode=row.mode,
            enabled=row.enabled,
            definition=row.definition,
            created_at=row.created_at,
            updated_at=row.updated_at,
            created=created,
            changed=changed,
        )

    def audit_document(self) -> dict[str, Any]:
        """What the audit trail records of the policy before and after a save (the stored
        fields, without the outcome of the save)."""
        return self.model_dump(exclude={"created", "changed"})


class ActionView(ViewModel):
    """One action: its plan, decision, execution and rollback."""

    id: int
    policy: str | None
    policy_id: int | None
    run_id: str | None
    recommendation_id: int | None
    resource_id: str
    resource_type: str | None
    account_id: str | None
    region_id: str | None
    action: ActionKind
    mode: PolicyMode
    status: ActionStatus
    reason: str | None = Field(description="Why it was refused or rejected.")
    plan: dict[str, Any] = Field(
        description="target, current, desired, changes, expected saving and its source."
    )
    rollback: dict[str, Any] | None = Field(
        description="The original state a rollback restores, and restore outcomes."
    )
    rollback_available: bool
    expected_monthly_saving: DecimalStr | None = Field(description="Exact decimal as a string.")
    billing_currency: str | None
    requested_by: str
    approved_by: str | None
    rejected_by: str | None
    executed_by: str | None
    rolled_back_by: str | None
    error: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    executed_at: dt.datetime | None
    verified_at: dt.datetime | None
    rolled_back_at: dt.datetime | None
    unchanged: bool | None = Field(
        default=None, description="In a plan run: an identical earlier action was kept."
    )

    @classmethod
    def from_row(
        cls, row: RemediationAction, *, policy_name: str | None, unchanged: bool | None = None
    ) -> Self:
        """The view of ``row`` with its policy's name (``unchanged`` only in a plan run)."""
        return cls(
            id=row.id,
            policy=policy_name,
            policy_id=row.policy_id,
            run_id=row.run_id,
            recommendation_id=row.recommendation_id,
            resource_id=row.resource_id,
            resource_type=row.resource_type,
            account_id=row.account_id,
            region_id=row.region_id,
            action=row.action,
            mode=row.mode,
            status=row.status,
            reason=row.reason,
            plan=row.plan,
            rollback=row.rollback,
            rollback_available=rollback_available(row),
            expected_monthly_saving=row.expected_monthly_saving,
            billing_currency=row.billing_currency,
            requested_by=row.requested_by,
            approved_by=row.approved_by,
            rejected_by=row.rejected_by,
            executed_by=row.executed_by,
            rolled_back_by=row.rolled_back_by,
            error=row.error,
            created_at=row.created_at,
            updated_at=row.updated_at,
            executed_at=row.executed_at,
            verified_at=row.verified_at,
            rolled_back_at=row.rolled_back_at,
            unchanged=unchanged,
        )


class PlanRunView(ViewModel):
    """One plan run of a policy: its counts and every action it planned, refused or kept."""

    policy: str
    run_id: str
    mode: PolicyMode
    action: ActionKind
    as_of: dt.date
    candidates: int
    planned: int
    refused: int
    unchanged: int
    pending: int
    superseded: int
    not_matching: dict[str, int] = Field(description="Candidates the filter left out, by why.")
    approval_notification_sent: bool
    actions: list[ActionView]
