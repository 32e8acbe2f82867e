"""Reading recommendations: one by id, filtered pages, and the JSON document of each."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from finops.core.errors import InvalidInputError, NotFoundError
from finops.core.paging import fetch_page
from finops.db.models import Recommendation
from finops.db.types import decimal_to_text, money_order
from finops.rightsizing.recommendation import KINDS, STATUSES


def recommendation_to_dict(rec: Recommendation) -> dict[str, Any]:
    """The JSON shape of a recommendation for the CLI and the API (money as decimal text)."""
    return {
        "id": rec.id,
        "kind": rec.kind,
        "provider": rec.provider,
        "resource_id": rec.resource_id,
        "account_id": rec.account_id,
        "region_id": rec.region_id,
        "action": rec.action,
        "status": rec.status,
        "current_config": rec.current_config,
        "recommended_config": rec.recommended_config,
        "billing_currency": rec.billing_currency,
        "estimated_monthly_saving": decimal_to_text(rec.estimated_monthly_saving),
        "performance_risk": rec.performance_risk,
        "evidence": rec.evidence,
        "created_at": rec.created_at.isoformat(),
        "updated_at": rec.updated_at.isoformat(),
        "applied_at": rec.applied_at.isoformat() if rec.applied_at else None,
    }


def list_recommendations(
    *,
    session: Session,
    status: str | None = None,
    kind: str | None = None,
    account_id: str | None = None,
    resource_id: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> dict[str, Any]:
    """A page of recommendations, largest estimated saving first:
    ``{"items": [...], "total": n, "limit": l, "offset": o}``."""
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
    return {
        "items": [recommendation_to_dict(r) for r in page.items],
        "total": page.total,
        "limit": page.limit,
        "offset": page.offset,
    }


def get_recommendation(*, session: Session, recommendation_id: int) -> Recommendation:
    """The recommendation with that id; NotFoundError when there is none."""
    rec = session.get(Recommendation, recommendation_id)
    if rec is None:
        raise NotFoundError(
            f"recommendation {recommendation_id} not found",
            details={"parameter": "recommendation_id", "got": recommendation_id},
        )
    return rec
