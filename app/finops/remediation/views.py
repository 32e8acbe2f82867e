"""The JSON documents of stored policies and actions, as the API and the CLI show them (money as
decimal text, times as ISO 8601)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from finops.db.models import RemediationAction, RemediationPolicy
from finops.db.types import decimal_to_text
from finops.remediation.lifecycle import rollback_available


def policy_to_dict(row: RemediationPolicy) -> dict[str, Any]:
    """The JSON shape of a stored policy (the definition as validated)."""
    return {
        "name": row.name,
        "description": row.definition.get("description"),
        "mode": row.mode,
        "enabled": row.enabled,
        "definition": row.definition,
        "created_at": row.created_at.isoformat(),
        "updated_at": row.updated_at.isoformat(),
    }


def action_to_dict(row: RemediationAction, policy_name: str | None = None) -> dict[str, Any]:
    """The JSON shape of an action for the API and the CLI (money as decimal text)."""

    def iso(value: dt.datetime | None) -> str | None:
        return value.isoformat() if value is not None else None

    return {
        "id": row.id,
        "policy": policy_name,
        "policy_id": row.policy_id,
        "run_id": row.run_id,
        "recommendation_id": row.recommendation_id,
        "resource_id": row.resource_id,
        "resource_type": row.resource_type,
        "account_id": row.account_id,
        "region_id": row.region_id,
        "action": row.action,
        "mode": row.mode,
        "status": row.status,
        "reason": row.reason,
        "plan": row.plan,
        "rollback": row.rollback,
        "rollback_available": rollback_available(row),
        "expected_monthly_saving": None
        if row.expected_monthly_saving is None
        else decimal_to_text(row.expected_monthly_saving),
        "billing_currency": row.billing_currency,
        "requested_by": row.requested_by,
        "approved_by": row.approved_by,
        "rejected_by": row.rejected_by,
        "executed_by": row.executed_by,
        "rolled_back_by": row.rolled_back_by,
        "error": row.error,
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
        "executed_at": iso(row.executed_at),
        "verified_at": iso(row.verified_at),
        "rolled_back_at": iso(row.rolled_back_at),
    }
