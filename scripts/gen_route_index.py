#!/usr/bin/env python3
"""Rewrite the route index in docs/api.md from the route table.

Usage: python scripts/gen_route_index.py [--check]
--check writes nothing and exits 1 when docs/api.md is stale.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT / "app") not in sys.path:
    sys.path.insert(0, str(REPO_ROOT / "app"))

from finops.api.route_index import replace_route_index  # noqa: E402

API_DOC = REPO_ROOT / "docs" / "api.md"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Rewrite the route index in docs/api.md.")
    parser.add_argument("--check", action="store_true", help="exit 1 if stale; write nothing")
    args = parser.parse_args(argv)
    current = API_DOC.read_text(encoding="utf-8")
    fresh = replace_route_index(current)
    if args.check:
        if fresh != current:
            print("docs/api.md route index is stale: run python scripts/gen_route_index.py")
            return 1
        return 0
    API_DOC.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
