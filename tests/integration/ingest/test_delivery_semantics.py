"""Same file twice, restated months, late deliveries, manifests, several currencies."""

from __future__ import annotations

import json
import time
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from finops.db.database import Database
from finops.db.models import BillingFact, BillingPeriodDelivery, IngestionRun
from finops.ingest.service import ingest_paths
from tests.support.billing_files import (
    CUR_LEGACY_SAMPLE,
    FOCUS_SAMPLE,
    read_rows,
    sum_by,
    write_rows,
)
from tests.support.facts import facts_snapshot

T0 = time.time() - 86_400


def total_billed(db: Database) -> Decimal:
    with db.sessions() as session:
        return sum(session.scalars(select(BillingFact.billed_cost)).all(), Decimal(0))


def restated_copy(tmp: Path, name: str, factor: str, mtime: float) -> tuple[Path, Decimal]:
    """The legacy sample with every cost scaled by ``factor`` (a restatement of the month)."""
    header, rows = read_rows(CUR_LEGACY_SAMPLE)
    for row in rows:
        for column in (
            "lineItem/UnblendedCost",
            "lineItem/BlendedCost",
            "pricing/publicOnDemandCost",
        ):
            if row[column]:
                row[column] = str(Decimal(row[column]) * Decimal(factor))
    path = write_rows(tmp / name, header, rows, mtime=mtime)
    return path, sum_by(rows, lambda r: "t", "lineItem/UnblendedCost")["t"]


@pytest.mark.smoke
def test_same_file_twice_changes_nothing(db: Database) -> None:
    first = ingest_paths(db=db, paths=[CUR_LEGACY_SAMPLE])
    before = facts_snapshot(db)
    second = ingest_paths(db=db, paths=[CUR_LEGACY_SAMPLE])
    assert [o.status for o in first] == ["succeeded"]
    assert [o.status for o in second] == ["duplicate"]
    assert facts_snapshot(db) == before
    with db.sessions() as session:
        statuses = session.scalars(select(IngestionRun.status).order_by(IngestionRun.id)).all()
    assert statuses == ["succeeded", "duplicate"]


def test_same_content_under_another_name_is_a_duplicate(db: Database, tmp_path: Path) -> None:
    copy = tmp_path / "renamed.csv"
    copy.write_bytes(CUR_LEGACY_SAMPLE.read_bytes())
    ingest_paths(db=db, paths=[CUR_LEGACY_SAMPLE])
    [outcome] = ingest_paths(db=db, paths=[copy])
    assert outcome.status == "duplicate"


@pytest.mark.smoke
def test_restated_month_replaces_previous_rows(db: Database, tmp_path: Path) -> None:
    v1, v1_total = restated_copy(tmp_path, "v1.csv", "1", T0)
    v2, v2_total = restated_copy(tmp_path, "v2.csv", "3", T0 + 3600)
    assert v1_total != v2_total
    ingest_paths(db=db, paths=[v1])
    assert total_billed(db) == v1_total
    [outcome] = ingest_paths(db=db, paths=[v2])
    assert outcome.status == "succeeded"
    assert len(outcome.replaced_scopes) == 1
    assert total_billed(db) == v2_total  # not v1 + v2
    with db.sessions() as session:
        owner = session.scalars(select(BillingPeriodDelivery)).one()
        assert owner.run_id == outcome.run_id


def test_late_older_delivery_does_not_overwrite_newer(db: Database, tmp_path: Path) -> None:
    old, _old_total = restated_copy(tmp_path, "old.csv", "1", T0)
    new, new_total = restated_copy(tmp_path, "new.csv", "2", T0 + 7200)
    ingest_paths(db=db, paths=[new])
    before = facts_snapshot(db)
    [outcome] = ingest_paths(db=db, paths=[old])
    assert outcome.status == "superseded"
    assert outcome.superseded_scopes
    assert not outcome.replaced_scopes
    assert facts_snapshot(db) == before
    assert total_billed(db) == new_total


def test_folder_with_two_deliveries_keeps_the_newest(db: Database, tmp_path: Path) -> None:
    restated_copy(tmp_path / "drop", "a.csv", "5", T0 + 10)
    _, newest = restated_copy(tmp_path / "drop", "b.csv", "7", T0 + 20)
    outcomes = ingest_paths(db=db, paths=[tmp_path / "drop"])
    assert [o.status for o in outcomes] == ["succeeded", "succeeded"]
    assert total_billed(db) == newest


