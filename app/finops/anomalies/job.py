"""The cost anomaly detection job over the stored billing facts.

Guarantees:

- **What is measured**: daily *effective* cost of ``Usage`` charges (taxes, credits, purchases
  and adjustments are not consumption and would look like monthly spikes), per scope and per
  billing currency; currencies are never added together.
- **Scopes**: ``total``, ``account``, ``service``, ``account_service`` and ``tag:<key>``.
- **Idempotent**: an anomaly is identified by (scope type, scope key, currency, start day);
  a rerun on the same data changes nothing, a rerun on newer data extends the open anomaly it
  overlaps instead of adding one. Runs are serialised (PostgreSQL advisory lock).
- **Incremental**: the baseline is fitted on ``lookback_days``, but only anomalies touching the
  last ``recent_days`` are written, so older, already reviewed anomalies are left alone.
- **Feedback**: anomalies marked ``planned_activity`` or ``not_an_anomaly`` are handed back to
  the detector as accepted periods, so the same step is not flagged again.
- **Audit**: every created or changed anomaly and every status change writes an audit record in
  the same transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import numpy as np
from sqlalchemy import text

from finops.anomalies.calendar import holiday_days, holiday_mask
from finops.anomalies.detector import DetectorSettings, MatrixDetection, detect_matrix
from finops.anomalies.episodes import Episode, find_episodes
from finops.anomalies.feedback import feedback_mask
from finops.anomalies.series import (
    DEFAULT_SCOPES,
    WEEK,
    ScopeSeries,
    float_to_decimal,
    scope_series,
    usage_day_range,
    validate_scopes,
)
from finops.anomalies.store import DetectedEvent, store_events
from finops.core.errors import InvalidInputError
from finops.db.database import Database

logger = logging.getLogger(__name__)

JOB_NAME = "detect_cost_anomalies"
MAX_LOOKBACK_DAYS = 3 * 366
MIN_HISTORY_DAYS = 3 * WEEK  # two weeks of warm-up, then a week judged
DEFAULT_MIN_IMPACT = Decimal("10")  # billing currency
DEFAULT_MIN_PERCENT = Decimal("10")
_LOCK_KEY = 0x46_494E_414E  # "FINAN": one detection run at a time


COST_MERGE_GAP = 0
"""In-band days that may separate two parts of one cost episode. Zero: a day back in band ends
a cost anomaly, so two spikes of one scope two days apart stay two reviewable anomalies, each
with its own root cause (merging them hid a second planted anomaly on generated data)."""


def cost_episodes(detection: MatrixDetection, row: int) -> list[Episode]:
    """The episodes of one cost series (:func:`finops.anomalies.episodes.find_episodes`): every
    run of flagged days (increases only, as the job's settings say); the band threshold is the
    alert threshold, so a cost anomaly is reported from its first flagged day and a level shift
    is one anomaly, then the new normal."""
    return find_episodes(
        detection.flags[row],
        detection.score[row],
        detection.residual[row],
        alert_score=0.0,
        merge_gap=COST_MERGE_GAP,
    )


def _events(
    series: list[ScopeSeries],
    detection: MatrixDetection,
    *,
    start: dt.date,
    recent_from: int,
) -> list[DetectedEvent]:
    out: list[DetectedEvent] = []
    for i, s in enumerate(series):
        for episode in cost_episodes(detection, i):
            a, b = episode.start, episode.end
            if b <= recent_from:
                continue
            days = [start + dt.timedelta(days=d) for d in range(a, b)]
            out.append(
                DetectedEvent(
                    scope=s.scope,
                    start_day=days[0],
                    end_day=days[-1] + dt.timedelta(days=1),
                    expected=sum(
                        (float_to_decimal(detection.expected[i, d]) for d in range(a, b)),
                        Decimal(0),
                    ),
                    actual=sum(s.costs[a:b], Decimal(0)),
                    score=float_to_decimal(float(detection.score[i, a:b].max()), "0.0001"),
                    days=days,
                )
            )
    return out


def detect_cost_anomalies(
    *,
    db: Database,
    as_of: dt.date | None = None,
    lookback_days: int = 90,
    scopes: Sequence[str] = DEFAULT_SCOPES,
    recent_days: int = 14,
    min_impact: Decimal | str | float = DEFAULT_MIN_IMPACT,
    min_percent: Decimal | str | float = DEFAULT_MIN_PERCENT,
    actor: str = f"job:{JOB_NAME}",
    holiday_country: str | None = "US",
    notify: bool = True,
) -> dict[str, Any]:
    """Detect cost anomalies per scope and currency and store them (see module guarantees).

    With ``notify``, newly created anomalies are announced once, after they are committed, on
    the ``anomaly.detected`` notification channel (:func:`finops.notifications.publish`).

    Public holidays of ``holiday_country`` (None: no calendar) are known calendar effects:
    never flagged and unable to shift the baseline (:mod:`finops.anomalies.calendar`).

    ``as_of`` is the last day evaluated (inclusive; default: the latest day with usage facts);
    the baseline uses ``[as_of - lookback_days + 1, as_of]``; anomalies touching the last
    ``recent_days`` days are written (``recent_days=lookback_days`` backfills the whole window).
    A day is anomalous when it exceeds the expected cost by at least ``min_impact`` (in the
    billing currency) and ``min_percent`` percent, and by the detector's own score threshold.
    Returns counts: scopes, series, anomalies created / updated / unchanged, flagged days.
    """
    if not 14 <= lookback_days <= MAX_LOOKBACK_DAYS:
        raise InvalidInputError(
            f"parameter 'lookback_days': expected 14..{MAX_LOOKBACK_DAYS}, got {lookback_days}",
            details={"parameter": "lookback_days"},
        )
    if not 1 <= recent_days <= lookback_days:
        raise InvalidInputError(
            f"parameter 'recent_days': expected 1..lookback_days ({lookback_days}), "
            f"got {recent_days}",
            details={"parameter": "recent_days"},
        )
    try:
        impact_floor = Decimal(str(min_impact))
        percent_floor = Decimal(str(min_percent))
    except ArithmeticError as exc:
        raise InvalidInputError(
            "parameters 'min_impact' and 'min_percent': expected decimal numbers",
            details={"parameter": "min_impact"},
        ) from exc
    if impact_floor < 0 or percent_floor < 0:
        raise InvalidInputError(
            "parameters 'min_impact' and 'min_percent': expected numbers >= 0",
            details={"parameter": "min_impact"},
        )
    scope_names = validate_scopes(scopes)
    counts: dict[str, Any] = {
        "as_of": None,
        "scopes": len(scope_names),
        "series": 0,
        "created": 0,
        "updated": 0,
        "unchanged": 0,
        "flagged_days": 0,
    }
    settings = DetectorSettings(
        direction="up", min_impact=float(impact_floor), min_percent=float(percent_floor)
    )
    with db.sessions.begin() as session:
        if db.dialect == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
        span = usage_day_range(session)
        if span is None:
            return counts
        last_day = as_of or span[1]
        counts["as_of"] = last_day.isoformat()
        end = last_day + dt.timedelta(days=1)
        # days before the first bill are unknown, not zero: a series starts with the data
        start = max(end - dt.timedelta(days=lookback_days), span[0])
        n_days = (end - start).days
        if n_days < MIN_HISTORY_DAYS:
            counts["skipped"] = f"only {max(n_days, 0)} days of usage; need {MIN_HISTORY_DAYS}"
            return counts
        recent = min(recent_days, n_days)
        series = scope_series(session, scopes=scope_names, start=start, end=end)
        counts["series"] = len(series)
        if not series:
            return counts
        accepted = feedback_mask(session, series, start=start, n_days=n_days)
        accepted |= holiday_mask(
            start, n_days, holiday_days(start, end, holiday_country), len(series)
        )
        values = np.array([[float(c) for c in s.costs] for s in series], dtype=np.float64)
        detection = detect_matrix(values, period=WEEK, settings=settings, accepted=accepted)
        counts["flagged_days"] = int(detection.flags[:, n_days - recent :].sum())
        events = _events(series, detection, start=start, recent_from=n_days - recent)
        announced: list[str] = []
        store_events(session, events, actor=actor, counts=counts, announced=announced)
    logger.info("cost anomalies detected", extra={"counts": counts})
    if notify and announced:
        from finops.notifications import publish

        counts["notified"] = publish(
            db=db,
            kind="anomaly.detected",
            title=f"{len(announced)} new cost anomal{'y' if len(announced) == 1 else 'ies'}",
            lines=announced,
        )
    return counts
