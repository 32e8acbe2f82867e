"""Answers about the platform's findings: anomalies, recommendations, savings, the month-end
projection and budgets, each read through the service the REST route uses, with that route and
the ``finops`` command as its sources."""

from __future__ import annotations

import datetime as dt
import shlex
from decimal import Decimal

from sqlalchemy.orm import Session

from finops.assistant.answer import CHART_HINTS, Answer, AnswerRow, Source, money_text
from finops.assistant.plan import QueryPlan
from finops.core.api_paths import API_PREFIX

DEFAULT_ROWS = 10


def _one_account(plan: QueryPlan) -> str | None:
    accounts = plan.filters.get("account") or []
    return accounts[0] if accounts else None


def _cli(*parts: str) -> str:
    return " ".join(shlex.quote(p) for p in ("finops", *parts, "--json"))


def anomalies(session: Session, plan: QueryPlan) -> Answer:
    from finops.anomalies import list_anomalies

    window = plan.costs_window
    limit = plan.n or DEFAULT_ROWS * 5
    views = list_anomalies(session=session, start=window.start, end=window.end, limit=limit)
    rows = [
        AnswerRow(
            group=f"{v.scope_type}:{v.scope_key} from {v.start_day}",
            value=v.impact,
            currency=v.currency,
            extra={"severity": v.severity, "status": v.status, "days": str(v.days)},
        )
        for v in views
    ]
    message = f"{len(rows)} cost anomal{'y' if len(rows) == 1 else 'ies'} in {window.label}" + (
        f"; the largest impact: {rows[0].group} +{money_text(rows[0].value, rows[0].currency)}."
        if rows
        else "."
    )
    if rows:
        largest = max(rows, key=lambda r: r.value)
        message = (
            f"{len(rows)} cost anomal{'y' if len(rows) == 1 else 'ies'} in {window.label}; the "
            f"largest impact: {largest.group} +{money_text(largest.value, largest.currency)}."
        )
    params = {"start": window.start.isoformat(), "end": window.end.isoformat(), "limit": limit}
    return Answer(
        message,
        "effective",
        None,
        Decimal(len(rows)),
        rows,
        [Source("GET", f"{API_PREFIX}/anomalies", params)],
        _cli(
            "anomalies",
            "list",
            "--start",
            window.start.isoformat(),
            "--end",
            window.end.isoformat(),
            "--limit",
            str(limit),
        ),
        CHART_HINTS["anomalies"],
    )


def recommendations(session: Session, plan: QueryPlan) -> Answer:
    from finops.rightsizing import list_recommendations

    account = _one_account(plan)
    limit = plan.n or DEFAULT_ROWS
    page = list_recommendations(session=session, status="open", account_id=account, limit=limit)
    rows = [
        AnswerRow(
            group=f"{r.action} {r.resource_id}",
            value=r.estimated_monthly_saving,
            currency=r.billing_currency,
            extra={"kind": str(r.kind), "id": str(r.id)},
        )
        for r in page.items
    ]
    by_currency: dict[str, Decimal] = {}
    for row in rows:
        by_currency[row.currency] = by_currency.get(row.currency, Decimal(0)) + row.value
    message = (
        f"{page.total} open recommendation(s); the {len(rows)} largest would save "
        + "; ".join(f"{money_text(v, c)} a month" for c, v in sorted(by_currency.items()))
        + "."
        if rows
        else "No open recommendation."
    )
    params: dict[str, object] = {"status": "open", "limit": limit}
    cli = ["recommendations", "list", "--status", "open", "--limit", str(limit)]
    if account:
        params["account_id"] = account
        cli += ["--account", account]
    single = next(iter(by_currency)) if len(by_currency) == 1 else None
    return Answer(
        message,
        "effective",
        single,
        by_currency.get(single) if single else None,
        rows,
        [Source("GET", f"{API_PREFIX}/recommendations", params)],
        _cli(*cli),
        CHART_HINTS["recommendations"],
    )


