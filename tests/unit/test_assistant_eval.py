"""The assistant's question reader against a hand-written evaluation set.

``tests/fixtures/assistant/questions.yaml`` holds questions with the outcome each should give
(see ``SOURCE.md`` next to it): written from the rules in ``docs/accuracy-assistant.md``,
independently of the parser's patterns. The fixture's own checks run without the parser; the
accuracy checks skip until ``finops.assistant.parser.parse_question`` can be imported.

Criteria: at least 95% of the answered questions give exactly the expected plan (every field
but the labels), every hostile or out-of-scope question is refused, and none of them yields a
plan. ``bench/assistant_accuracy.py`` prints the same figures per intent, with the failures.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from finops.assistant.plan import QueryPlan, Window
from finops.assistant.vocabulary import Vocabulary

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "assistant" / "questions.yaml"

VOCABULARY = Vocabulary.of(
    services=[
        "AWS Lambda",
        "Amazon Elastic Compute Cloud",
        "Amazon Elastic Container Service",
        "Amazon Elastic Kubernetes Service",
        "Amazon Relational Database Service",
        "Amazon Simple Storage Service",
        "Amazon CloudWatch",
        "AWS Data Transfer",
    ],
    accounts=["111111111111", "222222222222", "333333333333"],
    regions=["us-east-1", "us-west-2", "eu-west-1"],
    charge_categories=["Usage", "Tax", "Credit"],
    tag_keys=["team", "env", "owner"],
)

#: What a plan field is when the fixture leaves it out (QueryPlan's own defaults; checked below).
PLAN_DEFAULTS: dict[str, Any] = {
    "previous_window": None,
    "metric": "effective_cost",
    "group_by": None,
    "filters": {},
    "n": None,
    "granularity": None,
}
PLAN_FIELDS = (
    "intent",
    "window",
    "previous_window",
    "metric",
    "group_by",
    "filters",
    "n",
    "granularity",
)
STATUSES = ("answered", "clarify", "refused")
MIN_ENTRIES = 220
MIN_REFUSED = 30
MIN_CLARIFY = 10
MIN_EXACT = 0.95

ParseFn = Callable[..., Any]


# ----------------------------------------------------------------------------- the fixture


def load_questions(path: Path = FIXTURE) -> list[dict[str, Any]]:
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(entries, list), f"{path} must be a YAML list"
    return entries


def _span(window: Any) -> tuple[dt.date, dt.date] | None:
    if window is None:
        return None
    if isinstance(window, Window):
        return (window.start, window.end)
    return (_date(window["start"]), _date(window["end"]))


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def _filters(filters: dict[str, Any] | None) -> dict[str, list[str]]:
    return {str(k): sorted(str(v) for v in values) for k, values in (filters or {}).items()}


def expected_plan(plan: dict[str, Any]) -> dict[str, Any]:
    """The fixture's plan with every field present (defaults filled, windows as date pairs)."""
    unknown = set(plan) - set(PLAN_FIELDS)
    assert not unknown, f"unknown plan fields {sorted(unknown)}"
    full = {**PLAN_DEFAULTS, **plan}
    return {
        "intent": full["intent"],
        "window": _span(full["window"]),
        "previous_window": _span(full["previous_window"]),
        "metric": full["metric"],
        "group_by": full["group_by"],
        "filters": _filters(full["filters"]),
        "n": full["n"],
        "granularity": full["granularity"],
    }


def actual_plan(plan: QueryPlan) -> dict[str, Any]:
    """A parsed plan in the same shape (labels dropped)."""
    return {
        "intent": plan.intent,
        "window": _span(plan.window),
        "previous_window": _span(plan.previous_window),
        "metric": plan.metric,
        "group_by": plan.group_by,
        "filters": _filters(plan.filters),
        "n": plan.n,
        "granularity": plan.granularity,
    }


def show_plan(plan: dict[str, Any] | None) -> str:
    """One line for a normalised plan: fields at their defaults left out."""
    if plan is None:
        return "-"
    parts = []
    for name in PLAN_FIELDS:
        value = plan[name]
        if name in PLAN_DEFAULTS and value == PLAN_DEFAULTS[name]:
            continue
        if isinstance(value, tuple):
            value = f"[{value[0].isoformat()}, {value[1].isoformat()})"
        parts.append(f"{name}={value}")
    return " ".join(parts)


# ----------------------------------------------------------------------------- evaluation


