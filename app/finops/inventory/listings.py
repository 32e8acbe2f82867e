"""Listings of the inventory: billing accounts, resources and the tag keys on them.

Pagination follows :mod:`finops.core.paging` (``limit``/``offset``, a stable order).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from finops.core.paging import DEFAULT_PAGE_SIZE, Page, fetch_page
from finops.db.models import Account, Resource


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
    return fetch_page(session, statement, limit, offset)


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
    return fetch_page(session, statement, limit, offset)


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
