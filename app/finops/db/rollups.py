"""Daily cost roll-ups: what they hold, how they are refreshed from the facts, how to check them.

A roll-up is ``billing_facts`` summed over every column but a few dimensions, per restatement
scope (provider, billing account, billing period) and charge day. Guarantees:

- :func:`refresh_rollups` replaces the roll-up rows of the given scopes with sums over those
  scopes' facts; it runs in the caller's transaction (the one that wrote the facts), so a
  reader sees old facts with old roll-ups or new facts with new roll-ups, never a mix;
- sums are exact: ``money_sum`` (NUMERIC on PostgreSQL, the Decimal aggregate on SQLite);
  the coarser roll-ups are summed from the detailed one (sums of exact sums);
- on PostgreSQL the ingest computes the same sums in DuckDB over exactly the facts it wrote
  (DECIMAL(38,18), the facts' own scale) and COPYs them in after :func:`delete_rollups`, in
  the facts' transaction (``finops.ingest.transaction``), so the database never sums a
  delivery's facts a second time; tests compare both ways with :func:`rollup_mismatches`;
- :func:`rebuild_rollups` recomputes every roll-up from every fact (existing databases, the
  migration's backfill, ``finops db rebuild-rollups``);
- :func:`rollup_mismatches` lists every (roll-up, scope, currency) whose totals differ from the
  facts' (empty when consistent).

The ingest is the only writer of facts in the platform; anything else that writes them must
call :func:`refresh_rollups` for the scopes it touched, in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import Column, Connection, Table, and_, delete, func, insert, or_, select
from sqlalchemy.sql import ColumnElement, FromClause, TableClause
from sqlalchemy.sql import column as sql_column
from sqlalchemy.sql import table as sql_table

from finops.db.models import (
    BillingFact,
    CostRollupDaily,
    CostRollupDailyAccount,
    CostRollupDailyService,
    table_of,
)
from finops.db.types import money_sum

SCOPE_COLUMNS = ("provider", "billing_account_id", "billing_period_start")
KEPT_COLUMNS = (*SCOPE_COLUMNS, "charge_period_start", "charge_category", "billing_currency")
MONEY_COLUMNS = ("billed_cost", "effective_cost", "list_cost", "contracted_cost")
VALUE_COLUMNS = (*MONEY_COLUMNS, "line_items", "fact_count")
"""What every roll-up row holds after its key columns: exact sums, line items, fact count."""


class ScopeLike(Protocol):
    """A restatement scope (``finops.ingest.scan.Scope`` has these attributes)."""

    @property
    def provider(self) -> str: ...
    @property
    def billing_account_id(self) -> str: ...
    @property
    def billing_period_start(self) -> Any: ...


@dataclass(frozen=True)
class RollupSpec:
    """One roll-up table and the fact columns it keeps besides :data:`KEPT_COLUMNS`."""

    table: Table
    dimensions: tuple[str, ...]

    @property
    def key_columns(self) -> tuple[str, ...]:
        return (*KEPT_COLUMNS, *self.dimensions)

    def keeps(self, fact_columns: Iterable[str]) -> bool:
        """True when every named fact column is a column of this roll-up."""
        return set(fact_columns) <= set(self.key_columns)


DETAIL = RollupSpec(
    table_of(CostRollupDaily),
    ("sub_account_id", "service_name", "service_category", "region_id", "pricing_category"),
)
BY_SERVICE = RollupSpec(table_of(CostRollupDailyService), ("service_name", "service_category"))
BY_ACCOUNT = RollupSpec(table_of(CostRollupDailyAccount), ("sub_account_id",))
ROLLUPS: tuple[RollupSpec, ...] = (BY_SERVICE, BY_ACCOUNT, DETAIL)
"""Smallest first: a query goes to the first roll-up that keeps every column it needs."""


def rollup_for(fact_columns: Iterable[str]) -> RollupSpec | None:
    """The smallest roll-up that keeps every named fact column, or ``None`` (use the facts)."""
    needed = set(fact_columns)
    return next((spec for spec in ROLLUPS if spec.keeps(needed)), None)


def facts_source(name: str | None = None) -> FromClause:
    """``billing_facts``, or a table of the same shape called ``name`` (a staging table)."""
    facts = table_of(BillingFact)
    if name is None:
        return facts
    clause: TableClause = sql_table(name, *(sql_column(c.name, c.type) for c in facts.columns))
    return clause


def _scope_condition(source: FromClause, scopes: Sequence[ScopeLike]) -> ColumnElement[bool]:
    return or_(
        *(
            and_(
                source.c.provider == s.provider,
                source.c.billing_account_id == s.billing_account_id,
                source.c.billing_period_start == s.billing_period_start,
            )
            for s in scopes
        )
    )


def _aggregate_into(
    conn: Connection,
    spec: RollupSpec,
    source: FromClause,
    where: ColumnElement[bool] | None,
    *,
    from_facts: bool,
) -> None:
    keys = [source.c[name] for name in spec.key_columns]
    sums = [money_sum(source.c[name]) for name in MONEY_COLUMNS]
    if from_facts:
        counts: list[Any] = [func.sum(source.c.line_items), func.count()]
    else:
        counts = [func.sum(source.c.line_items), func.sum(source.c.fact_count)]
    statement = select(*keys, *sums, *counts)
    if where is not None:
        statement = statement.where(where)
    statement = statement.group_by(*keys)
    columns = [*spec.key_columns, *VALUE_COLUMNS]
    conn.execute(insert(spec.table).from_select(columns, statement))


def _fill(conn: Connection, facts: FromClause, where_of: Any) -> None:
    """The detailed roll-up from the facts, then each coarser one from the detailed one."""
    _aggregate_into(conn, DETAIL, facts, where_of(facts), from_facts=True)
    for spec in ROLLUPS:
        if spec is not DETAIL:
            _aggregate_into(conn, spec, DETAIL.table, where_of(DETAIL.table), from_facts=False)


def refresh_rollups(
    conn: Connection, scopes: Sequence[ScopeLike], *, facts_table: str | None = None
) -> None:
    """Replace every roll-up's rows of ``scopes`` with sums over those scopes' facts (read from
    ``facts_table`` when given: a staging table about to become the scopes' partition)."""
    if not scopes:
        return
    delete_rollups(conn, scopes)
    _fill(conn, facts_source(facts_table), lambda src: _scope_condition(src, scopes))


def delete_rollups(conn: Connection, scopes: Sequence[ScopeLike]) -> None:
    """Delete every roll-up row of ``scopes`` (the caller then writes their new sums, in the
    same transaction: :func:`refresh_rollups`, or the ingest's COPY of sums it computed over
    exactly the facts it wrote)."""
    if not scopes:
        return
    for spec in ROLLUPS:
        conn.execute(delete(spec.table).where(_scope_condition(spec.table, scopes)))


def rebuild_rollups(conn: Connection) -> int:
    """Recompute every roll-up from every fact; returns the detailed roll-up's row count."""
    for spec in ROLLUPS:
        conn.execute(delete(spec.table))
    _fill(conn, facts_source(), lambda _src: None)
    return int(conn.execute(select(func.count()).select_from(DETAIL.table)).scalar_one())


@dataclass(frozen=True)
class RollupMismatch:
    """A scope and currency whose roll-up totals differ from the facts'."""

    rollup: str
    scope: tuple[Any, ...]
    currency: str
    facts: tuple[Decimal | int, ...]
    rollup_totals: tuple[Decimal | int, ...] | None


def _totals(conn: Connection, source: FromClause, *, from_facts: bool) -> dict[Any, Any]:
    keys = [source.c[name] for name in (*SCOPE_COLUMNS, "billing_currency")]
    count: Any = func.count() if from_facts else func.sum(source.c.fact_count)
    statement = select(
        *keys,
        *(money_sum(source.c[name]) for name in MONEY_COLUMNS),
        func.sum(source.c.line_items),
        count,
    ).group_by(*keys)
    return {
        tuple(row[:4]): tuple(Decimal(v) if i < 4 else int(v) for i, v in enumerate(row[4:]))
        for row in conn.execute(statement)
    }


def rollup_mismatches(conn: Connection) -> list[RollupMismatch]:
    """Every roll-up whose per-(scope, currency) totals of the four metrics, line items and
    fact count are not exactly the facts'. Empty means consistent."""
    expected = _totals(conn, facts_source(), from_facts=True)
    found: list[RollupMismatch] = []
    for spec in ROLLUPS:
        actual = _totals(conn, spec.table, from_facts=False)
        for key in sorted(set(expected) | set(actual), key=repr):
            if expected.get(key) != actual.get(key):
                found.append(
                    RollupMismatch(
                        rollup=spec.table.name,
                        scope=key[:3],
                        currency=str(key[3]),
                        facts=expected.get(key, ()),
                        rollup_totals=actual.get(key),
                    )
                )
    return found


def rollup_column(spec: RollupSpec, name: str) -> Column[Any]:
    """The roll-up's column for a fact column name."""
    column: Column[Any] = spec.table.c[name]
    return column
