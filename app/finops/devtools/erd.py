"""The entity-relationship diagram of the schema, rendered from SQLAlchemy metadata.

The output is a Markdown page holding a Mermaid ``erDiagram`` (GitHub and most Markdown viewers
draw it) plus a table index. It is generated, never edited: ``scripts/gen_erd.py`` writes
``docs/erd.md`` and a unit test fails when the committed page differs from a fresh render.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Column, ForeignKeyConstraint, MetaData, Table, UniqueConstraint
from sqlalchemy.dialects import postgresql
from sqlalchemy.types import TypeDecorator

from finops.core.errors import InvalidInputError

REGENERATE_COMMAND = "python scripts/gen_erd.py"
MAKE_TARGET = "make erd"

# Mermaid erDiagram accepts these characters in entity and attribute names.
_MERMAID_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
# Attribute types: a word, optionally with a parenthesised length (no commas or spaces).
_TYPE_PARAMS = re.compile(r"\(.*\)$")
_PG_DIALECT = postgresql.dialect()  # type: ignore[no-untyped-call]


@dataclass(frozen=True)
class _Relationship:
    parent: str
    child: str
    columns: tuple[str, ...]
    optional: bool
    one_to_one: bool

    def render(self) -> str:
        parent_end = "|o" if self.optional else "||"
        child_end = "o|" if self.one_to_one else "o{"
        label = ", ".join(self.columns)
        return f'    {self.parent} {parent_end}--{child_end} {self.child} : "{label}"'


def _check_name(kind: str, name: str, table: str | None = None) -> str:
    if not _MERMAID_NAME.match(name):
        where = f" in table '{table}'" if table else ""
        raise InvalidInputError(
            f"{kind} name '{name}'{where} cannot be drawn in a Mermaid erDiagram; "
            "expected letters, digits, '_' or '-', not starting with a digit",
            details={"parameter": "metadata", kind: name},
        )
    return name


def postgres_type(column: Column[object]) -> str:
    """The column's DDL type on PostgreSQL, the system of record (e.g. ``NUMERIC(38, 18)``)."""
    return str(column.type.compile(dialect=_PG_DIALECT))


def _type_token(column: Column[object]) -> tuple[str, bool]:
    """A Mermaid-safe type word and whether it dropped parameters (precision, scale)."""
    ddl = postgres_type(column).lower()
    ddl = ddl.replace("timestamp with time zone", "timestamptz").replace(
        "timestamp without time zone", "timestamp"
    )
    dropped = False
    if not ddl.startswith(("varchar", "char")):
        stripped = _TYPE_PARAMS.sub("", ddl)
        dropped = stripped != ddl
        ddl = stripped
    return ddl.replace(" ", "_"), dropped


def _single_column_unique(table: Table) -> set[str]:
    unique: set[str] = set()
    for constraint in table.constraints:
        if isinstance(constraint, UniqueConstraint) and len(constraint.columns) == 1:
            unique.update(col.name for col in constraint.columns)
    unique.update(col.name for col in table.columns if col.unique)
    return unique


def _multi_column_unique(table: Table) -> list[tuple[str, ...]]:
    keys = [
        tuple(col.name for col in constraint.columns)
        for constraint in table.constraints
        if isinstance(constraint, UniqueConstraint) and len(constraint.columns) > 1
    ]
    return sorted(keys)


def _column_line(column: Column[object], unique: set[str]) -> str:
    markers = []
    if column.primary_key:
        markers.append("PK")
    if column.foreign_keys:
        markers.append("FK")
    if column.name in unique and not column.primary_key:
        markers.append("UK")
    token, dropped_params = _type_token(column)
    notes = []
    if isinstance(column.type, TypeDecorator):
        notes.append(type(column.type).__name__)
    if dropped_params:
        notes.append(postgres_type(column))
    notes.append("null" if column.nullable else "not null")
    keys = f" {', '.join(markers)}" if markers else ""
    name = _check_name("column", column.name, str(column.table.name))
    return f'        {token} {name}{keys} "{"; ".join(notes)}"'


