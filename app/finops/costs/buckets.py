"""Calendar buckets (UTC day, UTC month) of a timestamp, computed in SQL on both backends.

Each bucket is rendered as ISO text (``YYYY-MM-DD`` / ``YYYY-MM``) so PostgreSQL and SQLite
return the same thing: PostgreSQL converts the ``timestamptz`` to UTC explicitly (whatever the
session time zone), SQLite stores naive UTC text already.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


class utc_day(FunctionElement[str]):  # noqa: N801 - reads like the SQL function it is
    """``YYYY-MM-DD`` of a UTC timestamp."""

    type = String()
    inherit_cache = True
    name = "utc_day"


class utc_month(FunctionElement[str]):  # noqa: N801 - reads like the SQL function it is
    """``YYYY-MM`` of a UTC timestamp."""

    type = String()
    inherit_cache = True
    name = "utc_month"


@compiles(utc_day)
def _utc_day_pg(element: utc_day, compiler: SQLCompiler, **kw: Any) -> str:
    return f"to_char(({compiler.process(element.clauses, **kw)}) AT TIME ZONE 'UTC', 'YYYY-MM-DD')"


@compiles(utc_day, "sqlite")
def _utc_day_sqlite(element: utc_day, compiler: SQLCompiler, **kw: Any) -> str:
    return f"strftime('%Y-%m-%d', {compiler.process(element.clauses, **kw)})"


@compiles(utc_month)
def _utc_month_pg(element: utc_month, compiler: SQLCompiler, **kw: Any) -> str:
    return f"to_char(({compiler.process(element.clauses, **kw)}) AT TIME ZONE 'UTC', 'YYYY-MM')"


@compiles(utc_month, "sqlite")
def _utc_month_sqlite(element: utc_month, compiler: SQLCompiler, **kw: Any) -> str:
    return f"strftime('%Y-%m', {compiler.process(element.clauses, **kw)})"


def parse_bucket(text: str) -> dt.date:
    """The first day of a bucket rendered by :class:`utc_day` or :class:`utc_month`."""
    if len(text) == 7:
        return dt.date(int(text[:4]), int(text[5:7]), 1)
    return dt.date.fromisoformat(text)


def add_months(day: dt.date, months: int) -> dt.date:
    """The first day of the month ``months`` after the month of ``day``."""
    index = day.year * 12 + (day.month - 1) + months
    return dt.date(index // 12, index % 12 + 1, 1)
