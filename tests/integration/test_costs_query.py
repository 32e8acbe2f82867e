"""query_costs, cost_summary and the listings against a real database.

Every expected figure below is summed by hand from the facts in ``FACTS`` (see the comments),
never taken from the code under test.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from finops.core.errors import InvalidInputError
from finops.costs import CostQuery, cost_summary, query_costs
from finops.costs.summary import summary_windows
from finops.db.database import Database
from finops.db.engine import session_scope
from finops.db.models import (
    Account,
    IngestionFile,
    IngestionRun,
    Resource,
    UsageMetric,
)
from finops.ingest.runs import list_ingestions
from finops.inventory.listings import list_accounts, list_resources
from finops.usage.listings import list_usage
from tests.support.facts import add_facts

D = Decimal
UTC = dt.UTC


# January 2024 plus one day either side; USD and EUR; one credit; one missing region.
FACTS: list[dict[str, object]] = [
    # f1..f3: EC2 in account 111, team a
    {"day": "2024-01-30", "service": "AmazonEC2", "account": "111", "region": "us-east-1",
     "tags": {"team": "a"}, "billed": "10.10", "effective": "9.00", "list": "12.00",
     "line_items": 24},
    {"day": "2024-01-31", "service": "AmazonEC2", "account": "111", "region": "us-east-1",
     "tags": {"team": "a"}, "billed": "20.20", "effective": "18.00", "list": "24.00",
     "line_items": 24},
    {"day": "2024-01-31", "service": "AmazonEC2", "account": "111", "region": "us-east-1",
     "tags": {"team": "a"}, "billed": "-3.33", "effective": "-3.33", "list": "0",
     "charge_category": "Credit"},
    # f4, f5: S3 in account 222, team b (f5 has no region)
    {"day": "2024-01-31", "service": "AmazonS3", "account": "222", "region": "eu-west-1",
     "tags": {"team": "b"}, "billed": "5.05"},
    {"day": "2024-01-01", "service": "AmazonS3", "account": "222", "region": None,
     "tags": {"team": "b"}, "billed": "0.10"},
    # f6: EUR, must never be added to USD
    {"day": "2024-01-31", "service": "AmazonEC2", "account": "333", "region": "eu-central-1",
     "tags": {"team": "a"}, "currency": "EUR", "billed": "7.00", "effective": "6.50",
     "list": "8.00"},
    # f7, f8: February (outside [2024-01-01, 2024-02-01)); untagged; sub-cent precision
    {"day": "2024-02-01", "service": "AmazonEC2", "account": "111", "region": "us-east-1",
     "billed": "0.000000000000000001"},
    {"day": "2024-02-02", "service": "AmazonEC2", "account": "111", "region": "us-east-1",
     "billed": "0.1"},
    # f9: December 2023 (before the range)
    {"day": "2023-12-31", "service": "AmazonEC2", "account": "111", "region": "us-east-1",
     "billed": "1000"},
]  # fmt: skip

JANUARY = {"start": dt.date(2024, 1, 1), "end": dt.date(2024, 2, 1)}


@pytest.fixture
def seeded(db: Database) -> Database:
    with session_scope(db.sessions) as session:
        add_facts(session, FACTS)
    return db


def _run(db: Database, **query: object) -> object:
    with session_scope(db.sessions) as session:
        return query_costs(session=session, query=CostQuery(**query))  # type: ignore[arg-type]


def _table(result: object) -> list[tuple[object, ...]]:
    return [
        (
            row.period_start.isoformat(),
            tuple(row.keys.values()),
            row.currency,
            row.amounts.billed,
            row.amounts.effective,
            row.is_other,
        )
        for row in result.rows  # type: ignore[attr-defined]
    ]


@pytest.mark.smoke
def test_costs_by_service_keep_currencies_apart_and_include_credits(seeded: Database) -> None:
    result = _run(seeded, **JANUARY, group_by=["service"])
    # USD EC2 billed = 10.10 + 20.20 - 3.33 = 26.97; effective = 9 + 18 - 3.33 = 23.67
    # USD S3 billed = 5.05 + 0.10 = 5.15; EUR EC2 billed 7.00, effective 6.50
    # sorted by effective desc within the one period: 23.67, 6.50, 5.15
    assert _table(result) == [
        ("2024-01-01", ("AmazonEC2",), "USD", D("26.97"), D("23.67"), False),
        ("2024-01-01", ("AmazonEC2",), "EUR", D("7.00"), D("6.50"), False),
        ("2024-01-01", ("AmazonS3",), "USD", D("5.15"), D("5.15"), False),
    ]
    totals = {t.currency: t.amounts for t in result.totals}  # type: ignore[attr-defined]
    assert set(totals) == {"USD", "EUR"}
    assert totals["USD"].billed == D("32.12")  # 26.97 + 5.15
    assert totals["USD"].list == D("41.15")  # 12 + 24 + 0 + 5.05 + 0.10
    assert totals["EUR"].billed == D("7.00")
    assert totals["USD"].fact_count == 5
    assert totals["USD"].line_items == 24 + 24 + 1 + 1 + 1
    assert result.fact_count == 6  # type: ignore[attr-defined]
    assert result.rows[0].period_end == dt.date(2024, 2, 1)  # type: ignore[attr-defined]


@pytest.mark.smoke
def test_costs_by_tag_and_day_are_exact_and_half_open(seeded: Database) -> None:
    result = _run(
        seeded,
        start=dt.date(2024, 1, 31),
        end=dt.date(2024, 2, 3),
        granularity="day",
        group_by=["tag:team"],
        filters={"currency": ["USD"]},
        metric="billed",
    )
    # 2024-01-31 USD: team a = 20.20 - 3.33 = 16.87, team b = 5.05
    # 2024-02-01: untagged 1e-18; 2024-02-02: untagged 0.1; 2024-01-30 is before start
    assert _table(result) == [
        ("2024-01-31", ("a",), "USD", D("16.87"), D("14.67"), False),
        ("2024-01-31", ("b",), "USD", D("5.05"), D("5.05"), False),
        ("2024-02-01", (None,), "USD", D("0.000000000000000001"), D("0.000000000000000001"),
         False),
        ("2024-02-02", (None,), "USD", D("0.1"), D("0.1"), False),
    ]  # fmt: skip
    # 16.87 + 5.05 + 0.1 + 1e-18, exactly (a float sum would drop the last digit)
    assert result.totals[0].amounts.billed == D("22.020000000000000001")  # type: ignore[attr-defined]


def test_end_is_exclusive(seeded: Database) -> None:
    result = _run(seeded, start=dt.date(2024, 1, 31), end=dt.date(2024, 2, 1))
    # only 2024-01-31: USD 20.20 - 3.33 + 5.05 = 21.92; EUR 7.00; 2024-02-01 excluded
    billed = {t.currency: t.amounts.billed for t in result.totals}  # type: ignore[attr-defined]
    assert billed == {"USD": D("21.92"), "EUR": D("7.00")}


def test_costs_by_month_clip_periods_to_the_range(seeded: Database) -> None:
    result = _run(seeded, start=dt.date(2024, 1, 15), end=dt.date(2024, 2, 10), granularity="month")
    rows = [(r.period_start, r.period_end, r.currency, r.amounts.billed) for r in result.rows]  # type: ignore[attr-defined]
    # Jan 15..31 USD: 10.10 + 20.20 - 3.33 + 5.05 = 32.02 (the Jan 1 fact is before start)
    # Feb 1..9 USD: 1e-18 + 0.1
    assert rows == [
        (dt.date(2024, 1, 15), dt.date(2024, 2, 1), "USD", D("32.02")),
        (dt.date(2024, 1, 15), dt.date(2024, 2, 1), "EUR", D("7.00")),
        (dt.date(2024, 2, 1), dt.date(2024, 2, 10), "USD", D("0.100000000000000001")),
    ]


def test_costs_by_account_and_region_with_missing_region_filter(seeded: Database) -> None:
    result = _run(seeded, **JANUARY, group_by=["account", "region"], filters={"region": [None]})
    # only f5 has no region
    assert _table(result) == [("2024-01-01", ("222", None), "USD", D("0.10"), D("0.10"), False)]
    result = _run(
        seeded,
        **JANUARY,
        group_by=["region"],
        filters={"region": ["eu-west-1", None], "service": ["AmazonS3"]},
    )
    assert [(r.keys["region"], r.amounts.billed) for r in result.rows] == [  # type: ignore[attr-defined]
        ("eu-west-1", D("5.05")),
        (None, D("0.10")),
    ]


def test_limit_folds_the_rest_into_other_per_currency(seeded: Database) -> None:
    result = _run(seeded, **JANUARY, group_by=["account"], limit=1)
    # USD: account 111 effective 23.67 kept; 222 (5.15) folded; EUR: 333 alone, nothing folded
    assert _table(result) == [
        ("2024-01-01", ("111",), "USD", D("26.97"), D("23.67"), False),
        ("2024-01-01", ("333",), "EUR", D("7.00"), D("6.50"), False),
        ("2024-01-01", (None,), "USD", D("5.15"), D("5.15"), True),
    ]
    assert {t.currency: t.amounts.billed for t in result.totals} == {  # type: ignore[attr-defined]
        "USD": D("32.12"),
        "EUR": D("7.00"),
    }


def test_charge_category_and_currency_dimensions(seeded: Database) -> None:
    result = _run(seeded, **JANUARY, group_by=["charge_category", "currency"], metric="list")
    assert [(tuple(r.keys.values()), r.amounts.list) for r in result.rows] == [  # type: ignore[attr-defined]
        (("Usage", "USD"), D("41.15")),  # 12 + 24 + 5.05 + 0.10
        (("Usage", "EUR"), D("8.00")),
        (("Credit", "USD"), D("0")),
    ]


def test_empty_range_gives_no_rows(seeded: Database) -> None:
    result = _run(seeded, start=dt.date(2020, 1, 1), end=dt.date(2020, 2, 1))
    assert result.rows == []
    assert result.totals == []
    assert result.fact_count == 0


# --------------------------------------------------------------------------- summary

SUMMARY_FACTS: list[dict[str, object]] = [
    {"day": "2024-03-01", "billed": "10.00"},
    {"day": "2024-03-14", "billed": "5.00"},
    {"day": "2024-03-15", "billed": "100.00"},  # today: excluded
    {"day": "2024-02-01", "billed": "3.00"},
    {"day": "2024-02-14", "billed": "2.00"},
    {"day": "2024-02-15", "billed": "50.00"},  # beyond the same span, inside last month
    {"day": "2024-02-29", "billed": "1.00"},
    {"day": "2024-01-31", "billed": "999.00"},  # neither window
    {"day": "2024-03-02", "billed": "4.00", "currency": "EUR"},
]


@pytest.mark.smoke
def test_summary_month_to_date_against_same_span_last_month(db: Database) -> None:
    with session_scope(db.sessions) as session:
        add_facts(session, SUMMARY_FACTS)
    with session_scope(db.sessions) as session:
        summary = cost_summary(session=session, today=dt.date(2024, 3, 15), metric="billed")
    assert (summary.month_to_date.start, summary.month_to_date.end) == (
        dt.date(2024, 3, 1),
        dt.date(2024, 3, 15),
    )
    assert summary.previous_same_span.end == dt.date(2024, 2, 15)
    by_currency = {c.currency: c for c in summary.currencies}
    usd = by_currency["USD"]
    assert usd.month_to_date == D("15.00")  # 10 + 5
    assert usd.previous_same_span == D("5.00")  # 3 + 2
    assert usd.previous_month == D("56.00")  # 3 + 2 + 50 + 1
    assert usd.change == D("10.00")
    assert usd.change_percent == D("200.00")
    eur = by_currency["EUR"]
    assert (eur.month_to_date, eur.previous_same_span, eur.change_percent) == (
        D("4.00"),
        D("0"),
        None,
    )


def test_summary_windows_clip_to_a_shorter_previous_month() -> None:
    mtd, same, full = summary_windows(dt.date(2023, 3, 31))
    assert (mtd.start, mtd.end) == (dt.date(2023, 3, 1), dt.date(2023, 3, 31))
    assert (same.start, same.end) == (dt.date(2023, 2, 1), dt.date(2023, 3, 1))
    assert (full.start, full.end) == (dt.date(2023, 2, 1), dt.date(2023, 3, 1))
    mtd, same, full = summary_windows(dt.date(2024, 1, 1))
    assert mtd.start == mtd.end == dt.date(2024, 1, 1)
    assert (same.start, same.end, full.end) == (
        dt.date(2023, 12, 1),
        dt.date(2023, 12, 1),
        dt.date(2024, 1, 1),
    )


# --------------------------------------------------------------------------- listings


def test_listings_filter_and_paginate(db: Database) -> None:
    now = dt.datetime(2024, 1, 1, tzinfo=UTC)
    with session_scope(db.sessions) as session:
        for i in range(5):
            session.add(Account(provider="AWS", account_id=f"10{i}", name=f"acct {i}"))
        session.add(Account(provider="Azure", account_id="sub-1"))
        session.add(Resource(provider="AWS", resource_id="i-2", account_id="101", region_id="r1"))
        session.add(Resource(provider="AWS", resource_id="i-1", account_id="101", region_id="r1"))
        session.add(Resource(provider="AWS", resource_id="i-3", account_id="102", region_id="r1"))
        for day in (1, 2, 3):
            session.add(
                UsageMetric(resource_id="i-1", metric_name="CPUUtilization",
                            day=dt.date(2024, 1, day), samples=288, avg=D("12.5"))
            )  # fmt: skip
        run = IngestionRun(source="s3://b/k", status="succeeded", started_at=now)
        older = IngestionRun(source="s3://b/old", status="failed",
                             started_at=now - dt.timedelta(days=1))  # fmt: skip
        session.add_all([run, older])
        session.flush()
        session.add(IngestionFile(run_id=run.id, key="k1", size_bytes=10, sha256="a" * 64))
        session.add(IngestionFile(run_id=run.id, key="k2", size_bytes=20, sha256="b" * 64))
    with session_scope(db.sessions) as session:
        page = list_accounts(session=session, provider="AWS", limit=2, offset=2)
        assert [a.account_id for a in page.items] == ["102", "103"]
        assert (page.total, page.next_offset) == (5, 4)
        assert list_accounts(session=session, provider="AWS", limit=2, offset=4).next_offset is None
        resources = list_resources(session=session, account="101")
        assert [r.resource_id for r in resources.items] == ["i-1", "i-2"]
        usage = list_usage(
            session=session, start=dt.date(2024, 1, 2), end=dt.date(2024, 1, 4), resource="i-1"
        )
        assert [u.day.day for u in usage.items] == [2, 3]
        assert usage.items[0].avg == D("12.5")
        runs = list_ingestions(session=session)
        assert [r.run.source for r in runs.items] == ["s3://b/k", "s3://b/old"]
        assert [f.key for f in runs.items[0].files] == ["k1", "k2"]
        assert runs.items[1].files == []
        assert list_ingestions(session=session, status="failed").total == 1
        with pytest.raises(InvalidInputError, match="'limit'"):
            list_accounts(session=session, limit=1001)
        with pytest.raises(InvalidInputError, match="'offset'"):
            list_accounts(session=session, offset=-1)
        with pytest.raises(InvalidInputError, match="'end'"):
            list_usage(session=session, start=dt.date(2024, 1, 2), end=dt.date(2024, 1, 2))
