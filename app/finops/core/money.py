"""Exact decimals in JSON: canonical strings, never floats.

Canonical form: full precision, no exponent, trailing zeros stripped but at least two decimals
(``Decimal("1234.5600000000")`` -> ``"1234.56"``, ``Decimal("1.5")`` -> ``"1.50"``,
``Decimal("0.0000012")`` -> ``"0.0000012"``, ``Decimal("-0")`` -> ``"0.00"``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import PlainSerializer, WithJsonSchema

MONEY_PATTERN = r"^-?[0-9]+\.[0-9]{2,}$"


def format_money(value: Decimal) -> str:
    """The canonical decimal string of ``value``; ValueError for NaN or infinity."""
    if not value.is_finite():
        raise ValueError(f"cannot format non-finite amount {value!r}")
    text = format(value, "f")
    whole, _, fraction = text.partition(".")
    fraction = fraction.rstrip("0").ljust(2, "0")
    if whole in ("-0", "") and set(fraction) == {"0"}:
        whole = "0"
    return f"{whole}.{fraction}"


MoneyStr = Annotated[
    Decimal,
    PlainSerializer(format_money, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": MONEY_PATTERN,
            "description": "Exact decimal amount as a string (never a float).",
            "examples": ["1234.56", "-0.0000012"],
        }
    ),
]
"""A Decimal that serialises to its canonical string and is documented as a string."""
