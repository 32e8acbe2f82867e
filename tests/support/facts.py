"""Billing facts for tests: insert hand-written facts (:func:`add_facts`), read the stored ones
back (:func:`facts_snapshot`), and the March 2026 fact set the budget tests share."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from finops.db.database import Database
from finops.db.models import BillingFact, IngestionFile, IngestionRun
from finops.db.rollups import refresh_rollups


def _midnight(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(tzinfo=dt.UTC)


def add_facts(session: Session, facts: list[dict[str, object]]) -> None:
    """Insert facts under one ingestion run/file (the FK), filling the FOCUS bookkeeping.

    Each fact needs ``day`` (ISO date) and ``billed``; ``effective``, ``list`` and ``contracted``
    default to ``billed``. A field the builder does not know fails the test. Like the ingest,
    it refreshes the daily roll-ups of the scopes it wrote, in the session's transaction.
    """
    run = IngestionRun(source="s3://bucket/test.csv", status="succeeded")
    session.add(run)
    session.flush()
    file = IngestionFile(run_id=run.id, key="test.csv", size_bytes=1, sha256="0" * 64)
    session.add(file)
    session.flush()
    written: list[BillingFact] = []
    for fact in facts:
        values = dict(fact)
        day = _midnight(str(values.pop("day")))
        billed = Decimal(str(values.pop("billed")))
        values.setdefault("effective", billed)
        values.setdefault("list", billed)
        written.append(
            BillingFact(
                ingestion_file_id=file.id,
                provider=values.pop("provider", "AWS"),
                billing_account_id=values.pop("billing_account", "999"),
                billing_period_start=day.replace(day=1),
                billing_period_end=(day.replace(day=1) + dt.timedelta(days=32)).replace(day=1),
                charge_period_start=day,
                charge_period_end=day + dt.timedelta(days=1),
                sub_account_id=values.pop("account", None),
                charge_category=values.pop("charge_category", "Usage"),
                service_name=values.pop("service", None),
                region_id=values.pop("region", None),
                resource_id=values.pop("resource", None),
                billing_currency=values.pop("currency", "USD"),
                billed_cost=billed,
                effective_cost=Decimal(str(values.pop("effective"))),
                list_cost=Decimal(str(values.pop("list"))),
                contracted_cost=Decimal(str(values.pop("contracted", billed))),
                tags=values.pop("tags", {}),
                line_items=values.pop("line_items", 1),
            )
        )
        assert not values, f"unused test fact fields: {values}"
    session.add_all(written)
    session.flush()
    scopes = {(f.provider, f.billing_account_id, f.billing_period_start): f for f in written}
    refresh_rollups(session.connection(), list(scopes.values()))


def facts_snapshot(db: Database) -> list[tuple[object, ...]]:
    """Every stored fact's identity and money columns, in a stable order (compare before/after)."""
    with db.sessions() as session:
        rows = session.execute(
            select(
                BillingFact.provider,
                BillingFact.billing_account_id,
                BillingFact.charge_period_start,
                BillingFact.service_name,
                BillingFact.resource_id,
                BillingFact.usage_type,
                BillingFact.billed_cost,
                BillingFact.effective_cost,
                BillingFact.list_cost,
            )
        ).all()
    return sorted((tuple(r) for r in rows), key=repr)


BUDGET_FACTS: list[dict[str, object]] = [
    # March: web team EC2 100/day for 10 days = 1000; S3 5/day = 50; an EUR account 999.
    *({"day": f"2026-03-{d:02d}", "service": "EC2", "account": "111", "billed": "100",
       "tags": {"team": "web"}} for d in range(1, 11)),
    *({"day": f"2026-03-{d:02d}", "service": "S3", "account": "222", "billed": "5"}
      for d in range(1, 11)),
    {"day": "2026-03-05", "service": "EC2", "account": "333", "billed": "999",
     "currency": "EUR"},
    # A credit in March, and February spend that must not count.
    {"day": "2026-03-06", "service": "EC2", "account": "111", "billed": "-10",
     "charge_category": "Credit", "tags": {"team": "web"}},
    {"day": "2026-02-27", "service": "EC2", "account": "111", "billed": "5000"},
]  # fmt: skip
"""Ten billed days of March 2026 (budget tests evaluate as of 2026-03-11)."""
