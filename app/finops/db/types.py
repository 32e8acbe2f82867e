"""Portable column types that keep money exact and time in UTC on PostgreSQL and SQLite.

- :class:`Money` is ``NUMERIC(38, 18)`` on PostgreSQL. SQLite has no exact decimal type (its
  NUMERIC affinity turns values into floats), so there the value is stored as canonical text
  and summed with an exact Python aggregate (see :func:`money_sum`).
- :class:`UTCDateTime` is ``timestamptz`` on PostgreSQL; on SQLite it is stored as naive UTC
  text. Either way Python always gets an aware UTC ``datetime``.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, DateTime, Numeric, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator, TypeEngine

from finops.core.money import format_decimal_text

MONEY_PRECISION = 38
MONEY_SCALE = 18


def decimal_to_text(value: Decimal) -> str:
    """Canonical fixed-point text for a Decimal (no exponent, no trailing zeros beyond scale)."""
    return format_decimal_text(value)


class Money(TypeDecorator[Decimal]):
    """An exact decimal amount (cost, rate or quantity)."""

    impl = Numeric(MONEY_PRECISION, MONEY_SCALE)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(64))
        return dialect.type_descriptor(Numeric(MONEY_PRECISION, MONEY_SCALE, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        dec = value if isinstance(value, Decimal) else Decimal(str(value))
        if dialect.name == "sqlite":
            return decimal_to_text(dec)
        return dec

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return value if isinstance(value, Decimal) else Decimal(str(value))


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A point in time, always UTC and timezone-aware in Python."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, dt.datetime):
            raise TypeError(f"expected datetime, got {type(value).__name__}")
        if value.tzinfo is None:
            raise ValueError("naive datetime given where UTC is required")
        utc = value.astimezone(dt.UTC)
        if dialect.name == "sqlite":
            return utc.replace(tzinfo=None)
        return utc

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = dt.datetime.fromisoformat(value)
        moment: dt.datetime = value
        if moment.tzinfo is None:
            return moment.replace(tzinfo=dt.UTC)
        return moment.astimezone(dt.UTC)


JSONDocument = JSON().with_variant(JSONB(), "postgresql")
"""JSON on SQLite, JSONB on PostgreSQL."""


class money_sum(FunctionElement[Decimal]):  # noqa: N801 - reads like the SQL function it is
    """Exact ``SUM`` of a :class:`Money` column: ``sum()`` on PostgreSQL, ``decimal_sum()`` on
    SQLite (a Python aggregate over Decimal, registered on every SQLite connection)."""

    type = Money()
    inherit_cache = True
    name = "money_sum"


@compiles(money_sum)
def _money_sum_default(element: money_sum, compiler: SQLCompiler, **kw: Any) -> str:
    return f"sum({compiler.process(element.clauses, **kw)})"


@compiles(money_sum, "sqlite")
def _money_sum_sqlite(element: money_sum, compiler: SQLCompiler, **kw: Any) -> str:
    return f"decimal_sum({compiler.process(element.clauses, **kw)})"


class money_order(FunctionElement[Decimal]):  # noqa: N801 - reads like the SQL it becomes
    """Sort key of a :class:`Money` column: the exact NUMERIC on PostgreSQL; on SQLite, where
    money is stored as text, its numeric value (so 9.02 sorts below 478.15, not above)."""

    type = Money()
    inherit_cache = True
    name = "money_order"


@compiles(money_order)
def _money_order_default(element: money_order, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(money_order, "sqlite")
def _money_order_sqlite(element: money_order, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST({compiler.process(element.clauses, **kw)} AS REAL)"


class DecimalSum:
    """SQLite aggregate: exact sum of decimal text values; NULL when no non-NULL input."""

    def __init__(self) -> None:
        self.total: Decimal | None = None

    def step(self, value: Any) -> None:
        if value is None:
            return
        dec = Decimal(str(value))
        self.total = dec if self.total is None else self.total + dec

    def finalize(self) -> str | None:
        return None if self.total is None else decimal_to_text(self.total)


def to_json_document(value: Any, *, unknown: Any = None) -> Any:
    """``value`` made storable in a JSON column with money kept exact: Decimal -> canonical
    text, date/datetime -> ISO 8601, non-finite float -> None, containers recursively.
    Other leaves pass through, or through ``unknown`` when given (e.g. ``str``)."""
    if isinstance(value, Decimal):
        return decimal_to_text(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): to_json_document(v, unknown=unknown) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [to_json_document(v, unknown=unknown) for v in value]
    if unknown is not None and not isinstance(value, str | int | bool) and value is not None:
        return unknown(value)
    return value
