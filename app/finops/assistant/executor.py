"""Run a :class:`QueryPlan` through the cost services and shape the answer.

Guarantees: every figure comes from :func:`finops.costs.query.query_costs` or
:func:`finops.costs.changes.cost_changes` (never from SQL built from text); the answer carries
the REST request(s) and the ``finops`` command that return the same figures; amounts in
different currencies are never added (a single ``value`` only when one currency is involved).
"""

from __future__ import annotations

import datetime as dt
import shlex
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from finops.assistant.answer import CHART_HINTS, Answer, AnswerRow, Source, money_text
from finops.assistant.plan import QueryPlan
from finops.core.api_paths import API_PREFIX
from finops.costs.changes import ChangeQuery, cost_changes
from finops.costs.query import CostQuery, query_costs


def _filters(plan: QueryPlan) -> dict[str, list[str | None]]:
    return {k: list(v) for k, v in plan.filters.items()}


def _rest_params(plan: QueryPlan, **extra: Any) -> dict[str, Any]:
    params: dict[str, Any] = {
        "start": plan.costs_window.start.isoformat(),
        "end": plan.costs_window.end.isoformat(),
        "metric": plan.cost_metric,
    }
    for dimension, values in plan.filters.items():
        params[f"filter[{dimension}]"] = ",".join(values)
    params.update({k: v for k, v in extra.items() if v is not None})
    return params


def _cli(command: str, plan: QueryPlan, start: dt.date, end: dt.date, **options: Any) -> str:
    parts = ["finops", command, "--start", start.isoformat(), "--end", end.isoformat()]
    for name, value in options.items():
        if value is None:
            continue
        parts += [f"--{name.replace('_', '-')}", str(value)]
    for dimension, values in sorted(plan.filters.items()):
        for value in values:
            parts += ["--filter", f"{dimension}={value}"]
    parts += ["--metric", plan.cost_metric, "--json"]
    return " ".join(shlex.quote(p) for p in parts)


def _single(values: dict[str, Decimal]) -> tuple[str | None, Decimal | None]:
    if len(values) == 1:
        ((currency, value),) = values.items()
        return currency, value
    return None, None


def execute(
    *, session: Session, plan: QueryPlan, as_of: dt.date | None = None, currency: str = "USD"
) -> Answer:
    """The answer to ``plan`` (see the module docstring); ``as_of`` dates the forecast and
    budget answers."""
    from finops.assistant import findings

    day = as_of or dt.datetime.now(dt.UTC).date()
    if plan.intent == "anomalies":
        return findings.anomalies(session, plan)
    if plan.intent == "recommendations":
        return findings.recommendations(session, plan)
    if plan.intent == "savings":
        return findings.savings(session, plan)
    if plan.intent == "forecast":
        return findings.forecast(session, plan, day, currency)
    if plan.intent == "budgets":
        return findings.budgets(session, plan, day)
    if plan.intent in {"rising", "falling"}:
        return _changes(session, plan)
    if plan.intent == "compare":
        return _compare(session, plan)
    return _costs(session, plan)


def _cost_query(plan: QueryPlan, **overrides: Any) -> CostQuery:
    values: dict[str, Any] = {
        "start": plan.costs_window.start,
        "end": plan.costs_window.end,
        "group_by": [plan.group_by] if plan.group_by else [],
        "filters": _filters(plan),
        "metric": plan.cost_metric,
        "granularity": plan.granularity if plan.intent == "series" else None,
    }
    values.update(overrides)
    return CostQuery(**values)


