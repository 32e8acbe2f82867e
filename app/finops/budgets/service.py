"""Budgets: definitions (CRUD), status against actual and forecast spend, alert evaluation.

Guarantees:
- Spend is the exact sum of the budget's metric over its scope, in the budget's currency only
  (facts in other currencies never count), for the current period [start, as_of).
- An alert is raised at most once per (budget, period, threshold kind, percent) — enforced by a
  unique constraint — and every raise, delivery attempt outcome and definition change is
  audited. Delivery failures stay ``pending``/``failed`` with the attempt count and error and are
  retried on the next evaluation.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from finops.audit import record_audit
from finops.budgets.rules import (
    Crossing,
    crossed_thresholds,
    percent_of,
    period_bounds,
    run_rate_projection,
)
from finops.core.errors import ConflictError, InvalidInputError, NotFoundError
from finops.core.models import InputModel
from finops.costs.query import CostQuery, query_costs
from finops.db.database import Database
from finops.db.models import Budget, BudgetAlert
from finops.db.types import decimal_to_text
from finops.notifications.webhook import deliver_webhook
from finops.secrets import SecretResolver, resolver_from_env

ScopeType = Literal["total", "account", "service", "region", "tag"]


class ThresholdSpec(InputModel):
    kind: Literal["actual", "forecast"] = Field(description="Compare actual or forecast spend.")
    percent: Decimal = Field(gt=0, le=1000, description="Percent of the budget amount.")


class BudgetSpec(InputModel):
    """A budget definition as the API and CLI accept it."""

    name: str = Field(min_length=1, max_length=200)
    scope_type: ScopeType = Field(default="total")
    scope_key: str | None = Field(
        default=None,
        description="Account id, service name or region; for tag budgets KEY=VALUE; "
        "none for total.",
    )
    period: Literal["monthly", "quarterly"] = "monthly"
    amount: Decimal = Field(gt=0, description="Budget amount in `currency` per period.")
    currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")
    metric: Literal["billed", "effective", "list"] = "effective"
    thresholds: list[ThresholdSpec] = Field(
        default_factory=lambda: [
            ThresholdSpec(kind="actual", percent=Decimal(80)),
            ThresholdSpec(kind="actual", percent=Decimal(100)),
            ThresholdSpec(kind="forecast", percent=Decimal(100)),
        ],
        max_length=10,
    )
    webhook_secret_name: str | None = Field(
        default=None,
        pattern=r"^[a-z0-9_]+$",
        description="Name of the secret (Vault field or FINOPS_<NAME>) holding the webhook URL.",
    )

    @field_validator("scope_key")
    @classmethod
    def _strip(cls, value: str | None) -> str | None:
        return value.strip() if value else None

    @model_validator(mode="after")
    def _scope_key_matches_type(self) -> BudgetSpec:
        if self.scope_type == "total" and self.scope_key:
            raise ValueError("no scope_key for a total budget")
        if self.scope_type != "total" and not self.scope_key:
            raise ValueError(f"a scope_key for a {self.scope_type} budget")
        if self.scope_type == "tag" and "=" not in (self.scope_key or ""):
            raise ValueError("scope_key KEY=VALUE for a tag budget")
        return self


def _spec_dict(budget: Budget) -> dict[str, Any]:
    return {
        "name": budget.name,
        "scope_type": budget.scope_type,
        "scope_key": budget.scope_key,
        "period": budget.period,
        "amount": budget.amount,
        "currency": budget.currency,
        "metric": budget.metric,
        "thresholds": budget.thresholds,
        "webhook_secret_name": budget.webhook_secret_name,
    }


def _apply(budget: Budget, spec: BudgetSpec) -> None:
    budget.name = spec.name
    budget.scope_type = spec.scope_type
    budget.scope_key = spec.scope_key
    budget.period = spec.period
    budget.amount = spec.amount
    budget.currency = spec.currency
    budget.metric = spec.metric
    budget.thresholds = [{"kind": t.kind, "percent": str(t.percent)} for t in spec.thresholds]
    budget.webhook_secret_name = spec.webhook_secret_name
    budget.updated_at = dt.datetime.now(dt.UTC)


def create_budget(*, session: Session, spec: BudgetSpec, actor: str) -> Budget:
    """Create a budget; ConflictError when the name is taken."""
    if session.scalar(select(Budget.id).where(Budget.name == spec.name)) is not None:
        raise ConflictError(f"a budget named {spec.name!r} exists", details={"name": spec.name})
    budget = Budget()
    _apply(budget, spec)
    session.add(budget)
    try:
        session.flush()
    except IntegrityError as exc:
        raise ConflictError(f"a budget named {spec.name!r} exists") from exc
    record_audit(
        session=session,
        actor=actor,
        action="created",
        entity_type="budget",
        entity_id=budget.id,
        after=_spec_dict(budget),
    )
    return budget


def get_budget(*, session: Session, budget_id: int) -> Budget:
    budget = session.get(Budget, budget_id)
    if budget is None:
        raise NotFoundError(f"no budget {budget_id}", details={"budget_id": budget_id})
    return budget


def list_budgets(*, session: Session) -> list[Budget]:
    return list(session.scalars(select(Budget).order_by(Budget.name)))


def update_budget(*, session: Session, budget_id: int, spec: BudgetSpec, actor: str) -> Budget:
    budget = get_budget(session=session, budget_id=budget_id)
    clash = session.scalar(
        select(Budget.id).where(Budget.name == spec.name, Budget.id != budget_id)
    )
    if clash is not None:
        raise ConflictError(f"a budget named {spec.name!r} exists", details={"name": spec.name})
    before = _spec_dict(budget)
    _apply(budget, spec)
    session.flush()
    record_audit(
        session=session,
        actor=actor,
        action="updated",
        entity_type="budget",
        entity_id=budget.id,
        before=before,
        after=_spec_dict(budget),
    )
    return budget


def delete_budget(*, session: Session, budget_id: int, actor: str) -> None:
    """Delete a budget and its alerts (the audit log keeps their history)."""
    budget = get_budget(session=session, budget_id=budget_id)
    before = _spec_dict(budget)
    session.execute(delete(BudgetAlert).where(BudgetAlert.budget_id == budget_id))
    session.delete(budget)
    session.flush()
    record_audit(
        session=session,
        actor=actor,
        action="deleted",
        entity_type="budget",
        entity_id=budget_id,
        before=before,
    )


@dataclass(frozen=True)
class BudgetStatus:
    """Where a budget stands on ``as_of`` (spend counts days before ``as_of``)."""

    budget_id: int
    name: str
    period_start: dt.date
    period_end: dt.date
    as_of: dt.date
    amount: Decimal
    currency: str
    actual: Decimal
    forecast: Decimal
    actual_percent: Decimal
    forecast_percent: Decimal
    forecast_method: str
    crossed: list[Crossing]


def _scope_filters(budget: Budget) -> dict[str, list[str | None]]:
    filters: dict[str, list[str | None]] = {"currency": [budget.currency]}
    if budget.scope_type == "tag" and budget.scope_key:
        key, _, value = budget.scope_key.partition("=")
        filters[f"tag:{key}"] = [value]
    elif budget.scope_type != "total" and budget.scope_key:
        filters[budget.scope_type] = [budget.scope_key]
    return filters


def budget_status(*, session: Session, budget: Budget, as_of: dt.date) -> BudgetStatus:
    """Actual spend so far this period, the run-rate projection to period end, thresholds hit."""
    start, end = period_bounds(budget.period, as_of - dt.timedelta(days=1))
    spend_end = min(as_of, end)
    actual = Decimal(0)
    if spend_end > start:
        result = query_costs(
            session=session,
            query=CostQuery.model_validate(
                {
                    "start": start,
                    "end": spend_end,
                    "filters": _scope_filters(budget),
                    "metric": budget.metric,
                }
            ),
        )
        for total in result.totals:
            if total.currency == budget.currency:
                actual = total.amounts.metric(budget.metric)  # type: ignore[arg-type]
    elapsed = (spend_end - start).days
    forecast = run_rate_projection(actual, elapsed, (end - start).days)
    method = "run-rate"
    projected = _model_projection(session, budget, as_of, actual)
    if projected is not None:
        forecast, method = projected
    thresholds = [(t["kind"], Decimal(str(t["percent"]))) for t in budget.thresholds]
    return BudgetStatus(
        budget_id=budget.id,
        name=budget.name,
        period_start=start,
        period_end=end,
        as_of=as_of,
        amount=budget.amount,
        currency=budget.currency,
        actual=actual,
        forecast=forecast,
        actual_percent=percent_of(actual, budget.amount),
        forecast_percent=percent_of(forecast, budget.amount),
        forecast_method=method,
        crossed=crossed_thresholds(
            amount=budget.amount, actual=actual, forecast=forecast, thresholds=thresholds
        ),
    )


def _model_projection(
    session: Session, budget: Budget, as_of: dt.date, actual: Decimal
) -> tuple[Decimal, str] | None:
    """The month-end projection of the stored cost forecast, when one covers this budget:
    monthly, effective cost, total/account/service scope, a run made by ``as_of``. The
    forecast's own month-to-date actual is replaced by the budget's (same facts, same scope)."""
    if budget.period != "monthly" or budget.metric != "effective":
        return None
    if budget.scope_type not in ("total", "account", "service"):
        return None
    from finops.forecasting import month_end_projection

    try:
        projection = month_end_projection(
            session=session,
            scope_type=budget.scope_type,
            scope_key=budget.scope_key or "total",
            currency=budget.currency,
            as_of=as_of,
        )
    except (NotFoundError, InvalidInputError):
        return None
    return actual + projection.forecast_remaining, f"forecast:{projection.model}"


def list_alerts(*, session: Session, budget_id: int | None = None) -> list[BudgetAlert]:
    stmt = select(BudgetAlert).order_by(BudgetAlert.id.desc())
    if budget_id is not None:
        stmt = stmt.where(BudgetAlert.budget_id == budget_id)
    return list(session.scalars(stmt))


def _cents(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01')):f}"


def _alert_message(budget: Budget, status: BudgetStatus, crossing: Crossing) -> dict[str, Any]:
    what = "Actual" if crossing.kind == "actual" else "Forecast"
    text = (
        f"{what} spend for budget '{budget.name}' reached {decimal_to_text(crossing.percent)}% "
        f"({_cents(crossing.value)} of "
        f"{_cents(budget.amount)} {budget.currency}, "
        f"period {status.period_start} to {status.period_end})"
    )
    return {
        "text": text,
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
        "budget": {
            "id": budget.id,
            "name": budget.name,
            "threshold_kind": crossing.kind,
            "threshold_percent": decimal_to_text(crossing.percent),
            "value": decimal_to_text(crossing.value),
            "amount": decimal_to_text(budget.amount),
            "currency": budget.currency,
        },
    }


def evaluate_budgets(
    *,
    db: Database,
    as_of: dt.date | None = None,
    resolver: SecretResolver | None = None,
    attempts: int = 3,
    backoff_seconds: float = 0.5,
) -> dict[str, Any]:
    """Raise new alerts for every budget and deliver every undelivered one (the job)."""
    today = as_of or dt.datetime.now(dt.UTC).date()
    secrets = resolver or resolver_from_env()
    raised = delivered = failed = 0
    with db.sessions.begin() as session:
        for budget in list_budgets(session=session):
            status = budget_status(session=session, budget=budget, as_of=today)
            for crossing in status.crossed:
                exists = session.scalar(
                    select(BudgetAlert.id).where(
                        BudgetAlert.budget_id == budget.id,
                        BudgetAlert.period_start == status.period_start,
                        BudgetAlert.threshold_kind == crossing.kind,
                        BudgetAlert.threshold_percent == crossing.percent,
                    )
                )
                if exists is not None:
                    continue
                alert = BudgetAlert(
                    budget_id=budget.id,
                    period_start=status.period_start,
                    threshold_kind=crossing.kind,
                    threshold_percent=crossing.percent,
                    amount_at_alert=crossing.value,
                    delivery_status="pending" if budget.webhook_secret_name else "not_sent",
                )
                session.add(alert)
                session.flush()
                raised += 1
                record_audit(
                    session=session,
                    actor="job:evaluate_budgets",
                    action="raised",
                    entity_type="budget_alert",
                    entity_id=alert.id,
                    after={
                        "budget_id": budget.id,
                        "kind": crossing.kind,
                        "percent": crossing.percent,
                        "value": crossing.value,
                        "period_start": status.period_start,
                    },
                )
    with db.sessions.begin() as session:
        pending = session.scalars(
            select(BudgetAlert).where(BudgetAlert.delivery_status.in_(("pending", "failed")))
        ).all()
        for alert in pending:
            owner = session.get(Budget, alert.budget_id)
            if owner is None or not owner.webhook_secret_name:
                continue
            budget, secret_name = owner, owner.webhook_secret_name
            status = budget_status(session=session, budget=budget, as_of=today)
            crossing = Crossing(
                alert.threshold_kind, alert.threshold_percent, alert.amount_at_alert
            )
            result = deliver_webhook(
                resolver=secrets,
                secret_name=secret_name,
                document=_alert_message(budget, status, crossing),
                attempts=attempts,
                backoff_seconds=backoff_seconds,
            )
            alert.delivery_attempts += result.attempts
            alert.delivery_status = "delivered" if result.delivered else "failed"
            alert.last_error = result.error
            delivered += result.delivered
            failed += not result.delivered
            record_audit(
                session=session,
                actor="job:evaluate_budgets",
                action="delivered" if result.delivered else "delivery_failed",
                entity_type="budget_alert",
                entity_id=alert.id,
                details={"attempts": result.attempts, "error": result.error},
            )
    return {"alerts_raised": raised, "alerts_delivered": delivered, "deliveries_failed": failed}
