"""The validate-map-aggregate step as SQL, written once for DuckDB and Spark (pure, no I/O).

:func:`aggregate_sql` is the one statement per billing file: every row is mapped to the
canonical fields (``mapping.py``), every check sets one bit of a mask that joins the group key,
and a two-stage aggregation reaches the daily FOCUS grain (tags canonicalised between the two
stages, over far fewer rows). :func:`first_bad_row_sql` is the slow path that runs only when a
bit was set, and :func:`bad_row_error` words its answer the same way whichever engine found it.

Every aggregate is deterministic (``sum``, ``count``, ``bit_or``, ``min``), so both engines give
the same facts row for row whatever order they read the rows in.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from finops.ingest.exceptions import MalformedFileError
from finops.ingest.formats import CUR2, CUR_LEGACY, DetectedFormat
from finops.ingest.mapping import ANY_FIELDS, KEY_FIELDS, SUM_FIELDS, CanonicalSelect

SERVICE_CATEGORIES = "svc"
"""The lookup the CUR mapping joins: ``__product_code`` -> ``__category`` (both engines load
``data/aws_service_category_mapping.csv`` under this name)."""


def bad_mask_sql(select: CanonicalSelect) -> str:
    """A BIGINT with bit ``i`` set when check ``i`` fails on the row."""
    if not select.checks:
        return "CAST(0 AS BIGINT)"
    parts = [
        f"(CASE WHEN {check.bad_sql} THEN {select.dialect.bit_value(i)} ELSE 0 END)"
        for i, check in enumerate(select.checks)
    ]
    return " | ".join(parts)


def aggregate_sql(
    select: CanonicalSelect, fmt: DetectedFormat, *, source: str, file_id: int
) -> str:
    """The facts of one file: ``ingestion_file_id``, the key fields, the sums, ``line_items``,
    the descriptive fields and ``__bad`` (OR of the row masks), one row per daily grain.

    ``source`` is what follows ``FROM`` (a table function, a view name)."""
    row_items = [*select.fields.items(), *select.tag_parts.items()]
    row_fields = ",\n  ".join(f"{sql} AS {name}" for name, sql in row_items)
    join = ""
    if fmt.name in (CUR_LEGACY, CUR2):
        join = (
            f"LEFT JOIN {SERVICE_CATEGORIES} ON {SERVICE_CATEGORIES}.__product_code = "
            f"{select.fields['service_code']}"
        )
    rows_sql = (
        f"SELECT {row_fields},\n  {bad_mask_sql(select)} AS __bad\nFROM {source} AS src {join}"
    )
    keys = [k for k in KEY_FIELDS if k != "tags"]
    first_keys = ", ".join([*keys, *select.tag_parts, "__bad"])
    sums = ", ".join(f"sum({f}) AS {f}" for f in SUM_FIELDS)
    firsts = ", ".join(f"min({f}) AS {f}" for f in ANY_FIELDS)
    first = (
        f"SELECT {first_keys}, {sums}, count(*) AS line_items, {firsts} "
        f"FROM ({rows_sql}) AS r GROUP BY {first_keys}"
    )
    second_keys = ", ".join(keys)
    second_select = ", ".join(
        "COALESCE(charge_period_end, charge_period_start + INTERVAL 1 DAY) AS charge_period_end"
        if k == "charge_period_end"
        else k
        for k in keys
    )
    return (
        f"SELECT {int(file_id)} AS ingestion_file_id, {second_select}, "
        f"{select.tags_sql} AS tags, {sums}, "
        f"CAST(sum(line_items) AS BIGINT) AS line_items, {firsts}, "
        f"bit_or(__bad) AS __bad FROM ({first}) AS g GROUP BY {second_keys}, {select.tags_sql}"
    )


def first_bad_row_sql(select: CanonicalSelect, *, numbered_source: str) -> str:
    """``(__row, __check, __raw)`` of the first row failing a check: ``numbered_source`` is a
    query with the source's columns plus ``__row`` (1-based data row number)."""
    cases = " ".join(f"WHEN {check.bad_sql} THEN {i}" for i, check in enumerate(select.checks))
    raws = select.dialect.entry_list([check.raw_sql for check in select.checks])
    return (
        f"SELECT __row, CASE {cases} END AS __check, {raws} AS __raw "
        f"FROM ({numbered_source}) AS src WHERE (CASE {cases} END) IS NOT NULL "
        f"ORDER BY __row LIMIT 1"
    )


def bad_row_error(
    path: Path | str,
    fmt: DetectedFormat,
    select: CanonicalSelect,
    found: tuple[int, int, Sequence[str | None]] | None,
) -> MalformedFileError:
    """The error for the first bad row ``(row number, check index, raw values)``: names the
    file, the row (and CSV line), the column, what it held and what was expected."""
    if found is None:  # pragma: no cover - the mask said a row failed
        return MalformedFileError(f"{path}: a row failed validation", details={"file": str(path)})
    row_number, check_index, raws = found
    check = select.checks[int(check_index)]
    raw = raws[int(check_index)]
    shown = "empty" if raw is None else repr(raw if len(raw) <= 60 else raw[:57] + "...")
    location = f"row {row_number}" + (f" (line {row_number + 1})" if fmt.container == "csv" else "")
    return MalformedFileError(
        f"{path}: {location}, column {check.column}: got {shown}; expected {check.expected}",
        details={
            "file": str(path),
            "row": int(row_number),
            "column": check.column,
            "expected": check.expected,
        },
    )
