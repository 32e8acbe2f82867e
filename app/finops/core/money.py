"""Exact decimals in JSON: canonical strings, never floats.

Two forms. :data:`DecimalStr` is the plain decimal text (``Decimal("1.50")`` -> ``"1.5"``,
``Decimal("100")`` -> ``"100"``), what the ledger's documents have always carried.
:data:`MoneyStr` canonical form: full precision, no exponent, trailing zeros stripped but at
least two decimals (``Decimal("1234.5600000000")`` -> ``"1234.56"``, ``Decimal("1.5")`` ->
``"1.50"``, ``Decimal("0.0000012")`` -> ``"0.0000012"``, ``Decimal("-0")`` -> ``"0.00"``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import PlainSerializer, WithJsonSchema

MONEY_PATTERN = r"^-?[0-9]+\.[0-9]{2,}$"
DECIMAL_TEXT_PATTERN = r"^-?[0-9]+(\.[0-9]+)?$"


def format_decimal_text(value: Decimal) -> str:
    """Fixed-point text of ``value``: no exponent, no trailing zeros, ``"0"`` for any zero."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


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


DecimalStr = Annotated[
    Decimal,
    PlainSerializer(format_decimal_text, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": DECIMAL_TEXT_PATTERN,
            "description": "Exact decimal as a string.",
        }
    ),
]
"""A Decimal that serialises to its plain decimal text (:func:`format_decimal_text`)."""
