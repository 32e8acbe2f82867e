"""Canonical, format-neutral line items: integer columns plus strings interned in a vocabulary.

Every batch of billing lines the generator produces is a :class:`Lines`: string columns hold
indexes into one :class:`Vocabulary` (``-1`` = null), money columns hold integer 1e-10 USD
units and quantities integer 1e-6 units (see :mod:`finops.devtools.sample.fixedpoint`). The format
writers turn the same ``Lines`` into CUR 2.0 Parquet, legacy CUR CSV or FOCUS CSV, which is
what keeps the three formats carrying the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa

STR_COLUMNS: Final = (
    "account",
    "line_type",
    "bill_type",
    "product_code",
    "usage_type",
    "operation",
    "az",
    "resource",
    "description",
    "tax_type",
    "product_name",
    "region",
    "instance_type",
    "product_family",
    "servicecode",
    "pricing_term",
    "pricing_unit",
    "rate",
    "public_rate",
    "ri_arn",
    "sp_arn",
    "sp_rate",
    "team",
    "env",
    "cost_center",
)
INT_COLUMNS: Final = (
    "start",  # epoch seconds, UTC
    "end",
    "amount",  # 1e-6 units
    "unblended",  # 1e-10 USD from here on
    "public_cost",
    "effective",
    "ri_effective",
    "ri_unused_upfront",
    "ri_unused_recurring",
    "sp_effective",
    "sp_commitment",
    "sp_used",
)

LINE_TYPES: Final = (
    "Usage",
    "SavingsPlanCoveredUsage",
    "SavingsPlanNegation",
    "SavingsPlanRecurringFee",
    "DiscountedUsage",
    "RIFee",
    "Credit",
    "Refund",
    "Tax",
)

Column = npt.NDArray[np.int64] | npt.NDArray[np.int32]
Value = str | int | None | npt.NDArray[np.int64] | npt.NDArray[np.int32]


class Vocabulary:
    """Append-only string interning; the same insertion order gives the same indexes."""

    def __init__(self) -> None:
        self._index: dict[str, int] = {}
        self._values: list[str] = []
        self._arrow: pa.Array | None = None

    def id(self, value: str | None) -> int:
        """Index of ``value`` (added on first sight); ``-1`` for ``None``."""
        if value is None:
            return -1
        found = self._index.get(value)
        if found is None:
            found = len(self._values)
            self._index[value] = found
            self._values.append(value)
            self._arrow = None
        return found

    def ids(self, values: list[str]) -> npt.NDArray[np.int32]:
        return np.array([self.id(v) for v in values], dtype=np.int32)

    @property
    def size(self) -> int:
        return len(self._values)

    def value(self, index: int) -> str | None:
        return None if index < 0 else self._values[index]

    def column(self, indexes: npt.NDArray[np.int32]) -> pa.Array:
        """The strings at ``indexes`` as an Arrow string array (null where the index is -1)."""
        if self._arrow is None:
            self._arrow = pa.array(self._values, type=pa.string())
        mask = indexes < 0
        take = pa.array(np.where(mask, 0, indexes).astype(np.int32), mask=mask)
        return self._arrow.take(take)


@dataclass
class Lines:
    """A batch of canonical line items (column name -> array, all of length ``size``)."""

    size: int
    columns: dict[str, Column]

    def __getitem__(self, name: str) -> Column:
        return self.columns[name]

    def slice(self, start: int, stop: int) -> Lines:
        return Lines(stop - start, {k: v[start:stop] for k, v in self.columns.items()})

    @staticmethod
    def concat(parts: list[Lines]) -> Lines:
        if len(parts) == 1:
            return parts[0]
        names = parts[0].columns.keys()
        return Lines(
            sum(p.size for p in parts),
            {k: np.concatenate([p.columns[k] for p in parts]) for k in names},
        )


class LinesBuilder:
    """Collects blocks of rows; scalars broadcast, strings are interned on the way in."""

    def __init__(self, vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary
        self._parts: list[Lines] = []

    def add(self, size: int, **values: Value) -> None:
        """Append ``size`` rows; unknown column names are a programming error."""
        unknown = set(values) - set(STR_COLUMNS) - set(INT_COLUMNS)
        if unknown:
            raise KeyError(f"unknown line item columns: {sorted(unknown)}")
        if size == 0:
            return
        columns: dict[str, Column] = {}
        for name in STR_COLUMNS:
            value = values.get(name)
            if isinstance(value, np.ndarray):
                columns[name] = np.broadcast_to(value.astype(np.int32), (size,)).copy()
            elif isinstance(value, int):
                columns[name] = np.full(size, value, dtype=np.int32)
            else:
                columns[name] = np.full(size, self.vocabulary.id(value), dtype=np.int32)
        for name in INT_COLUMNS:
            value = values.get(name, 0)
            if isinstance(value, str):
                raise TypeError(f"column {name} takes integer units, got text")
            arr = np.asarray(0 if value is None else value, dtype=np.int64)
            columns[name] = np.broadcast_to(arr, (size,)).copy()
        self._parts.append(Lines(size, columns))

    @property
    def size(self) -> int:
        return sum(p.size for p in self._parts)

    def build(self) -> Lines | None:
        if not self._parts:
            return None
        return Lines.concat(self._parts)
