"""A second operator's decision on a planned action: approve (never the requester; the denied
attempt is audited) or reject."""

from __future__ import annotations

import datetime as dt

from finops.audit import record_audit
from finops.core.errors import ConflictError, PermissionDeniedError
from finops.db.database import Database
from finops.db.models import RemediationAction
from finops.remediation.lifecycle import ENTITY, load_action, transition
from finops.remediation.store import policy_name_of
from finops.remediation.views import ActionView


def approve_action(
    *,
    db: Database,
    action_id: int,
    actor: str,
    note: str | None = None,
    now: dt.datetime | None = None,
) -> ActionView:
    """``planned`` (approval mode) -> ``approved`` by ``actor`` (audited).

    ConflictError unless the action is planned in approval mode (dry-run plans and auto actions
    are never approved); PermissionDeniedError when ``actor`` requested it (the attempt is
    audited as ``approval_denied``). ``now``: when the approval is recorded (default: the current
    time; a replay of past events passes when it happened).
    """
    now = now or dt.datetime.now(dt.UTC)
    with db.sessions.begin() as session:
        action = load_action(session, action_id)
        _require_approvable(action)
        if action.mode != "approval":
            raise ConflictError(
                f"remediation action {action.id} is in {action.mode} mode; only approval-mode "
                "actions are approved",
                details={"mode": action.mode},
            )
        if actor != action.requested_by:
            transition(
                session,
                action,
                "planned",
                "approved",
                actor,
                now,
                {"note": note} if note else None,
                approved_by=actor,
            )
            return ActionView.from_row(action, policy_name=policy_name_of(session, action))
    with db.sessions.begin() as session:
        record_audit(
            session=session,
            actor=actor,
            action="approval_denied",
            entity_type=ENTITY,
            entity_id=action_id,
            details={"reason": "the requester cannot approve their own action"},
        )
    raise PermissionDeniedError(
        f"remediation action {action_id} was requested by {actor}; another operator must "
        "approve it",
        details={"requested_by": actor, "action_id": action_id},
    )


def _require_approvable(action: RemediationAction) -> None:
    if action.status != "planned":
        raise ConflictError(
            f"remediation action {action.id} is {action.status}; only a planned action can be "
            "approved or rejected",
            details={"status": action.status},
        )
    if action.mode == "dry-run":
        raise ConflictError(
            f"remediation action {action.id} is a dry-run plan; set the policy's mode to "
            "approval and plan again",
            details={"mode": action.mode},
        )


def reject_action(
    *, db: Database, action_id: int, actor: str, note: str | None = None
) -> ActionView:
    """``planned`` (approval or auto mode) -> ``rejected`` (audited, the note kept as reason);
    ConflictError from any other status or for a dry-run plan."""
    now = dt.datetime.now(dt.UTC)
    with db.sessions.begin() as session:
        action = load_action(session, action_id)
        _require_approvable(action)
        transition(
            session,
            action,
            "planned",
            "rejected",
            actor,
            now,
            {"note": note} if note else None,
            rejected_by=actor,
            reason=note,
        )
        return ActionView.from_row(action, policy_name=policy_name_of(session, action))
