"""Independent readers for the sample files (csv/pyarrow + Decimal; no generator code)."""

from __future__ import annotations

import csv
import gzip
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq


def legacy_rows(folder: Path) -> Iterator[dict[str, str]]:
    """Every row of every ``*.csv.gz`` under ``folder`` (sorted by path), as text."""
    for path in sorted(folder.rglob("*.csv.gz")):
        with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
            yield from csv.DictReader(handle)


def focus_rows(folder: Path) -> Iterator[dict[str, str]]:
    """Every row of the FOCUS CSVs under ``folder`` (same container as the legacy CUR)."""
    yield from legacy_rows(folder)


def cur2_rows(folder: Path) -> Iterator[dict[str, object]]:
    """Every row of every ``*.parquet`` under ``folder`` (sorted by path), as Python values."""
    for path in sorted(folder.rglob("*.parquet")):
        yield from pq.read_table(path).to_pylist()


def dec(text: str | None) -> Decimal:
    """The exact decimal of a CSV money cell; an empty cell is zero."""
    return Decimal(text) if text else Decimal(0)


def dec_double(value: object) -> Decimal:
    """A Parquet double read the way the ingester does: through its shortest repr."""
    return Decimal(0) if value is None else Decimal(repr(value))
