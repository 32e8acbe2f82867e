"""Anomalies through the REST API and the CLI's detect-series on a real labelled series."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from decimal import Decimal as Dec
from pathlib import Path

from finops.db.database import Database
from finops.db.models import Anomaly
from tests.support.api_client import api_client

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def test_anomaly_list_get_and_feedback(db: Database) -> None:
    with db.sessions.begin() as session:
        anomaly = Anomaly(
            scope_type="service",
            scope_key="EC2",
            billing_currency="USD",
            start_day=dt.date(2026, 3, 4),
            end_day=dt.date(2026, 3, 6),
            expected_cost=Dec("200"),
            actual_cost=Dec("650.5"),
            impact=Dec("450.5"),
            impact_percent=Dec("225.25"),
            severity="critical",
            score=Dec("9.1"),
            root_cause=[
                {
                    "account": "111",
                    "service": "EC2",
                    "region": "us-east-1",
                    "usage_type": "BoxUsage:m5.24xlarge",
                    "resource": "i-0abc",
                    "actual": "600",
                    "expected": "150",
                    "deviation": "450",
                    "share": "0.999",
                }
            ],
        )
        session.add(anomaly)
        session.flush()
        anomaly_id = anomaly.id
    with api_client(db) as api:
        status, body = api.get("/anomalies?status=open")
        assert status == 200, body
        [item] = body["items"]
        assert (item["impact"], item["days"], item["end_day"]) == ("450.5", 2, "2026-03-06")
        assert item["root_cause"][0]["resource"] == "i-0abc"
        status, body = api.get("/anomalies?status=wrong")
        assert status == 400
        assert body["error"]["message"] == (
            "parameter 'status': Input should be 'open', 'acknowledged', 'resolved', "
            "'not_an_anomaly' or 'planned_activity' (got 'wrong')"
        )
        assert api.get(f"/anomalies/{anomaly_id}")[1]["severity"] == "critical"
        assert (
            api.send(
                "POST",
                f"/anomalies/{anomaly_id}/feedback",
                {"status": "planned_activity"},
                role="viewer",
            )[0]
            == 403
        )
        status, body = api.send(
            "POST",
            f"/anomalies/{anomaly_id}/feedback",
            {"status": "planned_activity", "note": "load test"},
        )
        assert (status, body["status"]) == (200, "planned_activity")
        status, body = api.send("POST", f"/anomalies/{anomaly_id}/feedback", {"status": "meh"})
        assert status == 400
        assert api.send("POST", "/anomalies/999999/feedback", {"status": "resolved"})[0] == 404
        status, audit = api.get(f"/audit?entity_type=anomaly&entity_id={anomaly_id}")
        assert audit["items"][0]["after"]["status"] == "planned_activity"


def _run_detect_series(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "finops.cli", "anomalies", "detect-series", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_detect_series_cli_prints_json_with_input_timestamps(tmp_path: Path) -> None:
    series = tmp_path / "series.csv"
    lines = ["timestamp,value"]
    start = dt.date(2026, 1, 1)
    for day in range(70):
        weekly = 100 + (30 if (day % 7) < 5 else 0)  # weekdays busier
        value = weekly * 20 if day == 60 else weekly
        lines.append(f"{(start + dt.timedelta(days=day)).strftime('%Y-%m-%d')},{value}")
    series.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = _run_detect_series(str(series), "--json")
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout)
    # The planted spike on day 60 is found; the weekly pattern itself is not flagged.
    assert [(e["start"], e["end"]) for e in body["episodes"]] == [("2026-03-02", "2026-03-03")]
    assert [a["timestamp"] for a in body["anomalies"]] == ["2026-03-02"]
    assert body["period"] == 7


def test_detect_series_cli_repairs_a_gapped_and_repeated_export(tmp_path: Path) -> None:
    # a 5-minute CloudWatch-style export: one sample missed, a 40-minute outage, one repeated
    # timestamp (two partial request counts of the same interval) and a burst at 14:00
    t0 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    lines = ["timestamp,value"]
    for i in range(2000):
        if i == 500 or 900 <= i < 908:
            continue
        stamp = (t0 + dt.timedelta(minutes=5 * i)).isoformat()
        value = 1000 + (i % 3) * 10
        if i == 1600:
            value = 9000
        if i == 700:
            lines.append(f"{stamp},400")  # the repeat: 400 + 610 = one interval's count
            value = 610
        lines.append(f"{stamp},{value}")
    series = tmp_path / "requests.csv"
    series.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = _run_detect_series(str(series), "--json", "--combine", "sum")
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout)
    repairs = body["repairs"]
    assert body["step_seconds"] == 300.0
    assert repairs["duplicates_combined"] == 1
    assert repairs["combine"] == "sum"
    assert repairs["gaps"] == 2
    assert repairs["missing_points"] == 9
    assert repairs["largest_gaps"] == [
        {"first_missing": "2026-03-02T17:40:00+00:00", "points": 1},
        {"first_missing": "2026-03-04T03:00:00+00:00", "points": 8},
    ]
    burst = (t0 + dt.timedelta(minutes=5 * 1600)).isoformat()
    assert [(e["start"], e["detected"], e["peak"]) for e in body["episodes"]] == [
        (burst, burst, burst)
    ]
    text = _run_detect_series(str(series))
    assert text.returncode == 0, text.stderr
    assert "1 duplicates combined (mean)" in text.stdout
    assert "2 gaps (9 points missing, not scored)" in text.stdout
    # averaged, the two partial counts look like a drop to half: a second (false) episode,
    # which is why counters want --combine sum
    assert "2 episodes at sensitivity medium" in text.stdout
    repeat = (t0 + dt.timedelta(minutes=5 * 700)).isoformat()
    assert f"{repeat} .. " in text.stdout
    assert "  down  " in text.stdout


def test_detect_series_cli_names_the_bad_row_and_column(tmp_path: Path) -> None:
    series = tmp_path / "bad.csv"
    series.write_text("timestamp,value\n2026-01-01T00:00:00,1\n2026-01-01T00:05:00,n/a\n")
    done = _run_detect_series(str(series))
    assert done.returncode != 0
    assert "row 3, column 'value'" in done.stderr + done.stdout
    assert "Traceback" not in done.stderr


def test_anomaly_band_shows_actuals_exactly_and_the_spike_above_the_band(
    db: Database, tmp_path: Path
) -> None:
    from finops.anomalies import detect_cost_anomalies, list_anomalies
    from tests.support.sample_billing import ingest_sample, usage_cost

    labels = ingest_sample(db, tmp_path)
    detect_cost_anomalies(db=db, lookback_days=90, recent_days=90)
    label = labels[0]
    start = dt.date.fromisoformat(label["start"])
    with db.sessions() as session:
        [found] = [
            a
            for a in list_anomalies(
                session=session,
                scope_type="account_service",
                scope_key=f"{label['account_id']}|{label['service_name']}",
            )
            if a.start_day == start
        ]
    with api_client(db) as api:
        status, body = api.get(f"/anomalies/{found.id}/band")
        missing = api.get("/anomalies/999999/band")
    assert status == 200, body
    assert missing[0] == 404
    days = [dt.date.fromisoformat(p["day"]) for p in body["points"]]
    assert days[0] == start - dt.timedelta(days=28)
    assert days == [days[0] + dt.timedelta(days=i) for i in range(len(days))]
    inside = [p for p in body["points"] if p["in_anomaly"]]
    assert [p["day"] for p in inside] == [
        (start + dt.timedelta(days=i)).isoformat() for i in range(found.days)
    ]
    for point in body["points"][::9] + inside:
        day = dt.date.fromisoformat(point["day"])
        expected_actual = usage_cost(
            db, label["account_id"], label["service_name"], day, day + dt.timedelta(days=1)
        )
        assert Dec(point["actual"]) == expected_actual
    # the planted spike is above the band; the weeks before sit mostly inside it
    assert any(Dec(p["actual"]) > Dec(p["upper"]) for p in inside)
    before = [p for p in body["points"][:28] if p["upper"] is not None]
    within = [p for p in before if Dec(p["lower"]) <= Dec(p["actual"]) <= Dec(p["upper"])]
    assert len(within) >= 0.8 * len(before)
