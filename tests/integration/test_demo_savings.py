"""The demo's savings story: two recommendations applied weeks before the end (one stopped by
remediation, one marked applied by hand) and the savings the API shows for them, checked
against sums taken straight from the generated billing files with DuckDB."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from finops.core.units import HOURS_PER_MONTH
from finops.db.database import Database
from finops.devtools.demo import run_demo
from finops.devtools.demo_history import HISTORY_POLICY, OPERATOR, PLANNER
from tests.support.api_client import api_client

END = dt.date(2026, 11, 20)
CENT = Decimal("0.01")


def _daily_box_cost(out: Path, resource_id: str) -> dict[dt.date, Decimal]:
    """Effective cost of the instance's hours per day, read from the CUR 2.0 files (the demo's
    instances are on demand: effective = unblended on their ``Usage`` lines)."""
    rows = duckdb.sql(
        f"""
        select cast(line_item_usage_start_date at time zone 'UTC' as date) as day,
               sum(cast(line_item_unblended_cost as decimal(38, 10))) as cost
        from read_parquet('{out}/billing/cur2/*/*.parquet')
        where line_item_resource_id = '{resource_id}'
          and line_item_line_item_type = 'Usage'
          and line_item_usage_type like '%BoxUsage%'
        group by 1
        """
    ).fetchall()
    return {day: Decimal(cost) for day, cost in rows}


def _expected(out: Path, change: dict[str, Any], monthly: Decimal) -> dict[str, Decimal]:
    """Baseline, realized and estimated to date of one applied change, from the files alone:
    baseline = mean daily cost of the 14 days before (days with cost), realized = sum over
    [applied_on, END) of baseline - that day's cost, estimated = monthly x 24 / 730 a day."""
    daily = _daily_box_cost(out, change["resource_id"])
    applied = dt.date.fromisoformat(change["applied_on"])
    before = [c for d, c in daily.items() if applied - dt.timedelta(days=14) <= d < applied]
    baseline = sum(before, Decimal(0)) / len(before)
    days = (END - applied).days
    after = sum((c for d, c in daily.items() if applied <= d < END), Decimal(0))
    return {
        "baseline": baseline,
        "days": Decimal(days),
        "realized": baseline * days - after,
        "estimated": monthly * 24 / HOURS_PER_MONTH * days,
    }


def test_demo_shows_two_applied_recommendations_realized_below_estimate(
    db: Database, tmp_path: Path
) -> None:
    out = tmp_path / "demo"
    summary = run_demo(db=db, out=out, months=3, accounts=2, end=END)
    assert summary["track_savings"]["status"] == "succeeded"
    changes = {
        c["applied_by"]: c for c in json.loads((out / "labels.json").read_text())["applied_changes"]
    }
    assert set(changes) == {"remediation", "hand"}

    with api_client(db) as api:
        status, savings = api.get("/savings")
        assert status == 200, savings
        rows = {r["resource_id"]: r for r in savings["recommendations"]}
        assert set(rows) == {c["resource_id"] for c in changes.values()}

        # (a) stopped by remediation: policy, plan, second operator's approval, execution
        stopped = rows[changes["remediation"]["resource_id"]]
        assert stopped["kind"] == "ec2_idle"
        assert stopped["applied_on"] == changes["remediation"]["applied_on"]
        status, actions = api.get(f"/remediation/actions?policy={HISTORY_POLICY}")
        assert status == 200, actions
        [action] = [a for a in actions["items"] if a["status"] == "succeeded"]
        assert action["recommendation_id"] == stopped["recommendation_id"]
        assert action["resource_id"] == stopped["resource_id"]
        assert (action["requested_by"], action["approved_by"], action["executed_by"]) == (
            PLANNER,
            OPERATOR,
            OPERATOR,
        )
        status, trail = api.get(f"/audit?entity_type=remediation_action&entity_id={action['id']}")
        assert status == 200, trail
        assert [e["action"] for e in reversed(trail["items"])] == [
            "planned",
            "approved",
            "executing",
            "succeeded",
        ]

        # (b) marked applied by hand: no remediation action, the lifecycle's audit record
        by_hand = rows[changes["hand"]["resource_id"]]
        assert by_hand["kind"] == "ec2_rightsize"
        assert by_hand["applied_on"] == changes["hand"]["applied_on"]
        assert all(a["recommendation_id"] != by_hand["recommendation_id"] for a in actions["items"])
        _, rec_trail = api.get(
            f"/audit?entity_type=recommendation&entity_id={by_hand['recommendation_id']}"
        )
        applied = [e for e in rec_trail["items"] if e["action"] == "applied"]
        assert [e["actor"] for e in applied] == [OPERATOR]

        # the figures, to the cent, from the billing files
        total_est = total_real = Decimal(0)
        for applied_by, change in changes.items():
            row = rows[change["resource_id"]]
            want = _expected(out, change, Decimal(row["estimated_monthly_saving"]))
            assert row["days_tracked"] == want["days"], applied_by
            assert Decimal(row["baseline_daily_cost"]).quantize(CENT) == want["baseline"].quantize(
                CENT
            )
            assert Decimal(row["realized_to_date"]).quantize(CENT) == want["realized"].quantize(
                CENT
            ), applied_by
            assert Decimal(row["estimated_to_date"]).quantize(CENT) == want["estimated"].quantize(
                CENT
            ), applied_by
            rate = Decimal(row["realization_rate"])
            assert abs(rate - want["realized"] / want["estimated"]) < Decimal("0.000001")
            assert Decimal(0) < rate < Decimal(1), (applied_by, rate)
            total_est += want["estimated"]
            total_real += want["realized"]
        # the stopped instance ran again for three days: exactly three baseline days lost
        stop = _expected(out, changes["remediation"], Decimal(stopped["estimated_monthly_saving"]))
        assert stop["realized"] == stop["baseline"] * (stop["days"] - 3)
        [usd] = savings["totals"]
        assert Decimal(usd["realized_to_date"]).quantize(CENT) == total_real.quantize(CENT)
        assert Decimal(usd["realization_rate"]) < 1

        # a second run records nothing new: the same ledger, one executed action
        run_demo(db=db, out=out, months=3, accounts=2, end=END)
        assert api.get("/savings")[1] == savings
        _, again = api.get(f"/remediation/actions?policy={HISTORY_POLICY}")
        assert [a["id"] for a in again["items"]] == [a["id"] for a in actions["items"]]
