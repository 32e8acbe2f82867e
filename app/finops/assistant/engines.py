"""Which reader turns questions into plans: the deterministic parser (default, offline) or an
Amazon Bedrock model (for deployments that turn it on)."""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from finops.assistant.outcome import ParseOutcome
from finops.assistant.parser import parse_question
from finops.assistant.vocabulary import Vocabulary
from finops.core.errors import InvalidInputError

ENGINES = ("parser", "bedrock")


class Reader(Protocol):
    """Reads one question asked on ``as_of`` against the data's ``vocabulary``."""

    def __call__(
        self, question: str, *, as_of: dt.date, vocabulary: Vocabulary
    ) -> ParseOutcome: ...


def engine_name(reader: Reader) -> str:
    """``parser`` or ``bedrock:<model id>``, as the audit log records it."""
    model = getattr(reader, "model_id", None)
    return f"bedrock:{model}" if model else "parser"


def build_reader(engine: str = "parser", model_id: str | None = None) -> Reader:
    """The reader ``engine`` names; InvalidInputError for an unknown engine."""
    if engine == "parser":
        return parse_question
    if engine == "bedrock":
        from finops.assistant.bedrock import DEFAULT_MODEL_ID, BedrockReader
        from finops.aws.clients import aws_client

        return BedrockReader(
            client=aws_client("bedrock-runtime"), model_id=model_id or DEFAULT_MODEL_ID
        )
    raise InvalidInputError(
        f"setting 'assistant_engine': expected one of {', '.join(ENGINES)}, got {engine!r}",
        details={"parameter": "assistant_engine", "expected": list(ENGINES)},
    )
