"""Cost anomaly detection over the stored billing facts, and the anomaly lifecycle.

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
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from finops.anomalies.calendar import holiday_days, holiday_mask
from finops.anomalies.detector import DetectorSettings, MatrixDetection, detect_matrix, event_spans
from finops.anomalies.root_cause import ContributorKey, rank_contributors
from finops.audit import record_audit
from finops.core.errors import InvalidInputError, NotFoundError
from finops.core.paging import check_page
from finops.costs.buckets import utc_day
from finops.costs.dimensions import parse_dimension
from finops.costs.query import CostQuery, charge_day_range, fact_filter_clauses, query_costs
from finops.db.database import Database
from finops.db.models import Anomaly, BillingFact
from finops.db.types import decimal_to_text, money_order, money_sum

logger = logging.getLogger(__name__)

JOB_NAME = "detect_cost_anomalies"
STATUSES = ("open", "acknowledged", "resolved", "not_an_anomaly", "planned_activity")
FEEDBACK_STATUSES = ("not_an_anomaly", "planned_activity")
SCOPE_TYPES = ("total", "account", "service", "account_service")
DEFAULT_SCOPES = SCOPE_TYPES
MEASURED_CHARGES = ["Usage"]
WEEK = 7
ROOT_CAUSE_WEEKS = 4
MAX_LOOKBACK_DAYS = 3 * 366
MIN_HISTORY_DAYS = 3 * WEEK  # two weeks of warm-up, then a week judged
NONE_KEY = "(none)"
DEFAULT_MIN_IMPACT = Decimal("10")  # billing currency
DEFAULT_MIN_PERCENT = Decimal("10")
BAND_DAYS_BEFORE = 28
BAND_DAYS_AFTER = 7
_LOCK_KEY = 0x46_494E_414E  # "FINAN": one detection run at a time


@dataclass(frozen=True)
class Scope:
    """One cost series: its type, key (as stored) and the cost filters that select it."""

    scope_type: str
    scope_key: str
    currency: str
    filters: dict[str, list[str | None]] = field(hash=False, compare=False)


@dataclass(frozen=True)
class AnomalyView:
    """An anomaly as shown to people and machines. ``end_day`` is exclusive."""

    id: int
    scope_type: str
    scope_key: str
    currency: str
    start_day: dt.date
    end_day: dt.date
    expected_cost: Decimal
    actual_cost: Decimal
    impact: Decimal
    impact_percent: Decimal | None
    severity: str
    score: Decimal
    status: str
    root_cause: list[dict[str, Any]]
    detected_at: dt.datetime

    @property
    def days(self) -> int:
        return (self.end_day - self.start_day).days

    def as_json(self) -> dict[str, Any]:
        """JSON-ready: money as exact decimal text, days as ISO dates."""
        return {
            "id": self.id,
            "scope_type": self.scope_type,
            "scope_key": self.scope_key,
            "currency": self.currency,
            "start_day": self.start_day.isoformat(),
            "end_day": self.end_day.isoformat(),
            "days": self.days,
            "expected_cost": decimal_to_text(self.expected_cost),
            "actual_cost": decimal_to_text(self.actual_cost),
            "impact": decimal_to_text(self.impact),
            "impact_percent": (
                None if self.impact_percent is None else decimal_to_text(self.impact_percent)
            ),
            "severity": self.severity,
            "score": decimal_to_text(self.score),
            "status": self.status,
            "root_cause": self.root_cause,
            "detected_at": self.detected_at.isoformat(),
        }


def _view(row: Anomaly) -> AnomalyView:
    return AnomalyView(
        id=row.id,
        scope_type=row.scope_type,
        scope_key=row.scope_key,
        currency=row.billing_currency,
        start_day=row.start_day,
        end_day=row.end_day,
        expected_cost=row.expected_cost,
        actual_cost=row.actual_cost,
        impact=row.impact,
        impact_percent=row.impact_percent,
        severity=row.severity,
        score=row.score,
        status=row.status,
        root_cause=list(row.root_cause or []),
        detected_at=row.detected_at,
    )


# ----------------------------------------------------------------------------- pure helpers


def severity_of(impact_percent: Decimal | None) -> str:
    """``critical`` >= 100 %, ``high`` >= 50 % (or no baseline), ``medium`` >= 20 %, else
    ``low``."""
    if impact_percent is None or impact_percent >= 50:
        return "critical" if impact_percent is not None and impact_percent >= 100 else "high"
    return "medium" if impact_percent >= 20 else "low"


def _decimal(value: float, places: str = "0.000001") -> Decimal:
    return Decimal(repr(float(value))).quantize(Decimal(places))


def _validate_scopes(scopes: Sequence[str]) -> list[str]:
    result: list[str] = []
    for raw in scopes:
        name = raw.strip()
        if name.lower().startswith("tag:"):
            result.append(str(parse_dimension(name, parameter="scopes")))
        elif name.lower() in SCOPE_TYPES:
            result.append(name.lower())
        else:
            raise InvalidInputError(
                f"parameter 'scopes': unknown scope {raw!r}; expected one of "
                f"{', '.join(SCOPE_TYPES)} or tag:<key>",
                details={"parameter": "scopes", "got": raw},
            )
    if not result:
        raise InvalidInputError(
            "parameter 'scopes': expected at least one scope", details={"parameter": "scopes"}
        )
    return list(dict.fromkeys(result))


def _key(value: str | None) -> str:
    return NONE_KEY if value is None else value


# ----------------------------------------------------------------------------- series


@dataclass
class ScopeSeries:
    scope: Scope
    costs: list[Decimal]


def scope_series(
    session: Session,
    *,
    scopes: list[str],
    start: dt.date,
    end: dt.date,
    filters: dict[str, list[str | None]] | None = None,
) -> list[ScopeSeries]:
    """Daily Usage effective cost of every scope and currency, zero-filled over [start, end);
    ``filters`` (cost-query filters) narrow the facts read, e.g. to one scope's account."""
    narrowed: dict[str, Any] = {"charge_category": list(MEASURED_CHARGES), **(filters or {})}
    n_days = (end - start).days
    series: dict[Scope, list[Decimal]] = {}

    def add(scope: Scope, day: dt.date, amount: Decimal) -> None:
        if scope not in series:
            series[scope] = [Decimal(0)] * n_days
        series[scope][(day - start).days] += amount

    base = [s for s in scopes if s in SCOPE_TYPES]
    if base:
        result = query_costs(
            session=session,
            query=CostQuery(
                start=start,
                end=end,
                granularity="day",
                group_by=["account", "service"],
                filters=narrowed,
            ),
        )
        for row in result.rows:
            account, service = row.keys["account"], row.keys["service"]
            amount, cur, day = row.amounts.effective, row.currency, row.period_start
            if "total" in base:
                add(Scope("total", "total", cur, {}), day, amount)
            if "account" in base:
                add(Scope("account", _key(account), cur, {"account": [account]}), day, amount)
            if "service" in base:
                add(Scope("service", _key(service), cur, {"service": [service]}), day, amount)
            if "account_service" in base:
                add(
                    Scope(
                        "account_service",
                        f"{_key(account)}|{_key(service)}",
                        cur,
                        {"account": [account], "service": [service]},
                    ),
                    day,
                    amount,
                )
    for tag_scope in (s for s in scopes if s.startswith("tag:")):
        result = query_costs(
            session=session,
            query=CostQuery(
                start=start,
                end=end,
                granularity="day",
                group_by=[tag_scope],
                filters=narrowed,
            ),
        )
        for row in result.rows:
            value = row.keys[tag_scope]
            add(
                Scope(tag_scope, _key(value), row.currency, {tag_scope: [value]}),
                row.period_start,
                row.amounts.effective,
            )
    return [ScopeSeries(scope, costs) for scope, costs in sorted(series.items(), key=_scope_order)]