def savings(session: Session, plan: QueryPlan) -> Answer:
    from finops.savings import savings_summary

    account = _one_account(plan)
    summary = savings_summary(session=session, account_id=account)
    rows = [
        AnswerRow(
            group=t.billing_currency,
            value=t.realized_to_date,
            currency=t.billing_currency,
            extra={
                "estimated_to_date": str(t.estimated_to_date),
                "recommendations": str(t.recommendations),
                "realization_rate": "" if t.realization_rate is None else str(t.realization_rate),
            },
        )
        for t in summary.totals
    ]
    message = (
        "Realized savings to date: "
        + "; ".join(
            f"{money_text(r.value, r.currency)} of "
            f"{money_text(Decimal(r.extra['estimated_to_date']), r.currency)} estimated"
            for r in rows
        )
        + "."
        if rows
        else "No applied recommendation is being tracked yet."
    )
    params: dict[str, object] = {"account_id": account} if account else {}
    cli = ["savings"] + (["--account", account] if account else [])
    single = rows[0] if len(rows) == 1 else None
    return Answer(
        message,
        "effective",
        single.currency if single else None,
        single.value if single else None,
        rows,
        [Source("GET", f"{API_PREFIX}/savings", params)],
        _cli(*cli),
        CHART_HINTS["savings"],
    )


def forecast(session: Session, plan: QueryPlan, as_of: dt.date, currency: str) -> Answer:
    from finops.forecasting import month_end_projection

    services = plan.filters.get("service") or []
    scope_type, scope_key = ("service", services[0]) if len(services) == 1 else ("total", "total")
    projection = month_end_projection(
        session=session, scope_type=scope_type, scope_key=scope_key, currency=currency, as_of=as_of
    )
    rows = [
        AnswerRow(group=name, value=value, currency=projection.currency)
        for name, value in (
            ("actual to date", projection.actual_to_date),
            ("forecast of the rest", projection.forecast_remaining),
            ("projected month", projection.projected),
            ("80% low", projection.lower_80),
            ("80% high", projection.upper_80),
        )
    ]
    c = projection.currency
    message = (
        f"Projected {projection.month_start:%B %Y}"
        + ("" if scope_type == "total" else f" for {scope_key}")
        + f": {money_text(projection.projected, c)} ({money_text(projection.actual_to_date, c)} "
        f"so far; 80% range {money_text(projection.lower_80, c)} to "
        f"{money_text(projection.upper_80, c)}; model {projection.model})."
    )
    params = {
        "scope_type": scope_type,
        "scope_key": scope_key,
        "currency": c,
        "as_of": as_of.isoformat(),
    }
    return Answer(
        message,
        "effective",
        c,
        projection.projected,
        rows,
        [Source("GET", f"{API_PREFIX}/projections/month-end", params)],
        _cli(
            "forecasts",
            "month-end",
            "--scope-type",
            scope_type,
            "--scope-key",
            scope_key,
            "--currency",
            c,
            "--as-of",
            as_of.isoformat(),
        ),
        CHART_HINTS["forecast"],
    )


def budgets(session: Session, plan: QueryPlan, as_of: dt.date) -> Answer:
    from finops.budgets import budget_status, list_budgets

    statuses = [
        budget_status(session=session, budget=b, as_of=as_of) for b in list_budgets(session=session)
    ]
    rows = [
        AnswerRow(
            group=s.name,
            value=s.actual,
            currency=s.currency,
            extra={
                "amount": str(s.amount),
                "actual_percent": str(s.actual_percent),
                "forecast": str(s.forecast),
                "forecast_percent": str(s.forecast_percent),
            },
        )
        for s in statuses
    ]
    over = [s for s in statuses if s.forecast > s.amount]
    message = (
        f"{len(rows)} budget(s); "
        + (
            f"{len(over)} projected over: " + ", ".join(s.name for s in over)
            if over
            else "none projected over its amount"
        )
        + "."
        if rows
        else "No budget is defined."
    )
    return Answer(
        message,
        "effective",
        None,
        None,
        rows,
        [Source("GET", f"{API_PREFIX}/budgets", {"as_of": as_of.isoformat()})],
        _cli("budgets", "list", "--as-of", as_of.isoformat()),
        CHART_HINTS["budgets"],
    )
