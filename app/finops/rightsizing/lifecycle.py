"""Status changes of a recommendation (accept, dismiss, mark applied): each one conditional
UPDATE (:func:`finops.core.lifecycle.change_status`), audited in the same transaction.

Of two concurrent writers only one succeeds; the other gets a ConflictError naming the status
the first one left.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from finops.audit import record_audit
from finops.core.errors import ConflictError
from finops.core.lifecycle import change_status
from finops.db.models import Recommendation
from finops.rightsizing.recommendation import ENTITY, recommendation_snapshot
from finops.rightsizing.views import RecommendationView, load_recommendation

TRANSITIONS: dict[str, tuple[str, ...]] = {
    "accepted": ("open",),
    "dismissed": ("open", "accepted"),
    "applied": ("open", "accepted"),
}
"""Target status -> the statuses it may be reached from."""


def _transition(
    session: Session,
    recommendation_id: int,
    target: str,
    actor: str,
    note: str | None,
    applied_on: dt.date | None = None,
) -> Recommendation:
    """Move the recommendation to ``target`` if its stored status allows it, and audit it.

    NotFoundError when there is no such recommendation; ConflictError (naming the status as
    stored when the UPDATE ran) when the status does not allow ``target``, even if this session
    loaded the row earlier in a status that did.
    """
    rec = load_recommendation(session=session, recommendation_id=recommendation_id)
    # the session may hold the row from earlier: audit "before" as stored now, not as loaded then
    session.refresh(rec)
    allowed = TRANSITIONS[target]
    before = recommendation_snapshot(rec)

    def conflict(current: str | None) -> ConflictError:
        return ConflictError(
            f"recommendation {recommendation_id} is {current}; only a recommendation that is "
            f"{' or '.join(allowed)} can become {target}",
            details={"status": current, "target": target},
        )

    values: dict[str, Any] = {"updated_at": dt.datetime.now(dt.UTC)}
    if applied_on is not None:
        values["applied_at"] = dt.datetime(
            applied_on.year, applied_on.month, applied_on.day, tzinfo=dt.UTC
        )
    change_status(
        session,
        id_column=Recommendation.id,
        status_column=Recommendation.status,
        row_id=recommendation_id,
        allowed=allowed,
        target=target,
        conflict=conflict,
        values=values,
    )
    session.refresh(rec)  # the UPDATE bypassed the identity map
    record_audit(
        session=session,
        actor=actor,
        action=target,
        entity_type=ENTITY,
        entity_id=rec.id,
        before=before,
        after=recommendation_snapshot(rec),
        details={"note": note} if note else None,
    )
    return rec


def accept_recommendation(
    *, session: Session, recommendation_id: int, actor: str, note: str | None = None
) -> RecommendationView:
    """``open`` -> ``accepted`` (audited); ConflictError from any other status."""
    rec = _transition(session, recommendation_id, "accepted", actor, note)
    return RecommendationView.model_validate(rec)


def dismiss_recommendation(
    *, session: Session, recommendation_id: int, actor: str, note: str | None = None
) -> RecommendationView:
    """``open``/``accepted`` -> ``dismissed`` (audited); the job will not raise it again."""
    rec = _transition(session, recommendation_id, "dismissed", actor, note)
    return RecommendationView.model_validate(rec)


def mark_recommendation_applied(
    *,
    session: Session,
    recommendation_id: int,
    actor: str,
    applied_on: dt.date,
    note: str | None = None,
    baseline_days: int = 14,
) -> RecommendationView:
    """``open``/``accepted`` -> ``applied`` on ``applied_on`` (audited), and the savings baseline
    recorded in the same transaction (:func:`finops.savings.record_baseline`)."""
    from finops.savings.service import record_baseline

    rec = _transition(session, recommendation_id, "applied", actor, note, applied_on=applied_on)
    baseline = record_baseline(
        session=session,
        recommendation=rec,
        applied_on=applied_on,
        actor=actor,
        baseline_days=baseline_days,
    )
    return RecommendationView.model_validate(rec).model_copy(update={"savings_baseline": baseline})
