"""Status lifecycles: every status change is one conditional UPDATE.

``UPDATE t SET status = target WHERE id = :id AND status IN (allowed)`` succeeds for exactly one
of two concurrent writers; the loser gets a :class:`ConflictError` naming the current status.
A read-then-write (load, check, assign) cannot promise that.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from finops.core.errors import ConflictError

ConflictFactory = Callable[[str | None], ConflictError]
"""Builds the error from the row's current status (``None`` when the row is gone)."""


def change_status(
    session: Session,
    *,
    id_column: InstrumentedAttribute[Any],
    status_column: InstrumentedAttribute[Any],
    row_id: int,
    allowed: Collection[str],
    target: str,
    conflict: ConflictFactory,
    values: Mapping[str, Any] | None = None,
) -> None:
    """Set the row's status to ``target`` (and ``values``) only if it is one of ``allowed``.

    Raises ``conflict(current_status)`` when no row matched. The caller refreshes any loaded
    instance (the UPDATE bypasses the session's identity map) and audits the change in the same
    transaction.
    """
    entity = status_column.class_
    stmt = (
        update(entity)
        .where(id_column == row_id, status_column.in_(tuple(allowed)))
        .values({status_column.key: target, **(values or {})})
        .execution_options(synchronize_session=False)
    )
    result = cast(CursorResult[Any], session.execute(stmt))
    if result.rowcount != 1:
        current = session.scalar(select(status_column).where(id_column == row_id))
        raise conflict(current)
