"""The assistant's question reader on the hand-written evaluation set.

Usage:
    .venv/bin/python bench/assistant_accuracy.py [--fixture PATH] [--markdown]

Runs ``finops.assistant.parser.parse_question`` on every entry of
``tests/fixtures/assistant/questions.yaml`` (its ``as_of``, the fixture vocabulary of
``tests/unit/test_assistant_eval.py``) and prints:

- per expected intent: how many questions give exactly the expected plan (every field but the
  labels: intent, window, previous window, metric, group, filters, n, granularity);
- the same for the questions that should be refused and those that should get a clarifying
  question (status right);
- overall exact rate, the answered-only exact rate (the test's 95% bar), refusal rate (share of
  the hostile / out-of-scope questions refused), clarify rate (share of the vague ones answered
  with a clarifying question), and which statuses the parser gave instead;
- every failure: question, expected and got, and the fields that differ;
- the command that produced it.

The comparison code is the test's (``tests/unit/test_assistant_eval.py``), so the two agree.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import shlex
import sys
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.unit.test_assistant_eval import (  # noqa: E402
    FIXTURE,
    MIN_EXACT,
    Report,
    Result,
    evaluate,
    load_parser,
    load_questions,
    parser_missing_reason,
    show_plan,
)

INTENT_ORDER = (
    "total",
    "top",
    "rising",
    "falling",
    "breakdown",
    "compare",
    "series",
    "max_day",
    "count",
    "clarify",
    "refused",
)


def command() -> str:
    args = " ".join(shlex.quote(a) for a in sys.argv[1:])
    return f".venv/bin/python bench/assistant_accuracy.py {args}".rstrip()


def _shown(path: Path) -> str:
    path = path.resolve()
    return str(path.relative_to(REPO)) if path.is_relative_to(REPO) else str(path)


def _pct(part: int, whole: int) -> str:
    return f"{part / whole:.1%}" if whole else "-"


def per_intent(report: Report) -> list[tuple[str, int, int]]:
    by_intent: dict[str, list[Result]] = defaultdict(list)
    for r in report.results:
        by_intent[r.intent].append(r)
    order = [i for i in INTENT_ORDER if i in by_intent] + sorted(set(by_intent) - set(INTENT_ORDER))
    return [(i, sum(r.exact for r in by_intent[i]), len(by_intent[i])) for i in order]


def print_summary(report: Report) -> None:
    print("| expected | exact | questions | rate |")
    print("|---|---|---|---|")
    for intent, exact, total in per_intent(report):
        print(f"| {intent} | {exact} | {total} | {_pct(exact, total)} |")
    results = report.results
    exact_all = sum(r.exact for r in results)
    print(f"| **all** | {exact_all} | {len(results)} | {_pct(exact_all, len(results))} |")
    print()

    answered = report.of_status("answered")
    refused = report.of_status("refused")
    clarify = report.of_status("clarify")
    n_exact = sum(r.exact for r in answered)
    n_refused = sum(r.got_status == "refused" for r in refused)
    n_clarify = sum(r.got_status == "clarify" for r in clarify)
    n_planned_hostile = sum(r.got is not None for r in refused)
    print(
        f"- answered questions, exact plan: {n_exact}/{len(answered)} "
        f"({_pct(n_exact, len(answered))}; the test needs {MIN_EXACT:.0%})"
    )
    print(f"- refusal rate: {n_refused}/{len(refused)} ({_pct(n_refused, len(refused))})")
    print(f"- hostile questions that produced a plan: {n_planned_hostile}")
    print(f"- clarify rate: {n_clarify}/{len(clarify)} ({_pct(n_clarify, len(clarify))})")
    for status, chosen in (("answered", answered), ("clarify", clarify), ("refused", refused)):
        got = Counter(r.got_status for r in chosen)
        spread = ", ".join(f"{k} {v}" for k, v in sorted(got.items()))
        print(f"- expected {status} ({len(chosen)}), got: {spread}")
    wrong_status = sum(r.got_status != "answered" for r in answered)
    wrong_plan = sum(r.got_status == "answered" and not r.exact for r in answered)
    print(
        f"- answered failures: {wrong_status} with the wrong status, {wrong_plan} with a plan "
        "that differs"
    )
    fields = Counter(
        f for r in answered if r.got is not None and not r.exact for f in r.differing_fields
    )
    if fields:
        print("- fields that differ: " + ", ".join(f"{k} {v}" for k, v in fields.most_common()))


def print_failures(report: Report, *, markdown: bool) -> None:
    failures = report.failures
    print(f"\nFailures ({len(failures)}):\n")
    if markdown:
        print("| question | as_of | expected | got | differs |")
        print("|---|---|---|---|---|")
    for r in failures:
        expected = f"{r.expected_status} {show_plan(r.expected)}".strip(" -")
        reason = r.error or r.got_message
        if markdown and len(reason) > 60:
            reason = reason[:57] + "..."
        got = f"{r.got_status} {show_plan(r.got) if r.got else reason}"
        differs = ", ".join(r.differing_fields)
        if markdown:
            cells = [r.question, str(r.as_of), expected, got.strip(" -"), differs]
            print("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
        else:
            print(f"- {r.question!r} (as_of {r.as_of})")
            print(f"    expected: {expected}")
            print(f"    got:      {got.strip(' -')}")
            print(f"    differs:  {differs}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fixture", type=Path, default=FIXTURE)
    parser.add_argument("--markdown", action="store_true", help="failures as a markdown table")
    args = parser.parse_args(argv)

    parse = load_parser()
    if parse is None:
        print(parser_missing_reason())
        return 2
    entries = load_questions(args.fixture)
    report = evaluate(parse, entries)

    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    print("# Assistant question reader: accuracy on the evaluation set\n")
    print(
        f"Measured {now} on {platform.machine()}, Python {platform.python_version()}; "
        f"{len(entries)} questions from {_shown(args.fixture)}.\n"
    )
    print_summary(report)
    print_failures(report, markdown=args.markdown)
    print(f"\nCommand: {command()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
