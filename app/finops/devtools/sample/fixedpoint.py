"""Exact fixed-point arithmetic on numpy integer arrays for the sample generator.

Costs are integers in units of 1e-10 USD (``COST_SCALE``), quantities in units of 1e-6
(``AMOUNT_SCALE``) and unit rates in units of 1e-10 USD. ``cost = rate x amount`` is rounded
half-up (away from zero) to 10 decimal places with integer arithmetic only, so every value written
is exactly the decimal a reader computes from the rate and amount it sees.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

COST_DIGITS = 10
AMOUNT_DIGITS = 6
COST_SCALE = 10**COST_DIGITS
AMOUNT_SCALE = 10**AMOUNT_DIGITS
_INT64_SAFE = 2**62

IntArray = npt.NDArray[np.int64]


def rate_units(rate: Decimal) -> int:
    """``rate`` as an integer count of 1e-10 USD; refuses rates with more than 10 decimals."""
    scaled = rate * COST_SCALE
    if scaled != scaled.to_integral_value():
        raise ValueError(f"rate {rate} has more than {COST_DIGITS} decimal places")
    return int(scaled)


def quantize_cost(value: Decimal) -> Decimal:
    """Round a Decimal cost half-up to 10 decimal places (the generator's rounding rule)."""
    return value.quantize(Decimal(1).scaleb(-COST_DIGITS), rounding=ROUND_HALF_UP)


def units_to_decimal(units: int, digits: int = COST_DIGITS) -> Decimal:
    """An integer count of ``10**-digits`` as the exact Decimal it stands for."""
    return Decimal(units).scaleb(-digits)


def amounts_from_float(values: npt.NDArray[np.float64]) -> IntArray:
    """Quantities rounded to 6 decimals, as integer units (the float only shapes the data)."""
    scaled = np.rint(np.asarray(values, dtype=np.float64) * AMOUNT_SCALE)
    result: IntArray = scaled.astype(np.int64)
    return result


def multiply(rate: IntArray | int, amount: IntArray) -> IntArray:
    """Exact ``rate (1e-10) x amount (1e-6)`` rounded half-up to cost units (1e-10).

    Splits the amount into whole and fractional parts so every intermediate product stays well
    inside int64; raises ``OverflowError`` instead of wrapping when inputs are out of range.
    """
    rate_arr = np.broadcast_to(np.asarray(rate, dtype=np.int64), amount.shape)
    amount = np.asarray(amount, dtype=np.int64)
    sign = np.sign(rate_arr) * np.sign(amount)
    r = np.abs(rate_arr)
    a = np.abs(amount)
    whole, frac = np.divmod(a, AMOUNT_SCALE)
    if r.size and (int(r.max()) * (int(whole.max()) + 1) >= _INT64_SAFE):
        raise OverflowError("rate x amount exceeds the exact int64 range")
    product = r * whole + (r * frac + AMOUNT_SCALE // 2) // AMOUNT_SCALE
    result: IntArray = (sign * product).astype(np.int64)
    return result


def to_decimal_strings(units: IntArray, digits: int) -> pa.Array:
    """Fixed-point decimal text with exactly ``digits`` decimals (``-0.0100000000``), vectorized."""
    units = np.asarray(units, dtype=np.int64)
    negative = units < 0
    whole, frac = np.divmod(np.abs(units), 10**digits)
    whole_text = pc.cast(pa.array(whole), pa.string())
    frac_text = pc.utf8_lpad(pc.cast(pa.array(frac), pa.string()), width=digits, padding="0")
    text = pc.binary_join_element_wise(whole_text, frac_text, ".")
    signed = pc.binary_join_element_wise(pa.scalar("-"), text, "")
    return pc.if_else(pa.array(negative), signed, text)


def to_doubles(units: IntArray, digits: int) -> npt.NDArray[np.float64]:
    """The nearest double to each fixed-point value (one correctly rounded division each).

    For values with at most 15 significant digits the shortest ``repr`` of that double is the
    decimal itself, so a reader that goes through ``repr`` recovers the exact amount.
    """
    return np.asarray(units, dtype=np.int64).astype(np.float64) / float(10**digits)
