"""What the MCP tools take and give: one input model and one output model per tool.

Inputs derive from :class:`~finops.core.models.InputModel`, so one model is both the tool's
``inputSchema`` and its validator: a bad argument raises the platform's
:class:`~finops.core.errors.InvalidInputError` naming the parameter, as the REST API and the CLI
do. Outputs are the tools' ``outputSchema`` (structured content): money is exact decimal text
(:data:`~finops.core.money.MoneyStr`), other decimals plain decimal text, days ISO dates, and
every window half-open ``[start, end)``. The REST models cannot be shared (``finops.api`` and
``finops.mcp`` are sibling doors), so the shapes here follow the REST responses field by field.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from finops.anomalies.views import AnomalySeverity, AnomalyStatus
from finops.assistant.plan import QueryPlan
from finops.core.errors import InvalidInputError
from finops.core.models import InputModel
from finops.core.money import DecimalStr, MoneyStr
from finops.core.paging import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from finops.core.window import window_problem
from finops.costs.changes import Direction
from finops.costs.dimensions import parse_dimension
from finops.costs.query import MAX_FILTER_VALUES, MAX_LIMIT, MAX_SPAN_DAYS, Granularity, Metric
from finops.rightsizing.recommendation import RecommendationKind, RecommendationStatus
from finops.rightsizing.views import RecommendationView

MAX_MOVER_DAYS = 366
MAX_MOVERS = 50
CURRENCY_PATTERN = r"^[A-Z]{3}$"

DIMENSIONS_TEXT = (
    "service, account, billing_account, region, resource, charge_category, service_category, "
    "pricing_category, provider, usage_type, currency, or tag:<key>"
)


class Output(BaseModel):
    """Base of the tools' output models (frozen; serialised with ``mode="json"``)."""

    model_config = ConfigDict(frozen=True)


# --------------------------------------------------------------------------- shared checks


def _dimension(value: str, parameter: str) -> str:
    """The canonical dimension name; ValueError (pydantic attributes it) with the platform's
    wording otherwise."""
    try:
        return str(parse_dimension(value, parameter=parameter))
    except InvalidInputError as exc:
        raise ValueError(exc.message.split(": ", 1)[-1]) from exc


def _filters(filters: dict[str, list[str | None]]) -> dict[str, list[str | None]]:
    result: dict[str, list[str | None]] = {}
    for name, values in filters.items():
        key = _dimension(name, "filters")
        if not values:
            raise ValueError(f"at least one value for dimension {key!r}")
        if len(values) > MAX_FILTER_VALUES:
            raise ValueError(f"at most {MAX_FILTER_VALUES} values for dimension {key!r}")
        result[key] = list(dict.fromkeys(values))
    return result


def _window_expectation(start: dt.date, end: dt.date, start_name: str = "start") -> str:
    """The platform's empty-window message as a pydantic expectation (the value refused is
    added by :func:`~finops.core.models.invalid_input_from`)."""
    problem = window_problem(start, end).removeprefix("parameter 'end': ")
    return problem.rsplit(", got ", 1)[0].replace("after start", f"after {start_name}")


def _after(start: object, end: dt.date, start_name: str) -> dt.date:
    """``end`` unless it does not come after ``start`` (the half-open window rule)."""
    if isinstance(start, dt.date):
        if end <= start:
            raise ValueError(_window_expectation(start, end, start_name))
        if (end - start).days > MAX_SPAN_DAYS:
            raise ValueError(f"a date at most {MAX_SPAN_DAYS} days after {start_name}")
    return end


def _filters_field() -> Any:
    return Field(
        default_factory=dict,
        description="Dimension -> the values it may take (any of them); null matches a missing "
        'value. Example: {"service": ["AWS Lambda"], "tag:team": ["web", null]}.',
    )


def _metric_field() -> Any:
    return Field(
        default="effective",
        description="effective (amortized, the default), billed or list cost.",
    )


# --------------------------------------------------------------------------- costs


class CostFiguresOut(Output):
    billed: MoneyStr
    effective: MoneyStr
    list: MoneyStr
    contracted: MoneyStr
    line_items: int = Field(description="Source line items behind these sums.")
    fact_count: int = Field(description="Daily facts behind these sums.")


