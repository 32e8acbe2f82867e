"""The MCP tools: each one a validated input, one service call, and a typed output.

Every operation calls the same service function as the REST route it names (never SQL built
from text). All tools are read-only; :data:`ASK` is the one whose transaction commits, because
``ask`` records the question and its outcome in ``ai_query_log`` and the audit log. The others
run in a transaction that is rolled back, and on PostgreSQL is also declared ``READ ONLY``
(:mod:`finops.mcp.server`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pydantic import BaseModel
from sqlalchemy.orm import Session

from finops.core.models import InputModel
from finops.costs.changes import ChangeQuery, ChangeResult, CostChange, cost_changes
from finops.costs.query import CostAmounts, CostQuery, query_costs
from finops.mcp.models import (
    AnomaliesIn,
    AnomaliesOut,
    AnomalyOut,
    AskIn,
    AskOut,
    BudgetOut,
    BudgetsIn,
    BudgetsOut,
    BudgetStatusOut,
    ContributorOut,
    CostChangeOut,
    CostChangesIn,
    CostChangesOut,
    CostQueryOut,
    CostRowOut,
    CostsOut,
    CostTotalOut,
    ForecastDayOut,
    ForecastRunOut,
    ForecastsIn,
    ForecastsOut,
    RecommendationsIn,
    RecommendationsOut,
    ThresholdOut,
    TopMoversIn,
    TopMoversOut,
)

MCP_ACTOR = "mcp"
"""Who asks, in ``ai_query_log.asked_by`` and the audit log."""

WINDOW_NOTE = (
    "Windows are half-open [start, end): start is included, end is excluded, in UTC days "
    "(March 2026 is start=2026-03-01, end=2026-04-01). Money is exact decimal text (never a "
    "float); amounts in different currencies are never added."
)


@dataclass(frozen=True)
class ToolContext:
    """What an operation gets besides its input: its own session, who asks, and today."""

    session: Session
    actor: str
    today: dt.date


@dataclass(frozen=True)
class ToolSpec:
    """One MCP tool. ``input_model`` is the input schema and the validator; ``output_model`` the
    output schema. ``logs`` marks the tool whose transaction commits (``ask``'s log entries)."""

    name: str
    title: str
    description: str
    input_model: type[InputModel]
    output_model: type[BaseModel]
    operation: Callable[[ToolContext, Any], BaseModel]
    logs: bool = False


# --------------------------------------------------------------------------- costs


def _figures(amounts: CostAmounts) -> dict[str, Any]:
    return {
        "billed": amounts.billed,
        "effective": amounts.effective,
        "list": amounts.list,
        "contracted": amounts.contracted,
        "line_items": amounts.line_items,
        "fact_count": amounts.fact_count,
    }


def costs(ctx: ToolContext, query: CostQuery) -> CostsOut:
    result = query_costs(session=ctx.session, query=query)
    return CostsOut(
        query=CostQueryOut(**query.model_dump()),
        rows=[
            CostRowOut(
                period_start=row.period_start,
                period_end=row.period_end,
                keys=row.keys,
                currency=row.currency,
                is_other=row.is_other,
                **_figures(row.amounts),
            )
            for row in result.rows
        ],
        totals=[CostTotalOut(currency=t.currency, **_figures(t.amounts)) for t in result.totals],
        line_items=result.line_items,
        fact_count=result.fact_count,
        generated_at=result.generated_at,
    )


# --------------------------------------------------------------------------- cost changes


def _change(row: CostChange) -> CostChangeOut:
    return CostChangeOut(
        group=row.key,
        currency=row.currency,
        current=row.current,
        previous=row.previous,
        change=row.change,
        change_percent=row.change_percent,
    )


def _changes(ctx: ToolContext, query: ChangeQuery) -> ChangeResult:
    return cost_changes(session=ctx.session, query=query)


def cost_changes_tool(ctx: ToolContext, params: CostChangesIn) -> CostChangesOut:
    result = _changes(ctx, ChangeQuery(**params.model_dump()))
    return CostChangesOut(
        start=result.current_window[0],
        end=result.current_window[1],
        previous_start=result.previous_window[0],
        previous_end=result.previous_window[1],
        group_by=result.query.group_by,
        metric=result.query.metric,
        direction=result.query.direction,
        rows=[_change(r) for r in result.rows],
    )


def top_movers(ctx: ToolContext, params: TopMoversIn) -> TopMoversOut:
    """``cost_changes`` over ``[as_of - days, as_of)`` against the ``days`` before: the rules of
    the daily top-movers insight (:func:`finops.insights.rank_movers`), for any window."""
    as_of = params.as_of or ctx.today
    start = as_of - dt.timedelta(days=params.days)
    common = {
        "start": start,
        "end": as_of,
        "group_by": params.group_by,
        "filters": params.filters,
        "metric": params.metric,
        "limit": params.limit,
    }
    rising = _changes(ctx, ChangeQuery(**common, direction="rising"))
    falling = _changes(ctx, ChangeQuery(**common, direction="falling"))
    previous_start, previous_end = rising.previous_window
    return TopMoversOut(
        as_of=as_of,
        days=params.days,
        start=start,
        end=as_of,
        previous_start=previous_start,
        previous_end=previous_end,
        group_by=params.group_by,
        metric=params.metric,
        rising=[_change(r) for r in rising.rows],
        falling=[_change(r) for r in falling.rows],
    )


# --------------------------------------------------------------------------- anomalies


def anomalies(ctx: ToolContext, params: AnomaliesIn) -> AnomaliesOut:
    from finops.anomalies import list_anomalies

    views = list_anomalies(
        session=ctx.session,
        status=params.status,
        scope_type=params.scope_type,
        scope_key=params.scope_key,
        currency=params.currency,
        start=params.start,
        end=params.end,
        limit=params.limit,
        offset=params.offset,
    )
    items = [
        AnomalyOut(
            id=v.id,
            scope_type=v.scope_type,
            scope_key=v.scope_key,
            currency=v.currency,
            start_day=v.start_day,
            end_day=v.end_day,
            days=v.days,
            expected_cost=v.expected_cost,
            actual_cost=v.actual_cost,
            impact=v.impact,
            impact_percent=v.impact_percent,
            severity=v.severity,
            score=v.score,
            status=v.status,
            root_cause=[ContributorOut.model_validate(c) for c in v.root_cause],
            detected_at=v.detected_at,
        )
        for v in views
    ]
    return AnomaliesOut(items=items, limit=params.limit, offset=params.offset)


# --------------------------------------------------------------------------- recommendations


def recommendations(ctx: ToolContext, params: RecommendationsIn) -> RecommendationsOut:
    from finops.rightsizing import list_recommendations

    page = list_recommendations(
        session=ctx.session,
        status=params.status,
        kind=params.kind,
        account_id=params.account_id,
        resource_id=params.resource_id,
        limit=params.limit,
        offset=params.offset,
    )
    return RecommendationsOut(
        items=page.items,
        total=page.total,
        limit=page.limit,
        offset=page.offset,
        next_offset=page.next_offset,
    )


# --------------------------------------------------------------------------- forecasts


def forecasts(ctx: ToolContext, params: ForecastsIn) -> ForecastsOut:
    from finops.forecasting import get_forecast, list_forecasts

    runs = list_forecasts(
        session=ctx.session,
        scope_type=params.scope_type,
        scope_key=params.scope_key,
        currency=params.currency,
        as_of=params.as_of,
        latest_only=params.latest_only,
        limit=params.limit,
        offset=params.offset,
    )
    items = []
    for run in runs:
        days = None
        if params.include_forecast:
            detail = get_forecast(session=ctx.session, forecast_id=run.id, history_days=0)
            days = [
                ForecastDayOut(
                    day=p.day,
                    yhat=p.yhat,
                    lower_80=p.lower_80,
                    upper_80=p.upper_80,
                    lower_95=p.lower_95,
                    upper_95=p.upper_95,
                )
                for p in detail.forecast
            ]
        items.append(
            ForecastRunOut(
                id=run.id,
                scope_type=run.scope_type,
                scope_key=run.scope_key,
                currency=run.currency,
                model=run.model,
                as_of=run.as_of,
                horizon_days=run.horizon_days,
                created_at=run.created_at,
                job_run_id=run.job_run_id,
                scores=run.scores,
                forecast=days,
            )
        )
    return ForecastsOut(items=items, limit=params.limit, offset=params.offset)


# --------------------------------------------------------------------------- budgets


def budgets(ctx: ToolContext, params: BudgetsIn) -> BudgetsOut:
    from finops.budgets import budget_status, list_budgets

    as_of = params.as_of or ctx.today
    items = []
    for budget in list_budgets(session=ctx.session):
        status = budget_status(session=ctx.session, budget=budget, as_of=as_of)
        items.append(
            BudgetStatusOut(
                budget=BudgetOut(
                    id=budget.id,
                    name=budget.name,
                    scope_type=budget.scope_type,
                    scope_key=budget.scope_key,
                    period=budget.period,
                    amount=budget.amount,
                    currency=budget.currency,
                    metric=budget.metric,
                    thresholds=[
                        ThresholdOut(kind=t["kind"], percent=Decimal(str(t["percent"])))
                        for t in budget.thresholds
                    ],
                ),
                period_start=status.period_start,
                period_end=status.period_end,
                as_of=status.as_of,
                actual=status.actual,
                forecast=status.forecast,
                actual_percent=status.actual_percent,
                forecast_percent=status.forecast_percent,
                forecast_method=status.forecast_method,
                crossed=[ThresholdOut(kind=c.kind, percent=c.percent) for c in status.crossed],
            )
        )
    return BudgetsOut(items=items)


# --------------------------------------------------------------------------- ask


def ask_tool(ctx: ToolContext, params: AskIn) -> AskOut:
    from finops.assistant.engines import build_reader
    from finops.assistant.service import ask
    from finops.config import get_settings

    settings = get_settings()  # the engine as the API and `finops ask` pick it
    result = ask(
        session=ctx.session,
        question=params.question,
        actor=ctx.actor,
        as_of=params.as_of or ctx.today,
        reader=build_reader(settings.assistant_engine, settings.bedrock_model_id),
    )
    return AskOut.model_validate(result.as_json())


# --------------------------------------------------------------------------- the tools

PAGING_NOTE = "Pages with limit (1-1000, default 100) and offset."

COSTS = ToolSpec(
    name="costs",
    title="Cost sums",
    description=(
        "Exact cost sums from the billing facts by period, dimensions and currency (the figures "
        "of GET /api/v1/costs and `finops costs`). A fact counts when its charge day lies in "
        "[start, end). group_by: up to 3 dimensions; filters: dimension -> allowed values; "
        "granularity: day, month or none (one bucket for the window); limit keeps the top N "
        "groups by metric in each period and currency and folds the rest into one is_other row. "
        "Every row carries all four costs (billed, effective, list, contracted). " + WINDOW_NOTE
    ),
    input_model=CostQuery,
    output_model=CostsOut,
    operation=costs,
)

COST_CHANGES = ToolSpec(
    name="cost_changes",
    title="Cost changes between two windows",
    description=(
        "How each group's cost changed between a base window and the current window [start, "
        "end), by one dimension (GET /api/v1/costs/changes, `finops cost-changes`). The base "
        "window defaults to the same number of days just before start. change = current - "
        "previous; a group missing from one window counts as zero there. direction rising keeps "
        "increases (largest first), falling keeps decreases (most negative first), all keeps "
        "every group. " + WINDOW_NOTE
    ),
    input_model=CostChangesIn,
    output_model=CostChangesOut,
    operation=cost_changes_tool,
)

TOP_MOVERS = ToolSpec(
    name="top_movers",
    title="Top cost movers",
    description=(
        "The groups whose cost rose and fell most: the current window [as_of - days, as_of) "
        "against the `days` before it (default: the last 30 days by service, as of today UTC), "
        "the same rule as the daily top-movers insight, computed by cost_changes. " + WINDOW_NOTE
    ),
    input_model=TopMoversIn,
    output_model=TopMoversOut,
    operation=top_movers,
)

ANOMALIES = ToolSpec(
    name="anomalies",
    title="Cost anomalies",
    description=(
        "Detected cost anomalies (GET /api/v1/anomalies): open ones by default, those overlapping "
        "[start, end) when a window is given; each with expected and actual cost, impact, "
        "severity and the root-cause contributors. end_day is excluded. "
        + PAGING_NOTE
        + " "
        + WINDOW_NOTE
    ),
    input_model=AnomaliesIn,
    output_model=AnomaliesOut,
    operation=anomalies,
)

RECOMMENDATIONS = ToolSpec(
    name="recommendations",
    title="Rightsizing and idle recommendations",
    description=(
        "Rightsizing and idle recommendations for EC2, ECS, EKS node groups and Lambda "
        "(GET /api/v1/recommendations), largest estimated monthly saving first, with the "
        "current and recommended configuration and the utilization evidence. "
        + PAGING_NOTE
        + " Money is exact decimal text."
    ),
    input_model=RecommendationsIn,
    output_model=RecommendationsOut,
    operation=recommendations,
)

FORECASTS = ToolSpec(
    name="forecasts",
    title="Stored cost forecasts",
    description=(
        "Stored forecast runs (GET /api/v1/forecasts): per scope and currency the model the "
        "backtest chose and its scores, the newest run of each scope by default; with "
        "include_forecast, each run's daily forecast (yhat) and its 80% and 95% bands, from "
        "as_of on. " + PAGING_NOTE + " " + WINDOW_NOTE
    ),
    input_model=ForecastsIn,
    output_model=ForecastsOut,
    operation=forecasts,
)

BUDGETS = ToolSpec(
    name="budgets",
    title="Budgets and their status",
    description=(
        "Every budget with where it stands on as_of (GET /api/v1/budgets): the period "
        "[period_start, period_end), actual spend over the days before as_of, the projected "
        "spend for the period, both as percent of the amount, and the thresholds crossed. "
        + WINDOW_NOTE
    ),
    input_model=BudgetsIn,
    output_model=BudgetsOut,
    operation=budgets,
)

ASK = ToolSpec(
    name="ask",
    title="Ask a cost question",
    description=(
        "A cost question in words (e.g. 'Top 5 services with rising cost last 60 days?') read "
        "into a validated query plan (never SQL) and answered by the cost services: status "
        "answered (the plan, the rows, the REST request and the finops command reproducing "
        "them), clarify (options lists the choices) or refused (writes, SQL, off-topic). "
        "Relative windows end before as_of (default today, UTC). The question and its outcome "
        "are recorded in the query log and the audit log (asked by 'mcp'); nothing else is "
        "written. " + WINDOW_NOTE
    ),
    input_model=AskIn,
    output_model=AskOut,
    operation=ask_tool,
    logs=True,
)

TOOLS: tuple[ToolSpec, ...] = (
    COSTS,
    COST_CHANGES,
    TOP_MOVERS,
    ANOMALIES,
    RECOMMENDATIONS,
    FORECASTS,
    BUDGETS,
    ASK,
)
"""Every tool the server lists, in this order."""
