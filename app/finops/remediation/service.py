"""Policy-driven remediation at the edges: policies in the database, planning a policy run,
approval, execution with verification, rollback, and the ``remediate`` job.

Action lifecycle (every change audited with its actor, entity ``remediation_action``)::

    planned --approve--> approved --execute--> executing --> succeeded --rollback--> rolled_back
       |  \\--reject--> rejected                         \\-> failed ----rollback--/     |
       |   (auto mode: planned --execute--> executing)          rollback_failed <-------/
       \\--(a later run or a policy change)--> superseded
    refused (terminal; the reason is recorded)

Guarantees:
- Planning reads the live state of every candidate (boto3) and records, per matching resource,
  a ``planned`` action with its diff (current -> desired) and expected monthly saving, or a
  ``refused`` one with the reason (exclusion tag, blast radius, target AWS would refuse, state
  unreadable). Nothing in AWS changes while planning. Dry-run plans can never be executed.
- Approval needs an operator who is not the requester (PermissionDeniedError otherwise; the
  denied attempt is audited). Only approved actions, or planned ``auto`` actions whose policy
  is still enabled and allow-listed, execute.
- Status changes are conditional UPDATEs (``... WHERE status = <expected>``): of two concurrent
  approvals or executions exactly one wins, the other gets ConflictError. ``executing`` is
  committed before AWS is touched, the original state before anything changes.
- Execution verifies the new state (polling AWS). Any failure after the claim leaves a known
  state: the executor restores the original state (and verifies it), marks the action
  ``failed`` with the error and keeps the rollback available.
- A succeeded action linked to a recommendation marks it applied and records the savings
  baseline (:func:`finops.rightsizing.mark_recommendation_applied`) in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import CursorResult, and_, func, or_, select, update
from sqlalchemy.orm import Session

from finops.audit import record_audit
from finops.aws.arn import arn_account
from finops.catalogue import packaged_catalogue, read_price_catalogue
from finops.catalogue.model import PriceCatalogue
from finops.core.errors import (
    ConflictError,
    FinOpsError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from finops.db.database import Database
from finops.db.models import Recommendation, RemediationAction, RemediationPolicy, Resource
from finops.db.types import decimal_to_text, to_json_document
from finops.remediation.actions import (
    ACTIONS,
    ActionHandler,
    ClientFactory,
    Observation,
    Target,
    WaitPolicy,
    aws_error_text,
    default_clients,
    observe,
    resource_kind_of,
    reusing,
    target_for,
)
from finops.remediation.exceptions import ActionFailedError, PlanRefusalError, ResourceGoneError
from finops.remediation.policy import (
    DEFAULT_AUTO_ALLOW_LIST,
    AutoAllowList,
    PolicyDefinition,
    validate_policy,
)

logger = logging.getLogger(__name__)

JOB_ACTOR = "job:remediate"
ENTITY = "remediation_action"
POLICY_ENTITY = "remediation_policy"
NOTIFICATION_KIND = "remediation.approval"
STATUSES = (
    "planned",
    "refused",
    "approved",
    "rejected",
    "executing",
    "succeeded",
    "failed",
    "rolling_back",
    "rolled_back",
    "rollback_failed",
    "superseded",
)
PENDING = ("approved", "executing", "rolling_back")
"""An action in one of these is in flight: a new plan leaves its resource alone."""
ROLLBACK_FROM = ("succeeded", "failed", "rollback_failed")
_RECOMMENDATION_ACTIVE = ("open", "accepted")
_ID_SHAPES = {
    "ec2_instance": ("i-%",),
    "ecs_service": ("arn:%:ecs:%:service/%",),
    "lambda_function": ("arn:%:lambda:%:function:%",),
    "eks_nodegroup": ("arn:%:eks:%:nodegroup/%", "eks:%"),
}


# --------------------------------------------------------------------------- documents


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
        "rollback_available": _rollback_available(row),
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


def _rollback_available(row: RemediationAction) -> bool:
    return (
        row.status in ROLLBACK_FROM
        and bool(row.rollback)
        and bool((row.rollback or {}).get("available"))
    )


def _snapshot(row: RemediationAction) -> dict[str, Any]:
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


# --------------------------------------------------------------------------- policies


def save_policy(
    *,
    db: Database,
    policy: PolicyDefinition,
    actor: str,
    allow_list: AutoAllowList = DEFAULT_AUTO_ALLOW_LIST,
) -> dict[str, Any]:
    """Create the policy, or replace the one of the same name (audited ``created`` /
    ``updated`` with before and after).

    The definition is validated again against ``allow_list`` (PolicyError otherwise). Replacing a
    definition supersedes the policy's planned and approved actions: they were decided under
    the old rules. Returns the stored policy with ``"created": bool``.
    """
    validate_policy(policy.model_dump(mode="json"), source="policy", allow_list=allow_list)
    definition = to_json_document(policy.model_dump(mode="json"))
    now = dt.datetime.now(dt.UTC)
    with db.sessions.begin() as session:
        row = session.scalar(
            select(RemediationPolicy).where(RemediationPolicy.name == policy.name).with_for_update()
        )
        created = row is None
        before = None if row is None else policy_to_dict(row)
        if row is None:
            row = RemediationPolicy(name=policy.name, created_at=now)
            session.add(row)
        elif row.definition == definition:
            return {**policy_to_dict(row), "created": False, "changed": False}
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
            after=policy_to_dict(row),
        )
        if not created:
            _supersede_open_actions(session, row, actor, "the policy was changed", now)
        return {**policy_to_dict(row), "created": created, "changed": True}


def _supersede_open_actions(
    session: Session, policy: RemediationPolicy, actor: str, reason: str, now: dt.datetime
) -> None:
    for action in session.scalars(
        select(RemediationAction)
        .where(
            RemediationAction.policy_id == policy.id,
            RemediationAction.status.in_(("planned", "approved")),
        )
        .order_by(RemediationAction.id)
    ):
        _transition(session, action, action.status, "superseded", actor, now, {"reason": reason})


def list_policies(*, session: Session) -> list[dict[str, Any]]:
    """Every stored policy, by name."""
    rows = session.scalars(select(RemediationPolicy).order_by(RemediationPolicy.name))
    return [policy_to_dict(r) for r in rows]


def get_policy(*, session: Session, name: str) -> RemediationPolicy:
    """The stored policy ``name``; NotFoundError naming it otherwise."""
    row = session.scalar(select(RemediationPolicy).where(RemediationPolicy.name == name))
    if row is None:
        raise NotFoundError(
            f"remediation policy {name!r} not found",
            details={"parameter": "name", "got": name},
        )
    return row


def _definition(row: RemediationPolicy, allow_list: AutoAllowList) -> PolicyDefinition:
    return validate_policy(
        row.definition, source=f"stored policy {row.name!r}", allow_list=allow_list
    )


# --------------------------------------------------------------------------- planning


@dataclass
class _Candidate:
    resource_id: str
    region_id: str | None
    account_id: str | None
    known_since: dt.datetime | None
    recommendation_id: int | None = None
    recommended: dict[str, Any] | None = None
    saving: Decimal | None = None
    currency: str | None = None
    stored_tags: dict[str, str] | None = None


@dataclass
class _Outcome:
    candidate: _Candidate
    decision: str  # planned | refused | skipped
    reason: str | None = None
    target: Target | None = None
    observation: Observation | None = None
    current: dict[str, Any] = field(default_factory=dict)
    desired: dict[str, Any] = field(default_factory=dict)
    saving: Decimal | None = None
    currency: str | None = None
    saving_source: str = "unknown"


def _candidates(session: Session, policy: PolicyDefinition, as_of: dt.date) -> list[_Candidate]:
    filt = policy.filter
    resources: dict[str, Resource] = {}
    out: list[_Candidate] = []
    if filt.recommendation_kind is not None:
        recs = list(
            session.scalars(
                select(Recommendation)
                .where(
                    Recommendation.kind == filt.recommendation_kind,
                    Recommendation.status.in_(_RECOMMENDATION_ACTIVE),
                    Recommendation.provider == "AWS",
                )
                .order_by(Recommendation.id)
            )
        )
        ids = sorted({r.resource_id for r in recs})
        for lo in range(0, len(ids), 5000):
            for res in session.scalars(
                select(Resource).where(
                    Resource.provider == "AWS", Resource.resource_id.in_(ids[lo : lo + 5000])
                )
            ):
                resources[res.resource_id] = res
        for rec in recs:
            known = resources.get(rec.resource_id)
            out.append(
                _Candidate(
                    resource_id=rec.resource_id,
                    region_id=rec.region_id or (known.region_id if known else None),
                    account_id=rec.account_id or (known.account_id if known else None),
                    known_since=known.first_seen if known is not None else rec.created_at,
                    recommendation_id=rec.id,
                    recommended=dict(rec.recommended_config or {}),
                    saving=rec.estimated_monthly_saving,
                    currency=rec.billing_currency,
                )
            )
    else:
        shapes = _ID_SHAPES[filt.resource_type]
        for res in session.scalars(
            select(Resource)
            .where(
                Resource.provider == "AWS",
                or_(*(Resource.resource_id.like(shape) for shape in shapes)),
            )
            .order_by(Resource.resource_id)
        ):
            if resource_kind_of(res.resource_id) != filt.resource_type:
                continue
            out.append(
                _Candidate(
                    resource_id=res.resource_id,
                    region_id=res.region_id,
                    account_id=res.account_id or arn_account(res.resource_id),
                    known_since=res.first_seen,
                    stored_tags=dict(res.tags or {}),
                )
            )
    cutoff = dt.datetime(as_of.year, as_of.month, as_of.day, tzinfo=dt.UTC) - dt.timedelta(
        days=filt.min_age_days
    )
    return [
        c
        for c in out
        if (not filt.account_ids or c.account_id in filt.account_ids)
        and (filt.min_age_days == 0 or (c.known_since is not None and c.known_since <= cutoff))
        and _stored_tags_may_match(policy, c.stored_tags)
    ]


def _stored_tags_may_match(policy: PolicyDefinition, stored: dict[str, str] | None) -> bool:
    """False only when the tags last seen (billing or inventory) rule the resource out, so a
    run over every resource of a type does not read AWS for resources the policy cannot be
    about. Recommendation-driven runs carry no stored tags here: their few candidates are all
    read, and the live tags decide in every case."""
    if not stored:
        return True
    return _tags_match(policy, stored)


def _tags_match(policy: PolicyDefinition, tags: dict[str, str]) -> bool:
    wanted = policy.filter.tags
    return all(tags.get(k) == v for k, v in wanted.equals.items()) and all(
        k in tags for k in wanted.exists
    )


def _excluded_by(policy: PolicyDefinition, tags: dict[str, str]) -> str | None:
    for key, value in policy.exclusions.items():
        if tags.get(key) == value:
            return f"{key}={value}"
    return None


def _evaluate(
    candidate: _Candidate,
    policy: PolicyDefinition,
    handler: ActionHandler,
    clients: ClientFactory,
    catalogue: PriceCatalogue,
) -> _Outcome:
    """What the policy would do with one candidate (reads AWS, changes nothing)."""
    outcome = _Outcome(candidate=candidate, decision="skipped")
    try:
        target = target_for(candidate.resource_id, candidate.region_id)
    except PlanRefusalError as refusal:
        outcome.decision, outcome.reason = "refused", refusal.reason
        return outcome
    outcome.target = target
    if policy.filter.regions and target.region not in policy.filter.regions:
        outcome.reason = "region"
        return outcome
    try:
        observation = observe(clients, target)
    except ResourceGoneError:
        # known from billing or an older inventory, no longer in AWS: nothing to remediate
        outcome.reason = "gone"
        return outcome
    except ActionFailedError as exc:
        outcome.decision, outcome.reason = "refused", f"cannot read the resource: {exc}"
        return outcome
    outcome.observation = observation
    if not _tags_match(policy, observation.tags):
        outcome.reason = "tags"
        return outcome
    current = handler.view(observation.state)
    outcome.current = current
    excluded = _excluded_by(policy, observation.tags)
    if excluded is not None:
        outcome.decision, outcome.reason = "refused", f"excluded by tag {excluded}"
        return outcome
    try:
        desired = handler.desired(current, policy.action_parameters(), candidate.recommended)
        outcome.desired = desired
        if all(current.get(k) == v for k, v in desired.items()):
            outcome.reason = "no_change"
            return outcome
        handler.preflight(clients, target, observation.state, desired)
    except PlanRefusalError as refusal:
        outcome.decision, outcome.reason = "refused", refusal.reason
        return outcome
    if candidate.recommendation_id is not None:
        outcome.saving, outcome.currency = candidate.saving, candidate.currency
        outcome.saving_source = "recommendation"
    else:
        estimate = handler.estimate(catalogue, target, observation.state, desired)
        if estimate is not None:
            outcome.saving, outcome.currency = estimate, "USD"
            outcome.saving_source = "catalogue"
    minimum = policy.filter.min_monthly_saving
    if minimum > 0 and (outcome.saving is None or outcome.saving < minimum):
        outcome.reason = "saving_unknown" if outcome.saving is None else "saving_below_minimum"
        return outcome
    outcome.decision = "planned"
    return outcome


def _plan_document(
    outcome: _Outcome, policy: PolicyDefinition, handler: ActionHandler
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


def _saving_key(outcome: _Outcome) -> tuple[int, Decimal, str]:
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
) -> dict[str, Any]:
    """Plan one run of policy ``name``: select the matching resources, read each one's live
    state and record a ``planned`` action (diff and expected saving) or a ``refused`` one
    (reason) per resource. Changes nothing in AWS.

    Guarantees: candidates beyond ``max_actions_per_run`` (largest saving first) are refused
    with the blast-radius reason, never dropped; a resource with an approved or executing action
    is left alone; an identical plan or refusal already recorded is kept (so a retried run adds
    nothing); a changed one supersedes the previous plan. Actions awaiting approval are
    announced through ``finops.notifications.publish`` after the commit. Returns the run summary
    with every action of the run.
    """
    clients = reusing(clients or default_clients)
    as_of = as_of or dt.datetime.now(dt.UTC).date()
    run_id = uuid.uuid4().hex
    with db.sessions() as session:
        row = get_policy(session=session, name=name)
        policy = _definition(row, allow_list)
        if not row.enabled or not policy.enabled:
            raise ConflictError(
                f"remediation policy {name!r} is disabled; enable it to plan",
                details={"policy": name},
            )
        policy_id = row.id
        planned_definition = row.definition
        candidates = _candidates(session, policy, as_of)
        catalogue = read_price_catalogue(session=session) or packaged_catalogue()
    handler = ACTIONS[policy.action.type]
    outcomes = [_evaluate(c, policy, handler, clients, catalogue) for c in candidates]
    skipped: dict[str, int] = {}
    for o in outcomes:
        if o.decision == "skipped":
            skipped[o.reason or "other"] = skipped.get(o.reason or "other", 0) + 1
    now = dt.datetime.now(dt.UTC)
    counts = {"planned": 0, "refused": 0, "unchanged": 0, "pending": 0, "superseded": 0}
    items: list[dict[str, Any]] = []
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
        live: list[_Outcome] = []
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
                items.append({**action_to_dict(previous, name), "unchanged": True})
                continue
            if previous is not None and previous.status == "planned":
                _transition(
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
                after=_snapshot(action),
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
            items.append({**action_to_dict(action, name), "unchanged": False})
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
        announce = [action_to_dict(a, name) for a in created_for_approval]
    notified = _announce_approvals(db, name, run_id, announce) if notify and announce else False
    return {**summary, "approval_notification_sent": notified, "actions": items}


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


def _announce_approvals(
    db: Database, policy: str, run_id: str, actions: list[dict[str, Any]]
) -> bool:
    """Publish one ``remediation.approval`` notification for the run's actions that wait;
    whether it was delivered.

    A notification failure never undoes the plan (it is committed already); it is logged, and
    :func:`finops.notifications.publish` audits every delivery attempt.
    """
    from finops.notifications import publish

    lines = []
    for a in actions:
        changes = ", ".join(
            f"{c['field']} {c['from']} -> {c['to']}" for c in (a["plan"] or {}).get("changes", [])
        )
        saving = a["expected_monthly_saving"]
        money = f"; saves {saving} {a['billing_currency']}/month" if saving is not None else ""
        lines.append(f"#{a['id']} {a['action']} {a['resource_id']}: {changes}{money}")
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


# --------------------------------------------------------------------------- status changes


def _get_action(session: Session, action_id: int) -> RemediationAction:
    row = session.get(RemediationAction, action_id, populate_existing=True)
    if row is None:
        raise NotFoundError(
            f"remediation action {action_id} not found",
            details={"parameter": "action_id", "got": action_id},
        )
    return row


def _transition(
    session: Session,
    action: RemediationAction,
    expected: str,
    target: str,
    actor: str,
    now: dt.datetime,
    details: dict[str, Any] | None = None,
    **values: Any,
) -> RemediationAction:
    """``expected`` -> ``target`` as one conditional UPDATE (ConflictError when another writer
    changed the status first), audited in the caller's transaction."""
    before = _snapshot(action)
    stmt = (
        update(RemediationAction)
        .where(RemediationAction.id == action.id, RemediationAction.status == expected)
        .values(status=target, updated_at=now, **values)
        .execution_options(synchronize_session=False)
    )
    result = cast(CursorResult[Any], session.execute(stmt))
    if result.rowcount != 1:
        current = session.scalar(
            select(RemediationAction.status).where(RemediationAction.id == action.id)
        )
        raise ConflictError(
            f"remediation action {action.id} is {current}, no longer {expected}; "
            f"it cannot become {target}",
            details={"status": current, "expected": expected, "target": target},
        )
    session.refresh(action)
    record_audit(
        session=session,
        actor=actor,
        action=target,
        entity_type=ENTITY,
        entity_id=action.id,
        before=before,
        after=_snapshot(action),
        details=details,
    )
    return action