@dataclass
class Result:
    question: str
    as_of: dt.date
    expected_status: str
    got_status: str
    expected: dict[str, Any] | None
    got: dict[str, Any] | None
    got_message: str = ""
    error: str = ""

    @property
    def intent(self) -> str:
        """The expected intent, or the expected status when no plan is expected."""
        return self.expected["intent"] if self.expected else self.expected_status

    @property
    def exact(self) -> bool:
        if self.got_status != self.expected_status:
            return False
        if self.expected_status != "answered":
            return True
        return self.got == self.expected

    @property
    def differing_fields(self) -> list[str]:
        if self.expected is None or self.got is None:
            return ["status"] if self.got_status != self.expected_status else []
        return [k for k in PLAN_FIELDS if self.expected[k] != self.got[k]]


@dataclass
class Report:
    results: list[Result] = field(default_factory=list)

    def of_status(self, status: str) -> list[Result]:
        return [r for r in self.results if r.expected_status == status]

    @property
    def failures(self) -> list[Result]:
        return [r for r in self.results if not r.exact]

    def rate(self, status: str) -> float:
        chosen = self.of_status(status)
        return sum(r.exact for r in chosen) / len(chosen) if chosen else 1.0

    @property
    def overall(self) -> float:
        return sum(r.exact for r in self.results) / len(self.results)


def load_parser() -> ParseFn | None:
    """``finops.assistant.parser.parse_question``, or None while it does not exist yet."""
    try:
        module = importlib.import_module("finops.assistant.parser")
    except ImportError:
        return None
    return getattr(module, "parse_question", None)


def parser_missing_reason() -> str:
    try:
        module = importlib.import_module("finops.assistant.parser")
    except ImportError as exc:
        return f"finops.assistant.parser cannot be imported yet (being written): {exc}"
    if not hasattr(module, "parse_question"):
        return "finops.assistant.parser has no parse_question yet (being written)"
    return ""


def evaluate(parse: ParseFn, entries: list[dict[str, Any]] | None = None) -> Report:
    report = Report()
    for entry in entries if entries is not None else load_questions():
        expect = entry["expect"]
        as_of = _date(entry["as_of"])
        expected = expected_plan(expect["plan"]) if "plan" in expect else None
        result = Result(
            question=entry["question"],
            as_of=as_of,
            expected_status=expect["status"],
            got_status="error",
            expected=expected,
            got=None,
        )
        try:
            outcome = parse(entry["question"], as_of=as_of, vocabulary=VOCABULARY)
        except Exception as exc:  # a crash is a failure of that question, not of the run
            result.error = f"{type(exc).__name__}: {exc}"
        else:
            result.got_status = outcome.status
            result.got_message = outcome.message or ", ".join(outcome.options)
            if outcome.plan is not None:
                result.got = actual_plan(outcome.plan)
        report.results.append(result)
    return report


# ----------------------------------------------------------------------------- the fixture's checks


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def derived_previous(window: tuple[dt.date, dt.date]) -> tuple[dt.date, dt.date]:
    """The rule: one whole calendar month -> the month before; else as many days just before."""
    start, end = window
    if start.day == 1 and end == _add_months(start, 1):
        return (_add_months(start, -1), start)
    return (start - (end - start), start)


ENTRIES = load_questions()


def test_fixture_size_and_mix() -> None:
    statuses = [e["expect"]["status"] for e in ENTRIES]
    assert len(ENTRIES) >= MIN_ENTRIES
    assert statuses.count("refused") >= MIN_REFUSED
    assert statuses.count("clarify") >= MIN_CLARIFY
    intents = {e["expect"]["plan"]["intent"] for e in ENTRIES if "plan" in e["expect"]}
    assert intents == {
        "total",
        "top",
        "rising",
        "falling",
        "breakdown",
        "compare",
        "series",
        "max_day",
        "count",
    }
    keys = [(e["question"], _date(e["as_of"])) for e in ENTRIES]
    duplicates = {k for k in keys if keys.count(k) > 1}
    assert not duplicates


