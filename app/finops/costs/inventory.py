"""Listings behind the cost views: accounts, resources, usage metrics and ingestion runs.

Pagination is by ``limit`` (default 100, at most 1000) and ``offset``; every listing has a
stable order (ties broken by primary key), so consecutive pages never skip or repeat a row
while the data does not change.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from finops.db.models import Account, IngestionFile, IngestionRun, Resource, UsageMetric
from finops.errors import InvalidInputError

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a listing; ``next_offset`` is ``None`` on the last page."""

    items: list[T]
    total: int
    limit: int
    offset: int

    @property
    def next_offset(self) -> int | None:
        following = self.offset + len(self.items)
        return following if following < self.total else None


@dataclass(frozen=True)
class IngestionRunWithFiles:
    """An ingestion run and the files it saw (oldest first)."""

    run: IngestionRun
    files: list[IngestionFile]


def check_page(limit: int, offset: int) -> None:
    """Raise InvalidInputError unless ``1 <= limit <= 1000`` and ``offset >= 0``."""
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise InvalidInputError(
            f"parameter 'limit': expected an integer from 1 to {MAX_PAGE_SIZE}, got {limit}",
            details={"parameter": "limit", "got": limit},
        )
    if offset < 0:
        raise InvalidInputError(
            f"parameter 'offset': expected an integer >= 0, got {offset}",
            details={"parameter": "offset", "got": offset},
        )


def _page(session: Session, statement: Select[Any], limit: int, offset: int) -> Page[Any]:
    check_page(limit, offset)
    total = session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    items = list(session.scalars(statement.limit(limit).offset(offset)))
    return Page(items=items, total=int(total or 0), limit=limit, offset=offset)


def list_accounts(
    *,
    session: Session,
    provider: str | None = None,
    billing_account: str | None = None,
    limit: int = DEFAULT_PAGE_SIZE,
    offset: int = 0,
) -> Page[Account]:
    """Known accounts, ordered by provider then account id."""
    statement = select(Account).order_by(Account.provider, Account.account_id, Account.id)
    if provider is not None:
        statement = statement.where(Account.provider == provider)
    if billing_account is not None:
        statement = statement.where(Account.billing_account_id == billing_account)
    return _page(session, statement, limit, offset)


def list_resources(
    *,
    session: Session,
    provider: str | None = None,
    account: str | None = None,
    service: str | None = None,
    region: str | None = None,
    resource_type: str | None = None,
    limit: int = DEFAULT_PAGE_SIZE,
    offset: int = 0,
) -> Page[Resource]:
    """Known resources matching every given filter (exact match), ordered by resource id."""
    statement = select(Resource).order_by(Resource.resource_id, Resource.id)
    conditions = {
        Resource.provider: provider,
        Resource.account_id: account,
        Resource.service_name: service,
        Resource.region_id: region,
        Resource.resource_type: resource_type,
    }
    for column, value in conditions.items():
        if value is not None:
            statement = statement.where(column == value)
    return _page(session, statement, limit, offset)


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
    if end <= start:
        raise InvalidInputError(
            f"parameter 'end': expected a date after start ({start.isoformat()}), "
            f"got {end.isoformat()}",
            details={"parameter": "end", "got": end.isoformat()},
        )
    statement = (
        select(UsageMetric)
        .where(UsageMetric.day >= start, UsageMetric.day < end)
        .order_by(UsageMetric.resource_id, UsageMetric.metric_name, UsageMetric.day, UsageMetric.id)
    )
    if resource is not None:
        statement = statement.where(UsageMetric.resource_id == resource)
    if metric is not None:
        statement = statement.where(UsageMetric.metric_name == metric)
    return _page(session, statement, limit, offset)


def list_ingestions(
    *,
    session: Session,
    status: str | None = None,
    limit: int = DEFAULT_PAGE_SIZE,
    offset: int = 0,
) -> Page[IngestionRunWithFiles]:
    """Ingestion runs, newest first, each with its files."""
    statement = select(IngestionRun).order_by(
        IngestionRun.started_at.desc(), IngestionRun.id.desc()
    )
    if status is not None:
        statement = statement.where(IngestionRun.status == status)
    runs: Page[IngestionRun] = _page(session, statement, limit, offset)
    files: dict[int, list[IngestionFile]] = defaultdict(list)
    if runs.items:
        run_ids = [run.id for run in runs.items]
        for file in session.scalars(
            select(IngestionFile)
            .where(IngestionFile.run_id.in_(run_ids))
            .order_by(IngestionFile.created_at, IngestionFile.id)
        ):
            files[file.run_id].append(file)
    return Page(
        items=[IngestionRunWithFiles(run=run, files=files[run.id]) for run in runs.items],
        total=runs.total,
        limit=runs.limit,
        offset=runs.offset,
    )


@dataclass(frozen=True)
class TagKey:
    """A tag key seen on resources: on how many, its distinct values, and the most common ones
    (at most ``MAX_TAG_VALUES``; ``values_total`` says how many there are in all)."""

    key: str
    resources: int
    values: tuple[str, ...]
    values_total: int


MAX_TAG_VALUES = 20


def tag_keys(*, session: Session) -> list[TagKey]:
    """Every tag key on stored resources (billing and inventory), most common first, then by
    name; each with its most common values first (ties by name)."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for (tags,) in session.execute(select(Resource.tags).execution_options(yield_per=5000)):
        for key, value in (tags or {}).items():
            counts[key][str(value)] += 1
    keyed = {key: sum(per_value.values()) for key, per_value in counts.items()}
    return [
        TagKey(
            key=key,
            resources=keyed[key],
            values=_most_common(counts[key], MAX_TAG_VALUES),
            values_total=len(counts[key]),
        )
        for key in sorted(keyed, key=lambda k: (-keyed[k], k))
    ]


def _most_common(counts: dict[str, int], limit: int) -> tuple[str, ...]:
    return tuple(sorted(counts, key=lambda value: (-counts[value], value))[:limit])