def test_manifest_delivery_is_ingested_as_one_and_restated_as_one(
    db: Database, tmp_path: Path
) -> None:
    header, rows = read_rows(CUR_LEGACY_SAMPLE)
    half = len(rows) // 2

    def deliver(folder: Path, factor: str, mtime: float) -> Decimal:
        scaled = []
        for row in rows:
            copy = dict(row)
            copy["lineItem/UnblendedCost"] = str(
                Decimal(row["lineItem/UnblendedCost"]) * Decimal(factor)
            )
            scaled.append(copy)
        write_rows(folder / "report-00001.csv.gz", header, scaled[:half], mtime=mtime)
        write_rows(folder / "report-00002.csv.gz", header, scaled[half:], mtime=mtime)
        manifest = folder / "report-Manifest.json"
        manifest.write_text(
            json.dumps(
                {
                    "assemblyId": folder.name,
                    "reportKeys": [
                        f"prefix/report/20231101-20231201/{folder.name}/report-00001.csv.gz",
                        f"prefix/report/20231101-20231201/{folder.name}/report-00002.csv.gz",
                    ],
                    "billingPeriod": {
                        "start": "20231101T000000.000Z",
                        "end": "20231201T000000.000Z",
                    },
                }
            )
        )
        import os

        os.utime(manifest, (mtime, mtime))
        return sum_by(scaled, lambda r: "t", "lineItem/UnblendedCost")["t"]

    first_total = deliver(tmp_path / "assembly-1", "1", T0)
    [first] = ingest_paths(db=db, paths=[tmp_path / "assembly-1"])
    assert first.status == "succeeded", first.error
    assert len(first.files) == 2
    assert total_billed(db) == first_total
    second_total = deliver(tmp_path / "assembly-2", "2", T0 + 3600)
    [second] = ingest_paths(db=db, paths=[tmp_path / "assembly-2" / "report-Manifest.json"])
    assert second.status == "succeeded", second.error
    # Both parts of the new delivery are there and nothing of the old one is left.
    assert total_billed(db) == second_total


def test_manifest_naming_a_missing_file_is_a_clear_error(db: Database, tmp_path: Path) -> None:
    manifest = tmp_path / "x-Manifest.json"
    manifest.write_text(json.dumps({"reportKeys": ["a/b/missing-1.csv.gz"]}))
    from finops.ingest.exceptions import ManifestError

    with pytest.raises(ManifestError, match=r"missing-1\.csv\.gz"):
        ingest_paths(db=db, paths=[manifest])


def test_two_currencies_are_never_added(db: Database, tmp_path: Path) -> None:
    header, rows = read_rows(FOCUS_SAMPLE)
    aws = [r for r in rows if r["ProviderName"] == "AWS"][:40]
    eur_rows = []
    for row in aws[:15]:
        copy = dict(row)
        copy["BillingCurrency"] = "EUR"
        copy["BillingAccountId"] = "eu-billing-1"
        eur_rows.append(copy)
    path = write_rows(tmp_path / "mixed.csv", header, aws[15:] + eur_rows)
    [outcome] = ingest_paths(db=db, paths=[path])
    assert outcome.status == "succeeded", outcome.error
    assert set(outcome.totals) == {"EUR", "USD"}
    assert (
        Decimal(outcome.totals["EUR"]["billed_cost"])
        == sum_by(eur_rows, lambda r: "t", "BilledCost")["t"]
    )
    assert (
        Decimal(outcome.totals["USD"]["billed_cost"])
        == sum_by(aws[15:], lambda r: "t", "BilledCost")["t"]
    )
    with db.sessions() as session:
        currencies = dict(
            session.execute(
                select(BillingFact.billing_currency, func.count()).group_by(
                    BillingFact.billing_currency
                )
            ).all()
        )
    assert set(currencies) == {"EUR", "USD"}


def test_credits_and_refunds_stay_negative(db: Database, tmp_path: Path) -> None:
    header, rows = read_rows(CUR_LEGACY_SAMPLE)
    usage = [r for r in rows if r["lineItem/LineItemType"] == "Usage"][:5]
    credit = dict(
        usage[0],
        **{
            "lineItem/LineItemType": "Credit",
            "lineItem/UnblendedCost": "-12.34",
            "lineItem/BlendedCost": "-12.34",
        },
    )
    refund = dict(
        usage[1],
        **{
            "lineItem/LineItemType": "Refund",
            "lineItem/UnblendedCost": "-0.50",
            "lineItem/BlendedCost": "-0.50",
        },
    )
    path = write_rows(tmp_path / "credits.csv", header, [*usage, credit, refund])
    [outcome] = ingest_paths(db=db, paths=[path])
    assert outcome.status == "succeeded", outcome.error
    with db.sessions() as session:
        by_category = dict(
            session.execute(
                select(BillingFact.charge_category, BillingFact.billed_cost).where(
                    BillingFact.charge_category.in_(("Credit", "Adjustment"))
                )
            ).all()
        )
    assert by_category == {"Credit": Decimal("-12.34"), "Adjustment": Decimal("-0.50")}
