"""Policies and actions as stored: saving, listing and reading policies (a changed definition
supersedes the actions decided under the old one), reading and listing actions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from finops.audit import record_audit
from finops.core.errors import InvalidInputError, NotFoundError
from finops.core.paging import Page, fetch_page
from finops.db.database import Database
from finops.db.models import RemediationAction, RemediationPolicy
from finops.db.types import to_json_document
from finops.remediation.lifecycle import ActionStatus, load_action, supersede_open_actions
from finops.remediation.policy import (
    DEFAULT_AUTO_ALLOW_LIST,
    AutoAllowList,
    PolicyDefinition,
    validate_policy,
)
from finops.remediation.views import ActionView, PolicyView

POLICY_ENTITY = "remediation_policy"
"""The audit entity type of a policy."""


def save_policy(
    *,
    db: Database,
    policy: PolicyDefinition,
    actor: str,
    allow_list: AutoAllowList = DEFAULT_AUTO_ALLOW_LIST,
) -> PolicyView:
    """Create the policy, or replace the one of the same name (audited ``created`` /
    ``updated`` with before and after).

    The definition is validated again against ``allow_list`` (PolicyError otherwise). Replacing a
    definition supersedes the policy's planned and approved actions: they were decided under
    the old rules. Returns the stored policy with ``created`` and ``changed`` set.
    """
    validate_policy(policy.model_dump(mode="json"), source="policy", allow_list=allow_list)
    definition = to_json_document(policy.model_dump(mode="json"))
    now = dt.datetime.now(dt.UTC)
    with db.sessions.begin() as session:
        row = session.scalar(
            select(RemediationPolicy).where(RemediationPolicy.name == policy.name).with_for_update()
        )
        created = row is None
        before = None if row is None else PolicyView.from_row(row).audit_document()
        if row is None:
            row = RemediationPolicy(name=policy.name, created_at=now)
            session.add(row)
        elif row.definition == definition:
            return PolicyView.from_row(row, created=False, changed=False)
        row.definition = definition
        row.mode = policy.mode
        row.enabled = policy.enabled
        row.updated_at = now
        session.flush()
        record_audit(
            session=session,
            actor=actor,
            action="created" if created else "updated",
            entity_type=POLICY_ENTITY,
            entity_id=policy.name,
            before=before,
            after=PolicyView.from_row(row).audit_document(),
        )
        if not created:
            supersede_open_actions(session, row, actor, "the policy was changed", now)
        return PolicyView.from_row(row, created=created, changed=True)


def list_policies(*, session: Session) -> list[PolicyView]:
    """Every stored policy, by name."""
    rows = session.scalars(select(RemediationPolicy).order_by(RemediationPolicy.name))
    return [PolicyView.from_row(r) for r in rows]


def get_policy(*, session: Session, name: str) -> RemediationPolicy:
    """The stored policy ``name``; NotFoundError naming it otherwise."""
    row = session.scalar(select(RemediationPolicy).where(RemediationPolicy.name == name))
    if row is None:
        raise NotFoundError(
            f"remediation policy {name!r} not found",
            details={"parameter": "name", "got": name},
        )
    return row


def stored_definition(row: RemediationPolicy, allow_list: AutoAllowList) -> PolicyDefinition:
    """The stored definition validated again (against today's ``allow_list``); PolicyError
    naming the stored policy otherwise."""
    return validate_policy(
        row.definition, source=f"stored policy {row.name!r}", allow_list=allow_list
    )


def policy_name_of(session: Session, action: RemediationAction) -> str | None:
    """The name of the action's policy (None for an action without one)."""
    if action.policy_id is None:
        return None
    return session.scalar(
        select(RemediationPolicy.name).where(RemediationPolicy.id == action.policy_id)
    )


def get_action(*, session: Session, action_id: int) -> ActionView:
    """One action with its plan, decision, execution and rollback; NotFoundError otherwise."""
    action = load_action(session, action_id)
    return ActionView.from_row(action, policy_name=policy_name_of(session, action))


def list_actions(
    *,
    session: Session,
    status: str | None = None,
    policy: str | None = None,
    run_id: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> Page[ActionView]:
    """A page of actions, newest first.

    InvalidInputError for an unknown ``status`` or a page outside the shared limits
    (:func:`finops.core.paging.check_page`).
    """
    if status is not None and status not in tuple(ActionStatus):
        raise InvalidInputError(
            f"parameter 'status': expected one of {', '.join(ActionStatus)}, got {status!r}",
            details={"parameter": "status", "expected": [str(s) for s in ActionStatus]},
        )
    conditions: list[Any] = []
    if status is not None:
        conditions.append(RemediationAction.status == status)
    if run_id is not None:
        conditions.append(RemediationAction.run_id == run_id)
    if policy is not None:
        conditions.append(
            RemediationAction.policy_id.in_(
                select(RemediationPolicy.id).where(RemediationPolicy.name == policy)
            )
        )
    page = fetch_page(
        session,
        select(RemediationAction).where(*conditions).order_by(RemediationAction.id.desc()),
        limit,
        offset,
    )
    names: dict[int, str] = {}
    for policy_id, policy_name in session.execute(
        select(RemediationPolicy.id, RemediationPolicy.name)
    ):
        names[policy_id] = policy_name
    return page.map(lambda r: ActionView.from_row(r, policy_name=names.get(r.policy_id or -1)))
