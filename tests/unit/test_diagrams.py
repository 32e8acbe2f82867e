"""The PlantUML diagrams of docs/07-plantuml.md: every source is rendered, current and linked."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from scripts.render_diagrams import (
    DIAGRAMS,
    RENDER_COMMAND,
    render_svg,
    source_sha256,
    sources,
    stamp,
    stamped_sha256,
    svg_path,
)

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "07-plantuml.md"
EXPECTED = {"component", "deployment-aws", "sequence-billing-file", "sequence-remediation", "er"}
SVG_NS = "{http://www.w3.org/2000/svg}"


def test_the_expected_diagrams_exist() -> None:
    assert {source.stem for source in sources()} >= EXPECTED


@pytest.mark.parametrize("source", sources(), ids=lambda path: path.name)
def test_every_source_has_a_current_svg(source: Path) -> None:
    target = svg_path(source)
    assert target.exists(), f"{target.name} is missing; run: {RENDER_COMMAND}"
    found = stamped_sha256(target.read_text(encoding="utf-8"))
    assert found is not None, f"{target.name} carries no source-sha256 stamp; run: {RENDER_COMMAND}"
    assert found == source_sha256(source), (
        f"{source.name} changed since {target.name} was rendered; run: {RENDER_COMMAND}"
    )


@pytest.mark.parametrize("svg", sorted(DIAGRAMS.glob("*.svg")), ids=lambda path: path.name)
def test_every_svg_is_well_formed_with_an_svg_root(svg: Path) -> None:
    root = ET.parse(svg).getroot()
    assert root.tag == f"{SVG_NS}svg"
    assert svg.with_suffix(".puml").exists(), f"{svg.name} has no source"


def test_every_diagram_is_referenced_from_the_page() -> None:
    page = PAGE.read_text(encoding="utf-8")
    assert page.startswith("# 7. PlantUML diagrams\n")
    for source in sources():
        assert f"](diagrams/{svg_path(source).name})" in page, f"{source.name} is not embedded"
        assert f"(diagrams/{source.name})" in page, f"{source.name} is not linked"


def test_the_stamp_follows_the_xml_declaration_and_replaces_an_old_one() -> None:
    svg = '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>'
    once = stamp(svg, "a" * 64)
    assert once.startswith('<?xml version="1.0"?><!-- source-sha256: ' + "a" * 64 + " -->")
    twice = stamp(once, "b" * 64)
    assert stamped_sha256(twice) == "b" * 64
    assert "a" * 64 not in twice
    assert stamp("<svg/>", "c" * 64).startswith("<!-- source-sha256: ")


def test_a_source_renders_to_svg_with_plantuml() -> None:
    plantuml = shutil.which("plantuml")
    if plantuml is None or shutil.which("dot") is None:
        pytest.skip("plantuml or graphviz is not installed (bash scripts/ensure_plantuml.sh)")
    svg = render_svg(DIAGRAMS / "er.puml", plantuml)
    root = ET.fromstring(stamp(svg, source_sha256(DIAGRAMS / "er.puml")).encode("utf-8"))
    assert root.tag == f"{SVG_NS}svg"
    assert "billing_facts" in svg
