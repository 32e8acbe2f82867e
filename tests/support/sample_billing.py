"""Generated billing data in the test database: :func:`ingest_sample` writes the seeded sample
(three months, three accounts, planted anomalies) and ingests it; :func:`usage_cost` sums it back
independently of the code under test."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select

from finops.db.database import Database
from finops.db.models import BillingFact
from finops.devtools.sample import generate_sample
from finops.ingest.service import ingest_paths

SAMPLE_END = dt.date(2026, 3, 20)
"""The sample's exclusive end day: its last billed day is 2026-03-19."""


def ingest_sample(db: Database, out: Path) -> list[dict[str, Any]]:
    """Generate the sample under ``out``, ingest it (every file must succeed) and return the
    planted anomalies from its labels file."""
    sample = generate_sample(out_dir=out, months=3, accounts=3, seed=7, end=SAMPLE_END)
    outcomes = ingest_paths(db=db, paths=[out / "billing"])
    assert all(o.status == "succeeded" for o in outcomes)
    labels: list[dict[str, Any]] = json.loads(sample.labels_path.read_text())["anomalies"]
    return labels


def usage_cost(db: Database, account: str, service: str, start: dt.date, end: dt.date) -> Decimal:
    """Independent exact sum of the Usage effective cost of one account and service."""
    with db.sessions() as session:
        facts = session.scalars(
            select(BillingFact).where(
                BillingFact.sub_account_id == account,
                BillingFact.service_name == service,
                BillingFact.charge_category == "Usage",
            )
        )
        return sum(
            (f.effective_cost for f in facts if start <= f.charge_period_start.date() < end),
            Decimal(0),
        )
