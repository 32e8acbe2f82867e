"""The query plan a question becomes, whatever engine reads it (the parser or Bedrock).

A plan is fully resolved: the window is exact half-open dates, names are values that exist in
the data, the metric is one of the three FOCUS costs. It validates itself; an engine that fills
it wrongly gets a :class:`pydantic.ValidationError`, never a query.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Intent = Literal[
    "total",  # one figure for the window
    "top",  # the N largest groups
    "rising",  # the N groups whose cost rose most against the previous window
    "falling",  # ... fell most
    "breakdown",  # every group, largest first
    "compare",  # the window against the previous one (one figure each)
    "series",  # per day or month
    "max_day",  # the most expensive day
    "count",  # how many groups had any cost
    "anomalies",  # cost anomalies overlapping the window
    "recommendations",  # open rightsizing / idle recommendations, largest saving first
    "savings",  # realized vs estimated savings of applied recommendations, to date
    "forecast",  # the current month's projected total (actual to date + forecast)
    "budgets",  # every budget and where it stands on as_of
]
PlanMetric = Literal["effective_cost", "billed_cost", "list_cost"]
COST_METRIC = {"effective_cost": "effective", "billed_cost": "billed", "list_cost": "list"}
GROUPED_INTENTS = frozenset({"top", "rising", "falling", "breakdown", "count"})
#: Intents about the platform's findings rather than a window of costs: no window applies.
UNWINDOWED_INTENTS = frozenset({"recommendations", "savings", "budgets"})
MAX_N = 50


class Window(BaseModel):
    """Half-open UTC days ``[start, end)`` and how the question named them."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    start: dt.date
    end: dt.date
    label: str = Field(description="As the answer says it, e.g. 'the last 60 days'.")

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        if self.end <= self.start:
            raise ValueError("a window ends after it starts")
        return self

    @property
    def days(self) -> int:
        return (self.end - self.start).days


class QueryPlan(BaseModel):
    """What to compute. ``filters`` maps a dimension to the exact values it may take."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    intent: Intent
    window: Window | None = Field(
        default=None, description="None only for recommendations, savings and budgets."
    )
    previous_window: Window | None = None
    metric: PlanMetric = "effective_cost"
    group_by: str | None = None
    filters: dict[str, list[str]] = Field(default_factory=dict)
    n: int | None = Field(default=None, ge=1, le=MAX_N)
    granularity: Literal["day", "month"] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> QueryPlan:
        if (self.window is None) != (self.intent in UNWINDOWED_INTENTS):
            raise ValueError(f"intent {self.intent!r}: window given where none applies, or missing")
        if self.intent in GROUPED_INTENTS and not self.group_by:
            raise ValueError(f"intent {self.intent!r} needs a group_by dimension")
        if self.intent in {"rising", "falling", "compare"} and self.previous_window is None:
            raise ValueError(f"intent {self.intent!r} needs a previous_window")
        if self.intent == "series" and self.granularity is None:
            raise ValueError("intent 'series' needs a granularity")
        return self

    @property
    def costs_window(self) -> Window:
        """The window of a windowed intent (every intent but recommendations, savings,
        budgets)."""
        if self.window is None:
            raise ValueError(f"intent {self.intent!r} has no window")
        return self.window

    @property
    def cost_metric(self) -> Literal["effective", "billed", "list"]:
        return COST_METRIC[self.metric]  # type: ignore[return-value]
