"""Units the cost arithmetic shares, so a monthly figure means the same thing everywhere."""

from __future__ import annotations

from decimal import Decimal

HOURS_PER_MONTH = Decimal(730)
"""Hours in the average month (8,760 / 12): the convention AWS pricing pages and Compute
Optimizer use to turn an hourly price into a monthly one."""


def as_hours(value: Decimal | float) -> Decimal:
    """Hours as an exact Decimal, fractions kept as AWS exports them: a float at its shortest
    decimal text (285.63 -> ``Decimal("285.63")``, 730.0 -> ``Decimal("730")``); NaN and
    infinities come back as non-finite Decimals for the caller to refuse."""
    if isinstance(value, Decimal):
        return value
    number = float(value)
    if number.is_integer():
        return Decimal(int(number))
    return Decimal(repr(number))