def _scope_order(item: tuple[Scope, list[Decimal]]) -> tuple[str, str, str]:
    scope = item[0]
    return (scope.currency, scope.scope_type, scope.scope_key)


def _feedback_mask(
    session: Session, series: list[ScopeSeries], *, start: dt.date, n_days: int
) -> np.ndarray[Any, np.dtype[np.bool_]]:
    index = {
        (s.scope.scope_type, s.scope.scope_key, s.scope.currency): i for i, s in enumerate(series)
    }
    mask = np.zeros((len(series), n_days), dtype=bool)
    end = start + dt.timedelta(days=n_days)
    rows = session.scalars(
        select(Anomaly).where(
            Anomaly.status.in_(FEEDBACK_STATUSES),
            Anomaly.end_day > start,
            Anomaly.start_day < end,
        )
    )
    for row in rows:
        i = index.get((row.scope_type, row.scope_key, row.billing_currency))
        if i is None:
            continue
        a = max((row.start_day - start).days, 0)
        b = min((row.end_day - start).days, n_days)
        mask[i, a:b] = True
    return mask


# ----------------------------------------------------------------------------- root cause


def _root_cause(
    session: Session, scope: Scope, days: list[dt.date], *, increase: bool
) -> list[dict[str, Any]]:
    first = days[0] - dt.timedelta(days=WEEK * ROOT_CAUSE_WEEKS)
    end = days[-1] + dt.timedelta(days=1)
    dims = [parse_dimension(d).column() for d in ("account", "service", "region", "usage_type")]
    dims.append(parse_dimension("resource").column())
    day_col = utc_day(BillingFact.charge_period_start)
    stmt = (
        select(*dims, day_col, money_sum(BillingFact.effective_cost))
        .where(
            charge_day_range(first, end),
            BillingFact.billing_currency == scope.currency,
            *fact_filter_clauses({"charge_category": list(MEASURED_CHARGES), **scope.filters}),
        )
        .group_by(*dims, day_col)
    )
    daily: dict[ContributorKey, dict[dt.date, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for record in session.execute(stmt):
        key: ContributorKey = (record[0], record[1], record[2], record[3], record[4])
        daily[key][dt.date.fromisoformat(str(record[5]))] += Decimal(str(record[6]))
    ranked = rank_contributors(
        daily_costs=daily, anomaly_days=days, baseline_weeks=ROOT_CAUSE_WEEKS, increase=increase
    )
    return [c.as_json() for c in ranked]


# ----------------------------------------------------------------------------- the job


@dataclass(frozen=True)
class _Event:
    scope: Scope
    start_day: dt.date
    end_day: dt.date
    expected: Decimal
    actual: Decimal
    score: Decimal
    days: list[dt.date]


def _events(
    series: list[ScopeSeries],
    detection: MatrixDetection,
    *,
    start: dt.date,
    recent_from: int,
) -> list[_Event]:
    out: list[_Event] = []
    for i, s in enumerate(series):
        for a, b in event_spans(detection.flags[i]):
            if b <= recent_from:
                continue
            days = [start + dt.timedelta(days=d) for d in range(a, b)]
            out.append(
                _Event(
                    scope=s.scope,
                    start_day=days[0],
                    end_day=days[-1] + dt.timedelta(days=1),
                    expected=sum(
                        (_decimal(detection.expected[i, d]) for d in range(a, b)), Decimal(0)
                    ),
                    actual=sum(s.costs[a:b], Decimal(0)),
                    score=_decimal(float(detection.score[i, a:b].max()), "0.0001"),
                    days=days,
                )
            )
    return out


def _anomaly_values(event: _Event, root_cause: list[dict[str, Any]]) -> dict[str, Any]:
    impact = event.actual - event.expected
    percent = (
        (impact / event.expected * 100).quantize(Decimal("0.01")) if event.expected > 0 else None
    )
    return {
        "end_day": event.end_day,
        "expected_cost": event.expected,
        "actual_cost": event.actual,
        "impact": impact,
        "impact_percent": percent,
        "severity": severity_of(percent),
        "score": event.score,
        "root_cause": root_cause,
    }


def _snapshot(row: Anomaly) -> dict[str, Any]:
    return {
        "scope_type": row.scope_type,
        "scope_key": row.scope_key,
        "currency": row.billing_currency,
        "start_day": row.start_day,
        "end_day": row.end_day,
        "expected_cost": row.expected_cost,
        "actual_cost": row.actual_cost,
        "impact": row.impact,
        "impact_percent": row.impact_percent,
        "severity": row.severity,
        "score": row.score,
        "status": row.status,
    }


def _same(row: Anomaly, values: dict[str, Any]) -> bool:
    for name, value in values.items():
        current = getattr(row, name)
        if isinstance(value, Decimal) and current is not None:
            if Decimal(current) != value:
                return False
        elif current != value:
            return False
    return True


def _usage_day_range(session: Session) -> tuple[dt.date, dt.date] | None:
    day = utc_day(BillingFact.charge_period_start)
    first, last = session.execute(
        select(func.min(day), func.max(day)).where(
            BillingFact.charge_category.in_(MEASURED_CHARGES)
        )
    ).one()
    if first is None or last is None:
        return None
    return dt.date.fromisoformat(str(first)), dt.date.fromisoformat(str(last))


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
    scope_names = _validate_scopes(scopes)
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
        span = _usage_day_range(session)
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
        accepted = _feedback_mask(session, series, start=start, n_days=n_days)
        accepted |= holiday_mask(
            start, n_days, holiday_days(start, end, holiday_country), len(series)
        )
        values = np.array([[float(c) for c in s.costs] for s in series], dtype=np.float64)
        detection = detect_matrix(values, period=WEEK, settings=settings, accepted=accepted)
        counts["flagged_days"] = int(detection.flags[:, n_days - recent :].sum())
        events = _events(series, detection, start=start, recent_from=n_days - recent)
        announced: list[str] = []
        _store_events(session, events, actor=actor, counts=counts, announced=announced)
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


def _announcement(row: Anomaly) -> str:
    percent = f" ({decimal_to_text(row.impact_percent)}%)" if row.impact_percent else ""
    cause = ""
    if row.root_cause:
        top = row.root_cause[0]
        parts = [str(top.get(k)) for k in ("service", "resource", "account") if top.get(k)]
        cause = f"; top contributor {' / '.join(parts)}" if parts else ""
    return (
        f"{row.severity} {row.scope_type} {row.scope_key or '(all)'} "
        f"{row.start_day}..{row.end_day}:"
        f" +{row.impact.quantize(Decimal('0.01'))} {row.billing_currency}{percent}{cause}"
        f" [anomaly {row.id}]"
    )


def _store_events(
    session: Session,
    events: Iterable[_Event],
    *,
    actor: str,
    counts: dict[str, Any],
    announced: list[str],
) -> None:
    for event in events:
        scope = event.scope
        existing = session.scalars(
            select(Anomaly)
            .where(
                Anomaly.scope_type == scope.scope_type,
                Anomaly.scope_key == scope.scope_key,
                Anomaly.billing_currency == scope.currency,
                Anomaly.start_day < event.end_day,
                Anomaly.end_day > event.start_day,
            )
            .order_by(Anomaly.start_day)
        ).first()
        if existing is None:
            existing = session.scalars(
                select(Anomaly).where(
                    Anomaly.scope_type == scope.scope_type,
                    Anomaly.scope_key == scope.scope_key,
                    Anomaly.billing_currency == scope.currency,
                    Anomaly.start_day == event.start_day,
                )
            ).first()
        root_cause = _root_cause(session, scope, event.days, increase=True)
        values = _anomaly_values(event, root_cause)
        if existing is None:
            row = Anomaly(
                scope_type=scope.scope_type,
                scope_key=scope.scope_key,
                billing_currency=scope.currency,
                start_day=event.start_day,
                status="open",
                detected_at=dt.datetime.now(dt.UTC),
                **values,
            )
            session.add(row)
            session.flush()
            record_audit(
                session=session,
                actor=actor,
                action="created",
                entity_type="anomaly",
                entity_id=row.id,
                after=_snapshot(row),
                details={"root_cause_top": root_cause[:1]},
            )
            counts["created"] += 1
            announced.append(_announcement(row))
            continue
        if existing.start_day != event.start_day:
            # the stored anomaly started earlier: keep its first day, extend its end
            values = {"end_day": max(existing.end_day, event.end_day)}
        if _same(existing, values):
            counts["unchanged"] += 1
            continue
        before = _snapshot(existing)
        for name, value in values.items():
            setattr(existing, name, value)
        session.flush()
        record_audit(
            session=session,
            actor=actor,
            action="updated",
            entity_type="anomaly",
            entity_id=existing.id,
            before=before,
            after=_snapshot(existing),
        )
        counts["updated"] += 1


# ----------------------------------------------------------------------------- lifecycle


def set_anomaly_status(
    *, session: Session, anomaly_id: int, status: str, actor: str, note: str | None = None
) -> AnomalyView:
    """Set an anomaly's status (feedback) and audit the change; a no-op when unchanged.

    ``planned_activity`` and ``not_an_anomaly`` also teach the detector: the anomaly's days
    become accepted, so the same step is not flagged again on later runs.
    """
    if status not in STATUSES:
        raise InvalidInputError(
            f"parameter 'status': expected one of {', '.join(STATUSES)}, got {status!r}",
            details={"parameter": "status", "expected": list(STATUSES)},
        )
    row = session.get(Anomaly, anomaly_id)
    if row is None:
        raise NotFoundError(f"anomaly {anomaly_id} not found", details={"parameter": "anomaly_id"})
    if row.status != status:
        before = {"status": row.status}
        row.status = status
        session.flush()
        record_audit(
            session=session,
            actor=actor,
            action="status_changed",
            entity_type="anomaly",
            entity_id=row.id,
            before=before,
            after={"status": status},
            details={"note": note} if note else {},
        )
    return _view(row)


def get_anomaly(*, session: Session, anomaly_id: int) -> AnomalyView:
    """One anomaly; NotFoundError when it does not exist."""
    row = session.get(Anomaly, anomaly_id)
    if row is None:
        raise NotFoundError(f"anomaly {anomaly_id} not found", details={"parameter": "anomaly_id"})
    return _view(row)


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
    span = _usage_day_range(session)
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
    accepted = _feedback_mask(session, series, start=start, n_days=n_days)
    accepted |= holiday_mask(start, n_days, holiday_days(start, end, holiday_country), 1)
    values = np.array([[float(c) for c in series[0].costs]], dtype=np.float64)
    settings = DetectorSettings(
        direction="up", min_impact=float(DEFAULT_MIN_IMPACT), min_percent=float(DEFAULT_MIN_PERCENT)
    )
    detection = detect_matrix(values, period=WEEK, settings=settings, accepted=accepted)

    def exact(array: Any, index: int) -> Decimal | None:
        value = float(array[0, index])
        return None if np.isnan(value) else _decimal(value)

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


def list_anomalies(
    *,
    session: Session,
    status: str | None = None,
    scope_type: str | None = None,
    scope_key: str | None = None,
    currency: str | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[AnomalyView]:
    """Anomalies overlapping ``[start, end)`` (when given), newest first, then largest impact."""
    if status is not None and status not in STATUSES:
        raise InvalidInputError(
            f"parameter 'status': expected one of {', '.join(STATUSES)}, got {status!r}",
            details={"parameter": "status", "expected": list(STATUSES)},
        )
    check_page(limit, offset)
    stmt = select(Anomaly)
    if status is not None:
        stmt = stmt.where(Anomaly.status == status)
    if scope_type is not None:
        stmt = stmt.where(Anomaly.scope_type == scope_type)
    if scope_key is not None:
        stmt = stmt.where(Anomaly.scope_key == scope_key)
    if currency is not None:
        stmt = stmt.where(Anomaly.billing_currency == currency)
    if start is not None:
        stmt = stmt.where(Anomaly.end_day > start)
    if end is not None:
        stmt = stmt.where(Anomaly.start_day < end)
    stmt = stmt.order_by(
        Anomaly.start_day.desc(), money_order(Anomaly.impact).desc(), Anomaly.id.desc()
    )
    return [_view(r) for r in session.scalars(stmt.limit(limit).offset(offset))]
