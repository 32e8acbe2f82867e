"""Models every area of the REST API shares: no parameters, paging, the error envelope.

Area-only request and response models live with their area in :mod:`finops.api.routes`. Money
and other exact decimals are strings (see :mod:`finops.core.money`).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from finops.core.models import InputModel
from finops.core.paging import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE

DecimalText = Field(description="Exact decimal as a string.", pattern=r"^-?[0-9]+(\.[0-9]+)?$")
"""A ``str`` field holding an exact decimal (the canonical text, never a float)."""

# --------------------------------------------------------------------------- requests


class NoParams(InputModel):
    """A route without query parameters (any parameter is refused)."""


class PageParams(InputModel):
    """Offset pagination."""

    limit: int = Field(
        default=DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Page size (1-1000)."
    )
    offset: int = Field(default=0, ge=0, description="Items to skip.")


# --------------------------------------------------------------------------- responses


class ResponseModel(BaseModel):
    model_config = ConfigDict(frozen=True)


class ErrorBody(ResponseModel):
    code: str = Field(description="Stable machine-readable code, e.g. invalid_input.")
    message: str = Field(description="Human-readable; names the parameter and the expectation.")
    details: dict[str, Any] = Field(default_factory=dict)


class ErrorEnvelope(ResponseModel):
    """Every error response has this shape."""

    error: ErrorBody


class PageResponse(ResponseModel):
    total: int
    limit: int
    offset: int
    next_offset: int | None = Field(description="Offset of the next page; null on the last.")


def page_fields(total: int, params: PageParams) -> dict[str, int | None]:
    """total / limit / offset / next_offset of a page."""
    following = params.offset + params.limit
    return {
        "total": total,
        "limit": params.limit,
        "offset": params.offset,
        "next_offset": following if following < total else None,
    }
