"""Executing an action and rolling it back: the claim (``-> executing`` committed before AWS is
touched), the change with verification, the original state stored before anything changes and
restored after any failure, and the rollback on request.

A succeeded action linked to a recommendation marks it applied and records the savings baseline
(:func:`finops.rightsizing.mark_recommendation_applied`) in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from finops.audit import record_audit
from finops.core.errors import ConflictError, FinOpsError
from finops.db.database import Database
from finops.db.models import Recommendation, RemediationAction, RemediationPolicy
from finops.db.types import to_json_document
from finops.remediation.actions.base import (
    ACTIONS,
    ActionHandler,
    ClientFactory,
    Target,
    WaitPolicy,
    aws_error_text,
    default_clients,
    observe,
    reusing,
)
from finops.remediation.candidates import RECOMMENDATION_ACTIVE, excluded_by
from finops.remediation.lifecycle import load_action, rollback_available, transition
from finops.remediation.policy import DEFAULT_AUTO_ALLOW_LIST, AutoAllowList, PolicyDefinition
from finops.remediation.store import policy_name_of, stored_definition
from finops.remediation.views import ActionView

logger = logging.getLogger(__name__)


def _claim(
    db: Database,
    action_id: int,
    actor: str,
    allow_list: AutoAllowList,
    now: dt.datetime,
) -> tuple[RemediationAction, PolicyDefinition | None]:
    with db.sessions.begin() as session:
        action = load_action(session, action_id)
        auto = action.status == "planned" and action.mode == "auto"
        if action.status != "approved" and not auto:
            what = "a dry-run plan" if action.mode == "dry-run" else action.status
            raise ConflictError(
                f"remediation action {action.id} is {what}; only an approved action (or a "
                "planned auto-mode one) executes",
                details={"status": action.status, "mode": action.mode},
            )
        policy: PolicyDefinition | None = None
        row = session.get(RemediationPolicy, action.policy_id) if action.policy_id else None
        if row is not None:
            if not row.enabled:
                raise ConflictError(
                    f"remediation policy {row.name!r} is disabled; its actions do not execute",
                    details={"policy": row.name},
                )
            policy = stored_definition(row, allow_list)
        if auto and (policy is None or policy.mode != "auto" or not allow_list.allows(policy)):
            raise ConflictError(
                f"remediation action {action.id} is no longer allow-listed for auto mode; "
                "plan again",
                details={"mode": action.mode},
            )
        transition(
            session,
            action,
            action.status,
            "executing",
            actor,
            now,
            {"approved_by": action.approved_by or "auto-mode allow-list"},
            executed_by=actor,
            executed_at=now,
        )
        return action, policy


def _restore(
    handler: ActionHandler,
    clients: ClientFactory,
    target: Target,
    original: dict[str, Any],
    wait: WaitPolicy,
) -> dict[str, Any]:
    try:
        steps = handler.converge(clients, target, original, wait)
        seen = handler.verify(clients, target, original, wait)
    except Exception as exc:  # any failure is recorded, never raised past here
        return {"restored": False, "error": aws_error_text(exc)}
    return {"restored": True, "steps": steps.get("steps", []), "state": seen}


def execute_action(
    *,
    db: Database,
    action_id: int,
    actor: str,
    clients: ClientFactory | None = None,
    wait: WaitPolicy | None = None,
    allow_list: AutoAllowList = DEFAULT_AUTO_ALLOW_LIST,
    now: dt.datetime | None = None,
) -> ActionView:
    """Execute an approved (or planned auto-mode) action, verify the new state, and record it.

    Guarantees: ConflictError (nothing done) unless the claim ``-> executing`` wins. The live
    state is checked against the plan first (a resource that changed, or now carries an
    exclusion tag, fails the action without touching it). The original state is stored before
    any change. On success: ``succeeded`` with ``verified_at``, the linked recommendation
    marked applied with its savings baseline. On any failure: the original state is restored
    and verified where possible, the action is ``failed`` with the error, and the rollback stays
    available. Always returns the action (it never raises after the claim).

    ``now``: when the execution is recorded (default: the current time). A replay of past
    events (e.g. the demo's history) passes when it happened; the recommendation is then
    applied on that day, so its savings are measured from that day's bill on.
    """
    clients = reusing(clients or default_clients)
    wait = wait or WaitPolicy()
    replayed_at = now
    now = now or dt.datetime.now(dt.UTC)
    action, policy = _claim(db, action_id, actor, allow_list, now)
    handler = ACTIONS[action.action]
    plan = action.plan or {}
    target = Target.from_json(plan["target"])
    desired = dict(plan["desired"])
    outcome: dict[str, Any]
    rollback: dict[str, Any] | None = None
    try:
        observation = observe(clients, target)
        live = handler.view(observation.state)
        if live != plan.get("current"):
            raise _NotStartedError(
                f"the resource changed since the plan: {plan.get('current')} -> {live}"
            )
        excluded = excluded_by(policy, observation.tags) if policy else None
        if excluded is not None:
            raise _NotStartedError(f"the resource is now excluded by tag {excluded}")
        original = handler.snapshot(observation.state)
        rollback = {"available": True, "original": original, "target": target.as_json()}
        _store_rollback(db, action.id, rollback)
        steps = handler.converge(clients, target, desired, wait)
        seen = handler.verify(clients, target, desired, wait)
        outcome = {"status": "succeeded", "steps": steps, "state": seen}
        rollback = {**rollback, "result": {k: v for k, v in steps.items() if k != "steps"}}
    except _NotStartedError as exc:
        outcome = {"status": "failed", "error": str(exc), "changed": False}
    except Exception as exc:  # the action must end in a recorded state
        error = aws_error_text(exc)
        logger.warning("remediation action failed", extra={"action_id": action.id, "error": error})
        if rollback is None:  # failed before any change (reading the resource)
            outcome = {"status": "failed", "error": error, "changed": False}
        else:
            restore = _restore(handler, clients, target, rollback["original"], wait)
            rollback = {**rollback, "restore": restore}
            if not restore["restored"]:
                error = f"{error}; restoring the original state failed too: {restore['error']}"
            outcome = {"status": "failed", "error": error, "changed": True, "restore": restore}
    return _finish_execution(db, action.id, actor, outcome, rollback, replayed_at)


class _NotStartedError(Exception):
    """Execution stops before any change (the resource drifted or is now excluded)."""


def _store_rollback(db: Database, action_id: int, rollback: dict[str, Any]) -> None:
    with db.sessions.begin() as session:
        session.execute(
            update(RemediationAction)
            .where(RemediationAction.id == action_id, RemediationAction.status == "executing")
            .values(rollback=to_json_document(rollback))
            .execution_options(synchronize_session=False)
        )


def _finish_execution(
    db: Database,
    action_id: int,
    actor: str,
    outcome: dict[str, Any],
    rollback: dict[str, Any] | None,
    replayed_at: dt.datetime | None = None,
) -> ActionView:
    now = replayed_at or dt.datetime.now(dt.UTC)
    with db.sessions.begin() as session:
        action = load_action(session, action_id)
        status = outcome["status"]
        details = to_json_document({k: v for k, v in outcome.items() if k != "status"})
        transition(
            session,
            action,
            "executing",
            status,
            actor,
            now,
            details,
            error=outcome.get("error"),
            rollback=to_json_document(rollback) if rollback is not None else None,
            verified_at=now if status == "succeeded" else None,
        )
        if status == "succeeded" and action.recommendation_id is not None:
            _mark_recommendation_applied(session, action, actor, now.date())
        return ActionView.from_row(action, policy_name=policy_name_of(session, action))


def _mark_recommendation_applied(
    session: Session, action: RemediationAction, actor: str, applied_on: dt.date
) -> None:
    from finops.rightsizing import mark_recommendation_applied

    assert action.recommendation_id is not None
    rec = session.get(Recommendation, action.recommendation_id)
    if rec is None or rec.status not in RECOMMENDATION_ACTIVE:
        record_audit(
            session=session,
            actor=actor,
            action="remediation_applied",
            entity_type="recommendation",
            entity_id=action.recommendation_id,
            details={
                "remediation_action_id": action.id,
                "note": "recommendation not open/accepted; no savings baseline recorded",
                "status": None if rec is None else rec.status,
            },
        )
        return
    try:
        # a savepoint: the action's outcome must be recorded even if the ledger refuses
        with session.begin_nested():
            mark_recommendation_applied(
                session=session,
                recommendation_id=action.recommendation_id,
                actor=actor,
                applied_on=applied_on,
                note=f"applied by remediation action {action.id}",
            )
    except FinOpsError as exc:
        record_audit(
            session=session,
            actor=actor,
            action="remediation_applied",
            entity_type="recommendation",
            entity_id=action.recommendation_id,
            details={"remediation_action_id": action.id, "note": exc.message},
        )


def rollback_action(
    *,
    db: Database,
    action_id: int,
    actor: str,
    clients: ClientFactory | None = None,
    wait: WaitPolicy | None = None,
) -> ActionView:
    """Restore the original state recorded when the action executed, and verify it.

    ConflictError unless the action is succeeded, failed or rollback_failed with a rollback
    available (and the claim ``-> rolling_back`` wins). Ends ``rolled_back`` (verified) or
    ``rollback_failed`` with the error (retryable); audited either way. Never raises after the
    claim.
    """
    clients = reusing(clients or default_clients)
    wait = wait or WaitPolicy()
    now = dt.datetime.now(dt.UTC)
    with db.sessions.begin() as session:
        action = load_action(session, action_id)
        if not rollback_available(action):
            raise ConflictError(
                f"remediation action {action.id} is {action.status}; a rollback needs a "
                "succeeded or failed action whose original state was recorded",
                details={"status": action.status},
            )
        was = action.status
        transition(session, action, was, "rolling_back", actor, now, {"from": was})
        rollback = dict(action.rollback or {})
    handler = ACTIONS[action.action]
    target = Target.from_json(rollback["target"])
    result = _restore(handler, clients, target, rollback["original"], wait)
    done = dt.datetime.now(dt.UTC)
    with db.sessions.begin() as session:
        action = load_action(session, action_id)
        ok = bool(result["restored"])
        rollback = {**rollback, "available": not ok, "rollback": result}
        transition(
            session,
            action,
            "rolling_back",
            "rolled_back" if ok else "rollback_failed",
            actor,
            done,
            to_json_document(result),
            rollback=to_json_document(rollback),
            rolled_back_by=actor,
            rolled_back_at=done if ok else None,
            error=None if ok else f"rollback failed: {result.get('error')}",
        )
        if ok and was == "succeeded" and action.recommendation_id is not None:
            # The savings ledger has no "unapplied" state: say so where the ledger is read.
            record_audit(
                session=session,
                actor=actor,
                action="remediation_rolled_back",
                entity_type="recommendation",
                entity_id=action.recommendation_id,
                details={"remediation_action_id": action.id},
            )
        return ActionView.from_row(action, policy_name=policy_name_of(session, action))
