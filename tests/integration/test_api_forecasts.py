"""Forecasts through the REST API and `finops forecast-series` on Prophet's example series."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from decimal import Decimal as Dec
from pathlib import Path

from finops.db.database import Database
from finops.db.models import ForecastPoint, ForecastRun
from tests.support.api_client import api_client
from tests.support.facts import add_facts

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
AS_OF = dt.date(2026, 3, 20)


def test_forecast_routes_show_runs_bands_and_month_end(db: Database) -> None:
    facts = [
        {"day": f"2026-03-{d:02d}", "service": "EC2", "account": "111", "billed": "10"}
        for d in range(1, 20)
    ]  # 19 days x 10 = 190 month to date
    with db.sessions.begin() as session:
        add_facts(session, facts)
        run = ForecastRun(
            scope_type="total",
            scope_key="total",
            billing_currency="USD",
            model="ets",
            trained_until=AS_OF,
            horizon_days=12,
            backtest={"scores": {"ets": {"mase": 0.8}}},
        )
        session.add(run)
        session.flush()
        for i in range(12):  # 20..31 March: 12 days x 11 = 132
            session.add(
                ForecastPoint(
                    forecast_run_id=run.id,
                    day=AS_OF + dt.timedelta(days=i),
                    yhat=Dec("11"),
                    lower_80=Dec("9"),
                    upper_80=Dec("13"),
                    lower_95=Dec("8"),
                    upper_95=Dec("14"),
                )
            )
        run_id = run.id
    with api_client(db) as api:
        status, body = api.get("/forecasts")
        assert status == 200, body
        assert [(r["id"], r["model"]) for r in body["items"]] == [(run_id, "ets")]
        status, detail = api.get(f"/forecasts/{run_id}?history_days=5")
        assert status == 200, detail
        assert len(detail["forecast"]) == 12
        assert Dec(detail["forecast"][0]["upper_95"]) == Dec("14")
        status, month = api.get("/projections/month-end?as_of=2026-03-20")
        assert status == 200, month
        assert Dec(month["actual_to_date"]) == Dec("190")
        assert Dec(month["forecast_remaining"]) == Dec("132")
        assert Dec(month["projected"]) == Dec("322")
        assert api.get("/forecasts/999999")[0] == 404
        assert api.get("/projections/month-end?currency=usd")[0] == 400


def test_forecast_series_cli_continues_a_monthly_series(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "finops.cli",
            "forecast-series",
            str(FIXTURES / "prophet-examples" / "example_air_passengers.csv"),
            "--horizon",
            "3",
            "--json",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert set(document) == {"model", "forecast"}
    stamps = [p["timestamp"] for p in document["forecast"]]
    assert stamps == ["1961-01-01", "1961-02-01", "1961-03-01"]  # the series ends 1960-12
    for point in document["forecast"]:
        assert point["lower_95"] <= point["lower_80"] <= point["yhat"] <= point["upper_80"]
        assert point["upper_80"] <= point["upper_95"]
