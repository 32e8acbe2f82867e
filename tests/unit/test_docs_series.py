"""The numbered docs series, docs/01-*.md ... docs/09-*.md.

Each page that exists starts with "# N. ", every relative link in it resolves to a file of the
repository, no page links outside the repository or uses the words the series avoids, and every
file path and `module.function` page 8 cites exists. Pages 5-9 may not exist yet; a link to one
of them is tolerated only while that page is absent, any other broken link fails.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
NUMBERS = range(1, 10)
# Pages written elsewhere in the series; they may land later than the others.
PENDING = {
    5: "05-decision-notes.md",
    6: "06-workflow.md",
    7: "07-plantuml.md",
    9: "09-setup-and-ci.md",
}
REQUIRED = (1, 2, 3, 4, 8)

LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"`[^`\n]+`")
AVOIDED = re.compile(r"\b(issues?|sessions?|helpers?)\b", re.IGNORECASE)
PATH = re.compile(r"`((?:app|functions|mwaa_dags|tests|bench|scripts|infra_cdk)/[\w./-]+\.py)`")
DOTTED = re.compile(r"`((?:finops|chalicelib)(?:\.\w+)+)`")
PACKAGE_ROOTS = {"finops": ROOT / "app" / "finops", "chalicelib": ROOT / "functions" / "chalicelib"}


def page(number: int) -> Path | None:
    found = sorted(DOCS.glob(f"{number:02d}-*.md"))
    assert len(found) <= 1, f"more than one page {number}: {found}"
    return found[0] if found else None


def existing_pages() -> list[tuple[int, Path]]:
    return [(n, p) for n in NUMBERS if (p := page(n)) is not None]


def prose(text: str) -> str:
    """The text without code blocks and code spans (identifiers such as `session=` are code)."""
    return CODE_SPAN.sub("", FENCE.sub("", text))


def links(text: str) -> list[str]:
    return [m.group(1) for m in LINK.finditer(FENCE.sub("", text))]


@pytest.mark.parametrize("number", REQUIRED)
def test_required_pages_exist(number: int) -> None:
    assert page(number) is not None, f"docs/{number:02d}-*.md is missing"


@pytest.mark.parametrize(("number", "path"), existing_pages(), ids=lambda v: str(v))
def test_page_starts_with_its_number(number: int, path: Path) -> None:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith(f"# {number}. "), f"{path.name} starts with {first!r}"


@pytest.mark.parametrize(("number", "path"), existing_pages(), ids=lambda v: str(v))
def test_relative_links_resolve(number: int, path: Path) -> None:
    broken = []
    for target in links(path.read_text(encoding="utf-8")):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
            continue
        file_part = target.split("#", 1)[0]
        assert not file_part.startswith("/"), f"{path.name}: absolute link {target}"
        resolved = (path.parent / file_part).resolve()
        assert resolved.is_relative_to(ROOT), f"{path.name}: {target} leaves the repository"
        if resolved.exists():
            continue
        pending = resolved.parent == DOCS and resolved.name in PENDING.values()
        if pending and page(int(resolved.name[:2])) is None:
            continue  # a series page that has not landed yet
        broken.append(target)
    assert not broken, f"{path.name}: broken links {broken}"


@pytest.mark.parametrize(("number", "path"), existing_pages(), ids=lambda v: str(v))
def test_no_avoided_words_or_parent_paths(number: int, path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    words = sorted({m.group(0) for m in AVOIDED.finditer(prose(text))})
    assert not words, f"{path.name} uses {words}"
    assert not re.search(r"(?<![\w.])\.\./", text), f"{path.name} has a path starting with ../"


def test_links_and_words_are_checked() -> None:
    """The checks themselves: a broken link, an avoided word and code spans are recognised."""
    assert links("see [a](missing.md#x) and [b](https://example.com)") == [
        "missing.md#x",
        "https://example.com",
    ]
    assert AVOIDED.search(prose("one helper wrote it"))
    assert not AVOIDED.search(prose("call `export(session=...)`"))


def module_file(parts: list[str]) -> Path | None:
    base = PACKAGE_ROOTS[parts[0]].joinpath(*parts[1:])
    if base.with_suffix(".py").is_file():
        return base.with_suffix(".py")
    if (base / "__init__.py").is_file():
        return base / "__init__.py"
    return None


def cited_names() -> list[str]:
    path = page(8)
    return DOTTED.findall(path.read_text(encoding="utf-8")) if path else []


def cited_paths() -> list[str]:
    path = page(8)
    return PATH.findall(path.read_text(encoding="utf-8")) if path else []


def test_page_8_cites_something() -> None:
    assert len(cited_names()) >= 10
    assert len(cited_paths()) >= 10


@pytest.mark.parametrize("cited", cited_paths())
def test_cited_file_exists(cited: str) -> None:
    assert (ROOT / cited).is_file(), f"page 8 cites {cited}, which does not exist"


@pytest.mark.parametrize("cited", cited_names())
def test_cited_function_exists(cited: str) -> None:
    parts = cited.split(".")
    if module_file(parts) is not None:
        return  # a module or package
    module = module_file(parts[:-1])
    assert module is not None, f"page 8 cites {cited}: no module {'.'.join(parts[:-1])}"
    source = module.read_text(encoding="utf-8")
    assert re.search(rf"^\s*def {re.escape(parts[-1])}\(", source, re.MULTILINE), (
        f"page 8 cites {cited}: no `def {parts[-1]}` in {module.relative_to(ROOT)}"
    )