class CostRowOut(CostFiguresOut):
    period_start: dt.date
    period_end: dt.date = Field(description="Excluded; clipped to the query window.")
    keys: dict[str, str | None] = Field(description="Group dimension -> value (null = missing).")
    currency: str
    is_other: bool = Field(description="True for the row folding the groups beyond the limit.")


class CostTotalOut(CostFiguresOut):
    currency: str


class CostQueryOut(Output):
    start: dt.date
    end: dt.date = Field(description="Excluded.")
    granularity: Granularity | None
    group_by: list[str]
    filters: dict[str, list[str | None]]
    metric: Metric
    limit: int | None


class CostsOut(Output):
    """The ``costs`` tool: as ``GET /api/v1/costs``."""

    query: CostQueryOut = Field(description="The query as validated (dimension names canonical).")
    rows: list[CostRowOut]
    totals: list[CostTotalOut] = Field(description="One per currency; currencies are never added.")
    line_items: int
    fact_count: int
    generated_at: dt.datetime


# --------------------------------------------------------------------------- cost changes


class CostChangesIn(InputModel):
    """Two half-open windows compared by one dimension."""

    start: dt.date = Field(description="First day of the current window, included (UTC).")
    end: dt.date = Field(description="First day after the current window, excluded (UTC).")
    previous_start: dt.date | None = Field(
        default=None,
        description="First day of the base window, included; default: the same number of days "
        "just before start.",
    )
    previous_end: dt.date | None = Field(
        default=None,
        validate_default=True,
        description="First day after the base window, excluded; give both or neither.",
    )
    group_by: str = Field(default="service", description=f"One dimension: {DIMENSIONS_TEXT}.")
    filters: dict[str, list[str | None]] = _filters_field()
    metric: Metric = _metric_field()
    direction: Direction = Field(
        default="all",
        description="rising: increases only, largest first; falling: decreases only, most "
        "negative first; all: every group, largest change first.",
    )
    limit: int | None = Field(default=None, ge=1, le=MAX_LIMIT, description="Keep the first N.")

    @field_validator("end")
    @classmethod
    def _end_after_start(cls, end: dt.date, info: ValidationInfo) -> dt.date:
        return _after(info.data.get("start"), end, "start")

    @field_validator("previous_end")
    @classmethod
    def _previous_window(cls, end: dt.date | None, info: ValidationInfo) -> dt.date | None:
        start = info.data.get("previous_start")
        if (start is None) != (end is None):
            if "previous_start" not in info.data:
                return end  # previous_start itself was refused; that error says why
            raise ValueError("previous_start and previous_end together (give both or neither)")
        if end is not None:
            return _after(start, end, "previous_start")
        return end

    @field_validator("group_by")
    @classmethod
    def _known_dimension(cls, value: str) -> str:
        return _dimension(value, "group_by")

    @field_validator("filters")
    @classmethod
    def _known_filters(cls, value: dict[str, list[str | None]]) -> dict[str, list[str | None]]:
        return _filters(value)


class CostChangeOut(Output):
    group: str | None = Field(description="The dimension's value (null = missing).")
    currency: str
    current: MoneyStr = Field(description="Sum over the current window.")
    previous: MoneyStr = Field(description="Sum over the base window.")
    change: MoneyStr = Field(description="current - previous.")
    change_percent: MoneyStr | None = Field(description="Null when the base is zero.")


class CostChangesOut(Output):
    """The ``cost_changes`` tool: as ``GET /api/v1/costs/changes``."""

    start: dt.date
    end: dt.date = Field(description="Excluded.")
    previous_start: dt.date
    previous_end: dt.date = Field(description="Excluded.")
    group_by: str
    metric: Metric
    direction: Direction
    rows: list[CostChangeOut]


# --------------------------------------------------------------------------- top movers


class TopMoversIn(InputModel):
    """The last ``days`` days against the ``days`` before them, ending at ``as_of``."""

    as_of: dt.date | None = Field(
        default=None,
        description="First day after the current window (excluded); default: today (UTC).",
    )
    days: int = Field(default=30, ge=1, le=MAX_MOVER_DAYS, description="Length of each window.")
    group_by: str = Field(default="service", description=f"One dimension: {DIMENSIONS_TEXT}.")
    filters: dict[str, list[str | None]] = _filters_field()
    metric: Metric = _metric_field()
    limit: int = Field(
        default=5, ge=1, le=MAX_MOVERS, description="How many risers and how many fallers."
    )

    @field_validator("group_by")
    @classmethod
    def _known_dimension(cls, value: str) -> str:
        return _dimension(value, "group_by")

    @field_validator("filters")
    @classmethod
    def _known_filters(cls, value: dict[str, list[str | None]]) -> dict[str, list[str | None]]:
        return _filters(value)


