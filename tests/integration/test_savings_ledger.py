"""Savings ledger on PostgreSQL: an instance resized on a known day, realized from later bills."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from finops.db.database import Database
from finops.db.models import (
    AuditRecord,
    BillingFact,
    IngestionFile,
    IngestionRun,
    Recommendation,
    SavingsEntry,
)
from finops.db.types import money_sum
from finops.rightsizing import mark_recommendation_applied
from finops.savings import savings_summary, track_savings

ACCOUNT = "111122223333"
RESOURCE = "i-0resizedknownday"
APPLIED = dt.date(2026, 3, 10)
OLD_DAILY = Decimal("0.384") * 24  # m5.2xlarge, on demand
NEW_DAILY = Decimal("0.086") * 24  # m5a.large
ESTIMATE = (Decimal("0.384") - Decimal("0.086")) * 730  # 217.54 a month


def _utc(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def _fact(file_id: int, day: dt.date, usage_type: str, cost: Decimal, qty: Decimal) -> BillingFact:
    return BillingFact(
        ingestion_file_id=file_id,
        provider="AWS",
        billing_account_id="999988887777",
        billing_period_start=_utc(day.replace(day=1)),
        billing_period_end=_utc(dt.date(2026, 4, 1)),
        charge_period_start=_utc(day),
        charge_period_end=_utc(day + dt.timedelta(days=1)),
        sub_account_id=ACCOUNT,
        charge_category="Usage",
        source_charge_type="Usage",
        service_name="Amazon Elastic Compute Cloud",
        region_id="us-east-1",
        resource_id=RESOURCE,
        usage_type=usage_type,
        billing_currency="USD",
        consumed_quantity=qty,
        pricing_quantity=qty,
        billed_cost=cost,
        effective_cost=cost,
        list_cost=cost,
        contracted_cost=cost,
        tags={},
    )


def _bill(db: Database, last_day: dt.date) -> None:
    """m5.2xlarge from 2026-02-24, resized to m5a.large on 2026-03-10, billed to ``last_day``."""
    with db.sessions.begin() as session:
        run = IngestionRun(source="test", status="succeeded")
        session.add(run)
        session.flush()
        file = IngestionFile(run_id=run.id, key="test.csv", size_bytes=1, sha256="0" * 64)
        session.add(file)
        session.flush()
        day = APPLIED - dt.timedelta(days=14)
        while day <= last_day:
            daily = OLD_DAILY if day < APPLIED else NEW_DAILY
            session.add(_fact(file.id, day, "BoxUsage:m5", daily, Decimal(24)))
            # data transfer is not what the resize moves: left out of baseline and actuals
            session.add(_fact(file.id, day, "DataTransfer-Out-Bytes", Decimal("1.5"), Decimal(9)))
            day += dt.timedelta(days=1)


def _recommendation(db: Database) -> int:
    with db.sessions.begin() as session:
        rec = Recommendation(
            kind="ec2_rightsize",
            resource_id=RESOURCE,
            account_id=ACCOUNT,
            region_id="us-east-1",
            action="modify",
            current_config={"instance_type": "m5.2xlarge"},
            recommended_config={"instance_type": "m5a.large"},
            estimated_monthly_saving=ESTIMATE,
            performance_risk="medium",
            status="accepted",
        )
        session.add(rec)
        session.flush()
        return rec.id


@pytest.mark.smoke
def test_resize_on_a_known_day_realizes_the_expected_saving(db: Database) -> None:
    _bill(db, last_day=dt.date(2026, 3, 19))
    rec_id = _recommendation(db)
    with db.sessions.begin() as session:
        applied = mark_recommendation_applied(
            session=session, recommendation_id=rec_id, actor="ops", applied_on=APPLIED
        ).model_dump(mode="json")
    baseline = applied["savings_baseline"]
    assert Decimal(baseline["baseline_daily_cost"]) == OLD_DAILY
    assert baseline["baseline_days"] == 14
    assert Decimal(baseline["estimated_daily_saving"]) == Decimal("7.152")

    counts = track_savings(db=db)
    assert counts["days_added"] == 10  # 2026-03-10 .. 2026-03-19, what the bill covers
    with db.sessions() as session:
        summary = savings_summary(session=session).model_dump(mode="json")
    (row,) = summary["recommendations"]
    expected = 10 * (OLD_DAILY - NEW_DAILY)
    assert Decimal(row["realized_to_date"]) == expected == Decimal("71.52")
    assert Decimal(row["estimated_to_date"]) == 10 * Decimal("7.152")
    assert Decimal(row["realization_rate"]) == Decimal(1)
    (account,) = summary["accounts"]
    assert (account["account_id"], Decimal(account["realized_to_date"])) == (ACCOUNT, expected)
    (total,) = summary["totals"]
    assert (total["billing_currency"], Decimal(total["realized_to_date"])) == ("USD", expected)

    again = track_savings(db=db)
    assert (again["days_added"], again["days_restated"]) == (0, 0)

    # a restated day (say a credit came through) updates that day only
    with db.sessions.begin() as session:
        session.execute(
            update(BillingFact)
            .where(
                BillingFact.charge_period_start == _utc(dt.date(2026, 3, 12)),
                BillingFact.usage_type == "BoxUsage:m5",
            )
            .values(effective_cost=Decimal("1.064"))
        )
    restated = track_savings(db=db)
    assert (restated["days_added"], restated["days_restated"]) == (0, 1)
    with db.sessions() as session:
        total_realized = session.scalar(
            select(money_sum(SavingsEntry.realized_saving)).where(
                SavingsEntry.recommendation_id == rec_id
            )
        )
        audits = session.scalars(
            select(AuditRecord.action).where(AuditRecord.entity_id == str(rec_id))
        ).all()
    assert Decimal(total_realized) == expected + 1
    assert audits.count("savings_accrued") == 2
    assert "applied" in audits


def test_track_savings_stops_at_as_of(db: Database) -> None:
    _bill(db, last_day=dt.date(2026, 3, 19))
    rec_id = _recommendation(db)
    with db.sessions.begin() as session:
        mark_recommendation_applied(
            session=session, recommendation_id=rec_id, actor="ops", applied_on=APPLIED
        )
    counts = track_savings(db=db, as_of=dt.date(2026, 3, 13))
    assert counts["days_added"] == 3
    with db.sessions() as session:
        summary = savings_summary(session=session, account_id=ACCOUNT).model_dump(mode="json")
    (row,) = summary["recommendations"]
    assert Decimal(row["realized_to_date"]) == 3 * (OLD_DAILY - NEW_DAILY)
    assert row["last_day"] == "2026-03-12"


@pytest.mark.smoke
def test_daily_savings_through_the_api_match_the_bill(db: Database) -> None:
    from tests.support.api_client import api_client

    _bill(db, last_day=dt.date(2026, 3, 19))
    rec_id = _recommendation(db)
    with db.sessions.begin() as session:
        mark_recommendation_applied(
            session=session, recommendation_id=rec_id, actor="ops", applied_on=APPLIED
        )
    track_savings(db=db)
    with api_client(db) as api:
        status, body = api.get("/savings/daily?start=2026-03-12&end=2026-03-15")
        _, everything = api.get("/savings/daily")
        _, other = api.get("/savings/daily?account_id=000000000000")
        bad = api.get("/savings/daily?start=2026-03-15&end=2026-03-12")
    assert status == 200, body
    assert [(d["day"], d["currency"]) for d in body["items"]] == [
        ("2026-03-12", "USD"),
        ("2026-03-13", "USD"),
        ("2026-03-14", "USD"),
    ]
    for day in body["items"]:
        assert Decimal(day["realized"]) == OLD_DAILY - NEW_DAILY  # what the bill says per day
        assert Decimal(day["estimated"]) == Decimal("7.152")
        assert (day["recommendations"], day["billed"]) == (1, 1)
    assert len(everything["items"]) == 10
    assert sum(Decimal(d["realized"]) for d in everything["items"]) == 10 * (OLD_DAILY - NEW_DAILY)
    assert other["items"] == []
    assert bad[0] == 400
    assert bad[1]["error"]["details"]["parameter"] == "end"
