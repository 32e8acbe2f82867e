"""The demo estate's month-end projection: a narrow interval that holds the real month total.

The demo sample (``finops.devtools.sample``, the demo's 6 months x 4 accounts, seed 7) is
generated with June 2026 complete, ingested into PostgreSQL, and the forecast stage runs as of
mid-June (so it sees only the days before). The real June total is summed here straight from
the billing files with DuckDB, by the CUR 2.0 effective-cost rule, independently of the ingest.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import duckdb

from finops.db.database import Database
from finops.devtools.sample import generate_sample
from finops.forecasting import month_end_projection
from finops.ingest.service import ingest_paths
from finops.jobs import run_job

END = dt.date(2026, 7, 1)  # the sample's data ends before July: June is complete
AS_OF = dt.date(2026, 6, 15)

EFFECTIVE = """
CASE line_item_line_item_type
  WHEN 'SavingsPlanCoveredUsage' THEN coalesce(savings_plan_savings_plan_effective_cost, 0)
  WHEN 'SavingsPlanRecurringFee'
    THEN coalesce(savings_plan_total_commitment_to_date, 0)
      - coalesce(savings_plan_used_commitment, 0)
  WHEN 'SavingsPlanNegation' THEN 0
  WHEN 'SavingsPlanUpfrontFee' THEN 0
  WHEN 'DiscountedUsage' THEN coalesce(reservation_effective_cost, 0)
  WHEN 'RIFee' THEN coalesce(reservation_unused_amortized_upfront_fee_for_billing_period, 0)
    + coalesce(reservation_unused_recurring_fee, 0)
  ELSE coalesce(line_item_net_unblended_cost, line_item_unblended_cost)
END
"""


def june_total(out: Path) -> Decimal:
    files = str(out / "billing" / "cur2" / "2026-06" / "*.parquet")
    rows = duckdb.sql(
        f"SELECT CAST(sum({EFFECTIVE}) AS VARCHAR) FROM read_parquet('{files}') "
        "WHERE line_item_usage_start_date >= TIMESTAMP '2026-06-01' "
        "AND line_item_usage_start_date < TIMESTAMP '2026-07-01'"
    ).fetchall()
    assert rows
    assert rows[0][0] is not None
    return Decimal(rows[0][0])


def test_demo_month_end_interval_is_narrow_and_holds_the_real_total(
    db: Database, tmp_path: Path
) -> None:
    generate_sample(out_dir=tmp_path, months=6, accounts=4, seed=7, fmt="cur2", end=END)
    outcomes = ingest_paths(db=db, paths=[tmp_path / "billing"])
    assert all(o.status == "succeeded" for o in outcomes), [o.error for o in outcomes]
    real = june_total(tmp_path)
    assert Decimal(9000) < real < Decimal(16000)  # the demo estate: about 12,000 a month

    counts = run_job("forecast_costs", db=db, as_of=AS_OF, triggered_by="test")
    assert counts["status"] == "succeeded", counts

    with db.sessions() as session:
        projection = month_end_projection(
            session=session, scope_type="total", scope_key="total", currency="USD", as_of=AS_OF
        )
    width_80 = projection.upper_80 - projection.lower_80
    assert projection.lower_80 <= real <= projection.upper_80, projection
    assert projection.lower_95 <= real <= projection.upper_95
    assert width_80 <= Decimal("0.20") * real, (width_80, real)
    assert width_80 >= Decimal("0.005") * real  # an interval, not a point
    assert abs(projection.projected - real) <= Decimal("0.10") * real
