"""Daily insights on PostgreSQL from hand-made facts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as Dec

import pytest

from finops.budgets import BudgetSpec, create_budget
from finops.core.errors import InvalidInputError
from finops.db.database import Database
from finops.db.models import Recommendation
from finops.insights import build_insights, list_insights
from tests.support.api_client import api_client
from tests.support.facts import add_facts

AS_OF = dt.date(2026, 3, 1)


def _daily(service: str, first: dt.date, days: int, amount: str) -> list[dict[str, object]]:
    return [
        {
            "day": (first + dt.timedelta(days=i)).isoformat(),
            "service": service,
            "account": "111",
            "billed": amount,
        }
        for i in range(days)
    ]


@pytest.fixture
def seeded(db: Database) -> Database:
    facts = [
        # EC2: 10/day for the 60 days before AS_OF, then 30/day in the last 7 days.
        *_daily("EC2", AS_OF - dt.timedelta(days=120), 113, "10"),
        *_daily("EC2", AS_OF - dt.timedelta(days=7), 7, "30"),
        # S3: 5/day throughout, 0 in the last 7 days (a fall).
        *_daily("S3", AS_OF - dt.timedelta(days=120), 113, "5"),
        # Bedrock appears only in the last 3 days.
        *_daily("Bedrock", AS_OF - dt.timedelta(days=3), 3, "2.5"),
    ]
    with db.sessions.begin() as session:
        add_facts(session, facts)
        session.add(
            Recommendation(
                kind="ec2",
                resource_id="i-1",
                action="terminate",
                estimated_monthly_saving=Dec("70.08"),
                status="open",
            )
        )
        session.add(
            Recommendation(
                kind="ec2",
                resource_id="i-2",
                action="modify",
                estimated_monthly_saving=Dec("35.04"),
                status="open",
            )
        )
        session.add(
            Recommendation(
                kind="ec2",
                resource_id="i-3",
                action="modify",
                estimated_monthly_saving=Dec("99"),
                status="dismissed",
            )
        )
        create_budget(
            session=session,
            spec=BudgetSpec.model_validate({"name": "feb", "amount": "300"}),
            actor="test",
        )
    return db


def test_insights_hold_the_numbers_behind_them(seeded: Database) -> None:
    counts = build_insights(db=seeded, as_of=AS_OF)
    again = build_insights(db=seeded, as_of=AS_OF)
    assert counts == again  # the day's insights are replaced, not duplicated
    with seeded.sessions() as session:
        insights = list_insights(session=session, day=AS_OF)
        by_kind: dict[str, list[dict[str, object]]] = {}
        for insight in insights:
            by_kind.setdefault(insight.kind, []).append(insight.data)
    week_services = next(
        d for d in by_kind["top_movers"] if d["window_days"] == 7 and d["dimension"] == "service"
    )
    # Last 7 days vs the 7 before: EC2 210 vs 70, Bedrock 7.5 vs 0, S3 0 vs 35.
    assert week_services["rising"] == [
        {
            "key": "EC2",
            "current": "210",
            "previous": "70",
            "change": "140",
            "change_percent": "200",
        },
        {
            "key": "Bedrock",
            "current": "7.5",
            "previous": "0",
            "change": "7.5",
            "change_percent": None,
        },
    ]
    assert week_services["falling"] == [
        {"key": "S3", "current": "0", "previous": "35", "change": "-35", "change_percent": "-100"}
    ]
    [new] = by_kind["new_services"]
    assert new["services"] == [{"service": "Bedrock", "cost": "7.5"}]
    [waste] = by_kind["waste"]
    assert (waste["idle_monthly"], waste["rightsizing_monthly"], waste["count"]) == (
        "70.08",
        "35.04",
        2,
    )
    [risk] = by_kind["budget_risk"]
    # February: EC2 21 x 10 + 7 x 30 = 420, S3 21 x 5 = 105, Bedrock 3 x 2.5 = 7.5; of 300.
    assert risk["budgets"][0]["actual"] == "532.5"
    assert risk["budgets"][0]["actual_percent"] == "177.5"


def test_insights_route_and_defaults_to_newest_day(seeded: Database) -> None:
    build_insights(db=seeded, as_of=AS_OF - dt.timedelta(days=1))
    build_insights(db=seeded, as_of=AS_OF)
    with api_client(seeded) as api:
        status, body = api.get("/insights")
        assert status == 200, body
        assert {item["day"] for item in body["items"]} == {AS_OF.isoformat()}
        status, body = api.get(f"/insights?kind=waste&day={AS_OF.isoformat()}")
        assert [item["kind"] for item in body["items"]] == ["waste"]
        assert body["items"][0]["data"]["total_monthly"] == "105.12"
        status, body = api.get("/insights?kind=wastes")
        assert status == 400
        assert body["error"]["details"]["parameter"] == "kind"
        assert "'budget_risk'" in body["error"]["message"]
    with seeded.sessions() as session, pytest.raises(InvalidInputError) as refused:
        list_insights(session=session, kind="wastes")
    assert str(refused.value) == (
        "parameter 'kind': expected one of top_movers, new_services, waste, budget_risk, "
        "got 'wastes'"
    )
