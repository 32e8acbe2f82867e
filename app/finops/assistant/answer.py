"""What an answer is made of: rows, sources, the figure, and how sentences show money."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

CHART_HINTS = {
    "total": "number",
    "top": "bar",
    "rising": "bar",
    "falling": "bar",
    "breakdown": "bar",
    "compare": "bar",
    "series": "line",
    "max_day": "number",
    "count": "number",
    "anomalies": "table",
    "recommendations": "bar",
    "savings": "number",
    "forecast": "number",
    "budgets": "bar",
}


@dataclass(frozen=True)
class AnswerRow:
    group: str
    value: Decimal
    currency: str
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Source:
    method: str
    path: str
    params: dict[str, Any]


@dataclass(frozen=True)
class Answer:
    """The computed answer: one figure and/or ranked rows, with where they come from."""

    message: str
    metric: str
    currency: str | None
    value: Decimal | None
    rows: list[AnswerRow]
    sources: list[Source]
    cli: str
    chart: str


def money_text(value: Decimal, currency: str) -> str:
    """For the sentence only (the rows keep every digit): to the cent, half-even."""
    cents = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)
    return f"{cents:,} {currency}"
