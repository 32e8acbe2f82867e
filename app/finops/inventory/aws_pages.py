"""Paginated AWS list calls and fixed-size batches, shared by the inventory's service readers."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any


def pages(client: Any, operation: str, page_size: int | None, **kwargs: Any) -> Iterator[Any]:
    """Every page of ``operation`` (``page_size`` per page when given, else the API's own)."""
    config = {"PageSize": page_size} if page_size else {}
    yield from client.get_paginator(operation).paginate(**kwargs, PaginationConfig=config)


def chunks(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    """``items`` in consecutive slices of at most ``size`` (describe calls take batches)."""
    for lo in range(0, len(items), size):
        yield items[lo : lo + size]