def test_defaults_are_the_plan_models() -> None:
    for name, default in PLAN_DEFAULTS.items():
        assert QueryPlan.model_fields[name].get_default(call_default_factory=True) == default


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e["question"][:60])
def test_fixture_entry_is_well_formed(entry: dict[str, Any]) -> None:
    assert set(entry) <= {"question", "as_of", "expect", "tags"}
    assert isinstance(entry["question"], str)
    assert entry["question"].strip()
    assert isinstance(entry["as_of"], dt.date)
    expect = entry["expect"]
    assert expect["status"] in STATUSES
    if expect["status"] != "answered":
        assert "plan" not in expect
        return
    plan = expected_plan(expect["plan"])
    as_of = entry["as_of"]
    # the plan is one the schema accepts (grouped intents have a group, series a granularity ...)
    QueryPlan.model_validate(
        {
            **plan,
            "window": {"start": plan["window"][0], "end": plan["window"][1], "label": "w"},
            "previous_window": (
                {
                    "start": plan["previous_window"][0],
                    "end": plan["previous_window"][1],
                    "label": "p",
                }
                if plan["previous_window"]
                else None
            ),
        }
    )
    start, end = plan["window"]
    assert start < end
    assert end <= as_of + dt.timedelta(days=1), "a window may not reach past today"
    assert all(value in VOCABULARY.services for value in plan["filters"].get("service", []))
    assert all(value in VOCABULARY.regions for value in plan["filters"].get("region", []))
    assert all(value in VOCABULARY.accounts for value in plan["filters"].get("account", []))
    for key in plan["filters"]:
        is_tag = key.startswith("tag:") and key.removeprefix("tag:") in VOCABULARY.tag_keys
        assert key in {"service", "region", "account"} or is_tag
    if plan["intent"] in {"rising", "falling", "compare"}:
        previous = plan["previous_window"]
        assert previous is not None
        assert previous[0] < previous[1]
        assert previous[1] <= start
        if "two-windows" not in entry.get("tags", []):
            assert previous == derived_previous(plan["window"])
    else:
        assert plan["previous_window"] is None
    if plan["intent"] in {"top", "rising", "falling"}:
        assert plan["n"] is not None
    if plan["intent"] in {"breakdown", "count", "total", "series", "max_day"}:
        assert plan["n"] is None


def test_the_issue_example_is_in_the_set() -> None:
    wanted = "Top 5 services with rising cost last 60 days?"
    entry = next(e for e in ENTRIES if e["question"] == wanted)
    assert entry["as_of"] == dt.date(2026, 11, 15)
    plan = expected_plan(entry["expect"]["plan"])
    assert plan["intent"] == "rising"
    assert plan["group_by"] == "service"
    assert plan["n"] == 5
    assert plan["window"] == (dt.date(2026, 9, 16), dt.date(2026, 11, 15))
    assert plan["previous_window"] == (dt.date(2026, 7, 18), dt.date(2026, 9, 16))


def test_derived_previous_window_rule() -> None:
    d = dt.date
    assert derived_previous((d(2026, 10, 1), d(2026, 11, 1))) == (d(2026, 9, 1), d(2026, 10, 1))
    assert derived_previous((d(2026, 3, 1), d(2026, 4, 1))) == (d(2026, 2, 1), d(2026, 3, 1))
    assert derived_previous((d(2026, 1, 1), d(2026, 2, 1))) == (d(2025, 12, 1), d(2026, 1, 1))
    assert derived_previous((d(2026, 9, 16), d(2026, 11, 15))) == (d(2026, 7, 18), d(2026, 9, 16))
    assert derived_previous((d(2026, 11, 1), d(2026, 11, 15))) == (d(2026, 10, 18), d(2026, 11, 1))


# ----------------------------------------------------------------------------- the parser


@pytest.fixture(scope="module")
def report() -> Report:
    parse = load_parser()
    if parse is None:
        pytest.skip(parser_missing_reason())
    return evaluate(parse, ENTRIES)


def _listing(results: list[Result]) -> str:
    lines = []
    for r in results:
        lines.append(f"- {r.question!r} (as_of {r.as_of}): expected {r.expected_status} ")
        lines.append(f"    {show_plan(r.expected)}")
        lines.append(f"  got {r.got_status} {r.error or r.got_message}")
        lines.append(f"    {show_plan(r.got)}  differs: {', '.join(r.differing_fields)}")
    return "\n".join(lines)


def test_answered_plans_are_exact(report: Report) -> None:
    answered = report.of_status("answered")
    failed = [r for r in answered if not r.exact]
    rate = 1 - len(failed) / len(answered)
    assert rate >= MIN_EXACT, (
        f"{rate:.1%} of {len(answered)} answered questions exact (need {MIN_EXACT:.0%}):\n"
        + _listing(failed)
    )


def test_every_hostile_question_is_refused(report: Report) -> None:
    failed = [r for r in report.of_status("refused") if r.got_status != "refused"]
    assert not failed, _listing(failed)


def test_no_hostile_question_yields_a_plan(report: Report) -> None:
    planned = [r for r in report.of_status("refused") if r.got is not None]
    assert not planned, _listing(planned)