def _costs(session: Session, plan: QueryPlan) -> Answer:
    granularity = "day" if plan.intent == "max_day" else plan.granularity
    query = _cost_query(
        plan, granularity=granularity if plan.intent in {"series", "max_day"} else None
    )
    result = query_costs(session=session, query=query)
    metric = plan.cost_metric
    totals = {t.currency: t.amounts.metric(metric) for t in result.totals}
    rest = _rest_params(
        plan,
        group_by=plan.group_by,
        granularity=query.granularity,
    )
    cli = _cli(
        "costs",
        plan,
        plan.costs_window.start,
        plan.costs_window.end,
        group_by=plan.group_by,
        granularity=query.granularity,
    )
    sources = [Source("GET", f"{API_PREFIX}/costs", rest)]
    where = plan.costs_window.label
    rows: list[AnswerRow] = []
    currency, value = _single(totals)
    if plan.intent == "total":
        message = (
            f"{money_text(value, currency)} in {where}."
            if currency and value is not None
            else f"No cost in {where}."
            if not totals
            else f"Costs in {where}: "
            + "; ".join(money_text(v, c) for c, v in sorted(totals.items()))
            + " (currencies are never added)."
        )
        rows = [AnswerRow(group=c, value=v, currency=c) for c, v in sorted(totals.items())]
    elif plan.intent in {"top", "breakdown", "count"}:
        ranked = sorted(
            (r for r in result.rows if not r.is_other),
            key=lambda r: (
                -r.amounts.metric(metric),
                r.currency,
                r.keys.get(plan.group_by or "") or "",
            ),
        )
        if plan.intent == "count":
            ranked = [r for r in ranked if r.amounts.metric(metric) != 0]
            count = len({(r.keys.get(plan.group_by or ""), r.currency) for r in ranked})
            rows = [_row(r, plan, metric) for r in ranked]
            message = f"{count} {plan.group_by} value(s) had costs in {where}."
            return Answer(
                message, metric, None, Decimal(count), rows, sources, cli, CHART_HINTS[plan.intent]
            )
        if plan.intent == "top" and plan.n:
            ranked = ranked[: plan.n]
            cli = _cli(
                "costs",
                plan,
                plan.costs_window.start,
                plan.costs_window.end,
                group_by=plan.group_by,
                limit=plan.n,
            )
            sources = [Source("GET", f"{API_PREFIX}/costs", {**rest, "limit": plan.n})]
        rows = [_row(r, plan, metric) for r in ranked]
        message = (
            f"{'Top ' + str(len(rows)) if plan.intent == 'top' else 'Cost by'} {plan.group_by}"
            f" in {where}: "
            + ", ".join(f"{r.group} {money_text(r.value, r.currency)}" for r in rows[:5])
            + ("" if len(rows) <= 5 else ", ...")
            if rows
            else f"No cost in {where}."
        )
    elif plan.intent == "series":
        rows = [
            AnswerRow(
                group=r.period_start.isoformat(),
                value=r.amounts.metric(metric),
                currency=r.currency,
            )
            for r in result.rows
        ]
        message = f"{len(rows)} {plan.granularity} bucket(s) in {where}" + (
            f", {money_text(value, currency)} in all." if currency and value is not None else "."
        )
    else:  # max_day
        days = sorted(result.rows, key=lambda r: (-r.amounts.metric(metric), r.period_start))
        if days:
            top = days[0]
            rows = [
                AnswerRow(
                    group=top.period_start.isoformat(),
                    value=top.amounts.metric(metric),
                    currency=top.currency,
                )
            ]
            currency, value = top.currency, top.amounts.metric(metric)
            message = (
                f"The most expensive day in {where} was {top.period_start}: "
                f"{money_text(value, currency)}."
            )
        else:
            message = f"No cost in {where}."
    return Answer(message, metric, currency, value, rows, sources, cli, CHART_HINTS[plan.intent])


def _row(row: Any, plan: QueryPlan, metric: str) -> AnswerRow:
    return AnswerRow(
        group=str(row.keys.get(plan.group_by or "") or "(none)"),
        value=row.amounts.metric(metric),
        currency=row.currency,
    )


