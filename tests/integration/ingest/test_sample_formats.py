"""The generated sample, written in all three formats, ingests to the generator's own totals.

The generator computes its totals from the integers it writes (not from any ingestion code),
so this checks the CUR legacy, CUR 2.0 and FOCUS 1.2 paths against one independent answer,
with Savings Plans, RIs, credits, refunds and tax in the data.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from finops.db.database import Database
from finops.db.models import BillingFact
from finops.devtools.sample import generate_sample
from finops.ingest.service import ingest_paths

END = dt.date(2026, 3, 20)


def stored_totals(db: Database) -> dict[str, dict[str, Decimal]]:
    totals: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    with db.sessions() as session:
        for fact in session.scalars(select(BillingFact)):
            bucket = totals[fact.billing_currency]
            bucket["billed"] += fact.billed_cost
            bucket["effective"] += fact.effective_cost
            bucket["list"] += fact.list_cost
    return {cur: dict(v) for cur, v in totals.items()}


def by_category(db: Database) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    with db.sessions() as session:
        for fact in session.scalars(select(BillingFact)):
            totals[fact.charge_category] += fact.billed_cost
    return dict(totals)


@pytest.mark.parametrize("fmt", ["cur2", "cur-legacy", "focus"])
def test_sample_ingests_to_the_generators_totals(db: Database, tmp_path: Path, fmt: str) -> None:
    sample = generate_sample(out_dir=tmp_path, months=2, accounts=3, seed=5, fmt=fmt, end=END)  # type: ignore[arg-type]
    outcomes = ingest_paths(db=db, paths=[tmp_path / "billing"])
    assert outcomes
    assert all(o.status == "succeeded" for o in outcomes), [o.error for o in outcomes]
    assert sum(o.rows_read for o in outcomes) == sample.line_count
    expected = {
        cur: {"billed": t.billed, "effective": t.effective, "list": t.list}
        for cur, t in sample.totals.items()
    }
    stored = stored_totals(db)
    assert {cur: v["billed"] for cur, v in stored.items()} == {
        cur: v["billed"] for cur, v in expected.items()
    }
    assert {cur: v["effective"] for cur, v in stored.items()} == {
        cur: v["effective"] for cur, v in expected.items()
    }
    categories = by_category(db)
    assert categories.get("Credit", Decimal(0)) < 0
    assert categories.get("Tax", Decimal(0)) > 0
    assert categories.get("Purchase", Decimal(0)) > 0


@pytest.mark.smoke
def test_the_three_formats_agree_per_service(db: Database, tmp_path: Path) -> None:
    per_format: dict[str, dict[tuple[str | None, str | None], Decimal]] = {}
    for fmt in ("cur2", "cur-legacy", "focus"):
        out = tmp_path / fmt
        generate_sample(out_dir=out, months=1, accounts=2, seed=9, fmt=fmt, end=END)  # type: ignore[arg-type]
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM billing_facts")
            conn.exec_driver_sql("DELETE FROM billing_period_deliveries")
        outcomes = ingest_paths(db=db, paths=[out / "billing"])
        assert all(o.status == "succeeded" for o in outcomes), [o.error for o in outcomes]
        sums: dict[tuple[str | None, str | None], Decimal] = defaultdict(Decimal)
        with db.sessions() as session:
            for fact in session.scalars(select(BillingFact)):
                sums[(fact.sub_account_id, fact.service_category)] += fact.effective_cost
        per_format[fmt] = dict(sums)
    assert per_format["cur2"] == per_format["cur-legacy"]
    assert per_format["cur2"] == per_format["focus"]
