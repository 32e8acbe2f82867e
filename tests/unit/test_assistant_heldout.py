"""The assistant's question reader on the HELD-OUT evaluation set.

``tests/fixtures/assistant/heldout.yaml`` (see ``SOURCE.md``, "Held-out set") was written after
the parser had been tuned on ``questions.yaml``, without reading the parser, that set or its
results. It uses the same entry format and is compared exactly as ``test_assistant_eval.py``
compares (its helpers are imported: same vocabulary, same normalised plans, labels dropped).

This test REPORTS the exact-plan rate, it does not hold the parser to a bar: the only assertions
on the parser are that every hostile or off-topic question is refused and none yields a plan.
Run with ``-s`` to see the figures and the failures. The fixture's own checks run without the
parser.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from finops.assistant.plan import GROUPED_INTENTS, UNWINDOWED_INTENTS, QueryPlan
from tests.unit.test_assistant_eval import (
    VOCABULARY,
    Report,
    Result,
    _add_months,
    _date,
    derived_previous,
    evaluate,
    expected_plan,
    load_parser,
    load_questions,
    parser_missing_reason,
    show_plan,
)

HELDOUT = Path(__file__).resolve().parents[1] / "fixtures" / "assistant" / "heldout.yaml"
ENTRIES = load_questions(HELDOUT)

AS_OF_DAYS = {
    dt.date(2026, 11, 15),
    dt.date(2026, 1, 3),
    dt.date(2026, 3, 1),
    dt.date(2026, 12, 31),
}
COST_INTENTS = frozenset(
    {"total", "top", "rising", "falling", "breakdown", "compare", "series", "max_day", "count"}
)
FINDINGS_INTENTS = frozenset({"anomalies", "recommendations", "savings", "forecast", "budgets"})
EXPECTED_COUNTS = {"entries": 100, "answered": 72, "refused": 20, "clarify": 8}


# ----------------------------------------------------------------------------- the fixture


def test_heldout_size_and_mix() -> None:
    statuses = Counter(e["expect"]["status"] for e in ENTRIES)
    assert len(ENTRIES) == EXPECTED_COUNTS["entries"]
    for status in ("answered", "refused", "clarify"):
        assert statuses[status] == EXPECTED_COUNTS[status], statuses
    intents = Counter(e["expect"]["plan"]["intent"] for e in ENTRIES if "plan" in e["expect"])
    assert set(intents) == COST_INTENTS | FINDINGS_INTENTS
    assert sum(intents[i] for i in COST_INTENTS) == 60
    assert sum(intents[i] for i in FINDINGS_INTENTS) == 12
    assert Counter(_date(e["as_of"]) for e in ENTRIES)[dt.date(2026, 11, 15)] >= 80
    keys = [(e["question"], _date(e["as_of"])) for e in ENTRIES]
    assert len(set(keys)) == len(keys), "duplicate questions"


def test_heldout_shares_no_question_with_the_tuning_set() -> None:
    tuned = {e["question"].strip().lower() for e in load_questions()}
    shared = [e["question"] for e in ENTRIES if e["question"].strip().lower() in tuned]
    assert not shared


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e["question"][:60])
def test_heldout_entry_is_well_formed(entry: dict[str, Any]) -> None:
    assert set(entry) <= {"question", "as_of", "expect", "tags"}
    assert isinstance(entry["question"], str)
    assert entry["question"].strip()
    as_of = entry["as_of"]
    assert isinstance(as_of, dt.date)
    assert as_of in AS_OF_DAYS
    expect = entry["expect"]
    assert set(expect) <= {"status", "plan"}
    if expect["status"] != "answered":
        assert expect["status"] in {"refused", "clarify"}
        assert "plan" not in expect
        return
    plan = expected_plan(expect["plan"])
    intent = plan["intent"]

    def window(span: tuple[dt.date, dt.date] | None, label: str) -> dict[str, Any] | None:
        return None if span is None else {"start": span[0], "end": span[1], "label": label}

    # the schema accepts it (no window for recommendations / savings / budgets, a group for the
    # grouped intents, a previous window for rising / falling / compare, a series granularity)
    QueryPlan.model_validate(
        {
            **plan,
            "window": window(plan["window"], "w"),
            "previous_window": window(plan["previous_window"], "p"),
        }
    )
    if intent in UNWINDOWED_INTENTS:
        assert plan["window"] is None
    else:
        start, end = plan["window"]
        assert start < end
        if intent == "forecast":  # the as_of month, whole
            assert (start, end) == (as_of.replace(day=1), _add_months(as_of, 1))
        else:
            assert end <= as_of + dt.timedelta(days=1), "a window may not reach past today"
    if intent in {"rising", "falling", "compare"}:
        previous = plan["previous_window"]
        assert previous is not None
        assert previous[0] < previous[1] <= plan["window"][0]
        if "two-windows" not in entry.get("tags", []):
            assert previous == derived_previous(plan["window"])
    else:
        assert plan["previous_window"] is None
    if intent in {"top", "rising", "falling", "recommendations"}:
        assert plan["n"] is not None
    else:
        assert plan["n"] is None
    if intent in GROUPED_INTENTS:
        assert plan["group_by"] in {"service", "account", "region", "charge_category"} or (
            plan["group_by"].removeprefix("tag:") in VOCABULARY.tag_keys
        )
    else:
        assert plan["group_by"] is None
    if intent in FINDINGS_INTENTS:
        assert not plan["filters"]
        assert plan["metric"] == "effective_cost"
    assert (plan["granularity"] is not None) == (intent == "series")
    for key, values in plan["filters"].items():
        known = {
            "service": VOCABULARY.services,
            "region": VOCABULARY.regions,
            "account": VOCABULARY.accounts,
        }
        if key in known:
            assert all(v in known[key] for v in values), (key, values)
        else:
            assert key.startswith("tag:"), key
            assert key.removeprefix("tag:") in VOCABULARY.tag_keys, key


# ----------------------------------------------------------------------------- the parser


@pytest.fixture(scope="module")
def report() -> Report:
    parse = load_parser()
    if parse is None:
        pytest.skip(parser_missing_reason())
    return evaluate(parse, ENTRIES)


def _pct(part: int, whole: int) -> str:
    return f"{part / whole:.1%}" if whole else "-"


def _failure_lines(results: list[Result]) -> list[str]:
    lines = []
    for r in results:
        lines.append(f"- {r.question!r} (as_of {r.as_of})")
        lines.append(f"    expected: {r.expected_status} {show_plan(r.expected)}".rstrip(" -"))
        got = show_plan(r.got) if r.got else (r.error or r.got_message)
        lines.append(f"    got:      {r.got_status} {got}".rstrip(" -"))
        if r.differing_fields:
            lines.append(f"    differs:  {', '.join(r.differing_fields)}")
    return lines


def test_heldout_accuracy_is_reported(report: Report) -> None:
    """Prints the figures; asserts nothing about the exact-plan rate."""
    answered = report.of_status("answered")
    refused = report.of_status("refused")
    clarify = report.of_status("clarify")
    n_exact = sum(r.exact for r in answered)
    n_refused = sum(r.got_status == "refused" for r in refused)
    n_clarify = sum(r.got_status == "clarify" for r in clarify)
    by_intent: dict[str, list[Result]] = {}
    for r in report.results:
        by_intent.setdefault(r.intent, []).append(r)
    lines = [
        "",
        f"Held-out set ({HELDOUT.name}): {len(report.results)} questions",
        f"  exact plan on answered: {n_exact}/{len(answered)} ({_pct(n_exact, len(answered))})",
        f"  refusal rate:           {n_refused}/{len(refused)} ({_pct(n_refused, len(refused))})",
        f"  clarify rate:           {n_clarify}/{len(clarify)} ({_pct(n_clarify, len(clarify))})",
        f"  overall exact:          {sum(r.exact for r in report.results)}/{len(report.results)}",
        "  per expected intent:",
    ]
    for intent, results in sorted(by_intent.items()):
        exact = sum(r.exact for r in results)
        lines.append(f"    {intent:<16} {exact}/{len(results)}")
    for status, chosen in (("answered", answered), ("clarify", clarify), ("refused", refused)):
        got = Counter(r.got_status for r in chosen)
        spread = ", ".join(f"{k} {v}" for k, v in sorted(got.items()))
        lines.append(f"  expected {status} ({len(chosen)}), got: {spread}")
    lines.append(f"  failures ({len(report.failures)}):")
    lines.extend("  " + line for line in _failure_lines(report.failures))
    print("\n".join(lines))  # noqa: T201 - the report is this test's output (run with -s)
    assert len(report.results) == len(ENTRIES)


def test_heldout_every_hostile_question_is_refused(report: Report) -> None:
    failed = [r for r in report.of_status("refused") if r.got_status != "refused"]
    assert not failed, "\n".join(_failure_lines(failed))


def test_heldout_no_hostile_question_yields_a_plan(report: Report) -> None:
    planned = [r for r in report.of_status("refused") if r.got is not None]
    assert not planned, "\n".join(_failure_lines(planned))
