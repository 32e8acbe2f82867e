"""What every FinOps DAG shares: owner, retries, timeouts, start date and tags."""

from __future__ import annotations

import datetime as dt
from typing import Any

OWNER = "finops-platform"
#: Only bounds the schedule; with ``catchup=False`` no past runs are created.
START_DATE = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
RETRY_DELAY = dt.timedelta(minutes=5)
MAX_RETRY_DELAY = dt.timedelta(minutes=30)


def default_args(*, execution_timeout: dt.timedelta, retries: int = 3) -> dict[str, Any]:
    """``default_args`` for a FinOps DAG. Every job is idempotent for its key (DESIGN.md §2), so
    a retry is always safe; the back-off lets a throttled AWS API or a restarting database
    recover before the next try."""
    if retries < 2:
        raise ValueError(f"retries: expected >= 2, got {retries}")
    return {
        "owner": OWNER,
        "retries": retries,
        "retry_delay": RETRY_DELAY,
        "retry_exponential_backoff": True,
        "max_retry_delay": MAX_RETRY_DELAY,
        "execution_timeout": execution_timeout,
        "depends_on_past": False,
    }


def tags(*areas: str) -> list[str]:
    """The DAG's tags: ``finops`` plus its capability areas."""
    return ["finops", *areas]