def _relationships(table: Table) -> list[_Relationship]:
    found = []
    unique_sets = {
        frozenset(col.name for col in c.columns)
        for c in table.constraints
        if isinstance(c, UniqueConstraint)
    }
    unique_sets.update(frozenset([col.name]) for col in table.columns if col.unique)
    for fk in table.constraints:
        if not isinstance(fk, ForeignKeyConstraint):
            continue
        columns = tuple(col.name for col in fk.columns)
        found.append(
            _Relationship(
                parent=str(fk.referred_table.name),
                child=str(table.name),
                columns=columns,
                optional=any(col.nullable for col in fk.columns),
                one_to_one=frozenset(columns) in unique_sets,
            )
        )
    return found


def render_mermaid_erd(metadata: MetaData) -> str:
    """A Mermaid ``erDiagram`` of every table in ``metadata``.

    Guarantees: deterministic for the same metadata (tables and relationships sorted by name;
    columns in declaration order, primary key first as declared); every table appears as an
    entity with every column, its PostgreSQL type, ``PK``/``FK``/``UK`` markers and nullability;
    every foreign key appears as a relationship labelled with its column(s), optional on the
    parent side when the column is nullable. Raises :class:`InvalidInputError` for a table or
    column name Mermaid cannot draw.
    """
    lines = ["erDiagram"]
    relationships: list[_Relationship] = []
    for name in sorted(metadata.tables):
        table = metadata.tables[name]
        unique = _single_column_unique(table)
        lines.append(f"    {_check_name('table', name)} {{")
        lines.extend(_column_line(column, unique) for column in table.columns)
        lines.append("    }")
        relationships.extend(_relationships(table))
    relationships.sort(key=lambda rel: (rel.parent, rel.child, rel.columns))
    lines.extend(rel.render() for rel in relationships)
    return "\n".join(lines) + "\n"


def _index_rows(metadata: MetaData) -> list[str]:
    rows = [
        "| Table | Columns | References | Unique keys (multi-column) |",
        "| --- | ---: | --- | --- |",
    ]
    for name in sorted(metadata.tables):
        table = metadata.tables[name]
        references = sorted(
            f"`{fk.parent.name}` → `{fk.column.table.name}.{fk.column.name}`"
            for fk in table.foreign_keys
        )
        unique = [f"({', '.join(key)})" for key in _multi_column_unique(table)]
        rows.append(
            f"| `{name}` | {len(table.columns)} | {'<br>'.join(references) or '—'} | "
            f"{'<br>'.join(unique) or '—'} |"
        )
    return rows


def render_erd_markdown(metadata: MetaData) -> str:
    """The ER diagram page: a generated-file header, the Mermaid diagram and a table index.

    Guarantees: the same metadata always gives byte-identical text ending in one newline; the
    header says the page is generated and names the commands that regenerate it.
    """
    table_count = len(metadata.tables)
    fk_count = sum(
        1
        for table in metadata.tables.values()
        for c in table.constraints
        if isinstance(c, ForeignKeyConstraint)
    )
    parts = [
        "# Entity-relationship diagram",
        "",
        "<!-- Generated file: do not edit by hand. -->",
        f"Generated from the SQLAlchemy models (`app/finops/db/models.py`, `Base.metadata`) by "
        f"`finops.devtools.erd`. Do not edit by hand: after changing a model, regenerate with "
        f"`{MAKE_TARGET}` or `{REGENERATE_COMMAND}`. A unit test fails when this page is stale.",
        "",
        f"{table_count} tables, {fk_count} foreign keys. Types are the PostgreSQL ones (the system "
        "of record); on SQLite `Money` is stored as exact decimal text and `UTCDateTime` as naive "
        "UTC text. Markers: `PK` primary key, `FK` foreign key, `UK` unique.",
        "",
        "```mermaid",
        render_mermaid_erd(metadata).rstrip("\n"),
        "```",
        "",
        "## Tables",
        "",
        *_index_rows(metadata),
    ]
    return "\n".join(parts) + "\n"
