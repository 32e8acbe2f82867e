#!/usr/bin/env python3
"""Write docs/erd.md, the ER diagram generated from the SQLAlchemy models.

Usage: python scripts/gen_erd.py [--check] [--output PATH]
--check writes nothing and exits 1 when the file differs from a fresh render (for CI).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if (
    str(REPO_ROOT / "app") not in sys.path
):  # runnable from a checkout without installing the package
    sys.path.insert(0, str(REPO_ROOT / "app"))

from finops.db.models import Base  # noqa: E402
from finops.devtools.erd import render_erd_markdown  # noqa: E402

DEFAULT_OUTPUT = REPO_ROOT / "docs" / "erd.md"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="file to write")
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if the file is stale; write nothing"
    )
    args = parser.parse_args(argv)
    output: Path = args.output
    fresh = render_erd_markdown(Base.metadata)
    current = output.read_text(encoding="utf-8") if output.exists() else None
    if args.check:
        if current != fresh:
            print(f"{output} is stale; run: python scripts/gen_erd.py", file=sys.stderr)
            return 1
        print(f"{output} is up to date")
        return 0
    if current == fresh:
        print(f"{output} unchanged")
        return 0
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(fresh, encoding="utf-8")
    print(f"wrote {output} ({len(Base.metadata.tables)} tables)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
