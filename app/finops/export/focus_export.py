"""Export stored billing facts as a FOCUS 1.2 dataset (CSV, gzip CSV or Parquet).

Facts are streamed from the database in batches (a server-side cursor on PostgreSQL) and
written batch by batch, so memory stays bounded whatever the window holds. The file is
written next to its destination and renamed into place at the end: a failed export never
leaves a partial file behind.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import logging
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TextIO

from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from finops.core.errors import InvalidInputError
from finops.core.window import check_window
from finops.db.models import Account, BillingFact, Resource
from finops.db.types import decimal_to_text
from finops.export.focus_mapping import (
    COLUMN_NAMES,
    FOCUS_COLUMNS,
    StoredFact,
    choose_service_categories,
    exported_service_name,
    format_focus_datetime,
    to_focus_row,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

logger = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 5000
PARQUET_DECIMAL_PRECISION = 38
PARQUET_DECIMAL_SCALE = 18

ProgressCallback = Callable[[int], None]


@dataclass(frozen=True)
class CostTotals:
    """Exact sums of the four FOCUS cost metrics for one billing currency."""

    billed: Decimal = Decimal(0)
    effective: Decimal = Decimal(0)
    list: Decimal = Decimal(0)
    contracted: Decimal = Decimal(0)


@dataclass(frozen=True)
class FocusExportResult:
    """What an export wrote.

    ``totals`` is the exact BilledCost sum per BillingCurrency (the invoiced figure);
    ``cost_totals`` carries all four cost metrics per currency. Currencies are never added
    together.
    """

    path: Path
    format: str
    rows: int
    totals: dict[str, Decimal] = field(default_factory=dict)
    cost_totals: dict[str, CostTotals] = field(default_factory=dict)


def export_focus(
    *,
    session: Session,
    start: dt.date,
    end: dt.date,
    out: Path,
    progress: ProgressCallback | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> FocusExportResult:
    """Write every fact with ``charge_period_start`` in ``[start, end)`` (UTC days) to ``out``.

    The container follows the file name: ``.csv`` / ``.csv.gz`` give CSV (decimals as exact
    decimal text, timestamps as ``YYYY-MM-DDTHH:MM:SSZ``, nulls as empty fields), ``.parquet``
    gives Parquet (decimals as ``decimal128(38, 18)``, the database's own precision, so no
    value is rounded; timestamps as UTC). Rows are ordered by charge period start, then fact
    id. ``progress`` is called with the running row count after each batch. On success the
    file is complete and the result's totals are the exact sums of what was written; on
    failure no file is left at ``out``.
    """
    container = _container_for(out)
    if not isinstance(start, dt.date) or not isinstance(end, dt.date):
        raise InvalidInputError("start and end must be dates", details={"parameter": "start/end"})
    if isinstance(start, dt.datetime) or isinstance(end, dt.datetime):
        raise InvalidInputError(
            "start and end must be dates (whole UTC days), not datetimes",
            details={"parameter": "start/end"},
        )
    check_window(start, end)
    if batch_size < 1:
        raise InvalidInputError(
            f"batch_size must be at least 1, got {batch_size}",
            details={"parameter": "batch_size"},
        )
    if not out.parent.is_dir():
        raise InvalidInputError(
            f"out: directory {out.parent} does not exist", details={"parameter": "out"}
        )

    window_start = dt.datetime.combine(start, dt.time(), tzinfo=dt.UTC)
    window_end = dt.datetime.combine(end, dt.time(), tzinfo=dt.UTC)
    categories = _service_categories(session, window_start, window_end)

    writer: _BatchWriter = _CsvWriter() if container == "csv" else _ParquetWriter()
    fd, temp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent)
    os.close(fd)
    temp_path = Path(temp_name)
    rows = 0
    sums: dict[str, list[Decimal]] = {}
    try:
        writer.open(temp_path, gzip_output=out.name.lower().endswith(".gz"))
        for batch in _fact_batches(session, window_start, window_end, batch_size):
            focus_rows = []
            for fact in batch:
                row = to_focus_row(
                    fact, service_category=categories.get(exported_service_name(fact), "Other")
                )
                focus_rows.append(row)
                acc = sums.setdefault(row["BillingCurrency"], [Decimal(0)] * 4)
                acc[0] += row["BilledCost"]
                acc[1] += row["EffectiveCost"]
                acc[2] += row["ListCost"]
                acc[3] += row["ContractedCost"]
            writer.write(focus_rows)
            rows += len(focus_rows)
            if progress is not None:
                progress(rows)
        writer.close()
        os.replace(temp_path, out)
    except BaseException:
        writer.abort()
        temp_path.unlink(missing_ok=True)
        raise

    cost_totals = {
        currency: CostTotals(billed=v[0], effective=v[1], list=v[2], contracted=v[3])
        for currency, v in sorted(sums.items())
    }
    logger.info(
        "focus export written",
        extra={
            "path": str(out),
            "format": container,
            "rows": rows,
            "start": start.isoformat(),
            "end": end.isoformat(),
        },
    )
    return FocusExportResult(
        path=out,
        format=container,
        rows=rows,
        totals={currency: t.billed for currency, t in cost_totals.items()},
        cost_totals=cost_totals,
    )


def _container_for(out: Path) -> str:
    name = out.name.lower()
    if name.endswith((".csv", ".csv.gz")):
        return "csv"
    if name.endswith(".parquet"):
        return "parquet"
    raise InvalidInputError(
        f"out: unsupported file name {out.name!r}; expected a name ending in .csv, .csv.gz "
        "or .parquet",
        details={"parameter": "out", "value": str(out)},
    )


# --------------------------------------------------------------------------- reading


def _service_categories(
    session: Session, window_start: dt.datetime, window_end: dt.datetime
) -> dict[str, str]:
    """One category per exported ServiceName, from a small aggregate over the window."""
    stmt = (
        select(
            BillingFact.provider,
            BillingFact.service_name,
            BillingFact.service_category,
            func.count(),
        )
        .where(
            BillingFact.charge_period_start >= window_start,
            BillingFact.charge_period_start < window_end,
        )
        .group_by(BillingFact.provider, BillingFact.service_name, BillingFact.service_category)
    )
    counts: dict[tuple[str, str | None], int] = {}
    for provider, service_name, category, count in session.execute(stmt):
        probe = StoredFact(
            id=0,
            provider=provider,
            billing_account_id="",
            billing_period_start=window_start,
            billing_period_end=window_start,
            charge_period_start=window_start,
            charge_period_end=window_start,
            charge_category="Usage",
            billing_currency="",
            billed_cost=Decimal(0),
            effective_cost=Decimal(0),
            list_cost=Decimal(0),
            contracted_cost=Decimal(0),
            service_name=service_name,
        )
        key = (exported_service_name(probe), category)
        counts[key] = counts.get(key, 0) + int(count)
    return choose_service_categories(counts)


_FACT_FIELDS = (
    "id",
    "provider",
    "billing_account_id",
    "billing_period_start",
    "billing_period_end",
    "charge_period_start",
    "charge_period_end",
    "charge_category",
    "billing_currency",
    "billed_cost",
    "effective_cost",
    "list_cost",
    "contracted_cost",
    "sub_account_id",
    "charge_class",
    "source_charge_type",
    "service_name",
    "service_category",
    "region_id",
    "resource_id",
    "resource_type",
    "usage_type",
    "sku_id",
    "pricing_category",
    "pricing_unit",
    "commitment_discount_id",
    "commitment_discount_type",
    "commitment_discount_category",
    "consumed_quantity",
    "pricing_quantity",
    "tags",
)


def _fact_batches(
    session: Session, window_start: dt.datetime, window_end: dt.datetime, batch_size: int
) -> Iterator[list[StoredFact]]:
    billing_account = aliased(Account)
    sub_account = aliased(Account)
    columns = [getattr(BillingFact, name) for name in _FACT_FIELDS]
    stmt = (
        select(
            *columns,
            billing_account.name.label("billing_account_name"),
            sub_account.name.label("sub_account_name"),
            Resource.name.label("resource_name"),
        )
        .outerjoin(
            billing_account,
            and_(
                billing_account.provider == BillingFact.provider,
                billing_account.account_id == BillingFact.billing_account_id,
            ),
        )
        .outerjoin(
            sub_account,
            and_(
                sub_account.provider == BillingFact.provider,
                sub_account.account_id == BillingFact.sub_account_id,
            ),
        )
        .outerjoin(
            Resource,
            and_(
                Resource.provider == BillingFact.provider,
                Resource.resource_id == BillingFact.resource_id,
            ),
        )
        .where(
            BillingFact.charge_period_start >= window_start,
            BillingFact.charge_period_start < window_end,
        )
        .order_by(BillingFact.charge_period_start, BillingFact.id)
        .execution_options(yield_per=batch_size)
    )
    result = session.execute(stmt)
    for partition in result.partitions(batch_size):
        yield [_stored_fact(row._mapping) for row in partition]


def _stored_fact(row: Any) -> StoredFact:
    values = {name: row[name] for name in _FACT_FIELDS}
    values["tags"] = values["tags"] or {}
    return StoredFact(
        **values,
        billing_account_name=row["billing_account_name"],
        sub_account_name=row["sub_account_name"],
        resource_name=row["resource_name"],
    )


# --------------------------------------------------------------------------- writing


class _BatchWriter(Protocol):
    def open(self, path: Path, *, gzip_output: bool) -> None: ...
    def write(self, rows: Sequence[dict[str, Any]]) -> None: ...
    def close(self) -> None: ...
    def abort(self) -> None: ...


def _csv_text(value: Any, kind: str) -> str:
    if value is None:
        return ""
    if kind == "decimal":
        return decimal_to_text(value)
    if kind == "datetime":
        return format_focus_datetime(value)
    return str(value)


class _CsvWriter:
    """RFC 4180 CSV, UTF-8, header row of FOCUS column ids; null is an empty field."""

    def __init__(self) -> None:
        self._stream: TextIO | None = None
        self._csv: Any = None

    def open(self, path: Path, *, gzip_output: bool) -> None:
        # Kept open across write() calls and closed by close()/abort(): no context manager.
        if gzip_output:
            self._stream = gzip.open(path, "wt", encoding="utf-8", newline="")  # noqa: SIM115
        else:
            self._stream = open(path, "w", encoding="utf-8", newline="")  # noqa: SIM115
        self._csv = csv.writer(self._stream, lineterminator="\n")
        self._csv.writerow(COLUMN_NAMES)

    def write(self, rows: Sequence[dict[str, Any]]) -> None:
        self._csv.writerows(
            [_csv_text(row[name], kind) for name, kind in FOCUS_COLUMNS] for row in rows
        )

    def close(self) -> None:
        if self._stream is not None:
            self._stream.close()
            self._stream = None

    def abort(self) -> None:
        self.close()


def parquet_schema() -> Any:
    """The Arrow schema of an exported Parquet file (exact decimals, UTC timestamps)."""
    import pyarrow as pa

    types = {
        "decimal": pa.decimal128(PARQUET_DECIMAL_PRECISION, PARQUET_DECIMAL_SCALE),
        "datetime": pa.timestamp("ms", tz="UTC"),
        "string": pa.string(),
        "json": pa.string(),
    }
    return pa.schema([pa.field(name, types[kind]) for name, kind in FOCUS_COLUMNS])


class _ParquetWriter:
    """One Parquet row group per batch; column types from :func:`parquet_schema`."""

    def __init__(self) -> None:
        self._writer: Any = None
        self._schema: Any = None

    def open(self, path: Path, *, gzip_output: bool) -> None:
        import pyarrow.parquet as pq

        self._schema = parquet_schema()
        self._writer = pq.ParquetWriter(str(path), self._schema, compression="zstd")

    def write(self, rows: Sequence[dict[str, Any]]) -> None:
        import pyarrow as pa

        arrays = [pa.array([row[f.name] for row in rows], type=f.type) for f in self._schema]
        self._writer.write_table(pa.Table.from_arrays(arrays, schema=self._schema))

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def abort(self) -> None:
        self.close()
