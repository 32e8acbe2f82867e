"""A malformed file fails with a precise one-line message, a failed run, and no data lost."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from sqlalchemy import select

from finops.db.database import Database
from finops.db.models import IngestionFile, IngestionRun
from finops.ingest.service import ingest_paths
from tests.support.billing_files import CUR_LEGACY_SAMPLE, FOCUS_SAMPLE, read_rows, write_rows
from tests.support.facts import facts_snapshot


@pytest.fixture
def seeded(db: Database) -> Database:
    """A database that already holds the real CUR sample (which must survive every failure)."""
    [outcome] = ingest_paths(db=db, paths=[CUR_LEGACY_SAMPLE])
    assert outcome.status == "succeeded"
    return db


def ingest_failing(db: Database, path: Path) -> str:
    before = facts_snapshot(db)
    [outcome] = ingest_paths(db=db, paths=[path])
    assert outcome.status == "failed"
    assert outcome.error is not None
    assert "\n" not in outcome.error
    assert str(path) in outcome.error
    assert facts_snapshot(db) == before, "stored facts changed after a failed ingestion"
    with db.sessions() as session:
        run = session.scalars(select(IngestionRun).order_by(IngestionRun.id.desc())).first()
        assert run is not None
        assert run.status == "failed"
        assert run.error == outcome.error
        file = session.scalars(select(IngestionFile).where(IngestionFile.run_id == run.id)).one()
        assert file.status == "failed"
        assert file.error == outcome.error
    return outcome.error


def mutated_month(tmp: Path, name: str, row_index: int, column: str, value: str) -> Path:
    """The real sample (restated so it would replace the stored month) with one bad cell."""
    header, rows = read_rows(CUR_LEGACY_SAMPLE)
    rows[row_index][column] = value
    return write_rows(tmp / name, header, rows)


@pytest.mark.smoke
def test_unparseable_number_names_row_and_column(seeded: Database, tmp_path: Path) -> None:
    path = mutated_month(tmp_path, "bad-number.csv", 41, "lineItem/UnblendedCost", "12,5O")
    message = ingest_failing(seeded, path)
    assert "row 42" in message
    assert "line 43" in message
    assert "column lineItem/UnblendedCost" in message
    assert "'12,5O'" in message
    assert "decimal number" in message


def test_unparseable_date_names_row_and_column(seeded: Database, tmp_path: Path) -> None:
    path = mutated_month(tmp_path, "bad-date.csv", 900, "lineItem/UsageStartDate", "31/11/2023")
    message = ingest_failing(seeded, path)
    assert "row 901" in message
    assert "column lineItem/UsageStartDate" in message
    assert "timestamp" in message


def test_missing_required_cost_is_rejected(seeded: Database, tmp_path: Path) -> None:
    path = mutated_month(tmp_path, "empty-cost.csv", 3, "lineItem/UnblendedCost", "")
    message = ingest_failing(seeded, path)
    assert "row 4" in message
    assert "got empty" in message


def test_bad_currency_code_is_rejected(seeded: Database, tmp_path: Path) -> None:
    path = mutated_month(tmp_path, "currency.csv", 10, "lineItem/CurrencyCode", "US Dollar")
    message = ingest_failing(seeded, path)
    assert "row 11" in message
    assert "ISO 4217" in message


def test_wrong_columns_name_what_was_expected(seeded: Database, tmp_path: Path) -> None:
    path = tmp_path / "not-billing.csv"
    path.write_text("date,amount,comment\n2024-01-01,3.50,coffee\n", encoding="utf-8")
    message = ingest_failing(seeded, path)
    assert "not a recognised billing export" in message
    assert "lineItem/UnblendedCost" in message
    assert "BilledCost" in message


def test_cur_missing_a_required_column_is_named(seeded: Database, tmp_path: Path) -> None:
    header, rows = read_rows(CUR_LEGACY_SAMPLE)
    header = [h for h in header if h != "lineItem/UsageStartDate"]
    for row in rows:
        del row["lineItem/UsageStartDate"]
    path = write_rows(tmp_path / "no-start.csv", header, rows)
    message = ingest_failing(seeded, path)
    assert "lineItem/UsageStartDate" in message


def test_truncated_gzip_is_reported(seeded: Database, tmp_path: Path) -> None:
    full = tmp_path / "full.csv.gz"
    full.write_bytes(gzip.compress(CUR_LEGACY_SAMPLE.read_bytes()))
    truncated = tmp_path / "truncated.csv.gz"
    truncated.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    message = ingest_failing(seeded, truncated)
    assert message == (
        f"{truncated}: file is truncated or corrupt "
        f"(IO Error: Unexpected end of GZIP stream: {truncated})"
    )


def test_truncated_csv_row_is_reported(seeded: Database, tmp_path: Path) -> None:
    text = CUR_LEGACY_SAMPLE.read_text(encoding="utf-8")
    cut = text[: len(text) * 2 // 3]
    cut = cut[: cut.rfind("\n") + 40]  # stop in the middle of a row
    path = tmp_path / "cut.csv"
    path.write_text(cut, encoding="utf-8")
    ingest_failing(seeded, path)


def test_wrong_encoding_is_reported(seeded: Database, tmp_path: Path) -> None:
    header, rows = read_rows(FOCUS_SAMPLE)
    path = tmp_path / "latin1.csv"
    write_rows(path, header, rows[:50])
    raw = path.read_bytes().replace(b"SunBird", "SunBïrd".encode("latin-1"), 1)
    path.write_bytes(raw)
    message = ingest_failing(seeded, path)
    assert "UTF-8" in message


def test_empty_file_is_reported(seeded: Database, tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("", encoding="utf-8")
    message = ingest_failing(seeded, path)
    assert "empty" in message


def test_bad_parquet_is_reported(seeded: Database, tmp_path: Path) -> None:
    path = tmp_path / "broken.parquet"
    path.write_bytes(b"PAR1 this is not really parquet")
    message = ingest_failing(seeded, path)
    assert "Parquet" in message


def test_bad_file_in_a_folder_does_not_stop_the_others(db: Database, tmp_path: Path) -> None:
    header, rows = read_rows(FOCUS_SAMPLE)
    write_rows(tmp_path / "a-good.csv", header, rows)
    bad = [dict(r) for r in rows[:20]]
    bad[5]["BilledCost"] = "n/a"
    for r in bad:
        r["BillingAccountId"] = "other-account"
    write_rows(tmp_path / "b-bad.csv", header, bad)
    outcomes = ingest_paths(db=db, paths=[tmp_path])
    assert sorted(o.status for o in outcomes) == ["failed", "succeeded"]
    failed = next(o for o in outcomes if o.status == "failed")
    assert failed.error is not None
    assert "b-bad.csv" in failed.error
    assert "row 6" in failed.error
    assert "BilledCost" in failed.error
