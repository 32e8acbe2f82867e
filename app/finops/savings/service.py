"""Savings ledger at the edges: record a baseline when a recommendation is applied, accrue
realized savings from later bills (job ``track_savings``), summarise estimated vs realized.

Which costs a recommendation moves (and so which facts the baseline and the actuals sum): EC2
instance hours (``BoxUsage``) for EC2 and node-group recommendations (over the group's nodes),
Lambda GB-seconds for Lambda memory, Fargate vCPU and GB hours for Fargate task sizes, and every
usage cost of the resource otherwise. The baseline is the mean daily effective cost over the
``baseline_days`` before the apply day (days with cost only).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from finops.audit import record_audit
from finops.core.errors import ConflictError, InvalidInputError
from finops.core.window import check_window
from finops.db.database import Database
from finops.db.models import BillingFact, Recommendation, SavingsBaseline, SavingsEntry
from finops.db.types import money_sum
from finops.savings.ledger import accrue_daily_savings, estimated_daily, realization_rate
from finops.savings.views import (
    AccountSavingsView,
    CurrencySavingsView,
    RecommendationSavingsView,
    SavingsBaselineView,
    SavingsDayView,
    SavingsSummaryView,
)

logger = logging.getLogger(__name__)

JOB_ACTOR = "job:track_savings"

_USAGE_PATTERNS: dict[str, tuple[str, ...]] = {
    "ec2_idle": ("%BoxUsage%",),
    "ec2_rightsize": ("%BoxUsage%",),
    "node_group": ("%BoxUsage%",),
    "lambda_memory": ("%Lambda-GB-Second%",),
    "fargate_task": ("%Fargate-vCPU-Hours%", "%Fargate-GB-Hours%"),
}


def _utc(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def _resource_ids(rec: Recommendation) -> list[str]:
    nodes = (rec.current_config or {}).get("node_ids")
    if rec.kind == "node_group" and isinstance(nodes, list) and nodes:
        return [str(n) for n in nodes]
    return [rec.resource_id]


def _cost_filter(rec: Recommendation) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [
        BillingFact.resource_id.in_(_resource_ids(rec)),
        BillingFact.charge_category == "Usage",
        BillingFact.billing_currency == rec.billing_currency,
    ]
    patterns = _USAGE_PATTERNS.get(rec.kind)
    if patterns:
        conditions.append(or_(*(BillingFact.usage_type.like(p) for p in patterns)))
    return conditions


def _daily_costs(
    session: Session, rec: Recommendation, start: dt.date, end: dt.date
) -> dict[dt.date, Decimal]:
    stmt = (
        select(BillingFact.charge_period_start, money_sum(BillingFact.effective_cost))
        .where(
            *_cost_filter(rec),
            BillingFact.charge_period_start >= _utc(start),
            BillingFact.charge_period_start < _utc(end),
        )
        .group_by(BillingFact.charge_period_start)
    )
    out: dict[dt.date, Decimal] = defaultdict(Decimal)
    for moment, cost in session.execute(stmt):
        out[moment.date()] += cost or Decimal(0)
    return dict(out)


def _billed_until(session: Session, rec: Recommendation) -> dt.date | None:
    """The first day the bill does not cover yet for the recommendation's account."""
    stmt = select(func.max(BillingFact.charge_period_start))
    if rec.account_id:
        stmt = stmt.where(BillingFact.sub_account_id == rec.account_id)
    last = session.scalar(stmt)
    return None if last is None else last.date() + dt.timedelta(days=1)


def record_baseline(
    *,
    session: Session,
    recommendation: Recommendation,
    applied_on: dt.date,
    actor: str,
    baseline_days: int = 14,
) -> SavingsBaselineView:
    """Record what ``recommendation`` (just applied on ``applied_on``) is measured against.

    Baseline = mean daily effective cost of the costs it moves over the ``baseline_days`` days
    before ``applied_on`` that carry any such cost (zero when none do). Audited in the caller's
    transaction; ConflictError if the recommendation already has a baseline.
    """
    if baseline_days < 1:
        raise InvalidInputError(
            f"parameter 'baseline_days': expected an integer >= 1, got {baseline_days}",
            details={"parameter": "baseline_days", "got": baseline_days},
        )
    existing = session.scalar(
        select(SavingsBaseline).where(SavingsBaseline.recommendation_id == recommendation.id)
    )
    if existing is not None:
        raise ConflictError(
            f"recommendation {recommendation.id} already has a savings baseline",
            details={"recommendation_id": recommendation.id},
        )
    start = applied_on - dt.timedelta(days=baseline_days)
    daily = _daily_costs(session, recommendation, start, applied_on)
    days = len(daily)
    mean = sum(daily.values(), Decimal(0)) / days if days else Decimal(0)
    monthly = recommendation.estimated_monthly_saving
    baseline = SavingsBaseline(
        recommendation_id=recommendation.id,
        resource_id=recommendation.resource_id,
        account_id=recommendation.account_id,
        applied_on=applied_on,
        baseline_start=start,
        baseline_end=applied_on,
        baseline_days=days,
        billing_currency=recommendation.billing_currency,
        baseline_daily_cost=mean.quantize(Decimal("0.000000000001")),
        estimated_monthly_saving=monthly,
        estimated_daily_saving=estimated_daily(monthly).quantize(Decimal("0.000000000001")),
        recorded_at=dt.datetime.now(dt.UTC),
    )
    session.add(baseline)
    session.flush()
    view = SavingsBaselineView.model_validate(baseline)
    record_audit(
        session=session,
        actor=actor,
        action="created",
        entity_type="savings_baseline",
        entity_id=baseline.id,
        after=view.model_dump(mode="json"),
    )
    return view


