"""Offset pagination: one page type, one limit rule, one count query.

Every listing takes ``limit`` (default 100, 1 to 1000) and ``offset`` (>= 0) and has a stable
order (ties broken by primary key), so consecutive pages never skip or repeat a row while the
data does not change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from finops.core.errors import InvalidInputError

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000

T = TypeVar("T")
U = TypeVar("U")


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

    def map(self, convert: Callable[[T], U]) -> Page[U]:
        """The same page with every item converted (rows to view models, say)."""
        return Page(
            items=[convert(i) for i in self.items],
            total=self.total,
            limit=self.limit,
            offset=self.offset,
        )


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


def fetch_page(session: Session, statement: Select[Any], limit: int, offset: int) -> Page[Any]:
    """One page of ``statement``'s scalars with the total count of the whole listing.

    ``statement`` must already be ordered stably; the limits are checked first.
    """
    check_page(limit, offset)
    total = session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    items = list(session.scalars(statement.limit(limit).offset(offset)))
    return Page(items=items, total=int(total or 0), limit=limit, offset=offset)
