"""Daily cost roll-ups: equal to the facts after every kind of ingest, and the routed cost
queries equal the facts' answers to the last digit (both backends: ``--db sqlite`` too)."""

from __future__ import annotations

import datetime as dt
import itertools
import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from finops.core.errors import InvalidInputError
from finops.costs.query import CostQuery, CostResult, query_costs, rollup_for_query
from finops.costs.summary import cost_summary
from finops.db import rollups
from finops.db.database import Database
from finops.db.models import BillingFact
from finops.ingest.service import ingest_paths
from tests.support.billing_files import CUR_LEGACY_SAMPLE, read_rows, write_rows
from tests.support.facts import add_facts
from tests.support.sample_billing import SAMPLE_END, ingest_sample

T0 = time.time() - 86_400
Totals = dict[tuple[Any, ...], tuple[Decimal, Decimal, Decimal, Decimal, int, int]]


def expected_rollup(db: Database, spec: rollups.RollupSpec) -> Totals:
    """The roll-up recomputed in Python from the stored facts (independent of the SQL)."""
    sums: dict[tuple[Any, ...], list[Any]] = defaultdict(
        lambda: [Decimal(0), Decimal(0), Decimal(0), Decimal(0), 0, 0]
    )
    with db.sessions() as session:
        for fact in session.scalars(select(BillingFact)):
            key = tuple(getattr(fact, name) for name in spec.key_columns)
            entry = sums[key]
            entry[0] += fact.billed_cost
            entry[1] += fact.effective_cost
            entry[2] += fact.list_cost
            entry[3] += fact.contracted_cost
            entry[4] += fact.line_items
            entry[5] += 1
    return {k: (v[0], v[1], v[2], v[3], v[4], v[5]) for k, v in sums.items()}


def stored_rollup(db: Database, spec: rollups.RollupSpec) -> Totals:
    table = spec.table
    columns = [table.c[name] for name in spec.key_columns]
    stored: Totals = {}
    with db.sessions() as session:
        for row in session.execute(
            select(
                *columns,
                table.c.billed_cost,
                table.c.effective_cost,
                table.c.list_cost,
                table.c.contracted_cost,
                table.c.line_items,
                table.c.fact_count,
            )
        ):
            key = tuple(row[: len(columns)])
            assert key not in stored, f"{table.name}: key {key} stored twice"
            stored[key] = tuple(row[len(columns) :])  # type: ignore[assignment]
    return stored


def assert_rollups_match_facts(db: Database) -> None:
    for spec in rollups.ROLLUPS:
        assert stored_rollup(db, spec) == expected_rollup(db, spec), spec.table.name
    with db.engine.connect() as conn:
        assert rollups.rollup_mismatches(conn) == []


def scaled_copy(tmp: Path, name: str, factor: str, mtime: float) -> Path:
    """The real legacy CUR sample with every cost scaled (a restatement of its month)."""
    header, rows = read_rows(CUR_LEGACY_SAMPLE)
    for row in rows:
        for column in (
            "lineItem/UnblendedCost",
            "lineItem/BlendedCost",
            "pricing/publicOnDemandCost",
        ):
            if row[column]:
                row[column] = str(Decimal(row[column]) * Decimal(factor))
    return write_rows(tmp / name, header, rows, mtime=mtime)


def rollup_rows(db: Database) -> int:
    with db.engine.connect() as conn:
        return int(conn.execute(text("select count(*) from cost_rollup_daily")).scalar_one())


@pytest.mark.smoke
def test_rollups_equal_the_facts_after_an_ingest(db: Database, tmp_path: Path) -> None:
    ingest_sample(db, tmp_path / "sample")
    assert rollup_rows(db) > 0
    assert_rollups_match_facts(db)


