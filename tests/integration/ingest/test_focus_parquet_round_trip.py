"""FOCUS 1.2 Parquet from any provider ingests: export the real multi-cloud sample, ingest it."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
from sqlalchemy import select

from finops.db.database import Database
from finops.db.models import (
    Account,
    BillingFact,
    BillingPeriodDelivery,
    IngestionFile,
    IngestionRun,
    Resource,
)
from finops.export import export_focus
from finops.ingest.service import ingest_paths
from tests.support.billing_files import FOCUS_SAMPLE, read_rows, sum_by


def test_focus_parquet_export_reingests_to_the_source_totals(db: Database, tmp_path: Path) -> None:
    _, rows = read_rows(FOCUS_SAMPLE)
    expected = sum_by(rows, lambda r: (r["ProviderName"], r["BillingCurrency"]), "BilledCost")
    [first] = ingest_paths(db=db, paths=[FOCUS_SAMPLE])
    assert first.status == "succeeded", first.error
    out = tmp_path / "focus-1.2.parquet"
    with db.sessions() as session:
        export_focus(session=session, start=dt.date(2024, 8, 1), end=dt.date(2024, 11, 1), out=out)
    assert "BilledCost" in pq.read_schema(out).names
    with db.sessions.begin() as session:
        for model in (
            BillingFact,
            BillingPeriodDelivery,
            IngestionFile,
            IngestionRun,
            Resource,
            Account,
        ):
            session.query(model).delete()
    [again] = ingest_paths(db=db, paths=[out])
    assert again.status == "succeeded", again.error
    # The version is read off the columns; this export carries no column introduced in 1.2
    # (they are all conditional), so it reads as 1.1. The mapping is the same for every version.
    assert again.formats[0] in ("focus-1.1", "focus-1.2")
    stored: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    with db.sessions() as session:
        for fact in session.scalars(select(BillingFact)):
            stored[(fact.provider, fact.billing_currency)] += fact.billed_cost
    assert dict(stored) == expected
