"""Ask a cost question: read it (the deterministic parser), run the plan through the cost
services, and record the question, plan, answer and outcome in ``ai_query_log`` and the audit
log. Nothing else is written."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from finops.assistant.answer import Answer
from finops.assistant.engines import Reader, engine_name
from finops.assistant.executor import execute
from finops.assistant.outcome import ParseOutcome, Status
from finops.assistant.parser import parse_question
from finops.assistant.plan import QueryPlan
from finops.assistant.vocabulary import load_vocabulary
from finops.audit.log import record_audit
from finops.core.errors import InvalidInputError, NotFoundError
from finops.db.models import AIQueryLog

MAX_QUESTION = 1000


@dataclass(frozen=True)
class AskResult:
    """The outcome of one question; :meth:`as_json` is the ``finops ask --json`` document."""

    question: str
    as_of: dt.date
    status: Status
    message: str
    plan: QueryPlan | None
    answer: Answer | None
    options: tuple[str, ...]
    assumptions: tuple[str, ...]
    log_id: int

    def as_json(self) -> dict[str, Any]:
        answer = self.answer
        return {
            "question": self.question,
            "as_of": self.as_of.isoformat(),
            "status": self.status,
            "message": self.message,
            "assumptions": list(self.assumptions),
            "options": list(self.options),
            "plan": self.plan.model_dump(mode="json") if self.plan else None,
            "answer": {
                "metric": _metric_name(answer.metric) if answer else None,
                "currency": answer.currency if answer else None,
                "value": None if answer is None or answer.value is None else str(answer.value),
                "chart": answer.chart if answer else None,
                "rows": [
                    {
                        "group": r.group,
                        "value": str(r.value),
                        "currency": r.currency,
                        # an empty extra (no base to compare with) is null, not ""
                        **{k: (v if v != "" else None) for k, v in r.extra.items()},
                    }
                    for r in (answer.rows if answer else [])
                ],
            },
            "sources": [
                {"method": s.method, "path": s.path, "params": s.params}
                for s in (answer.sources if answer else [])
            ],
            "cli": answer.cli if answer else None,
            "log_id": self.log_id,
        }


def _metric_name(metric: str) -> str:
    return f"{metric}_cost"


def ask(
    *,
    session: Session,
    question: str,
    actor: str,
    as_of: dt.date | None = None,
    reader: Reader | None = None,
) -> AskResult:
    """Answer ``question`` as asked on ``as_of`` (default: today, UTC) by ``actor``, read by
    ``reader`` (default: the deterministic parser); the question and its outcome are logged in
    the caller's transaction."""
    text = question.strip()
    if not text:
        raise InvalidInputError(
            "parameter 'question': expected a question about your costs",
            details={"parameter": "question"},
        )
    if len(text) > MAX_QUESTION:
        raise InvalidInputError(
            f"parameter 'question': at most {MAX_QUESTION} characters, got {len(text)}",
            details={"parameter": "question"},
        )
    day = as_of or dt.datetime.now(dt.UTC).date()
    read = reader or parse_question
    outcome: ParseOutcome = read(text, as_of=day, vocabulary=load_vocabulary(session))
    answer = None
    message = outcome.message
    status = outcome.status
    if outcome.status == "answered" and outcome.plan is not None:
        try:
            answer = execute(session=session, plan=outcome.plan, as_of=day)
        except NotFoundError as exc:  # e.g. no stored forecast covers the month yet
            status, message = "clarify", exc.message
        else:
            message = answer.message
        if answer is not None and outcome.assumptions:
            message += " (" + "; ".join(outcome.assumptions) + ")"
    log = AIQueryLog(
        asked_by=actor,
        question=text,
        plan=outcome.plan.model_dump(mode="json") if outcome.plan else None,
        query_text=answer.cli if answer else None,
        status=status,
        error=None if status == "answered" else message,
    )
    session.add(log)
    session.flush()
    record_audit(
        session=session,
        actor=actor,
        action=f"assistant.{status}",
        entity_type="ai_query",
        entity_id=log.id,
        details={
            "engine": engine_name(read),
            "as_of": day.isoformat(),
            "question": text,
            "message": message,
            "sources": [s.path for s in answer.sources] if answer else [],
        },
    )
    return AskResult(
        question=text,
        as_of=day,
        status=status,
        message=message,
        plan=outcome.plan,
        answer=answer,
        options=outcome.options,
        assumptions=outcome.assumptions,
        log_id=log.id,
    )


@dataclass(frozen=True)
class LoggedQuestion:
    """One ``ai_query_log`` row as the history shows it."""

    id: int
    asked_at: dt.datetime
    asked_by: str
    question: str
    status: str
    plan: dict[str, Any] | None
    command: str | None
    error: str | None


def question_history(
    *, session: Session, asked_by: str | None, limit: int, offset: int
) -> tuple[list[LoggedQuestion], int]:
    """Logged questions, newest first, of ``asked_by`` (``None``: everyone's), and how many
    there are in all."""
    from sqlalchemy import func, select

    query = select(AIQueryLog)
    count = select(func.count()).select_from(AIQueryLog)
    if asked_by is not None:
        query = query.where(AIQueryLog.asked_by == asked_by)
        count = count.where(AIQueryLog.asked_by == asked_by)
    rows = session.scalars(
        query.order_by(AIQueryLog.asked_at.desc(), AIQueryLog.id.desc()).limit(limit).offset(offset)
    ).all()
    items = [
        LoggedQuestion(
            id=row.id,
            asked_at=row.asked_at,
            asked_by=row.asked_by,
            question=row.question,
            status=row.status,
            plan=row.plan,
            command=row.query_text,
            error=row.error,
        )
        for row in rows
    ]
    return items, int(session.scalar(count) or 0)
