"""The generated ER diagram (docs/erd.md) is current and describes the whole schema."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import Column, ForeignKey, Integer, MetaData, String, Table, UniqueConstraint

from finops.core.errors import InvalidInputError
from finops.db.models import Base
from finops.db.types import Money
from finops.devtools.erd import render_erd_markdown, render_mermaid_erd

REPO_ROOT = Path(__file__).resolve().parents[2]
ERD_PAGE = REPO_ROOT / "docs" / "erd.md"

pytestmark = pytest.mark.smoke


def _mermaid_block(page: str) -> str:
    match = re.search(r"```mermaid\n(.*?)```", page, re.DOTALL)
    assert match, "no ```mermaid block in the page"
    return match.group(1)


def _entities(block: str) -> dict[str, list[list[str]]]:
    """Entity name -> attribute lines split into [type, name, *markers] (comment dropped)."""
    entities: dict[str, list[list[str]]] = {}
    for name, body in re.findall(r"^    (\S+) \{\n(.*?)^    \}", block, re.MULTILINE | re.DOTALL):
        rows = []
        for line in body.strip().splitlines():
            without_comment = line.split('"')[0].replace(",", " ")
            rows.append(without_comment.split())
        entities[name] = rows
    return entities


def test_committed_erd_page_matches_a_fresh_render() -> None:
    fresh = render_erd_markdown(Base.metadata)
    committed = ERD_PAGE.read_text(encoding="utf-8") if ERD_PAGE.exists() else ""

    assert committed == fresh, (
        f"{ERD_PAGE.relative_to(REPO_ROOT)} is stale or missing: the models changed. "
        "Regenerate it with `make erd` (or `python scripts/gen_erd.py`) and commit the result."
    )


def test_erd_page_mentions_every_table_with_every_column() -> None:
    page = ERD_PAGE.read_text(encoding="utf-8")
    entities = _entities(_mermaid_block(page))

    assert set(entities) == set(Base.metadata.tables)
    assert len(entities) >= 18  # DESIGN.md §3 names at least 18 tables
    for name, table in Base.metadata.tables.items():
        assert f"`{name}`" in page.split("## Tables", 1)[1], f"{name} missing from the index"
        rows = {row[1]: row for row in entities[name]}
        assert list(rows) == [col.name for col in table.columns], f"columns of {name}"
        for column in table.columns:
            markers = set(rows[column.name][2:])
            assert ("PK" in markers) == column.primary_key, f"{name}.{column.name} PK"
            assert ("FK" in markers) == bool(column.foreign_keys), f"{name}.{column.name} FK"


def test_erd_page_draws_one_relationship_per_foreign_key() -> None:
    block = _mermaid_block(ERD_PAGE.read_text(encoding="utf-8"))
    drawn = set(re.findall(r"^    (\w+) \S+ (\w+) : \"([\w, ]+)\"$", block, re.MULTILINE))

    expected = {
        (fk.column.table.name, table.name, fk.parent.name)
        for table in Base.metadata.tables.values()
        for fk in table.foreign_keys
    }
    assert drawn == expected
    assert expected, "the schema has foreign keys; none were found"


def test_erd_page_says_it_is_generated_and_how_to_regenerate() -> None:
    head = ERD_PAGE.read_text(encoding="utf-8").split("```mermaid", 1)[0]

    assert "Generated" in head
    assert "do not edit" in head.lower()
    assert "make erd" in head
    assert "python scripts/gen_erd.py" in head


def _small_metadata(reverse: bool = False) -> MetaData:
    metadata = MetaData()

    def owners() -> None:
        Table(
            "owners",
            metadata,
            Column("id", Integer, primary_key=True),
            Column("email", String(50), nullable=False, unique=True),
        )

    def invoices() -> None:
        Table(
            "invoices",
            metadata,
            Column("id", Integer, primary_key=True),
            Column("owner_id", ForeignKey("owners.id"), nullable=False),
            Column("reviewer_id", ForeignKey("owners.id"), nullable=True),
            Column("total", Money(), nullable=False),
            UniqueConstraint("owner_id", "total"),
        )

    for define in (invoices, owners) if reverse else (owners, invoices):
        define()
    return metadata


def test_mermaid_rendering_of_a_small_schema_is_exactly_as_specified() -> None:
    expected = "\n".join(
        [
            "erDiagram",
            "    invoices {",
            '        integer id PK "not null"',
            '        integer owner_id FK "not null"',
            '        integer reviewer_id FK "null"',
            '        numeric total "Money; NUMERIC(38, 18); not null"',
            "    }",
            "    owners {",
            '        integer id PK "not null"',
            '        varchar(50) email UK "not null"',
            "    }",
            '    owners ||--o{ invoices : "owner_id"',
            '    owners |o--o{ invoices : "reviewer_id"',
            "",
        ]
    )

    assert render_mermaid_erd(_small_metadata()) == expected


def test_rendering_does_not_depend_on_definition_order() -> None:
    assert render_erd_markdown(_small_metadata()) == render_erd_markdown(
        _small_metadata(reverse=True)
    )
    assert render_erd_markdown(Base.metadata) == render_erd_markdown(Base.metadata)


def test_a_name_mermaid_cannot_draw_is_refused_with_its_name() -> None:
    metadata = MetaData()
    Table("cost report", metadata, Column("id", Integer, primary_key=True))

    with pytest.raises(InvalidInputError) as caught:
        render_mermaid_erd(metadata)

    assert "cost report" in caught.value.message