@pytest.mark.smoke
def test_restatement_replaces_the_rollups_of_its_scope(db: Database, tmp_path: Path) -> None:
    v1 = scaled_copy(tmp_path, "v1.csv", "1", T0)
    v2 = scaled_copy(tmp_path, "v2.csv", "3", T0 + 3600)
    # The same amounts written differently (3.0 x): another file, a restatement of equal value.
    same = scaled_copy(tmp_path, "v3.csv", "3.0", T0 + 7200)
    assert same.read_bytes() != v2.read_bytes()
    ingest_paths(db=db, paths=[v1])
    assert_rollups_match_facts(db)
    first = stored_rollup(db, rollups.DETAIL)

    [outcome] = ingest_paths(db=db, paths=[v2])
    assert outcome.status == "succeeded"
    assert_rollups_match_facts(db)
    tripled = stored_rollup(db, rollups.DETAIL)
    assert set(tripled) == set(first)
    assert all(tripled[k][0] == 3 * first[k][0] for k in first)  # replaced, not added

    [again] = ingest_paths(db=db, paths=[same])
    assert again.status == "succeeded"
    assert stored_rollup(db, rollups.DETAIL) == tripled
    assert_rollups_match_facts(db)


@pytest.mark.smoke
def test_a_failed_restatement_leaves_facts_and_rollups_unchanged(
    db: Database, tmp_path: Path
) -> None:
    ingest_paths(db=db, paths=[scaled_copy(tmp_path, "v1.csv", "1", T0)])
    before = {spec.table.name: stored_rollup(db, spec) for spec in rollups.ROLLUPS}
    header, rows = read_rows(CUR_LEGACY_SAMPLE)
    rows[5]["lineItem/UnblendedCost"] = "not a number"
    bad = write_rows(tmp_path / "bad.csv", header, rows, mtime=T0 + 3600)

    [outcome] = ingest_paths(db=db, paths=[bad])

    assert outcome.status == "failed"
    assert {spec.table.name: stored_rollup(db, spec) for spec in rollups.ROLLUPS} == before
    assert_rollups_match_facts(db)