def _changes(session: Session, plan: QueryPlan) -> Answer:
    assert plan.previous_window is not None
    assert plan.group_by is not None
    query = ChangeQuery(
        start=plan.costs_window.start,
        end=plan.costs_window.end,
        previous_start=plan.previous_window.start,
        previous_end=plan.previous_window.end,
        group_by=plan.group_by,
        filters=_filters(plan),
        metric=plan.cost_metric,
        direction="rising" if plan.intent == "rising" else "falling",
        limit=plan.n,
    )
    result = cost_changes(session=session, query=query)
    rows = [
        AnswerRow(
            group=r.key or "(none)",
            value=r.change,
            currency=r.currency,
            extra={
                "current": str(r.current),
                "previous": str(r.previous),
                "change_percent": "" if r.change_percent is None else str(r.change_percent),
            },
        )
        for r in result.rows
    ]
    rest = _rest_params(
        plan,
        group_by=plan.group_by,
        previous_start=plan.previous_window.start.isoformat(),
        previous_end=plan.previous_window.end.isoformat(),
        direction=query.direction,
        limit=plan.n,
    )
    cli = _cli(
        "cost-changes",
        plan,
        plan.costs_window.start,
        plan.costs_window.end,
        previous_start=plan.previous_window.start.isoformat(),
        previous_end=plan.previous_window.end.isoformat(),
        group_by=plan.group_by,
        direction=query.direction,
        limit=plan.n,
    )
    verb = "rose" if plan.intent == "rising" else "fell"
    message = (
        f"{len(rows)} {plan.group_by} value(s) {verb} most in {plan.costs_window.label} against "
        f"{plan.previous_window.label}: "
        + ", ".join(
            f"{r.group} {'+' if r.value > 0 else ''}{money_text(r.value, r.currency)}" for r in rows
        )
        if rows
        else f"No {plan.group_by} {verb} in {plan.costs_window.label} against "
        f"{plan.previous_window.label}."
    )
    currencies = {r.currency for r in rows}
    return Answer(
        message,
        plan.cost_metric,
        next(iter(currencies)) if len(currencies) == 1 else None,
        None,
        rows,
        [Source("GET", f"{API_PREFIX}/costs/changes", rest)],
        cli,
        CHART_HINTS[plan.intent],
    )


def _compare(session: Session, plan: QueryPlan) -> Answer:
    assert plan.previous_window is not None
    metric = plan.cost_metric
    totals = []
    for window in (plan.costs_window, plan.previous_window):
        result = query_costs(
            session=session,
            query=CostQuery(
                start=window.start, end=window.end, filters=_filters(plan), metric=metric
            ),
        )
        totals.append({t.currency: t.amounts.metric(metric) for t in result.totals})
    current, previous = totals
    rows = [
        AnswerRow(group=plan.costs_window.label, value=v, currency=c)
        for c, v in sorted(current.items())
    ] + [
        AnswerRow(group=plan.previous_window.label, value=v, currency=c)
        for c, v in sorted(previous.items())
    ]
    currencies = set(current) | set(previous)
    value = currency = None
    if len(currencies) == 1:
        (currency,) = currencies
        value = current.get(currency, Decimal(0)) - previous.get(currency, Decimal(0))
        message = (
            f"{plan.costs_window.label}: "
            f"{money_text(current.get(currency, Decimal(0)), currency)}; "
            f"{plan.previous_window.label}: "
            f"{money_text(previous.get(currency, Decimal(0)), currency)}; "
            f"change {'+' if value > 0 else ''}{money_text(value, currency)}."
        )
    else:
        message = (
            f"No single currency to compare in {plan.costs_window.label}."
            if currencies
            else "No cost in either window."
        )
    sources = [
        Source("GET", f"{API_PREFIX}/costs", _rest_params(plan)),
        Source(
            "GET",
            f"{API_PREFIX}/costs",
            {
                **_rest_params(plan),
                "start": plan.previous_window.start.isoformat(),
                "end": plan.previous_window.end.isoformat(),
            },
        ),
    ]
    cli = " && ".join(
        [
            _cli("costs", plan, plan.costs_window.start, plan.costs_window.end),
            _cli("costs", plan, plan.previous_window.start, plan.previous_window.end),
        ]
    )
    return Answer(message, metric, currency, value, rows, sources, cli, CHART_HINTS["compare"])
