"""Cost dimensions: the named enumeration plus ``tag:<key>`` (OpenCost style).

A dimension maps to one column of :class:`~finops.db.models.BillingFact`, or to one key of its
``tags`` JSON document (JSON indexing, so it works on PostgreSQL JSONB and SQLite JSON alike).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql import FromClause
from sqlalchemy.sql.elements import ColumnElement

from finops.core.errors import InvalidInputError
from finops.db.models import BillingFact

TAG_PREFIX = "tag:"
# Tag keys are free-form on AWS; we accept the characters AWS allows and nothing that could
# break out of a JSON path (quotes, backslashes, brackets).
_TAG_KEY = re.compile(r"^[\w .:/=+\-@]{1,128}$")


class Dimension(StrEnum):
    """Named dimensions a cost can be grouped or filtered by."""

    SERVICE = "service"
    ACCOUNT = "account"
    BILLING_ACCOUNT = "billing_account"
    REGION = "region"
    RESOURCE = "resource"
    CHARGE_CATEGORY = "charge_category"
    SERVICE_CATEGORY = "service_category"
    PRICING_CATEGORY = "pricing_category"
    PROVIDER = "provider"
    USAGE_TYPE = "usage_type"
    CURRENCY = "currency"


_COLUMNS: dict[Dimension, InstrumentedAttribute[Any]] = {
    Dimension.SERVICE: BillingFact.service_name,
    Dimension.ACCOUNT: BillingFact.sub_account_id,
    Dimension.BILLING_ACCOUNT: BillingFact.billing_account_id,
    Dimension.REGION: BillingFact.region_id,
    Dimension.RESOURCE: BillingFact.resource_id,
    Dimension.CHARGE_CATEGORY: BillingFact.charge_category,
    Dimension.SERVICE_CATEGORY: BillingFact.service_category,
    Dimension.PRICING_CATEGORY: BillingFact.pricing_category,
    Dimension.PROVIDER: BillingFact.provider,
    Dimension.USAGE_TYPE: BillingFact.usage_type,
    Dimension.CURRENCY: BillingFact.billing_currency,
}


@dataclass(frozen=True)
class DimensionRef:
    """A parsed dimension: a named one, or a tag key (``dimension`` is then ``None``)."""

    dimension: Dimension | None
    tag_key: str | None = None

    def __str__(self) -> str:
        if self.dimension is not None:
            return self.dimension.value
        return f"{TAG_PREFIX}{self.tag_key}"

    @property
    def is_tag(self) -> bool:
        return self.tag_key is not None

    @property
    def fact_column(self) -> str | None:
        """The ``billing_facts`` column this dimension is, or ``None`` for a tag (a JSON key)."""
        if self.dimension is None:
            return None
        return _COLUMNS[self.dimension].key

    def column(self, source: FromClause | None = None) -> ColumnElement[Any]:
        """The SQL expression for this dimension (text or NULL) over ``billing_facts``, or over
        ``source``, a table holding the same column (a roll-up; never for a tag)."""
        if self.tag_key is not None:
            if source is not None:
                raise ValueError(f"{self} is only in billing_facts, not in {source}")
            tag_value: ColumnElement[Any] = BillingFact.tags[self.tag_key].as_string()
            return tag_value
        assert self.dimension is not None
        if source is not None:
            column: ColumnElement[Any] = source.c[_COLUMNS[self.dimension].key]
            return column
        return _COLUMNS[self.dimension].expression


def parse_dimension(text: str, *, parameter: str = "dimension") -> DimensionRef:
    """Parse ``service``/``account``/... or ``tag:<key>``; raise InvalidInputError otherwise.

    Named dimensions are case-insensitive; tag keys keep their case (AWS tag keys are
    case-sensitive).
    """
    raw = text.strip()
    if raw[: len(TAG_PREFIX)].lower() == TAG_PREFIX:
        key = raw[len(TAG_PREFIX) :]
        if not _TAG_KEY.fullmatch(key):
            raise InvalidInputError(
                f"parameter '{parameter}': tag dimension {raw!r} needs a key of 1-128 letters, "
                "digits, spaces or _ . : / = + - @",
                details={"parameter": parameter, "got": raw},
            )
        return DimensionRef(dimension=None, tag_key=key)
    try:
        return DimensionRef(dimension=Dimension(raw.lower()))
    except ValueError as exc:
        allowed = ", ".join(d.value for d in Dimension)
        raise InvalidInputError(
            f"parameter '{parameter}': unknown dimension {raw!r}; expected one of {allowed} "
            "or tag:<key>",
            details={"parameter": parameter, "got": raw, "expected": [*Dimension, "tag:<key>"]},
        ) from exc
