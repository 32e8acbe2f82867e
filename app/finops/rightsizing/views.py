"""Reading recommendations: the view every door shows, one by id, and filtered pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from finops.core.errors import InvalidInputError, NotFoundError
from finops.core.models import ViewModel
from finops.core.money import DecimalStr
from finops.core.paging import Page, fetch_page
from finops.db.models import Recommendation
from finops.db.types import money_order
from finops.rightsizing.recommendation import (
    KINDS,
    STATUSES,
    RecommendationKind,
    RecommendationStatus,
)
from finops.savings.views import SavingsBaselineView


class RecommendationView(ViewModel):
    """A recommendation as the API returns it and the CLI prints it (built from the row).

    ``savings_baseline`` is set only on the answer to marking it applied.
    """

    id: int
    kind: RecommendationKind
    provider: str
    resource_id: str
    account_id: str | None
    region_id: str | None
    action: str
    status: RecommendationStatus
    current_config: dict[str, Any]
    recommended_config: dict[str, Any]
    billing_currency: str
    estimated_monthly_saving: DecimalStr
    performance_risk: str | None
    evidence: dict[str, Any]
    created_at: dt.datetime
    updated_at: dt.datetime
    applied_at: dt.datetime | None
    savings_baseline: SavingsBaselineView | None = None


def list_recommendations(
    *,
    session: Session,
    status: str | None = None,
    kind: str | None = None,
    account_id: str | None = None,
    resource_id: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> Page[RecommendationView]:
    """A page of recommendations, largest estimated saving first (ties by id).

    InvalidInputError for a status or kind that does not exist, or a limit/offset out of range.
    """
    if status is not None and status not in STATUSES:
        raise InvalidInputError(
            f"parameter 'status': expected one of {', '.join(STATUSES)}, got {status!r}",
            details={"parameter": "status", "expected": list(STATUSES)},
        )
    if kind is not None and kind not in KINDS:
        raise InvalidInputError(
            f"parameter 'kind': expected one of {', '.join(KINDS)}, got {kind!r}",
            details={"parameter": "kind", "expected": list(KINDS)},
        )
    conditions = [
        c
        for c in (
            Recommendation.status == status if status else None,
            Recommendation.kind == kind if kind else None,
            Recommendation.account_id == account_id if account_id else None,
            Recommendation.resource_id == resource_id if resource_id else None,
        )
        if c is not None
    ]
    where = and_(*conditions) if conditions else and_(True)
    page = fetch_page(
        session,
        select(Recommendation)
        .where(where)
        .order_by(money_order(Recommendation.estimated_monthly_saving).desc(), Recommendation.id),
        limit,
        offset,
    )
    return page.map(RecommendationView.model_validate)


def get_recommendation(*, session: Session, recommendation_id: int) -> RecommendationView:
    """The recommendation with that id; NotFoundError when there is none."""
    return RecommendationView.model_validate(
        load_recommendation(session=session, recommendation_id=recommendation_id)
    )


def load_recommendation(*, session: Session, recommendation_id: int) -> Recommendation:
    """The stored row of the recommendation with that id; NotFoundError when there is none."""
    rec = session.get(Recommendation, recommendation_id)
    if rec is None:
        raise NotFoundError(
            f"recommendation {recommendation_id} not found",
            details={"parameter": "recommendation_id", "got": recommendation_id},
        )
    return rec
