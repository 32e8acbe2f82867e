"""The generated parts of the documentation series are current, and complete."""

from __future__ import annotations

from pathlib import Path

from finops.jobs.registry import registered_jobs
from scripts.gen_docs_pages import main, pages

ROOT = Path(__file__).resolve().parents[2]


def test_generated_pages_are_current() -> None:
    assert main(["--check"]) == 0, "run python scripts/gen_docs_pages.py and commit"


def test_every_decision_note_is_indexed_with_its_title() -> None:
    index = (ROOT / "docs" / "05-decision-notes.md").read_text()
    notes = sorted((ROOT / "docs" / "decisions").glob("[0-9]*.md"))
    assert len(notes) >= 16
    for note in notes:
        title = note.read_text().splitlines()[0].split(" ", 3)[-1]
        assert f"[{title}](decisions/{note.name})" in index, note.name


def test_every_registered_stage_is_in_the_workflow_table() -> None:
    fresh = pages()[ROOT / "docs" / "06-workflow.md"]
    for job in registered_jobs():
        assert f"| `{job.name}` | {job.description} |" in fresh
    assert "| `remediate` |" in fresh
    remediate = next(line for line in fresh.splitlines() if line.startswith("| `remediate` |"))
    assert remediate.endswith("| **yes** |")  # the one stage that changes resources
