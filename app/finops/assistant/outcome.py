"""What reading a question produces, before anything is computed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from finops.assistant.plan import QueryPlan

Status = Literal["answered", "clarify", "refused"]


@dataclass(frozen=True)
class ParseOutcome:
    """A plan (``status == "answered"``), or a clarifying question naming the options, or a
    refusal with its reason. ``assumptions`` say what the reader filled in (a default window,
    the default metric) so the answer can state them."""

    status: Status
    plan: QueryPlan | None = None
    message: str = ""
    options: tuple[str, ...] = ()
    assumptions: tuple[str, ...] = field(default=())
