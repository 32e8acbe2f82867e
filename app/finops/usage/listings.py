"""Listing of the stored daily utilization statistics (``usage_metrics``)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from finops.core.paging import DEFAULT_PAGE_SIZE, Page, fetch_page
from finops.core.window import check_window
from finops.db.models import UsageMetric


def list_usage(
    *,
    session: Session,
    start: dt.date,
    end: dt.date,
    resource: str | None = None,
    metric: str | None = None,
    limit: int = DEFAULT_PAGE_SIZE,
    offset: int = 0,
) -> Page[UsageMetric]:
    """Daily usage statistics with ``day`` in ``[start, end)``, by resource, metric and day."""
    check_window(start, end)
    statement = (
        select(UsageMetric)
        .where(UsageMetric.day >= start, UsageMetric.day < end)
        .order_by(UsageMetric.resource_id, UsageMetric.metric_name, UsageMetric.day, UsageMetric.id)
    )
    if resource is not None:
        statement = statement.where(UsageMetric.resource_id == resource)
    if metric is not None:
        statement = statement.where(UsageMetric.metric_name == metric)
    return fetch_page(session, statement, limit, offset)
