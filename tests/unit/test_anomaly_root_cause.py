"""Root cause ranking on hand-built daily costs with a known answer."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from finops.anomalies.root_cause import ContributorKey, rank_contributors

START = dt.date(2026, 3, 2)  # a Monday
ANOMALY_DAYS = [dt.date(2026, 4, 6), dt.date(2026, 4, 7)]  # 5 weeks later, Monday and Tuesday

PLANTED: ContributorKey = ("111", "AWS Lambda", "us-east-1", "USE1-Lambda-GB-Second", "fn-storm")
NOISY: ContributorKey = ("222", "Amazon EC2", "us-east-1", "BoxUsage:m5.large", "i-1")
WEEKLY: ContributorKey = ("222", "Amazon S3", "eu-west-1", "TimedStorage", None)


def costs() -> dict[ContributorKey, dict[dt.date, Decimal]]:
    days = [START + dt.timedelta(days=i) for i in range(37)]
    data: dict[ContributorKey, dict[dt.date, Decimal]] = {PLANTED: {}, NOISY: {}, WEEKLY: {}}
    for day in days:
        data[PLANTED][day] = Decimal("5.00")
        data[NOISY][day] = Decimal("20.00")
        # Mondays are always expensive: a weekly pattern, not a cause
        data[WEEKLY][day] = Decimal("30.00") if day.weekday() == 0 else Decimal("3.00")
    data[PLANTED][ANOMALY_DAYS[0]] = Decimal("105.00")  # +100
    data[PLANTED][ANOMALY_DAYS[1]] = Decimal("205.00")  # +200
    data[NOISY][ANOMALY_DAYS[1]] = Decimal("50.00")  # +30
    return data


def test_planted_resource_ranks_first_with_its_exact_share() -> None:
    ranked = rank_contributors(daily_costs=costs(), anomaly_days=ANOMALY_DAYS)
    assert [c.resource for c in ranked] == ["fn-storm", "i-1"]
    top = ranked[0]
    assert (top.account, top.service, top.region, top.usage_type) == PLANTED[:4]
    assert top.actual == Decimal("310.00")
    assert top.expected == Decimal("10.00")
    assert top.deviation == Decimal("300.00")
    assert top.share == Decimal(300) / Decimal(330)
    assert ranked[1].deviation == Decimal("30.00")
    assert sum(c.share for c in ranked) == 1


def test_a_drop_ranks_the_contributors_that_fell() -> None:
    data = costs()
    data[NOISY][ANOMALY_DAYS[0]] = Decimal("0")
    data[NOISY][ANOMALY_DAYS[1]] = Decimal("20.00")
    ranked = rank_contributors(daily_costs=data, anomaly_days=ANOMALY_DAYS, increase=False)
    assert [c.resource for c in ranked] == ["i-1"]
    assert ranked[0].deviation == Decimal("-20.00")


def test_json_keeps_money_exact() -> None:
    [top, _] = rank_contributors(daily_costs=costs(), anomaly_days=ANOMALY_DAYS)
    doc = top.as_json()
    assert doc["deviation"] == "300"
    assert doc["share"] == "0.9091"
    assert doc["resource"] == "fn-storm"
