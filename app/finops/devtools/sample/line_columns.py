"""What every sample billing format reads from the canonical lines: the month's shared values,
line item ids, and typed column accessors over one batch of lines."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from finops.devtools.sample.fixedpoint import COST_DIGITS, to_decimal_strings, to_doubles
from finops.devtools.sample.rows import Lines, Vocabulary

LEGAL_ENTITY = "Amazon Web Services, Inc."
_ALPHABET = np.frombuffer(b"abcdefghijklmnopqrstuvwxyz234567", dtype=np.uint8)
_LINE_ID_LENGTH = 52
TS_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


@dataclass(frozen=True)
class MonthContext:
    """What every line of one billing month's file shares."""

    payer: str
    payer_name: str
    period_start: dt.datetime
    period_end: dt.datetime
    invoice_id: str | None  # None while the month is still open


def line_item_ids(rng: np.random.Generator, size: int) -> pa.Array:
    """``size`` random 52-character base32 ids, built without a Python loop."""
    chars = _ALPHABET[rng.integers(0, 32, size=(size, _LINE_ID_LENGTH), dtype=np.uint8)]
    offsets = np.arange(size + 1, dtype=np.int32) * _LINE_ID_LENGTH
    return pa.Array.from_buffers(
        pa.string(), size, [None, pa.py_buffer(offsets.tobytes()), pa.py_buffer(chars.tobytes())]
    )


class LineColumns:
    """Column accessors over one batch of lines (strings resolved through the vocabulary)."""

    def __init__(self, lines: Lines, vocab: Vocabulary) -> None:
        self.lines = lines
        self.vocab = vocab
        self.n = lines.size
        self._types = lines["line_type"]

    def s(self, name: str) -> pa.Array:
        return self.vocab.column(np.asarray(self.lines[name], dtype=np.int32))

    def translate(self, name: str, mapping: dict[str, str]) -> pa.Array:
        """The string column ``name`` translated through ``mapping`` (null when unmapped)."""
        pairs = [(self.vocab.id(k), self.vocab.id(val)) for k, val in mapping.items()]
        size = self.vocab.size
        table = np.full(size + 1, -1, dtype=np.int32)
        for key, value in pairs:
            table[key] = value
        idx = np.asarray(self.lines[name], dtype=np.int32)
        return self.vocab.column(table[np.where(idx < 0, size, idx)])

    def is_type(self, *names: str) -> npt.NDArray[np.bool_]:
        ids = [self.vocab.id(n) for n in names]
        return np.isin(self._types, ids)

    def i(self, name: str) -> npt.NDArray[np.int64]:
        return np.asarray(self.lines[name], dtype=np.int64)

    def text(
        self, name: str, digits: int = COST_DIGITS, valid: npt.NDArray[np.bool_] | None = None
    ) -> pa.Array:
        out = to_decimal_strings(self.i(name), digits)
        if valid is None:
            return out
        return pc.if_else(pa.array(valid), out, pa.scalar(None, pa.string()))

    def double(
        self, name: str, digits: int = COST_DIGITS, valid: npt.NDArray[np.bool_] | None = None
    ) -> pa.Array:
        values = to_doubles(self.i(name), digits)
        return pa.array(values, type=pa.float64(), mask=None if valid is None else ~valid)

    def ts(self, name: str) -> pa.Array:
        return pa.array(self.i(name) * 1000, type=pa.timestamp("ms", tz="UTC"))

    def ts_text(self, name: str) -> pa.Array:
        return pc.strftime(
            pa.array(self.i(name), type=pa.timestamp("s", tz="UTC")), format=TS_FORMAT
        )

    def const(self, value: str | None) -> pa.Array:
        return (
            pa.nulls(self.n, pa.string())
            if value is None
            else pa.array(np.full(self.n, value, dtype=object), pa.string())
        )

    def const_ts(self, value: dt.datetime) -> pa.Array:
        ms = int(value.timestamp()) * 1000
        return pa.array(np.full(self.n, ms, dtype=np.int64), type=pa.timestamp("ms", tz="UTC"))


def commitment_validity(view: LineColumns) -> dict[str, npt.NDArray[np.bool_]]:
    """Per commitment column group, which lines carry it (RI and Savings Plan line types)."""
    return {
        "ri_effective": view.is_type("DiscountedUsage"),
        "ri_unused": view.is_type("RIFee"),
        "sp_effective": view.is_type("SavingsPlanCoveredUsage"),
        "sp_fee": view.is_type("SavingsPlanRecurringFee"),
    }


def charge_interval(view: LineColumns) -> pa.Array:
    """``start/end`` of each line as ISO 8601 UTC text (the CUR ``identity_time_interval``)."""
    return pc.binary_join_element_wise(view.ts_text("start"), view.ts_text("end"), "/")


def period_text(value: dt.datetime) -> str:
    """A billing period boundary as ISO 8601 UTC text."""
    return value.strftime(TS_FORMAT)
