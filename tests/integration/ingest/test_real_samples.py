"""The real public samples ingest to exactly the totals an independent sum of the source gives."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from finops.db.database import Database
from finops.db.models import BillingFact, IngestionFile, IngestionRun
from finops.ingest.service import ingest_paths
from tests.support.billing_files import (
    CUR_LEGACY_SAMPLE,
    FOCUS_SAMPLE,
    legacy_to_cur2_parquet,
    read_rows,
    sum_by,
)


def stored_sums(db: Database, key: str, metric: str) -> dict[object, Decimal]:
    """Per-key sums of stored facts, added up here in Python (not by the code under test)."""
    totals: dict[object, Decimal] = defaultdict(Decimal)
    with db.sessions() as session:
        for fact in session.scalars(select(BillingFact)):
            totals[getattr(fact, key)] += getattr(fact, metric)
    return dict(totals)


@pytest.mark.smoke
def test_legacy_cur_sample_totals_match_source_exactly(db: Database) -> None:
    _, rows = read_rows(CUR_LEGACY_SAMPLE)
    expected_total = sum_by(rows, lambda r: "all", "lineItem/UnblendedCost")["all"]
    expected_by_service = sum_by(
        rows,
        lambda r: r["product/ProductName"] or r["lineItem/ProductCode"],
        "lineItem/UnblendedCost",
    )
    [outcome] = ingest_paths(db=db, paths=[CUR_LEGACY_SAMPLE])
    assert outcome.status == "succeeded", outcome.error
    assert outcome.rows_read == len(rows) == 1281
    by_service = stored_sums(db, "service_name", "billed_cost")
    assert by_service == expected_by_service
    assert sum(by_service.values()) == expected_total == Decimal("1.68230869740")
    # No SP/RI in this account: effective equals billed, line by line.
    assert stored_sums(db, "service_name", "effective_cost") == expected_by_service
    # List cost is the public on-demand cost for usage, the billed amount for tax.
    expected_list = sum(
        (
            Decimal(r["lineItem/UnblendedCost"])
            if r["lineItem/LineItemType"] == "Tax"
            else Decimal(r["pricing/publicOnDemandCost"] or "0")
        )
        for r in rows
    )
    assert sum(stored_sums(db, "provider", "list_cost").values()) == expected_list


def test_legacy_cur_sample_records_the_file(db: Database) -> None:
    ingest_paths(db=db, paths=[CUR_LEGACY_SAMPLE])
    with db.sessions() as session:
        file = session.scalars(select(IngestionFile)).one()
        run = session.scalars(select(IngestionRun)).one()
    assert file.detected_format == "cur-legacy"
    assert file.size_bytes == CUR_LEGACY_SAMPLE.stat().st_size
    assert len(file.sha256) == 64
    assert file.rows_read == 1281
    assert file.rows_written > 0
    assert file.cost_totals["USD"]["billed_cost"] == "1.6823086974"
    assert file.billing_period_start is not None
    assert file.billing_period_start.isoformat() == "2023-11-01T00:00:00+00:00"
    assert run.status == "succeeded"
    assert run.finished_at is not None


def test_tax_rows_keep_their_charge_category(db: Database) -> None:
    _, rows = read_rows(CUR_LEGACY_SAMPLE)
    expected_tax = sum_by(rows, lambda r: r["lineItem/LineItemType"], "lineItem/UnblendedCost")
    ingest_paths(db=db, paths=[CUR_LEGACY_SAMPLE])
    stored = stored_sums(db, "charge_category", "billed_cost")
    assert stored["Tax"] == expected_tax["Tax"]
    assert stored["Usage"] == expected_tax["Usage"]


@pytest.mark.smoke
def test_focus_sample_totals_match_source_per_provider_and_service(db: Database) -> None:
    _, rows = read_rows(FOCUS_SAMPLE)
    [outcome] = ingest_paths(db=db, paths=[FOCUS_SAMPLE])
    assert outcome.status == "succeeded", outcome.error
    assert outcome.formats == ["focus-1.0"]
    for metric, column in (
        ("billed_cost", "BilledCost"),
        ("effective_cost", "EffectiveCost"),
        ("list_cost", "ListCost"),
    ):
        expected = sum_by(rows, lambda r: (r["ProviderName"], r["ServiceName"]), column)
        totals: dict[object, Decimal] = defaultdict(Decimal)
        with db.sessions() as session:
            for fact in session.scalars(select(BillingFact)):
                totals[(fact.provider, fact.service_name)] += getattr(fact, metric)
        assert dict(totals) == expected, metric
    billed = sum_by(rows, lambda r: "all", "BilledCost")["all"]
    effective = sum_by(rows, lambda r: "all", "EffectiveCost")["all"]
    # The published figures of the sample (SOURCE: 20.52 billed, 14.98 effective USD).
    assert billed.quantize(Decimal("0.01")) == Decimal("20.52")
    assert effective.quantize(Decimal("0.01")) == Decimal("14.98")
    assert outcome.totals["USD"]["billed_cost"] == str(billed.normalize())


def test_focus_sample_tags_and_accounts(db: Database) -> None:
    _, rows = read_rows(FOCUS_SAMPLE)
    ingest_paths(db=db, paths=[FOCUS_SAMPLE])
    expected_prod = sum(
        (
            Decimal(r["BilledCost"])
            for r in rows
            if r["Tags"] not in ("", "NULL") and '"environment": "prod"' in r["Tags"]
        ),
        Decimal(0),
    )
    with db.sessions() as session:
        facts = session.scalars(select(BillingFact)).all()
    stored_prod = sum(
        (f.billed_cost for f in facts if f.tags.get("environment") == "prod"), Decimal(0)
    )
    assert stored_prod == expected_prod
    assert {f.billing_currency for f in facts} == {"USD"}


def test_cur2_parquet_gives_the_same_totals_as_the_legacy_csv(db: Database, tmp_path: Path) -> None:
    parquet = legacy_to_cur2_parquet(CUR_LEGACY_SAMPLE, tmp_path / "cur2" / "part-0.parquet")
    _, rows = read_rows(CUR_LEGACY_SAMPLE)
    expected = sum_by(
        rows,
        lambda r: r["product/ProductName"] or r["lineItem/ProductCode"],
        "lineItem/UnblendedCost",
    )
    [outcome] = ingest_paths(db=db, paths=[parquet])
    assert outcome.status == "succeeded", outcome.error
    assert outcome.formats == ["cur2"]
    assert stored_sums(db, "service_name", "billed_cost") == expected


def test_month_long_charges_keep_their_period_and_hourly_ones_roll_up_to_days(
    db: Database,
) -> None:
    _, rows = read_rows(CUR_LEGACY_SAMPLE)
    ingest_paths(db=db, paths=[CUR_LEGACY_SAMPLE])
    with db.sessions() as session:
        facts = session.scalars(select(BillingFact)).all()
    tax = [f for f in facts if f.charge_category == "Tax"]
    usage = [f for f in facts if f.charge_category == "Usage"]
    # Tax lines span the month in the source (UsageStartDate .. UsageEndDate).
    assert tax
    assert {(f.charge_period_start.isoformat(), f.charge_period_end.isoformat()) for f in tax} == {
        ("2023-11-01T00:00:00+00:00", "2023-12-01T00:00:00+00:00")
    }
    # Daily usage lines: one UTC day each, half-open.
    assert all((f.charge_period_end - f.charge_period_start).days == 1 for f in usage)
    assert all(f.charge_period_start.hour == 0 for f in usage)
    assert sum(f.line_items for f in facts) == len(rows)
