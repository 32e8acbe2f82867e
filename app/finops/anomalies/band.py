"""The picture behind an anomaly: its scope day by day with the detector's expected value and
band."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from finops.anomalies.calendar import holiday_days, holiday_mask
from finops.anomalies.detector import DetectorSettings, detect_matrix
from finops.anomalies.feedback import feedback_mask
from finops.anomalies.job import DEFAULT_MIN_IMPACT, DEFAULT_MIN_PERCENT
from finops.anomalies.series import (
    NONE_KEY,
    WEEK,
    float_to_decimal,
    scope_series,
    usage_day_range,
)
from finops.core.errors import NotFoundError
from finops.db.models import Anomaly
from finops.db.types import decimal_to_text

BAND_DAYS_BEFORE = 28
BAND_DAYS_AFTER = 7


@dataclass(frozen=True)
class BandPoint:
    """One day of an anomaly's scope: actual cost, the detector's expected value and band."""

    day: dt.date
    actual: Decimal
    expected: Decimal | None
    lower: Decimal | None
    upper: Decimal | None
    in_anomaly: bool

    def as_json(self) -> dict[str, Any]:
        def text(value: Decimal | None) -> str | None:
            return None if value is None else decimal_to_text(value)

        return {
            "day": self.day.isoformat(),
            "actual": decimal_to_text(self.actual),
            "expected": text(self.expected),
            "lower": text(self.lower),
            "upper": text(self.upper),
            "in_anomaly": self.in_anomaly,
        }


def _scope_filters(scope_type: str, scope_key: str) -> dict[str, list[str | None]]:
    """Cost-query filters reading only one scope's facts (broader where a part is unknown)."""
    parts: dict[str, str] = {}
    if scope_type in ("account", "service"):
        parts[scope_type] = scope_key
    elif scope_type == "account_service" and "|" in scope_key:
        parts["account"], parts["service"] = scope_key.split("|", 1)
    elif scope_type.startswith("tag:"):
        parts[scope_type] = scope_key
    return {dim: [value] for dim, value in parts.items() if value != NONE_KEY}


def anomaly_band(
    *,
    session: Session,
    anomaly_id: int,
    lookback_days: int = 90,
    holiday_country: str | None = "US",
) -> list[BandPoint]:
    """The anomaly's scope day by day, from ``BAND_DAYS_BEFORE`` days before it to
    ``BAND_DAYS_AFTER`` after (within the data): actual cost (exact) and the expected value and
    band the detector computes from the past only, with the job's default settings, holidays and
    feedback — the picture behind the flag. Expected values are the detector's floats rounded
    to 6 places; ``None`` during its warm-up."""
    row = session.get(Anomaly, anomaly_id)
    if row is None:
        raise NotFoundError(f"anomaly {anomaly_id} not found", details={"parameter": "anomaly_id"})
    span = usage_day_range(session)
    if span is None:
        return []
    shown_start = max(row.start_day - dt.timedelta(days=BAND_DAYS_BEFORE), span[0])
    end = min(row.end_day + dt.timedelta(days=BAND_DAYS_AFTER), span[1] + dt.timedelta(days=1))
    start = max(shown_start - dt.timedelta(days=lookback_days), span[0])
    n_days = (end - start).days
    if n_days <= 0:
        return []
    series = [
        s
        for s in scope_series(
            session,
            scopes=[row.scope_type],
            start=start,
            end=end,
            filters=_scope_filters(row.scope_type, row.scope_key),
        )
        if s.scope.scope_key == row.scope_key and s.scope.currency == row.billing_currency
    ]
    if not series:
        return []
    accepted = feedback_mask(session, series, start=start, n_days=n_days)
    accepted |= holiday_mask(start, n_days, holiday_days(start, end, holiday_country), 1)
    values = np.array([[float(c) for c in series[0].costs]], dtype=np.float64)
    settings = DetectorSettings(
        direction="up", min_impact=float(DEFAULT_MIN_IMPACT), min_percent=float(DEFAULT_MIN_PERCENT)
    )
    detection = detect_matrix(values, period=WEEK, settings=settings, accepted=accepted)

    def exact(array: Any, index: int) -> Decimal | None:
        value = float(array[0, index])
        return None if np.isnan(value) else float_to_decimal(value)

    points: list[BandPoint] = []
    for index in range((shown_start - start).days, n_days):
        day = start + dt.timedelta(days=index)
        points.append(
            BandPoint(
                day=day,
                actual=series[0].costs[index],
                expected=exact(detection.expected, index),
                lower=exact(detection.lower, index),
                upper=exact(detection.upper, index),
                in_anomaly=row.start_day <= day < row.end_day,
            )
        )
    return points