def track_savings(*, db: Database, as_of: dt.date | None = None) -> dict[str, Any]:
    """The ``track_savings`` job: accrue each applied recommendation's realized saving for every
    billed day from its apply day up to ``as_of`` (exclusive; default: what the bill covers).

    Guarantees: idempotent per (recommendation, day): a second run adds nothing; a restated
    bill updates the days it changed. One audit record per recommendation whose ledger changed.
    """
    counts: dict[str, Any] = defaultdict(int)
    with db.sessions.begin() as session:
        baselines = list(session.scalars(select(SavingsBaseline).order_by(SavingsBaseline.id)))
        for baseline in baselines:
            rec = session.get(Recommendation, baseline.recommendation_id)
            if rec is None or rec.status != "applied":
                counts["skipped"] += 1
                continue
            until = _billed_until(session, rec)
            if until is None:
                continue
            end = min(until, as_of) if as_of is not None else until
            if end <= baseline.applied_on:
                continue
            actual = _daily_costs(session, rec, baseline.applied_on, end)
            entries = accrue_daily_savings(
                baseline_daily_cost=baseline.baseline_daily_cost,
                estimated_daily_saving=baseline.estimated_daily_saving,
                actual_by_day=actual,
                start=baseline.applied_on,
                end=end,
            )
            stored = {
                e.day: e
                for e in session.scalars(
                    select(SavingsEntry).where(SavingsEntry.recommendation_id == rec.id)
                )
            }
            added = changed = 0
            realized_delta = Decimal(0)
            for entry in entries:
                row = stored.get(entry.day)
                if row is None:
                    session.add(
                        SavingsEntry(
                            recommendation_id=rec.id,
                            day=entry.day,
                            billing_currency=baseline.billing_currency,
                            baseline_daily_cost=entry.baseline,
                            actual_daily_cost=entry.actual,
                            estimated_saving=entry.estimated,
                            realized_saving=entry.realized,
                            recorded_at=dt.datetime.now(dt.UTC),
                        )
                    )
                    added += 1
                    realized_delta += entry.realized
                elif row.actual_daily_cost != entry.actual or row.realized_saving != entry.realized:
                    realized_delta += entry.realized - (row.realized_saving or Decimal(0))
                    row.actual_daily_cost = entry.actual
                    row.realized_saving = entry.realized
                    row.recorded_at = dt.datetime.now(dt.UTC)
                    changed += 1
            if added or changed:
                session.flush()
                record_audit(
                    session=session,
                    actor=JOB_ACTOR,
                    action="savings_accrued",
                    entity_type="recommendation",
                    entity_id=rec.id,
                    details={
                        "days_added": added,
                        "days_restated": changed,
                        "first_day": entries[0].day,
                        "last_day": entries[-1].day,
                        "realized_change": realized_delta,
                        "currency": baseline.billing_currency,
                    },
                )
            counts["recommendations"] += 1
            counts["days_added"] += added
            counts["days_restated"] += changed
    return {
        "as_of": as_of.isoformat() if as_of else None,
        "recommendations": counts["recommendations"],
        "days_added": counts["days_added"],
        "days_restated": counts["days_restated"],
        "skipped": counts["skipped"],
    }


def _totals(rows: list[RecommendationSavingsView]) -> dict[str, Any]:
    est = sum((r.estimated_to_date for r in rows), Decimal(0))
    real = sum((r.realized_to_date for r in rows), Decimal(0))
    monthly = sum((r.estimated_monthly_saving for r in rows), Decimal(0))
    return {
        "recommendations": len(rows),
        "estimated_monthly_saving": monthly,
        "estimated_to_date": est,
        "realized_to_date": real,
        "realization_rate": realization_rate(real, est),
    }


