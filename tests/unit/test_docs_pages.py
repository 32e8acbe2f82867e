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


def test_every_finops_variable_the_code_reads_is_on_the_setup_page() -> None:
    """The setup page names each FINOPS_* variable found in the platform's code, the DAGs,
    the CDK app, the Helm templates and the compose file (prefix mentions aside)."""
    import re

    page = (ROOT / "docs" / "09-setup-and-ci.md").read_text()
    sources = [
        *(ROOT / "app" / "finops").rglob("*.py"),
        *(ROOT / "functions").rglob("*.py"),
        *(ROOT / "mwaa_dags").rglob("*.py"),
        *(ROOT / "infra_cdk" / "finops_infra").rglob("*.py"),
        *(ROOT / "infra_cdk" / "helm" / "finops" / "templates").rglob("*"),
        ROOT / "docker-compose.yml",
    ]
    names: set[str] = set()
    for source in sources:
        if source.is_file() and "vendor" not in source.parts:
            names |= set(
                re.findall(r"FINOPS_[A-Z0-9_]*[A-Z0-9]", source.read_text(errors="ignore"))
            )
    assert len(names) > 30
    prefixes = {"FINOPS_AWS", "FINOPS_VAULT", "FINOPS_SECRETS_MANAGER"}  # "FINOPS_VAULT_*" mentions
    missing = sorted(n for n in names - prefixes if f"`{n}`" not in page)
    assert missing == []
