"""Monthly partitions of billing_facts on PostgreSQL: a restated scope's leaf is swapped whole,
other accounts' months are untouched, a shared leaf falls back to deleting rows, and migration
0008 converts a populated table (and back) with every fact preserved exactly."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text

from finops.db import migrate
from finops.db.database import Database
from finops.db.partitions import leaf_partition
from finops.ingest.service import ingest_paths
from tests.integration.test_cost_rollups import assert_rollups_match_facts
from tests.integration.test_migrations import empty_database  # noqa: F401 - a fixture
from tests.support.billing_files import CUR_LEGACY_SAMPLE, read_rows, write_rows
from tests.support.facts import add_facts, facts_snapshot

pytestmark = pytest.mark.postgres
T0 = time.time() - 86_400
PAYER = "123412340534"  # the sample's payer
PERIOD = dt.datetime(2023, 11, 1, tzinfo=dt.UTC)


@pytest.fixture
def pg(db: Database) -> Database:
    if db.dialect != "postgresql":
        pytest.skip("partitions are a PostgreSQL feature; SQLite keeps a plain table")
    return db


def payer_copy(tmp: Path, name: str, payer: str, factor: str, mtime: float) -> Path:
    """The real legacy sample billed to ``payer`` with every cost scaled by ``factor``."""
    header, rows = read_rows(CUR_LEGACY_SAMPLE)
    for row in rows:
        row["bill/PayerAccountId"] = payer
        for column in ("lineItem/UnblendedCost", "lineItem/BlendedCost"):
            if row[column]:
                row[column] = str(Decimal(row[column]) * Decimal(factor))
    return write_rows(tmp / name, header, rows, mtime=mtime)


def oid(db: Database, name: str) -> int | None:
    with db.engine.connect() as conn:
        value = conn.execute(text("SELECT to_regclass(:n)::oid"), {"n": name}).scalar()
    return None if value is None else int(value)


def leaf_rows(db: Database, payer: str) -> list[tuple[object, ...]]:
    with db.engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                text(f"SELECT id, billed_cost FROM {leaf_partition(PERIOD, payer)} ORDER BY id")
            )
        ]


def billed(db: Database, payer: str) -> Decimal:
    with db.engine.connect() as conn:
        return Decimal(
            conn.execute(
                text("SELECT sum(billed_cost) FROM billing_facts WHERE billing_account_id = :p"),
                {"p": payer},
            ).scalar_one()
        )


def test_restating_one_account_swaps_its_leaf_and_keeps_the_others(
    pg: Database, tmp_path: Path
) -> None:
    ingest_paths(db=pg, paths=[payer_copy(tmp_path, "a1.csv", "111111111111", "1", T0)])
    ingest_paths(db=pg, paths=[payer_copy(tmp_path, "b1.csv", "222222222222", "1", T0)])
    one = billed(pg, "111111111111")
    a_leaf = leaf_partition(PERIOD, "111111111111")
    a_before, b_before = oid(pg, a_leaf), oid(pg, leaf_partition(PERIOD, "222222222222"))
    b_rows = leaf_rows(pg, "222222222222")

    [outcome] = ingest_paths(
        db=pg, paths=[payer_copy(tmp_path, "a2.csv", "111111111111", "2", T0 + 3600)]
    )

    assert outcome.status == "succeeded"
    assert oid(pg, a_leaf) not in (None, a_before)  # a new table took the old leaf's place
    assert billed(pg, "111111111111") == 2 * one
    assert oid(pg, leaf_partition(PERIOD, "222222222222")) == b_before
    assert leaf_rows(pg, "222222222222") == b_rows
    assert_rollups_match_facts(pg)
    with pg.engine.connect() as conn:
        leftovers = conn.execute(
            text("SELECT relname FROM pg_class WHERE relname LIKE '%\\_r%' AND relkind = 'r'")
        ).scalars()
        assert [n for n in leftovers if n.startswith("billing_facts_")] == []


def test_a_leaf_shared_with_another_provider_is_restated_row_by_row(
    pg: Database, tmp_path: Path
) -> None:
    ingest_paths(db=pg, paths=[payer_copy(tmp_path, "a1.csv", PAYER, "1", T0)])
    one = billed(pg, PAYER)
    with pg.sessions.begin() as session:  # same account id and month, another provider
        add_facts(
            session,
            [
                {
                    "day": "2023-11-07",
                    "billed": "4.25",
                    "provider": "Other",
                    "billing_account": PAYER,
                }
            ],
        )
    leaf = leaf_partition(PERIOD, PAYER)
    before = oid(pg, leaf)

    ingest_paths(db=pg, paths=[payer_copy(tmp_path, "a2.csv", PAYER, "3", T0 + 3600)])

    assert oid(pg, leaf) == before  # not swapped: that would drop the other provider's fact
    assert billed(pg, PAYER) == 3 * one + Decimal("4.25")
    assert_rollups_match_facts(pg)


def test_a_failed_restatement_leaves_the_leaf_and_no_staging_table(
    pg: Database, tmp_path: Path
) -> None:
    ingest_paths(db=pg, paths=[payer_copy(tmp_path, "a1.csv", PAYER, "1", T0)])
    before, snapshot = oid(pg, leaf_partition(PERIOD, PAYER)), facts_snapshot(pg)
    header, rows = read_rows(payer_copy(tmp_path, "a2.csv", PAYER, "2", T0 + 3600))
    rows[-1]["lineItem/UsageStartDate"] = "yesterday"
    bad = write_rows(tmp_path / "bad.csv", header, rows, mtime=T0 + 3600)

    [outcome] = ingest_paths(db=pg, paths=[bad])

    assert outcome.status == "failed"
    assert oid(pg, leaf_partition(PERIOD, PAYER)) == before
    assert facts_snapshot(pg) == snapshot
    assert_rollups_match_facts(pg)


FACT_COLUMNS = (
    "id, ingestion_file_id, provider, billing_account_id, billing_period_start, "
    "billing_period_end, charge_period_start, charge_period_end, charge_category, "
    "service_name, billing_currency, billed_cost, effective_cost, list_cost, contracted_cost, "
    "tags, line_items"
)


def _all_facts(database: Database) -> list[tuple[object, ...]]:
    with database.engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(text(f"SELECT {FACT_COLUMNS} FROM billing_facts ORDER BY id"))
        ]


def test_migration_partitions_a_populated_table_and_back(
    empty_database: Database,  # noqa: F811 - the fixture imported above
) -> None:
    database = empty_database
    if database.dialect != "postgresql":
        pytest.skip("SQLite keeps a plain table: 0008 changes nothing there")
    migrate.upgrade(database.engine, "0007")
    with database.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO ingestion_runs (source, trigger, status, started_at, rows_read, "
                "rows_written, details) VALUES ('s', 'cli', 'succeeded', now(), 0, 0, '{}')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO ingestion_files (run_id, key, size_bytes, sha256, rows_read, "
                "rows_written, cost_totals, status, created_at) "
                "VALUES (1, 'k', 1, :sha, 0, 0, '{}', 'succeeded', now())"
            ),
            {"sha": "0" * 64},
        )
        for i, (month, account, cost) in enumerate(
            [(1, "A", "1.000000000000000001"), (1, "B", "-2.5"), (2, "A", "3"), (12, "O'x", "0")]
        ):
            start = dt.datetime(2026, month, 1, tzinfo=dt.UTC)
            conn.execute(
                text(
                    f"INSERT INTO billing_facts ({FACT_COLUMNS}) VALUES (:id, 1, 'AWS', :a, :s, "
                    ":e, :s, :s + interval '1 day', 'Usage', 'EC2', 'USD', :c, :c, :c, :c, "
                    "'{\"team\": \"web\"}', 2)"
                ),
                {"id": 10 + i, "a": account, "s": start, "e": start + dt.timedelta(days=28),
                 "c": Decimal(cost)},
            )  # fmt: skip
        conn.execute(text("SELECT setval('billing_facts_id_seq', 13)"))
    before = _all_facts(database)

    migrate.upgrade(database.engine, "0008")

    assert _all_facts(database) == before
    with database.engine.connect() as conn:
        kind = conn.execute(text("SELECT relkind FROM pg_class WHERE relname = 'billing_facts'"))
        assert kind.scalar_one() == "p"
        leaves = conn.execute(
            text("SELECT count(*) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                 "WHERE c.relkind = 'r' AND c.relname LIKE 'billing_facts_y%'")
        ).scalar_one()  # fmt: skip
        assert leaves == 4
    with database.engine.begin() as conn:  # the id sequence survived the conversion
        conn.execute(
            text(
                f"INSERT INTO billing_facts ({FACT_COLUMNS.removeprefix('id, ')}) "
                "SELECT ingestion_file_id, provider, billing_account_id, billing_period_start, "
                "billing_period_end, charge_period_start, charge_period_end, charge_category, "
                "service_name, billing_currency, billed_cost, effective_cost, list_cost, "
                "contracted_cost, tags, line_items FROM billing_facts WHERE id = 10"
            )
        )
        assert conn.execute(text("SELECT max(id) FROM billing_facts")).scalar_one() == 14
    after = _all_facts(database)

    migrate.downgrade(database.engine, "0007")

    assert _all_facts(database) == after
    with database.engine.connect() as conn:
        kind = conn.execute(text("SELECT relkind FROM pg_class WHERE relname = 'billing_facts'"))
        assert kind.scalar_one() == "r"