class TopMoversOut(Output):
    """The ``top_movers`` tool: the largest rises and falls between two equal windows."""

    as_of: dt.date
    days: int
    start: dt.date = Field(description="Current window [start, end); end is as_of.")
    end: dt.date
    previous_start: dt.date = Field(description="Base window [previous_start, previous_end).")
    previous_end: dt.date
    group_by: str
    metric: Metric
    rising: list[CostChangeOut] = Field(description="Largest increase first.")
    falling: list[CostChangeOut] = Field(description="Largest decrease (most negative) first.")


# --------------------------------------------------------------------------- anomalies


class PageIn(InputModel):
    limit: int = Field(
        default=DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Page size (1-1000)."
    )
    offset: int = Field(default=0, ge=0, description="Items to skip.")


class AnomaliesIn(PageIn):
    """Stored cost anomalies, filtered (``GET /api/v1/anomalies``)."""

    status: AnomalyStatus | None = Field(
        default=AnomalyStatus.OPEN, description="Default open; null for every status."
    )
    start: dt.date | None = Field(
        default=None, description="Anomalies overlapping [start, end): first day included."
    )
    end: dt.date | None = Field(default=None, description="First day excluded.")
    scope_type: str | None = Field(
        default=None, description="total, account, service, account_service or tag:<key>."
    )
    scope_key: str | None = Field(default=None, description="The scope's value, e.g. a service.")
    currency: str | None = Field(default=None, pattern=CURRENCY_PATTERN)

    @field_validator("end")
    @classmethod
    def _end_after_start(cls, end: dt.date | None, info: ValidationInfo) -> dt.date | None:
        start = info.data.get("start")
        if end is not None and isinstance(start, dt.date) and end <= start:
            raise ValueError(_window_expectation(start, end))
        return end


class ContributorOut(Output):
    account: str | None
    service: str | None
    region: str | None
    usage_type: str | None
    resource: str | None
    actual: MoneyStr
    expected: MoneyStr
    deviation: MoneyStr = Field(description="actual - expected.")
    share: DecimalStr = Field(description="Share of the scope's deviation (0-1).")


class AnomalyOut(Output):
    id: int
    scope_type: str
    scope_key: str
    currency: str
    start_day: dt.date
    end_day: dt.date = Field(description="Excluded.")
    days: int
    expected_cost: MoneyStr
    actual_cost: MoneyStr
    impact: MoneyStr = Field(description="actual_cost - expected_cost.")
    impact_percent: DecimalStr | None
    severity: AnomalySeverity
    score: DecimalStr
    status: AnomalyStatus
    root_cause: list[ContributorOut] = Field(description="Largest share of the deviation first.")
    detected_at: dt.datetime


class AnomaliesOut(Output):
    """The ``anomalies`` tool: newest first, then largest impact."""

    items: list[AnomalyOut]
    limit: int
    offset: int


# --------------------------------------------------------------------------- recommendations


class RecommendationsIn(PageIn):
    """Rightsizing and idle recommendations (``GET /api/v1/recommendations``)."""

    status: RecommendationStatus | None = Field(default=None, description="Default: every status.")
    kind: RecommendationKind | None = None
    account_id: str | None = None
    resource_id: str | None = None


class RecommendationsOut(Output):
    """The ``recommendations`` tool: largest estimated monthly saving first."""

    items: list[RecommendationView]
    total: int
    limit: int
    offset: int
    next_offset: int | None = Field(description="Offset of the next page; null on the last.")


# --------------------------------------------------------------------------- forecasts


class ForecastsIn(PageIn):
    """Stored forecast runs (``GET /api/v1/forecasts``)."""

    scope_type: str | None = Field(default=None, description="total, account or service.")
    scope_key: str | None = Field(default=None, description="'total', an account or a service.")
    currency: str | None = Field(default=None, pattern=CURRENCY_PATTERN)
    as_of: dt.date | None = Field(default=None, description="Only runs trained up to this day.")
    latest_only: bool = Field(default=True, description="Only the newest run of each scope.")
    include_forecast: bool = Field(
        default=False, description="Also return each run's daily forecast with its 80/95% bands."
    )


