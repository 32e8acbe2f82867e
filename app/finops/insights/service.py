"""Build and read the daily insights (``insights`` table), each stored with the data behind it.

Guarantees: building insights for a day replaces that day's insights (idempotent); every amount
is an exact sum in one currency (never mixed); windows are half-open and end at ``as_of``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from finops.core.errors import InvalidInputError
from finops.costs.query import CostQuery, query_costs
from finops.db.database import Database
from finops.db.models import Insight, Recommendation
from finops.db.types import decimal_to_text
from finops.insights.movers import Mover, rank_movers


class InsightKind(StrEnum):
    """What an insight is about (the ``kind`` column holds the value)."""

    TOP_MOVERS = "top_movers"
    NEW_SERVICES = "new_services"
    WASTE = "waste"
    BUDGET_RISK = "budget_risk"


WINDOWS = (7, 30, 60)
DIMENSIONS = ("service", "account")
NEW_SERVICE_LOOKBACK_DAYS = 60


def _sums(
    session: Session, start: dt.date, end: dt.date, dimension: str
) -> dict[str, dict[str | None, Decimal]]:
    """currency -> dimension value -> effective cost over [start, end)."""
    result = query_costs(
        session=session,
        query=CostQuery.model_validate(
            {"start": start, "end": end, "group_by": [dimension], "metric": "effective"}
        ),
    )
    sums: dict[str, dict[str | None, Decimal]] = defaultdict(dict)
    for row in result.rows:
        sums[row.currency][row.keys.get(dimension)] = row.amounts.effective
    return sums


def _mover_json(mover: Mover) -> dict[str, Any]:
    percent = mover.change_percent
    return {
        "key": mover.key,
        "current": decimal_to_text(mover.current),
        "previous": decimal_to_text(mover.previous),
        "change": decimal_to_text(mover.change),
        "change_percent": None if percent is None else decimal_to_text(percent),
    }


def _top_movers(session: Session, as_of: dt.date) -> list[Insight]:
    insights = []
    for window in WINDOWS:
        current_start = as_of - dt.timedelta(days=window)
        previous_start = current_start - dt.timedelta(days=window)
        for dimension in DIMENSIONS:
            current = _sums(session, current_start, as_of, dimension)
            previous = _sums(session, previous_start, current_start, dimension)
            for currency in sorted(set(current) | set(previous)):
                rising, falling = rank_movers(current.get(currency, {}), previous.get(currency, {}))
                if not rising and not falling:
                    continue
                lead = rising[0] if rising else falling[0]
                direction = "rose" if lead.change > 0 else "fell"
                title = (
                    f"{dimension.capitalize()} {lead.key or '(none)'} {direction} most over "
                    f"{window} days: {decimal_to_text(lead.change.quantize(Decimal('0.01')))} "
                    f"{currency}"
                )
                insights.append(
                    Insight(
                        day=as_of,
                        kind=InsightKind.TOP_MOVERS.value,
                        title=title,
                        data={
                            "window_days": window,
                            "dimension": dimension,
                            "currency": currency,
                            "current_window": [current_start.isoformat(), as_of.isoformat()],
                            "previous_window": [
                                previous_start.isoformat(),
                                current_start.isoformat(),
                            ],
                            "rising": [_mover_json(m) for m in rising],
                            "falling": [_mover_json(m) for m in falling],
                        },
                    )
                )
    return insights


def _new_services(session: Session, as_of: dt.date) -> list[Insight]:
    recent_start = as_of - dt.timedelta(days=7)
    before_start = recent_start - dt.timedelta(days=NEW_SERVICE_LOOKBACK_DAYS)
    recent = _sums(session, recent_start, as_of, "service")
    before = _sums(session, before_start, recent_start, "service")
    insights = []
    for currency, services in sorted(recent.items()):
        seen = before.get(currency, {})
        new = sorted((k for k, v in services.items() if k is not None and v != 0 and k not in seen))
        if new:
            insights.append(
                Insight(
                    day=as_of,
                    kind=InsightKind.NEW_SERVICES.value,
                    title=f"{len(new)} service(s) billed for the first time in "
                    f"{NEW_SERVICE_LOOKBACK_DAYS} days: {', '.join(new[:5])}",
                    data={
                        "currency": currency,
                        "window": [recent_start.isoformat(), as_of.isoformat()],
                        "services": [
                            {"service": k, "cost": decimal_to_text(services[k])} for k in new
                        ],
                    },
                )
            )
    return insights


def _waste(session: Session, as_of: dt.date) -> list[Insight]:
    rows = session.execute(
        select(
            Recommendation.kind,
            Recommendation.action,
            Recommendation.billing_currency,
            Recommendation.estimated_monthly_saving,
            Recommendation.id,
        ).where(Recommendation.status.in_(("open", "accepted")))
    ).all()
    by_currency: dict[str, dict[str, Any]] = {}
    for kind, action, currency, saving, rec_id in rows:
        bucket = by_currency.setdefault(
            currency,
            {"idle": Decimal(0), "rightsizing": Decimal(0), "count": 0, "recommendation_ids": []},
        )
        idle = action in ("stop", "terminate") or kind.endswith("idle")
        group = "idle" if idle else "rightsizing"
        bucket[group] += saving
        bucket["count"] += 1
        bucket["recommendation_ids"].append(rec_id)
    insights = []
    for currency, bucket in sorted(by_currency.items()):
        total = bucket["idle"] + bucket["rightsizing"]
        insights.append(
            Insight(
                day=as_of,
                kind=InsightKind.WASTE.value,
                title=f"{bucket['count']} open recommendations could save "
                f"{decimal_to_text(total.quantize(Decimal('0.01')))} {currency} a month",
                data={
                    "currency": currency,
                    "idle_monthly": decimal_to_text(bucket["idle"]),
                    "rightsizing_monthly": decimal_to_text(bucket["rightsizing"]),
                    "total_monthly": decimal_to_text(total),
                    "count": bucket["count"],
                    "recommendation_ids": sorted(bucket["recommendation_ids"]),
                },
            )
        )
    return insights


def _budget_risk(session: Session, as_of: dt.date) -> list[Insight]:
    from finops.budgets import budget_status, list_budgets

    at_risk: list[dict[str, Any]] = []
    for budget in list_budgets(session=session):
        status = budget_status(session=session, budget=budget, as_of=as_of)
        if status.forecast_percent >= 100 or status.actual_percent >= 80:
            at_risk.append(
                {
                    "budget_id": budget.id,
                    "name": budget.name,
                    "currency": budget.currency,
                    "amount": decimal_to_text(budget.amount),
                    "actual": decimal_to_text(status.actual),
                    "forecast": decimal_to_text(status.forecast),
                    "actual_percent": decimal_to_text(status.actual_percent),
                    "forecast_percent": decimal_to_text(status.forecast_percent),
                    "period": [status.period_start.isoformat(), status.period_end.isoformat()],
                }
            )
    if not at_risk:
        return []
    names = [str(b["name"]) for b in at_risk[:5]]
    return [
        Insight(
            day=as_of,
            kind=InsightKind.BUDGET_RISK.value,
            title=f"{len(at_risk)} budget(s) at risk: {', '.join(names)}",
            data={"budgets": at_risk},
        )
    ]


def build_insights(*, db: Database, as_of: dt.date | None = None) -> dict[str, Any]:
    """Compute and store the insights of ``as_of`` (default today), replacing that day's."""
    day = as_of or dt.datetime.now(dt.UTC).date()
    with db.sessions.begin() as session:
        session.execute(delete(Insight).where(Insight.day == day))
        insights = [
            *_top_movers(session, day),
            *_new_services(session, day),
            *_waste(session, day),
            *_budget_risk(session, day),
        ]
        session.add_all(insights)
    counts: dict[str, Any] = {"day": day.isoformat(), "insights": len(insights)}
    for insight in insights:
        counts[insight.kind] = counts.get(insight.kind, 0) + 1
    return counts


def _insight_kind(value: str) -> InsightKind:
    try:
        return InsightKind(value)
    except ValueError as exc:
        kinds = [k.value for k in InsightKind]
        raise InvalidInputError(
            f"parameter 'kind': expected one of {', '.join(kinds)}, got {value!r}",
            details={"parameter": "kind", "expected": kinds},
        ) from exc


def list_insights(
    *, session: Session, day: dt.date | None = None, kind: str | None = None
) -> list[Insight]:
    """Insights of ``day`` (default: the newest day that has any), optionally of one kind.

    Raises InvalidInputError for a kind that is not an :class:`InsightKind`.
    """
    if kind is not None:
        kind = _insight_kind(kind)
    if day is None:
        day = session.scalar(select(Insight.day).order_by(Insight.day.desc()).limit(1))
        if day is None:
            return []
    stmt = select(Insight).where(Insight.day == day).order_by(Insight.id)
    if kind:
        stmt = stmt.where(Insight.kind == kind)
    return list(session.scalars(stmt))
