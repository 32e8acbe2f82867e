"""Anomalous episodes in stored utilization (``usage_metrics``) on a real database, through
the service and ``finops anomalies detect-usage``.

The series are built here by hand: a weekly CPU pattern (weekends 5 points higher) with a
bounded wobble that no detector should call an anomaly, one resource with a 95 % day among
~40 % days, three days missing, and a resource with too few days to score.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from typer.testing import CliRunner

from finops.anomalies import UsageQuery, detect_usage_anomalies
from finops.cli.anomalies import anomalies_app
from finops.core.errors import InvalidInputError
from finops.db.database import Database
from finops.db.models import UsageMetric

FIRST = dt.date(2026, 6, 1)  # a Monday
DAYS = 60
SPIKE_DAY = 45
MISSING = {20, 21, 22}
WOBBLE = [0.0, 0.6, -0.4, 0.3, -0.7, 0.5, -0.2, 0.1, -0.5, 0.4, -0.1]


def _p95(day: int) -> Decimal:
    weekend = 5 if (FIRST + dt.timedelta(days=day)).weekday() >= 5 else 0
    return Decimal(str(40 + weekend + WOBBLE[day % len(WOBBLE)]))


def _store(db: Database) -> None:
    rows = []
    for day in range(DAYS):
        when = FIRST + dt.timedelta(days=day)
        for resource in ("i-spike", "i-steady"):
            if resource == "i-spike" and day in MISSING:
                continue
            value = Decimal(95) if resource == "i-spike" and day == SPIKE_DAY else _p95(day)
            rows.append(_row(resource, "CPUUtilization", when, value))
        # another metric of the same resource: never read for CPUUtilization
        rows.append(_row("i-spike", "NetworkIn", when, Decimal(10**9 if day == 5 else 10**6)))
    rows += [
        _row("i-new", "CPUUtilization", FIRST + dt.timedelta(days=d), Decimal(30))
        for d in range(10)
    ]
    with db.sessions.begin() as session:
        session.add_all(rows)


def _row(resource: str, metric: str, day: dt.date, p95: Decimal) -> UsageMetric:
    return UsageMetric(
        resource_id=resource,
        metric_name=metric,
        unit="Percent",
        day=day,
        samples=288,
        avg=p95 - 10,
        p50=p95 - 12,
        p95=p95,
        p99_5=p95 + 2,
        max=p95 + 3,
    )


def _midnight(day: int) -> str:
    return dt.datetime.combine(FIRST + dt.timedelta(days=day), dt.time(), dt.UTC).isoformat()


def test_the_spike_is_one_episode_and_the_steady_resource_has_none(db: Database) -> None:
    _store(db)
    with db.sessions() as session:
        result = detect_usage_anomalies(session=session, query=UsageQuery(metric="CPUUtilization"))

    by_resource = {s["resource_id"]: s for s in result["series"]}
    assert sorted(by_resource) == ["i-spike", "i-steady"]
    spike = by_resource["i-spike"]
    assert [(e["start"], e["end"], e["direction"]) for e in spike["episodes"]] == [
        (_midnight(SPIKE_DAY), _midnight(SPIKE_DAY + 1), "up")
    ]
    assert spike["episodes"][0]["peak_value"] == 95.0
    assert 39 < spike["episodes"][0]["expected_at_peak"] < 46
    assert spike["days"] == DAYS - len(MISSING)
    assert spike["repairs"]["gaps"] == 1
    assert spike["repairs"]["missing_points"] == len(MISSING)
    assert spike["repairs"]["step_seconds"] == 86_400.0
    assert spike["period"] == 7
    assert by_resource["i-steady"]["episodes"] == []
    assert result["skipped"] == [
        {"resource_id": "i-new", "days": 10, "reason": "fewer than 21 days with a p95 value"}
    ]


def test_filters_narrow_the_series_and_the_days(db: Database) -> None:
    _store(db)
    with db.sessions() as session:
        only = detect_usage_anomalies(
            session=session,
            query=UsageQuery(
                metric="CPUUtilization",
                resource_id="i-spike",
                end=FIRST + dt.timedelta(days=SPIKE_DAY),
            ),
        )
    assert [s["resource_id"] for s in only["series"]] == ["i-spike"]
    assert only["series"][0]["episodes"] == []  # the spike day is outside [start, end)
    assert only["end"] == (FIRST + dt.timedelta(days=SPIKE_DAY)).isoformat()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            UsageQuery(metric="CPUUtilization", statistic="p90"),
            "parameter 'statistic': expected one of avg, p50, p95, p99_5, max, got 'p90'",
        ),
        (UsageQuery(metric=" "), "parameter 'metric': expected a metric name"),
        (
            UsageQuery(metric="CPUUtilization", start=FIRST, end=FIRST),
            "parameter 'end': expected a date after start (2026-06-01; the window is half-open",
        ),
        (UsageQuery(metric="CPUUtilization", sensitivity="loud"), "parameter 'sensitivity'"),
    ],
)
def test_bad_parameters_are_refused_by_name(db: Database, query: UsageQuery, message: str) -> None:
    with db.sessions() as session, pytest.raises(InvalidInputError) as caught:
        detect_usage_anomalies(session=session, query=query)
    assert message in str(caught.value)


@pytest.fixture
def cli(db_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("FINOPS_DATABASE_URL", db_url)
    return CliRunner()


def test_the_cli_prints_the_episode_and_refuses_a_bad_statistic(
    db: Database, cli: CliRunner
) -> None:
    _store(db)
    shown = cli.invoke(anomalies_app, ["detect-usage", "--metric", "CPUUtilization", "--json"])
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.stdout)
    assert [len(s["episodes"]) for s in data["series"]] == [1, 0]

    text = cli.invoke(anomalies_app, ["detect-usage", "--metric", "CPUUtilization"])
    assert text.exit_code == 0
    assert "i-spike  2026-07-16 .. 2026-07-17  up  peak 95" in text.stdout

    bad = cli.invoke(
        anomalies_app, ["detect-usage", "--metric", "CPUUtilization", "--statistic", "p9"]
    )
    assert bad.exit_code == 1
    assert bad.stderr.strip().splitlines() == [
        "error: parameter 'statistic': expected one of avg, p50, p95, p99_5, max, got 'p9'"
    ]
