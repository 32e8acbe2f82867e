"""Root cause of a cost anomaly: contributors ranked by their share of the deviation (no I/O).

A contributor is one combination of account, service, region, usage type and resource (the
finest grain the bill gives). For each anomaly day its expected cost is the median of its cost on
the same weekday of the ``baseline_weeks`` previous weeks (a missing day costs 0), so a weekly
pattern is not mistaken for a cause. Its deviation is actual - expected over the anomaly days;
its share is its deviation over the sum of the positive deviations (for a drop: of the negative
ones), so the shares of the ranked contributors add up to 1.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from finops.db.types import decimal_to_text

DIMENSIONS = ("account", "service", "region", "usage_type", "resource")
ContributorKey = tuple[str | None, str | None, str | None, str | None, str | None]


@dataclass(frozen=True)
class Contributor:
    """One ranked contributor of an anomaly (amounts summed over the anomaly days)."""

    account: str | None
    service: str | None
    region: str | None
    usage_type: str | None
    resource: str | None
    actual: Decimal
    expected: Decimal
    deviation: Decimal
    share: Decimal

    def as_json(self) -> dict[str, Any]:
        """JSON-ready (money as exact decimal text, share rounded to 4 places)."""
        return {
            "account": self.account,
            "service": self.service,
            "region": self.region,
            "usage_type": self.usage_type,
            "resource": self.resource,
            "actual": decimal_to_text(self.actual),
            "expected": decimal_to_text(self.expected),
            "deviation": decimal_to_text(self.deviation),
            "share": decimal_to_text(self.share.quantize(Decimal("0.0001"))),
        }


def baseline_days(day: dt.date, weeks: int) -> list[dt.date]:
    """The same weekday in each of the ``weeks`` weeks before ``day``."""
    return [day - dt.timedelta(days=7 * k) for k in range(1, weeks + 1)]


def _median(values: Sequence[Decimal]) -> Decimal:
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[mid]
    return (ordered[mid - 1] + ordered[mid]) / 2


def rank_contributors(
    *,
    daily_costs: Mapping[ContributorKey, Mapping[dt.date, Decimal]],
    anomaly_days: Sequence[dt.date],
    baseline_weeks: int = 4,
    increase: bool = True,
    limit: int = 10,
) -> list[Contributor]:
    """Contributors of an anomaly over ``anomaly_days``, largest share first (at most ``limit``).

    ``daily_costs`` maps each contributor to its cost per day; it must cover the anomaly days
    and the ``baseline_weeks`` weeks before them. Only contributors that moved in the anomaly's
    direction are ranked; ties are broken by the contributor's key, so the order is stable.
    """
    if not anomaly_days:
        return []
    zero = Decimal(0)
    moved: list[tuple[ContributorKey, Decimal, Decimal, Decimal]] = []
    for key, by_day in daily_costs.items():
        actual = sum((by_day.get(d, zero) for d in anomaly_days), zero)
        expected = sum(
            (
                _median([by_day.get(b, zero) for b in baseline_days(d, baseline_weeks)])
                for d in anomaly_days
            ),
            zero,
        )
        deviation = actual - expected
        if (deviation > 0) if increase else (deviation < 0):
            moved.append((key, actual, expected, deviation))
    total = sum((m[3] for m in moved), zero)
    moved.sort(key=lambda m: (-abs(m[3]), tuple((v is None, v or "") for v in m[0])))
    return [
        Contributor(*key, actual=a, expected=e, deviation=dv, share=dv / total)
        for key, a, e, dv in moved[:limit]
    ]