def test_an_error_while_refreshing_rollups_rolls_the_facts_back(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingest_paths(db=db, paths=[scaled_copy(tmp_path, "v1.csv", "1", T0)])
    before = expected_rollup(db, rollups.DETAIL)
    restated = scaled_copy(tmp_path, "v2.csv", "2", T0 + 3600)
    seen: list[object] = []

    def broken(_conn: object, scopes: list[object]) -> None:
        seen.extend(scopes)
        raise RuntimeError("roll-up refresh failed")

    # Either way of writing the new roll-ups (PostgreSQL's COPY of DuckDB's sums, SQLite's
    # refresh from the facts) first deletes the old ones.
    monkeypatch.setattr("finops.db.rollups.delete_rollups", broken)
    monkeypatch.setattr("finops.ingest.transaction.delete_rollups", broken)
    with pytest.raises(RuntimeError, match="roll-up refresh failed"):
        ingest_paths(db=db, paths=[restated])

    assert len(seen) == 1  # it failed while replacing the month, after writing its facts
    assert expected_rollup(db, rollups.DETAIL) == before  # the facts were not restated
    assert stored_rollup(db, rollups.DETAIL) == before


@pytest.mark.smoke
def test_a_partly_superseded_delivery_rolls_up_only_the_scopes_it_owns(
    db: Database, tmp_path: Path
) -> None:
    header, rows = read_rows(CUR_LEGACY_SAMPLE)
    payer = "bill/PayerAccountId"
    other = [{**row, payer: "999988887777"} for row in rows]
    # A newer delivery owns the sample's billing account; an older file holds that account's
    # month (superseded) and another account's (taken over), so its scan has facts of both.
    newer = scaled_copy(tmp_path, "newer.csv", "2", T0 + 7200)
    older = write_rows(tmp_path / "older.csv", header, rows + other, mtime=T0)
    ingest_paths(db=db, paths=[newer])
    only_newer = expected_rollup(db, rollups.DETAIL)

    [outcome] = ingest_paths(db=db, paths=[older])

    assert (len(outcome.replaced_scopes), len(outcome.superseded_scopes)) == (1, 1)
    assert_rollups_match_facts(db)
    detail = stored_rollup(db, rollups.DETAIL)
    kept = {k: v for k, v in detail.items() if k[1] != "999988887777"}
    assert kept == only_newer  # the superseded account's sums are the newer delivery's alone
    assert len(detail) > len(kept)


@pytest.mark.smoke
def test_rebuild_recomputes_every_rollup_from_the_facts(db: Database, tmp_path: Path) -> None:
    ingest_sample(db, tmp_path / "sample")
    with db.engine.begin() as conn:
        conn.execute(text("delete from cost_rollup_daily_service"))
        conn.execute(text("update cost_rollup_daily set line_items = line_items + 1"))
        assert rollups.rollup_mismatches(conn) != []  # the check does see a difference
        rebuilt = rollups.rebuild_rollups(conn)
    assert rebuilt == rollup_rows(db)
    assert_rollups_match_facts(db)


def comparable(result: CostResult) -> tuple[Any, ...]:
    return (result.rows, result.totals, result.line_items, result.fact_count)


GROUPS: list[list[str]] = [
    [],
    ["service"],
    ["account"],
    ["currency"],
    ["region", "charge_category"],
    ["service", "account"],
    ["billing_account", "service_category", "pricing_category"],
    ["resource"],
    ["usage_type"],
    ["tag:team"],
]
FILTERS: list[dict[str, list[str | None]]] = [
    {},
    {"charge_category": ["Usage"]},
    {"account": ["111", None]},
    {"service": ["Amazon Elastic Compute Cloud", "EC2"], "currency": ["USD"]},
    {"region": ["us-east-1", None], "charge_category": ["Usage", "Credit"]},
    {"tag:team": ["web"]},
]


@pytest.mark.smoke
def test_routed_queries_equal_the_facts_queries(db: Database, tmp_path: Path) -> None:
    ingest_sample(db, tmp_path / "sample")
    with db.sessions.begin() as session:  # hand-written facts too: NULL keys, EUR, a credit
        add_facts(
            session,
            [
                {"day": "2026-03-02", "service": "EC2", "account": "111", "billed": "1.10",
                 "region": "us-east-1", "tags": {"team": "web"}},
                {"day": "2026-03-02", "service": "EC2", "account": None, "billed": "0.3"},
                {"day": "2026-03-03", "service": None, "account": "111", "billed": "-2.5",
                 "charge_category": "Credit"},
                {"day": "2026-02-10", "service": "EC2", "billed": "7", "currency": "EUR"},
            ],
        )  # fmt: skip
    routed = 0
    with db.sessions() as session:
        for group_by, filters, (granularity, limit) in itertools.product(
            GROUPS, FILTERS, [(None, None), ("day", None), ("month", 2)]
        ):
            query = CostQuery(
                start=dt.date(2026, 1, 5),
                end=SAMPLE_END,
                granularity=granularity,
                group_by=group_by,
                filters=filters,
                limit=limit,
            )
            facts = query_costs(session=session, query=query, route="facts")
            auto = query_costs(session=session, query=query)
            assert comparable(auto) == comparable(facts), (group_by, filters, granularity)
            routed += rollup_for_query(group_by, filters) is not None
        for day in (dt.date(2026, 3, 15), dt.date(2026, 2, 1), dt.date(2026, 3, 31)):
            for metric in ("billed", "effective", "list"):
                assert cost_summary(session=session, today=day, metric=metric) == cost_summary(
                    session=session, today=day, metric=metric, route="facts"
                )
    assert routed >= 20  # the matrix did exercise the roll-ups, not only the facts


def test_queries_go_to_the_smallest_rollup_that_keeps_their_dimensions() -> None:
    assert rollup_for_query([], {}) is rollups.BY_SERVICE
    assert rollup_for_query(["service"], {"currency": ["USD"]}) is rollups.BY_SERVICE
    assert rollup_for_query(["account"], {"charge_category": ["Usage"]}) is rollups.BY_ACCOUNT
    assert rollup_for_query(["service"], {"account": ["1"]}) is rollups.DETAIL
    assert rollup_for_query(["region"], {}) is rollups.DETAIL
    assert rollup_for_query(["resource"], {}) is None
    assert rollup_for_query([], {"usage_type": ["x"]}) is None
    assert rollup_for_query(["tag:team"], {}) is None
    assert rollup_for_query([], {}, route="facts") is None
    with pytest.raises(InvalidInputError):
        rollup_for_query(["colour"], {})
