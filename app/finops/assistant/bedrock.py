"""The Amazon Bedrock reader: the model may only fill the plan's schema (Converse with tool use).

Guarantees:

- the question is screened by the deterministic rules first: a hostile or off-topic question
  is refused without reaching the model;
- the model is offered three tools, ``query_plan``, ``clarify`` and ``refuse``, and must call
  one (``toolChoice: any``); free text is never used as an answer;
- what it fills is validated as a :class:`QueryPlan`; an invalid plan, or a filter naming a
  value that is not in the data, becomes a clarifying question, never a query;
- a Bedrock failure raises :class:`IntegrationError` naming the model, without the question.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from finops.assistant.outcome import ParseOutcome
from finops.assistant.parser import screen_question
from finops.assistant.plan import QueryPlan
from finops.assistant.vocabulary import Vocabulary
from finops.core.errors import IntegrationError

DEFAULT_MODEL_ID = "anthropic.claude-3-5-haiku-20241022-v1:0"
MAX_TOKENS = 800

_PLAN_TOOL = "query_plan"
_CLARIFY_TOOL = "clarify"
_REFUSE_TOOL = "refuse"


def tool_config() -> dict[str, Any]:
    """The Converse ``toolConfig``: the plan's JSON schema and the two ways out."""
    return {
        "tools": [
            {
                "toolSpec": {
                    "name": _PLAN_TOOL,
                    "description": "The exact query that answers the cost question.",
                    "inputSchema": {"json": QueryPlan.model_json_schema()},
                }
            },
            {
                "toolSpec": {
                    "name": _CLARIFY_TOOL,
                    "description": "Ask the user to choose when the question is ambiguous.",
                    "inputSchema": {
                        "json": {
                            "type": "object",
                            "properties": {
                                "message": {"type": "string"},
                                "options": {"type": "array", "items": {"type": "string"}},
                            },
                            "required": ["message", "options"],
                        }
                    },
                }
            },
            {
                "toolSpec": {
                    "name": _REFUSE_TOOL,
                    "description": "Refuse a question that is not a read-only cost question.",
                    "inputSchema": {
                        "json": {
                            "type": "object",
                            "properties": {"reason": {"type": "string"}},
                            "required": ["reason"],
                        }
                    },
                }
            },
        ],
        "toolChoice": {"any": {}},
    }


def system_prompt(as_of: dt.date, vocabulary: Vocabulary) -> str:
    """The instructions: the rules of docs/assistant.md and the values that exist."""
    return (
        "You turn a question about AWS cloud costs into a query plan by calling exactly one "
        f"tool. Today is {as_of.isoformat()}; windows are half-open [start, end) in UTC days "
        "and end at today unless the question says otherwise; with no period named, use the "
        "last 30 days. Rising/falling/compare need previous_window: the previous calendar "
        "month for a calendar month, else the same number of days just before. Metric: "
        "effective_cost unless the user says billed or list price. Filters must use these "
        f"exact values. Services: {json.dumps(list(vocabulary.services))}. Accounts: "
        f"{json.dumps(list(vocabulary.accounts))}. Regions: {json.dumps(list(vocabulary.regions))}."
        f" Tag keys: {json.dumps(list(vocabulary.tag_keys))}. Never write, change or delete "
        "anything; refuse requests to, and anything not about costs."
    )


def _unknown_values(plan: QueryPlan, vocabulary: Vocabulary) -> list[str]:
    known = {
        "service": set(vocabulary.services),
        "account": set(vocabulary.accounts),
        "region": set(vocabulary.regions),
    }
    return [
        f"{dimension}={value}"
        for dimension, values in plan.filters.items()
        if dimension in known
        for value in values
        if value not in known[dimension]
    ]


@dataclass(frozen=True)
class BedrockReader:
    """Reads questions with a Bedrock model through ``client`` (a boto3 bedrock-runtime)."""

    client: Any
    model_id: str = DEFAULT_MODEL_ID

    def __call__(self, question: str, *, as_of: dt.date, vocabulary: Vocabulary) -> ParseOutcome:
        text = " ".join(question.lower().split())
        screened = screen_question(text, vocabulary)
        if screened is not None:
            return screened
        try:
            response = self.client.converse(
                modelId=self.model_id,
                system=[{"text": system_prompt(as_of, vocabulary)}],
                messages=[{"role": "user", "content": [{"text": question}]}],
                toolConfig=tool_config(),
                inferenceConfig={"maxTokens": MAX_TOKENS, "temperature": 0},
            )
        except Exception as exc:  # botocore raises many types; none may echo the question
            raise IntegrationError(
                f"Amazon Bedrock model {self.model_id} did not answer: {type(exc).__name__}",
                details={"model_id": self.model_id},
            ) from None
        return self._outcome(response, vocabulary)

    def _outcome(self, response: dict[str, Any], vocabulary: Vocabulary) -> ParseOutcome:
        content = response.get("output", {}).get("message", {}).get("content", [])
        uses = [block["toolUse"] for block in content if "toolUse" in block]
        if len(uses) != 1:
            return ParseOutcome(
                status="clarify",
                message="I could not read that question; try naming the period and the figure.",
            )
        name, arguments = uses[0].get("name"), uses[0].get("input") or {}
        if name == _REFUSE_TOOL:
            return ParseOutcome(status="refused", message=str(arguments.get("reason", "")))
        if name == _CLARIFY_TOOL:
            return ParseOutcome(
                status="clarify",
                message=str(arguments.get("message", "")),
                options=tuple(str(o) for o in arguments.get("options", [])),
            )
        if name != _PLAN_TOOL:
            return ParseOutcome(status="clarify", message="I could not read that question.")
        try:
            plan = QueryPlan.model_validate(arguments)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            return ParseOutcome(
                status="clarify",
                message=f"I could not build a valid query ({where}: {first['msg']}).",
            )
        unknown = _unknown_values(plan, vocabulary)
        if unknown:
            return ParseOutcome(
                status="clarify",
                message=f"No cost for {', '.join(unknown)} in the data.",
                options=vocabulary.services[:12],
            )
        return ParseOutcome(status="answered", plan=plan)
