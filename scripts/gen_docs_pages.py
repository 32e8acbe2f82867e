#!/usr/bin/env python3
"""Regenerate the generated parts of the documentation series: the decision-notes index
(docs/05-decision-notes.md), the stage table of docs/06-workflow.md and the settings table of
docs/09-setup-and-ci.md.

Usage: python scripts/gen_docs_pages.py [--check]
--check writes nothing and exits 1 when a page is stale.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT / "app") not in sys.path:
    sys.path.insert(0, str(REPO_ROOT / "app"))

from finops.devtools.docs_pages import (  # noqa: E402
    SETTINGS_BEGIN,
    SETTINGS_END,
    decision_index,
    replace_between,
    replace_stage_table,
    settings_table,
)

DOCS = REPO_ROOT / "docs"


def pages() -> dict[Path, str]:
    """Each generated page and its fresh text."""
    workflow = DOCS / "06-workflow.md"
    setup = DOCS / "09-setup-and-ci.md"
    return {
        DOCS / "05-decision-notes.md": decision_index(DOCS / "decisions"),
        workflow: replace_stage_table(workflow.read_text(encoding="utf-8")),
        setup: replace_between(
            setup.read_text(encoding="utf-8"), SETTINGS_BEGIN, SETTINGS_END, settings_table()
        ),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 if stale; write nothing")
    args = parser.parse_args(argv)
    stale = []
    for path, fresh in pages().items():
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if fresh != current:
            stale.append(path.name)
            if not args.check:
                path.write_text(fresh, encoding="utf-8")
    if args.check and stale:
        print(f"stale: {', '.join(stale)}: run python scripts/gen_docs_pages.py")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
