"""What a policy would do with each resource: selecting the candidates from the database
(recommendations, or every known resource of the type) and evaluating each one against its live
state in AWS (reads only, changes nothing).

An evaluation ends ``planned`` (with the diff and expected saving), ``refused`` (with the reason:
exclusion tag, target AWS would refuse, state unreadable) or ``skipped`` (the resource does not
match the policy after all).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from finops.aws.arn import arn_account
from finops.catalogue.model import PriceCatalogue
from finops.db.models import Recommendation, Resource
from finops.remediation.actions.base import (
    ActionHandler,
    ClientFactory,
    Observation,
    Target,
    observe,
    resource_kind_of,
    target_for,
)
from finops.remediation.exceptions import ActionFailedError, PlanRefusalError, ResourceGoneError
from finops.remediation.policy import PolicyDefinition

RECOMMENDATION_ACTIVE = ("open", "accepted")
"""A recommendation in one of these statuses can still be acted on."""
_ID_SHAPES = {
    "ec2_instance": ("i-%",),
    "ecs_service": ("arn:%:ecs:%:service/%",),
    "lambda_function": ("arn:%:lambda:%:function:%",),
    "eks_nodegroup": ("arn:%:eks:%:nodegroup/%", "eks:%"),
}


@dataclass
class Candidate:
    """A resource the policy may be about, with what the database knows of it."""

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
class Outcome:
    """What the policy would do with one candidate, and what planning learnt about it."""

    candidate: Candidate
    decision: str  # planned | refused | skipped
    reason: str | None = None
    target: Target | None = None
    observation: Observation | None = None
    current: dict[str, Any] = field(default_factory=dict)
    desired: dict[str, Any] = field(default_factory=dict)
    saving: Decimal | None = None
    currency: str | None = None
    saving_source: str = "unknown"


def select_candidates(
    session: Session, policy: PolicyDefinition, as_of: dt.date
) -> list[Candidate]:
    """The resources the policy's filter selects from the database as of ``as_of`` (account,
    minimum age, the tags last seen); the live state decides the rest in :func:`evaluate`."""
    filt = policy.filter
    resources: dict[str, Resource] = {}
    out: list[Candidate] = []
    if filt.recommendation_kind is not None:
        recs = list(
            session.scalars(
                select(Recommendation)
                .where(
                    Recommendation.kind == filt.recommendation_kind,
                    Recommendation.status.in_(RECOMMENDATION_ACTIVE),
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
                Candidate(
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
                Candidate(
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
    return tags_match(policy, stored)


def tags_match(policy: PolicyDefinition, tags: dict[str, str]) -> bool:
    """Whether ``tags`` carry every tag value and key the policy's filter asks for."""
    wanted = policy.filter.tags
    return all(tags.get(k) == v for k, v in wanted.equals.items()) and all(
        k in tags for k in wanted.exists
    )


def excluded_by(policy: PolicyDefinition, tags: dict[str, str]) -> str | None:
    """The first exclusion tag (``key=value``) of the policy that ``tags`` carry, or None."""
    for key, value in policy.exclusions.items():
        if tags.get(key) == value:
            return f"{key}={value}"
    return None


def evaluate(
    candidate: Candidate,
    policy: PolicyDefinition,
    handler: ActionHandler,
    clients: ClientFactory,
    catalogue: PriceCatalogue,
) -> Outcome:
    """What the policy would do with one candidate (reads AWS, changes nothing)."""
    outcome = Outcome(candidate=candidate, decision="skipped")
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
    if not tags_match(policy, observation.tags):
        outcome.reason = "tags"
        return outcome
    current = handler.view(observation.state)
    outcome.current = current
    excluded = excluded_by(policy, observation.tags)
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
