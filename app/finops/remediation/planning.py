"""Planning one run of a policy: the candidates' evaluations recorded as ``planned`` or
``refused`` actions (identical ones kept, changed ones superseding the previous plan), the
blast-radius limit applied, and the actions awaiting approval announced.

Nothing in AWS changes while planning; dry-run plans can never be executed.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from finops.audit import record_audit
from finops.catalogue import packaged_catalogue, read_price_catalogue
from finops.core.errors import ConflictError, NotFoundError
from finops.db.database import Database
from finops.db.models import RemediationAction, RemediationPolicy
from finops.db.types import decimal_to_text, to_json_document
from finops.remediation.actions.base import (
    ACTIONS,
    ActionHandler,
    ClientFactory,
    default_clients,
    reusing,
)
from finops.remediation.candidates import Outcome, evaluate, select_candidates
from finops.remediation.lifecycle import ENTITY, PENDING, audit_snapshot, transition
from finops.remediation.policy import DEFAULT_AUTO_ALLOW_LIST, AutoAllowList, PolicyDefinition
from finops.remediation.store import POLICY_ENTITY, get_policy, stored_definition
from finops.remediation.views import ActionView, PlanRunView

logger = logging.getLogger(__name__)

NOTIFICATION_KIND = "remediation.approval"


def _plan_document(
    outcome: Outcome, policy: PolicyDefinition, handler: ActionHandler
) -> dict[str, Any]:
    changes = [
        {"field": k, "from": outcome.current.get(k), "to": v}
        for k, v in outcome.desired.items()
        if outcome.current.get(k) != v
    ]
    document: dict[str, Any] = to_json_document(
        {
            "policy": policy.name,
            "action": handler.name,
            "target": outcome.target.as_json() if outcome.target else None,
            "current": outcome.current,
            "desired": outcome.desired,
            "changes": changes,
            "expected_monthly_saving": outcome.saving,
            "currency": outcome.currency,
            "saving_source": outcome.saving_source,
            "tags": outcome.observation.tags if outcome.observation else {},
            "recommendation_id": outcome.candidate.recommendation_id,
        }
    )
    return document


def _same_plan(row: RemediationAction, mode: str, decision: str, plan: dict[str, Any]) -> bool:
    return (
        row.status == decision
        and row.mode == mode
        and (row.plan or {}).get("current") == plan.get("current")
        and (row.plan or {}).get("desired") == plan.get("desired")
    )


def _saving_key(outcome: Outcome) -> tuple[int, Decimal, str]:
    saving = outcome.saving
    return (0 if saving is not None else 1, -(saving or Decimal(0)), outcome.candidate.resource_id)


def plan_policy(
    *,
    db: Database,
    name: str,
    actor: str,
    as_of: dt.date | None = None,
    clients: ClientFactory | None = None,
    allow_list: AutoAllowList = DEFAULT_AUTO_ALLOW_LIST,
    notify: bool = True,
    now: dt.datetime | None = None,
) -> PlanRunView:
    """Plan one run of policy ``name``: select the matching resources, read each one's live
    state and record a ``planned`` action (diff and expected saving) or a ``refused`` one
    (reason) per resource. Changes nothing in AWS.

    Guarantees: candidates beyond ``max_actions_per_run`` (largest saving first) are refused
    with the blast-radius reason, never dropped; a resource with an approved or executing action
    is left alone; an identical plan or refusal already recorded is kept (so a retried run adds
    nothing); a changed one supersedes the previous plan. Actions awaiting approval are
    announced through ``finops.notifications.publish`` after the commit. Returns the run summary
    with every action of the run. ``now`` is the moment the plan is recorded at (default: the
    current time; a replay of past events, e.g. the demo's history, passes when it happened) and
    ``as_of`` defaults to its day.
    """
    clients = reusing(clients or default_clients)
    planned_at = now
    as_of = as_of or (planned_at or dt.datetime.now(dt.UTC)).date()
    run_id = uuid.uuid4().hex
    with db.sessions() as session:
        row = get_policy(session=session, name=name)
        policy = stored_definition(row, allow_list)
        if not row.enabled or not policy.enabled:
            raise ConflictError(
                f"remediation policy {name!r} is disabled; enable it to plan",
                details={"policy": name},
            )
        policy_id = row.id
        planned_definition = row.definition
        candidates = select_candidates(session, policy, as_of)
        catalogue = read_price_catalogue(session=session) or packaged_catalogue()
    handler = ACTIONS[policy.action.type]
    outcomes = [evaluate(c, policy, handler, clients, catalogue) for c in candidates]
    skipped: dict[str, int] = {}
    for o in outcomes:
        if o.decision == "skipped":
            skipped[o.reason or "other"] = skipped.get(o.reason or "other", 0) + 1
    now = planned_at or dt.datetime.now(dt.UTC)
    counts = {"planned": 0, "refused": 0, "unchanged": 0, "pending": 0, "superseded": 0}
    items: list[ActionView] = []
    with db.sessions.begin() as session:
        policy_row = session.get(RemediationPolicy, policy_id, with_for_update=True)
        if policy_row is None:
            raise NotFoundError(f"remediation policy {name!r} not found")
        if policy_row.definition != planned_definition or not policy_row.enabled:
            raise ConflictError(
                f"remediation policy {name!r} changed while it was being planned; plan again",
                details={"policy": name},
            )
        decided = [o for o in outcomes if o.decision != "skipped"]
        latest = _latest_actions(session, policy_id, [o.candidate.resource_id for o in decided])
        live: list[Outcome] = []
        for o in decided:
            previous = latest.get(o.candidate.resource_id)
            if previous is not None and previous.status in PENDING:
                counts["pending"] += 1  # in flight: this run leaves the resource alone
            else:
                live.append(o)
        eligible = sorted((o for o in live if o.decision == "planned"), key=_saving_key)
        for index, o in enumerate(eligible):
            if index >= policy.max_actions_per_run:
                o.decision = "refused"
                o.reason = (
                    f"blast radius: the policy allows {policy.max_actions_per_run} action(s) per "
                    f"run and {len(eligible)} resources matched"
                )
        created_for_approval: list[RemediationAction] = []
        for o in sorted(live, key=_saving_key):
            plan = _plan_document(o, policy, handler)
            previous = latest.get(o.candidate.resource_id)
            if previous is not None and (
                (
                    _same_plan(previous, policy.mode, o.decision, plan)
                    and (o.decision == "planned" or previous.reason == o.reason)
                )
                # a rejected plan is not proposed again until the resource or policy changes
                or (o.decision == "planned" and _same_plan(previous, policy.mode, "rejected", plan))
            ):
                counts["unchanged"] += 1
                items.append(ActionView.from_row(previous, policy_name=name, unchanged=True))
                continue
            if previous is not None and previous.status == "planned":
                transition(
                    session,
                    previous,
                    "planned",
                    "superseded",
                    actor,
                    now,
                    {"reason": "a later plan replaced it", "run_id": run_id},
                )
                counts["superseded"] += 1
            action = RemediationAction(
                policy_id=policy_id,
                recommendation_id=o.candidate.recommendation_id,
                resource_id=o.candidate.resource_id,
                resource_type=policy.filter.resource_type,
                account_id=o.candidate.account_id,
                region_id=o.target.region if o.target else o.candidate.region_id,
                action=handler.name,
                mode=policy.mode,
                status=o.decision,
                reason=o.reason if o.decision == "refused" else None,
                plan=plan,
                requested_by=actor,
                expected_monthly_saving=o.saving,
                billing_currency=o.currency,
                run_id=run_id,
                created_at=now,
                updated_at=now,
            )
            session.add(action)
            session.flush()
            record_audit(
                session=session,
                actor=actor,
                action=o.decision,
                entity_type=ENTITY,
                entity_id=action.id,
                after=audit_snapshot(action),
                details={
                    "run_id": run_id,
                    "policy": name,
                    "mode": policy.mode,
                    "reason": action.reason,
                    "changes": plan["changes"],
                    "expected_monthly_saving": plan["expected_monthly_saving"],
                },
            )
            counts[o.decision] += 1
            if o.decision == "planned" and policy.mode == "approval":
                created_for_approval.append(action)
            items.append(ActionView.from_row(action, policy_name=name, unchanged=False))
        summary = {
            "policy": name,
            "run_id": run_id,
            "mode": policy.mode,
            "action": handler.name,
            "as_of": as_of.isoformat(),
            "candidates": len(candidates),
            **counts,
            "not_matching": skipped,
        }
        record_audit(
            session=session,
            actor=actor,
            action="plan_run",
            entity_type=POLICY_ENTITY,
            entity_id=name,
            details=summary,
        )
        announce = [ActionView.from_row(a, policy_name=name) for a in created_for_approval]
    notified = _announce_approvals(db, name, run_id, announce) if notify and announce else False
    return PlanRunView.model_validate(
        {**summary, "approval_notification_sent": notified, "actions": items}
    )


def _latest_actions(
    session: Session, policy_id: int, resource_ids: list[str]
) -> dict[str, RemediationAction]:
    latest: dict[str, RemediationAction] = {}
    ids = sorted(set(resource_ids))
    for lo in range(0, len(ids), 5000):
        for action in session.scalars(
            select(RemediationAction)
            .where(
                RemediationAction.policy_id == policy_id,
                RemediationAction.resource_id.in_(ids[lo : lo + 5000]),
                RemediationAction.status != "superseded",
            )
            .order_by(RemediationAction.id)
        ):
            latest[action.resource_id] = action
    return latest


def _announce_approvals(db: Database, policy: str, run_id: str, actions: list[ActionView]) -> bool:
    """Publish one ``remediation.approval`` notification for the run's actions that wait;
    whether it was delivered.

    A notification failure never undoes the plan (it is committed already); it is logged, and
    :func:`finops.notifications.publish` audits every delivery attempt.
    """
    from finops.notifications import publish

    lines = []
    for a in actions:
        changes = ", ".join(
            f"{c['field']} {c['from']} -> {c['to']}" for c in (a.plan or {}).get("changes", [])
        )
        saving = a.expected_monthly_saving
        money = (
            f"; saves {decimal_to_text(saving)} {a.billing_currency}/month"
            if saving is not None
            else ""
        )
        lines.append(f"#{a.id} {a.action} {a.resource_id}: {changes}{money}")
    try:
        delivered = publish(
            db=db,
            kind=NOTIFICATION_KIND,
            title=f"{len(actions)} remediation action(s) of policy {policy} await approval",
            lines=lines,
            link=f"/api/v1/remediation/actions?status=planned&run_id={run_id}",
        )
    except Exception:  # e.g. the secret store is down: the plan stands, the miss is logged
        logger.exception("approval notification failed", extra={"policy": policy, "run_id": run_id})
        return False
    return delivered > 0
