"""Feedback on anomalies: status changes (audited), and the periods people marked as planned
or not an anomaly, handed back to the detector as accepted days."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from finops.anomalies.series import ScopeSeries
from finops.anomalies.views import STATUSES, AnomalyView, anomaly_view
from finops.audit import record_audit
from finops.core.errors import InvalidInputError, NotFoundError
from finops.db.models import Anomaly

FEEDBACK_STATUSES = ("not_an_anomaly", "planned_activity")


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
    return anomaly_view(row)


def feedback_mask(
    session: Session, series: list[ScopeSeries], *, start: dt.date, n_days: int
) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """Per series and day, True where a stored anomaly of that scope and currency has a
    feedback status (``planned_activity``, ``not_an_anomaly``): days the detector accepts."""
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