def _policy_name(session: Session, action: RemediationAction) -> str | None:
    if action.policy_id is None:
        return None
    return session.scalar(
        select(RemediationPolicy.name).where(RemediationPolicy.id == action.policy_id)
    )


def approve_action(
    *, db: Database, action_id: int, actor: str, note: str | None = None
) -> dict[str, Any]:
    """``planned`` (approval mode) -> ``approved`` by ``actor`` (audited).

    ConflictError unless the action is planned in approval mode (dry-run plans and auto actions
    are never approved); PermissionDeniedError when ``actor`` requested it (the attempt is
    audited as ``approval_denied``).
    """
    now = dt.datetime.now(dt.UTC)
    with db.sessions.begin() as session:
        action = _get_action(session, action_id)
        _require_approvable(action)
        if action.mode != "approval":
            raise ConflictError(
                f"remediation action {action.id} is in {action.mode} mode; only approval-mode "
                "actions are approved",
                details={"mode": action.mode},
            )
        if actor != action.requested_by:
            _transition(
                session,
                action,
                "planned",
                "approved",
                actor,
                now,
                {"note": note} if note else None,
                approved_by=actor,
            )
            return action_to_dict(action, _policy_name(session, action))
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
) -> dict[str, Any]:
    """``planned`` (approval or auto mode) -> ``rejected`` (audited, the note kept as reason);
    ConflictError from any other status or for a dry-run plan."""
    now = dt.datetime.now(dt.UTC)
    with db.sessions.begin() as session:
        action = _get_action(session, action_id)
        _require_approvable(action)
        _transition(
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
        return action_to_dict(action, _policy_name(session, action))


# --------------------------------------------------------------------------- execution


def _claim(
    db: Database,
    action_id: int,
    actor: str,
    allow_list: AutoAllowList,
    now: dt.datetime,
) -> tuple[RemediationAction, PolicyDefinition | None]:
    with db.sessions.begin() as session:
        action = _get_action(session, action_id)
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
            policy = _definition(row, allow_list)
        if auto and (policy is None or policy.mode != "auto" or not allow_list.allows(policy)):
            raise ConflictError(
                f"remediation action {action.id} is no longer allow-listed for auto mode; "
                "plan again",
                details={"mode": action.mode},
            )
        _transition(
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
) -> dict[str, Any]:
    """Execute an approved (or planned auto-mode) action, verify the new state, and record it.

    Guarantees: ConflictError (nothing done) unless the claim ``-> executing`` wins. The live
    state is checked against the plan first (a resource that changed, or now carries an
    exclusion tag, fails the action without touching it). The original state is stored before
    any change. On success: ``succeeded`` with ``verified_at``, the linked recommendation
    marked applied with its savings baseline. On any failure: the original state is restored
    and verified where possible, the action is ``failed`` with the error, and the rollback stays
    available. Always returns the action (it never raises after the claim).
    """
    clients = reusing(clients or default_clients)
    wait = wait or WaitPolicy()
    now = dt.datetime.now(dt.UTC)
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
        excluded = _excluded_by(policy, observation.tags) if policy else None
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
    return _finish_execution(db, action.id, actor, outcome, rollback)


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
) -> dict[str, Any]:
    now = dt.datetime.now(dt.UTC)
    with db.sessions.begin() as session:
        action = _get_action(session, action_id)
        status = outcome["status"]
        details = to_json_document({k: v for k, v in outcome.items() if k != "status"})
        _transition(
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
        return action_to_dict(action, _policy_name(session, action))


def _mark_recommendation_applied(
    session: Session, action: RemediationAction, actor: str, applied_on: dt.date
) -> None:
    from finops.rightsizing import mark_recommendation_applied

    assert action.recommendation_id is not None
    rec = session.get(Recommendation, action.recommendation_id)
    if rec is None or rec.status not in _RECOMMENDATION_ACTIVE:
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
) -> dict[str, Any]:
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
        action = _get_action(session, action_id)
        if not _rollback_available(action):
            raise ConflictError(
                f"remediation action {action.id} is {action.status}; a rollback needs a "
                "succeeded or failed action whose original state was recorded",
                details={"status": action.status},
            )
        was = action.status
        _transition(session, action, was, "rolling_back", actor, now, {"from": was})
        rollback = dict(action.rollback or {})
    handler = ACTIONS[action.action]
    target = Target.from_json(rollback["target"])
    result = _restore(handler, clients, target, rollback["original"], wait)
    done = dt.datetime.now(dt.UTC)
    with db.sessions.begin() as session:
        action = _get_action(session, action_id)
        ok = bool(result["restored"])
        rollback = {**rollback, "available": not ok, "rollback": result}
        _transition(
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
        return action_to_dict(action, _policy_name(session, action))


# --------------------------------------------------------------------------- reading


def get_action(*, session: Session, action_id: int) -> dict[str, Any]:
    """One action with its plan, decision, execution and rollback; NotFoundError otherwise."""
    action = _get_action(session, action_id)
    return action_to_dict(action, _policy_name(session, action))


def list_actions(
    *,
    session: Session,
    status: str | None = None,
    policy: str | None = None,
    run_id: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> dict[str, Any]:
    """A page of actions, newest first: ``{"items", "total", "limit", "offset"}``."""
    if status is not None and status not in STATUSES:
        raise InvalidInputError(
            f"parameter 'status': expected one of {', '.join(STATUSES)}, got {status!r}",
            details={"parameter": "status", "expected": list(STATUSES)},
        )
    if not 1 <= limit <= 1000 or offset < 0:
        raise InvalidInputError(
            "parameters 'limit'/'offset': expected 1 <= limit <= 1000 and offset >= 0",
            details={"parameter": "limit"},
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
    where = and_(*conditions) if conditions else and_(True)
    total = session.scalar(select(func.count()).select_from(RemediationAction).where(where)) or 0
    names: dict[int, str] = {}
    for policy_id, policy_name in session.execute(
        select(RemediationPolicy.id, RemediationPolicy.name)
    ):
        names[policy_id] = policy_name
    rows = session.scalars(
        select(RemediationAction)
        .where(where)
        .order_by(RemediationAction.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return {
        "items": [action_to_dict(r, names.get(r.policy_id or -1)) for r in rows],
        "total": int(total),
        "limit": limit,
        "offset": offset,
    }


# --------------------------------------------------------------------------- the job


def run_policies(
    *,
    db: Database,
    actor: str = JOB_ACTOR,
    as_of: dt.date | None = None,
    clients: ClientFactory | None = None,
    wait: WaitPolicy | None = None,
    allow_list: AutoAllowList = DEFAULT_AUTO_ALLOW_LIST,
) -> dict[str, Any]:
    """The ``remediate`` job: plan every enabled policy, then execute the planned actions of the
    auto-mode (allow-listed) ones.

    Guarantees: a policy that cannot be planned (invalid against the allow-list, unreadable)
    is reported under ``errors`` and the others still run; a retried run plans nothing twice
    (see :func:`plan_policy`) and re-executes nothing that succeeded. Approval-mode actions only
    wait (and are announced); dry-run ones only record the plan.
    """
    with db.sessions() as session:
        names = list(
            session.scalars(
                select(RemediationPolicy.name)
                .where(RemediationPolicy.enabled.is_(True))
                .order_by(RemediationPolicy.name)
            )
        )
    totals = {"planned": 0, "refused": 0, "executed": 0, "succeeded": 0, "failed": 0}
    per_policy: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name in names:
        try:
            summary = plan_policy(
                db=db, name=name, actor=actor, as_of=as_of, clients=clients, allow_list=allow_list
            )
        except FinOpsError as exc:
            logger.error(
                "remediation policy not planned", extra={"policy": name, "error": str(exc)}
            )
            errors[name] = exc.message
            continue
        executed: list[dict[str, Any]] = []
        if summary["mode"] == "auto":
            for item in summary["actions"]:
                if item["status"] != "planned":
                    continue
                try:
                    executed.append(
                        execute_action(
                            db=db,
                            action_id=item["id"],
                            actor=actor,
                            clients=clients,
                            wait=wait,
                            allow_list=allow_list,
                        )
                    )
                except ConflictError as exc:  # another runner took it
                    errors[f"{name}#{item['id']}"] = exc.message
        outcome = {
            "run_id": summary["run_id"],
            "mode": summary["mode"],
            "planned": summary["planned"],
            "refused": summary["refused"],
            "unchanged": summary["unchanged"],
            "pending": summary["pending"],
            "executed": len(executed),
            "succeeded": sum(1 for a in executed if a["status"] == "succeeded"),
            "failed": sum(1 for a in executed if a["status"] == "failed"),
        }
        per_policy[name] = outcome
        for key in totals:
            totals[key] += outcome[key]
    result = {
        "as_of": (as_of or dt.datetime.now(dt.UTC).date()).isoformat(),
        "policies": per_policy,
        **totals,
        "errors": errors,
    }
    logger.info("remediate finished", extra={"counts": result})
    return result