def savings_summary(
    *, session: Session, account_id: str | None = None, recommendation_id: int | None = None
) -> SavingsSummaryView:
    """Estimated vs realized per applied recommendation, per (account, currency) and per
    currency in total, with the realization rate (realized / estimated to date).

    Amounts in different currencies are never added; recommendations in recommendation id order,
    accounts by (account, currency), totals by currency.
    """
    stmt = (
        select(
            SavingsBaseline,
            Recommendation.kind,
            Recommendation.action,
            func.count(SavingsEntry.id),
            money_sum(SavingsEntry.estimated_saving),
            money_sum(SavingsEntry.realized_saving),
            func.max(SavingsEntry.day),
        )
        .join(Recommendation, Recommendation.id == SavingsBaseline.recommendation_id)
        .outerjoin(
            SavingsEntry, SavingsEntry.recommendation_id == SavingsBaseline.recommendation_id
        )
        .group_by(SavingsBaseline.id, Recommendation.kind, Recommendation.action)
        .order_by(SavingsBaseline.recommendation_id)
    )
    if account_id is not None:
        stmt = stmt.where(SavingsBaseline.account_id == account_id)
    if recommendation_id is not None:
        stmt = stmt.where(SavingsBaseline.recommendation_id == recommendation_id)
    per_rec: list[RecommendationSavingsView] = []
    for baseline, kind, action, days, est, real, last in session.execute(stmt):
        est = est or Decimal(0)
        real = real or Decimal(0)
        per_rec.append(
            RecommendationSavingsView(
                **SavingsBaselineView.model_validate(baseline).model_dump(),
                kind=kind,
                action=action,
                days_tracked=int(days or 0),
                last_day=_as_date(last) if last else None,
                estimated_to_date=est,
                realized_to_date=real,
                realization_rate=realization_rate(real, est),
            )
        )
    by_account: dict[tuple[str | None, str], list[RecommendationSavingsView]] = defaultdict(list)
    by_currency: dict[str, list[RecommendationSavingsView]] = defaultdict(list)
    for row in per_rec:
        by_account[(row.account_id, row.billing_currency)].append(row)
        by_currency[row.billing_currency].append(row)
    return SavingsSummaryView(
        recommendations=per_rec,
        accounts=[
            AccountSavingsView(account_id=acc, billing_currency=cur, **_totals(rows))
            for (acc, cur), rows in sorted(
                by_account.items(), key=lambda kv: (kv[0][0] or "", kv[0][1])
            )
        ],
        totals=[
            CurrencySavingsView(billing_currency=cur, **_totals(rows))
            for cur, rows in sorted(by_currency.items())
        ],
    )


def _as_date(day: dt.date | str) -> dt.date:
    """A day as SQL returned it (a date, or ISO text on SQLite)."""
    return day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day))


def savings_daily(
    *,
    session: Session,
    start: dt.date | None = None,
    end: dt.date | None = None,
    account_id: str | None = None,
) -> list[SavingsDayView]:
    """Estimated vs realized saving per day and currency over ``[start, end)`` (all tracked days
    when unset), summed exactly over the applied recommendations (of ``account_id``). A day's
    ``realized`` counts only the recommendations whose bill for that day is in; ``billed``
    says how many of them. An empty or reversed window is refused (InvalidInputError)."""
    if start is not None and end is not None:
        check_window(start, end)
    stmt = (
        select(
            SavingsEntry.day,
            SavingsEntry.billing_currency,
            func.count(SavingsEntry.id),
            func.count(SavingsEntry.realized_saving),
            money_sum(SavingsEntry.estimated_saving),
            money_sum(SavingsEntry.realized_saving),
        )
        .group_by(SavingsEntry.day, SavingsEntry.billing_currency)
        .order_by(SavingsEntry.day, SavingsEntry.billing_currency)
    )
    if start is not None:
        stmt = stmt.where(SavingsEntry.day >= start)
    if end is not None:
        stmt = stmt.where(SavingsEntry.day < end)
    if account_id is not None:
        stmt = stmt.join(
            SavingsBaseline, SavingsBaseline.recommendation_id == SavingsEntry.recommendation_id
        ).where(SavingsBaseline.account_id == account_id)
    return [
        SavingsDayView(
            day=_as_date(day),
            currency=currency,
            recommendations=int(count),
            billed=int(billed),
            estimated=estimated or Decimal(0),
            realized=realized or Decimal(0),
        )
        for day, currency, count, billed, estimated, realized in session.execute(stmt)
    ]
