#!/usr/bin/env python3
"""Render docs/diagrams/*.puml to SVG with PlantUML, each SVG stamped with its source's sha256.

Usage: python scripts/render_diagrams.py [--check] [--plantuml PATH] [SOURCE.puml ...]

Every source (or the ones given) is rendered with ``plantuml -tsvg -pipe`` and written beside it as
``<name>.svg``, with ``<!-- source-sha256: <hex> -->`` right after the XML declaration. A diagram
is current when its SVG carries the sha256 of the source as it is now, so staleness never depends
on file times (a checkout resets them). ``--check`` renders nothing and exits 1 naming every
diagram whose SVG is missing or stale. ``bash scripts/ensure_plantuml.sh`` installs PlantUML.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DIAGRAMS = REPO_ROOT / "docs" / "diagrams"
STAMP_PREFIX = "source-sha256:"
_STAMP = re.compile(r"<!--\s*source-sha256:\s*([0-9a-f]{64})\s*-->")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
RENDER_TIMEOUT_SECONDS = 120
RENDER_COMMAND = "bash scripts/ensure_plantuml.sh && .venv/bin/python scripts/render_diagrams.py"


class RenderError(RuntimeError):
    """PlantUML refused a source or produced no SVG."""


def sources(folder: Path = DIAGRAMS) -> list[Path]:
    """The diagram sources, by name."""
    return sorted(folder.glob("*.puml"))


def svg_path(source: Path) -> Path:
    """Where the rendering of ``source`` lives: beside it, ``.puml`` replaced by ``.svg``."""
    return source.with_suffix(".svg")


def source_sha256(source: Path) -> str:
    """The sha256 (hex) of the source's bytes."""
    return hashlib.sha256(source.read_bytes()).hexdigest()


def stamp(svg: str, digest: str) -> str:
    """``svg`` with ``<!-- source-sha256: digest -->`` after its XML declaration (or first),
    replacing any earlier stamp."""
    svg = _STAMP.sub("", svg)
    comment = f"<!-- {STAMP_PREFIX} {digest} -->"
    declaration = _XML_DECLARATION.match(svg)
    if declaration is None:
        return comment + svg
    end = declaration.end()
    return svg[:end] + comment + svg[end:]


def stamped_sha256(svg: str) -> str | None:
    """The source sha256 an SVG was stamped with, or None when it carries no stamp."""
    found = _STAMP.search(svg)
    return found.group(1) if found else None


def find_plantuml(explicit: str | None = None) -> str | None:
    """The plantuml executable: ``explicit`` if given, else the one on PATH (None if none)."""
    return explicit or shutil.which("plantuml")


def render_svg(source: Path, plantuml: str) -> str:
    """The SVG PlantUML renders for ``source`` (unstamped); RenderError naming the source when
    PlantUML reports an error (a syntax error exits non-zero; a missing Graphviz shows up as a
    Java exception on stderr)."""
    completed = subprocess.run(
        [plantuml, "-tsvg", "-pipe", "-charset", "UTF-8"],
        input=source.read_bytes(),
        capture_output=True,
        timeout=RENDER_TIMEOUT_SECONDS,
        check=False,
    )
    out = completed.stdout.decode("utf-8", errors="replace")
    err = completed.stderr.decode("utf-8", errors="replace").strip()
    if completed.returncode != 0:
        tail = out[out.rfind("</svg>") + len("</svg>") :] if "</svg>" in out else out
        detail = " ".join((err or tail).split())[:300] or "no message"
        raise RenderError(f"{source}: plantuml exited {completed.returncode}: {detail}")
    if "Exception" in err or "Cannot run program" in err:
        raise RenderError(f"{source}: plantuml reported: {err.splitlines()[0]}")
    if "<svg" not in out or not out.rstrip().endswith("</svg>"):
        raise RenderError(f"{source}: plantuml produced no SVG")
    return out.strip() + "\n"


def render(source: Path, plantuml: str) -> Path:
    """Render ``source`` to its SVG, stamped with the source's sha256; returns the SVG's path."""
    target = svg_path(source)
    target.write_text(stamp(render_svg(source, plantuml), source_sha256(source)), encoding="utf-8")
    return target


def stale(source: Path) -> str | None:
    """Why the SVG of ``source`` is not current (missing, unstamped, other hash), else None."""
    target = svg_path(source)
    if not target.exists():
        return f"{target.name} is missing"
    found = stamped_sha256(target.read_text(encoding="utf-8"))
    if found is None:
        return f"{target.name} carries no {STAMP_PREFIX} stamp"
    if found != source_sha256(source):
        return f"{target.name} was rendered from another version of {source.name}"
    return None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("sources", nargs="*", type=Path, help="sources (default: every one)")
    parser.add_argument("--check", action="store_true", help="exit 1 if an SVG is stale")
    parser.add_argument("--plantuml", help="the plantuml executable (default: from PATH)")
    args = parser.parse_args(argv)
    chosen: list[Path] = [path.resolve() for path in args.sources] or sources()
    if not chosen:
        print(f"no *.puml in {DIAGRAMS}", file=sys.stderr)
        return 1
    if args.check:
        problems = [(source, why) for source in chosen if (why := stale(source))]
        for source, why in problems:
            print(f"{source.name}: {why}", file=sys.stderr)
        if problems:
            print(f"run: {RENDER_COMMAND}", file=sys.stderr)
            return 1
        print(f"{len(chosen)} diagrams are current")
        return 0
    plantuml = find_plantuml(args.plantuml)
    if plantuml is None:
        print("plantuml is not on PATH; run: bash scripts/ensure_plantuml.sh", file=sys.stderr)
        return 1
    failed = 0
    for source in chosen:
        try:
            target = render(source, plantuml)
        except (RenderError, subprocess.TimeoutExpired) as exc:
            print(exc, file=sys.stderr)
            failed += 1
            continue
        shown = target.relative_to(REPO_ROOT) if target.is_relative_to(REPO_ROOT) else target
        print(f"rendered {shown}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
