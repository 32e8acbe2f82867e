"""Feedback on anomalies: status changes (audited), and the periods people marked as planned
or not an anomaly, handed back to the detector as accepted days."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from finops.anomalies.series import ScopeSeries
from finops.anomalies.views import (
    FEEDBACK_STATUSES,
    STATUSES,
    AnomalyStatus,
    AnomalyView,
    anomaly_view,
)
from finops.audit import record_audit
from finops.core.errors import ConflictError, InvalidInputError, NotFoundError
from finops.core.lifecycle import change_status
from finops.db.models import Anomaly


def _status(value: str) -> AnomalyStatus:
    try:
        return AnomalyStatus(value)
    except ValueError as exc:
        raise InvalidInputError(
            f"parameter 'status': expected one of {', '.join(STATUSES)}, got {value!r}",
            details={"parameter": "status", "expected": list(STATUSES)},
        ) from exc


def set_anomaly_status(
    *, session: Session, anomaly_id: int, status: str, actor: str, note: str | None = None
) -> AnomalyView:
    """Set an anomaly's status (feedback) and audit the change; a no-op when unchanged.

    Any status may follow any other, but the change is one conditional UPDATE from the status
    read here (:func:`finops.core.lifecycle.change_status`): of two people changing the same
    anomaly at once, one succeeds and the other gets a ConflictError naming the status the
    first one set, so the audit's "before" is always the status that was replaced.

    ``planned_activity`` and ``not_an_anomaly`` also teach the detector: the anomaly's days
    become accepted, so the same step is not flagged again on later runs.
    """
    target = _status(status)
    row = session.get(Anomaly, anomaly_id)
    if row is None:
        raise NotFoundError(f"anomaly {anomaly_id} not found", details={"parameter": "anomaly_id"})
    session.refresh(row)  # compare with the status as stored now, not as loaded earlier
    before = row.status
    if before == target:
        return anomaly_view(row)

    def conflict(current: str | None) -> ConflictError:
        return ConflictError(
            f"anomaly {anomaly_id} changed to {current} while this change was made; "
            f"review it and set the status again",
            details={"status": current, "target": target.value},
        )

    change_status(
        session,
        id_column=Anomaly.id,
        status_column=Anomaly.status,
        row_id=anomaly_id,
        allowed=(before,),
        target=target.value,
        conflict=conflict,
    )
    session.refresh(row)  # the UPDATE bypassed the identity map
    record_audit(
        session=session,
        actor=actor,
        action="status_changed",
        entity_type="anomaly",
        entity_id=row.id,
        before={"status": before},
        after={"status": target.value},
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