class ForecastDayOut(Output):
    day: dt.date
    yhat: MoneyStr = Field(description="The forecast cost of the day.")
    lower_80: MoneyStr
    upper_80: MoneyStr
    lower_95: MoneyStr
    upper_95: MoneyStr


class ForecastRunOut(Output):
    id: int
    scope_type: str
    scope_key: str
    currency: str
    model: str = Field(description="The model the rolling-origin backtest chose.")
    as_of: dt.date = Field(description="Trained on the days before this one.")
    horizon_days: int
    created_at: dt.datetime
    job_run_id: int | None
    scores: dict[str, Any] | None = Field(description="Backtest scores of the chosen model.")
    forecast: list[ForecastDayOut] | None = Field(
        default=None, description="The daily forecast (with include_forecast), else null."
    )


class ForecastsOut(Output):
    """The ``forecasts`` tool."""

    items: list[ForecastRunOut]
    limit: int
    offset: int


# --------------------------------------------------------------------------- budgets


class BudgetsIn(InputModel):
    """Every budget and where it stands (``GET /api/v1/budgets``)."""

    as_of: dt.date | None = Field(
        default=None,
        description="Evaluate as of this day: spend counts the days before it; default today.",
    )


class ThresholdOut(Output):
    kind: Literal["actual", "forecast"]
    percent: MoneyStr


class BudgetOut(Output):
    id: int
    name: str
    scope_type: str
    scope_key: str | None
    period: str = Field(description="monthly or quarterly.")
    amount: MoneyStr
    currency: str
    metric: Metric
    thresholds: list[ThresholdOut]


class BudgetStatusOut(Output):
    budget: BudgetOut
    period_start: dt.date
    period_end: dt.date = Field(description="Excluded.")
    as_of: dt.date
    actual: MoneyStr = Field(description="Spend from period_start to the day before as_of.")
    forecast: MoneyStr = Field(description="Projected spend for the whole period.")
    actual_percent: MoneyStr
    forecast_percent: MoneyStr
    forecast_method: str = Field(description="run-rate, or forecast:<model> of a stored run.")
    crossed: list[ThresholdOut] = Field(description="Thresholds reached by actual or forecast.")


class BudgetsOut(Output):
    """The ``budgets`` tool."""

    items: list[BudgetStatusOut]


# --------------------------------------------------------------------------- ask


class AskIn(InputModel):
    question: str = Field(
        description="A question about costs in words, e.g. 'Top 5 services with rising cost "
        "last 60 days?' (at most 1000 characters)."
    )
    as_of: dt.date | None = Field(
        default=None,
        description="The day the question is asked (relative windows end before it); default "
        "today (UTC).",
    )


class AskRowOut(Output):
    """One row of an answer. Further keys, text or null, depend on the kind of answer:
    current, previous and change_percent (null without a base) for rising/falling; severity,
    status and days for anomalies; kind and id for recommendations; and so on."""

    model_config = ConfigDict(frozen=True, extra="allow")
    __pydantic_extra__: dict[str, str | None] = Field(init=False)

    group: str
    value: str = Field(description="Exact decimal text; for rising/falling, the change.")
    currency: str


class AskAnswerOut(Output):
    metric: str | None = Field(description="effective_cost, billed_cost or list_cost.")
    currency: str | None = Field(description="Set when one currency is involved.")
    value: str | None = Field(description="The single figure (exact decimal text), if any.")
    chart: str | None = Field(description="A chart hint: number, bar or line.")
    rows: list[AskRowOut] = Field(description="Ranked rows, largest first.")


class AskSourceOut(Output):
    method: str
    path: str = Field(description="The REST route returning the same figures.")
    params: dict[str, Any]


class AskOut(Output):
    """The ``ask`` tool: the ``finops ask --json`` document."""

    question: str
    as_of: dt.date
    status: Literal["answered", "clarify", "refused"]
    message: str
    assumptions: list[str] = Field(description="What the reader filled in (window, metric).")
    options: list[str] = Field(description="For clarify: the choices to ask about.")
    plan: QueryPlan | None = Field(description="The validated plan; windows are [start, end).")
    answer: AskAnswerOut
    sources: list[AskSourceOut]
    cli: str | None = Field(description="The finops command printing the same figures.")
    log_id: int = Field(description="The ai_query_log entry recording the question.")
