"""The action lifecycle: the statuses, and every status change as one conditional UPDATE audited
in the caller's transaction (:func:`finops.core.lifecycle.change_status`).

Action lifecycle (every change audited with its actor, entity ``remediation_action``)::

    planned --approve--> approved --execute--> executing --> succeeded --rollback--> rolled_back
       |  \\--reject--> rejected                         \\-> failed ----rollback--/     |
       |   (auto mode: planned --execute--> executing)          rollback_failed <-------/
       \\--(a later run or a policy change)--> superseded
    refused (terminal; the reason is recorded)

Of two concurrent approvals or executions exactly one wins, the other gets ConflictError.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from finops.audit import record_audit
from finops.core.errors import ConflictError, NotFoundError
from finops.core.lifecycle import change_status
from finops.db.models import RemediationAction, RemediationPolicy

ENTITY = "remediation_action"
"""The audit entity type of an action."""


class ActionStatus(StrEnum):
    """Where an action is in its lifecycle (the values are the stored strings)."""

    PLANNED = "planned"
    REFUSED = "refused"
    APPROVED = "approved"
    REJECTED = "rejected"
    EXECUTING = "executing"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    ROLLING_BACK = "rolling_back"
    ROLLED_BACK = "rolled_back"
    ROLLBACK_FAILED = "rollback_failed"
    SUPERSEDED = "superseded"


PENDING = (ActionStatus.APPROVED, ActionStatus.EXECUTING, ActionStatus.ROLLING_BACK)
"""An action in one of these is in flight: a new plan leaves its resource alone."""
ROLLBACK_FROM = (ActionStatus.SUCCEEDED, ActionStatus.FAILED, ActionStatus.ROLLBACK_FAILED)


def rollback_available(row: RemediationAction) -> bool:
    """Whether the action can be rolled back: it ended (succeeded or failed, or a rollback
    failed) and its original state is recorded and not restored yet."""
    return (
        row.status in ROLLBACK_FROM
        and bool(row.rollback)
        and bool((row.rollback or {}).get("available"))
    )


def audit_snapshot(row: RemediationAction) -> dict[str, Any]:
    """The fields of an action the audit trail records before and after each change."""
    return {
        "status": row.status,
        "mode": row.mode,
        "action": row.action,
        "resource_id": row.resource_id,
        "approved_by": row.approved_by,
        "rejected_by": row.rejected_by,
        "executed_by": row.executed_by,
        "error": row.error,
        "reason": row.reason,
    }


def load_action(session: Session, action_id: int) -> RemediationAction:
    """The action ``action_id`` as stored now (the session's copy refreshed); NotFoundError
    naming it otherwise."""
    row = session.get(RemediationAction, action_id, populate_existing=True)
    if row is None:
        raise NotFoundError(
            f"remediation action {action_id} not found",
            details={"parameter": "action_id", "got": action_id},
        )
    return row


def transition(
    session: Session,
    action: RemediationAction,
    expected: str,
    target: str,
    actor: str,
    now: dt.datetime,
    details: dict[str, Any] | None = None,
    **values: Any,
) -> RemediationAction:
    """``expected`` -> ``target`` (and ``values``) as one conditional UPDATE (ConflictError
    naming the current status when another writer changed it first), audited in the caller's
    transaction; returns ``action`` refreshed."""
    before = audit_snapshot(action)
    action_id = action.id

    def conflict(current: str | None) -> ConflictError:
        return ConflictError(
            f"remediation action {action_id} is {current}, no longer {expected}; "
            f"it cannot become {target}",
            details={"status": current, "expected": expected, "target": target},
        )

    change_status(
        session,
        id_column=RemediationAction.id,
        status_column=RemediationAction.status,
        row_id=action_id,
        allowed=(expected,),
        target=target,
        conflict=conflict,
        values={"updated_at": now, **values},
    )
    session.refresh(action)
    record_audit(
        session=session,
        actor=actor,
        action=target,
        entity_type=ENTITY,
        entity_id=action.id,
        before=before,
        after=audit_snapshot(action),
        details=details,
    )
    return action


def supersede_open_actions(
    session: Session, policy: RemediationPolicy, actor: str, reason: str, now: dt.datetime
) -> None:
    """Mark every planned or approved action of ``policy`` ``superseded`` with ``reason``
    (audited): they were decided under rules that no longer hold."""
    for action in session.scalars(
        select(RemediationAction)
        .where(
            RemediationAction.policy_id == policy.id,
            RemediationAction.status.in_(("planned", "approved")),
        )
        .order_by(RemediationAction.id)
    ):
        transition(session, action, action.status, "superseded", actor, now, {"reason": reason})
