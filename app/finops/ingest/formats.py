"""Billing file format detection from the header (CSV) or schema (Parquet).

Pure apart from reading the first line / the Parquet footer. Guarantees: a file is either
recognised as exactly one of the supported formats with all of that format's required columns,
or an :class:`~finops.ingest.exceptions.UnknownFormatError` names the file and what was expected.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

from finops.ingest.exceptions import IngestionError, MalformedFileError, UnknownFormatError

CUR_LEGACY = "cur-legacy"
CUR2 = "cur2"
FOCUS_PREFIX = "focus-"

CUR_LEGACY_REQUIRED = (
    "lineItem/UsageAccountId",
    "lineItem/LineItemType",
    "lineItem/UsageStartDate",
    "lineItem/UsageEndDate",
    "lineItem/ProductCode",
    "lineItem/UnblendedCost",
    "lineItem/CurrencyCode",
)
CUR2_REQUIRED = (
    "line_item_usage_account_id",
    "line_item_line_item_type",
    "line_item_usage_start_date",
    "line_item_usage_end_date",
    "line_item_product_code",
    "line_item_unblended_cost",
    "line_item_currency_code",
)
FOCUS_REQUIRED = (
    "BilledCost",
    "EffectiveCost",
    "ListCost",
    "ChargePeriodStart",
    "ChargePeriodEnd",
    "BillingPeriodStart",
    "BillingPeriodEnd",
    "BillingAccountId",
    "BillingCurrency",
    "ChargeCategory",
    "ServiceName",
)
# Columns that must be present in a FOCUS file (mandatory in every version) but that we can
# default sensibly when a producer omits them are not listed above on purpose: we accept
# exports from tools that trim columns, as long as the money and time columns are there.


@dataclass(frozen=True)
class DetectedFormat:
    """What a billing file is: its format name, container and column names with types."""

    name: str
    container: str  # "csv" or "parquet"
    columns: dict[str, str] = field(default_factory=dict)  # name -> "VARCHAR" for CSV
    unknown_columns: tuple[str, ...] = ()

    @property
    def is_focus(self) -> bool:
        return self.name.startswith(FOCUS_PREFIX)


def container_of(path: Path) -> str:
    """``csv`` or ``parquet`` from the file name; anything else is rejected."""
    name = path.name.lower()
    if name.endswith((".parquet", ".snappy.parquet", ".gz.parquet")):
        return "parquet"
    if name.endswith((".csv", ".csv.gz", ".csv.gzip")):
        return "csv"
    raise UnknownFormatError(
        f"{path}: unsupported file type; expected .csv, .csv.gz or .parquet",
        details={"file": str(path)},
    )


def read_csv_header(path: Path) -> list[str]:
    """The header row of a CSV or gzip CSV file (BOM tolerated)."""
    opener = gzip.open if _is_gzip(path) else open
    try:
        with opener(path, "rb") as raw:
            first = raw.readline(1 << 20)
    except (OSError, EOFError) as exc:
        raise MalformedFileError(
            f"{path}: cannot read the header: {exc}", details={"file": str(path), "row": 1}
        ) from exc
    if not first.strip():
        raise MalformedFileError(
            f"{path}: file is empty; expected a header row", details={"file": str(path), "row": 1}
        )
    try:
        text = first.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise MalformedFileError(
            f"{path}: row 1: header is not valid UTF-8 (byte {exc.start}); expected UTF-8 text",
            details={"file": str(path), "row": 1},
        ) from exc
    return next(csv.reader(io.StringIO(text)))


def _is_gzip(path: Path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(2) == b"\x1f\x8b"


def read_parquet_columns(path: Path) -> dict[str, str]:
    """Column name -> DuckDB-ish type name of a Parquet file (from its footer)."""
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(path)
    except Exception as exc:  # pyarrow raises ArrowInvalid/OSError for a broken footer
        raise MalformedFileError(
            f"{path}: not a readable Parquet file: {_one_line(str(exc))}",
            details={"file": str(path)},
        ) from exc
    return {f.name: str(f.type) for f in schema}


@lru_cache(maxsize=1)
def focus_columns_by_version() -> dict[str, dict[str, str]]:
    """FOCUS version -> {column id: introduced version}, from the packaged spec table."""
    text = resources.files("finops").joinpath("data/focus_columns_v1.0-v1.2.csv").read_text()
    table: dict[str, dict[str, str]] = {}
    for row in csv.DictReader(io.StringIO(text)):
        table.setdefault(row["focus_version"], {})[row["column_id"]] = row["introduced_version"]
    return table


def detect_focus_version(columns: set[str]) -> str:
    """The newest FOCUS version whose newly introduced columns appear in ``columns``."""
    table = focus_columns_by_version()
    version = "1.0"
    for candidate in sorted(table, key=lambda v: tuple(int(p) for p in v.split("."))):
        introduced_here = {c for c, intro in table[candidate].items() if intro == candidate}
        if candidate != "1.0" and introduced_here & columns:
            version = candidate
    return version


_DETECTED_ELSEWHERE: ContextVar[Mapping[str, DetectedFormat | IngestionError] | None] = ContextVar(
    "finops_detected_elsewhere", default=None
)


@contextmanager
def detected_elsewhere(formats: Mapping[str, DetectedFormat | IngestionError]) -> Iterator[None]:
    """Within the block, :func:`detect_format` answers for these paths from ``formats``
    (detected by the engine that read the files, e.g. a Spark scan on EMR) instead of opening
    them: the platform then loads facts of files it never downloaded. An error value is raised
    (the file failed in that engine)."""
    token = _DETECTED_ELSEWHERE.set(formats)
    try:
        yield
    finally:
        _DETECTED_ELSEWHERE.reset(token)


def detect_format(path: Path) -> DetectedFormat:
    """Detect the billing format of ``path`` from its header or schema."""
    known = _DETECTED_ELSEWHERE.get()
    if known is not None and str(path) in known:
        answer = known[str(path)]
        if isinstance(answer, IngestionError):
            raise answer
        return answer
    container = container_of(path)
    if container == "csv":
        names = read_csv_header(path)
        columns = dict.fromkeys(names, "VARCHAR")
    else:
        columns = read_parquet_columns(path)
    return format_of_columns(path, container, columns)


def format_of_columns(path: Path | str, container: str, columns: dict[str, str]) -> DetectedFormat:
    """The format whose marker columns appear in ``columns`` (name -> type, ``VARCHAR`` for
    CSV); ``path`` only names the file in errors. Shared by DuckDB and Spark detection."""
    names_set = set(columns)
    if "lineItem/UnblendedCost" in names_set or any(n.startswith("lineItem/") for n in names_set):
        _require(path, names_set, CUR_LEGACY_REQUIRED, "legacy CUR")
        return DetectedFormat(CUR_LEGACY, container, columns)
    if "line_item_unblended_cost" in names_set or any(
        n.startswith("line_item_") for n in names_set
    ):
        _require(path, names_set, CUR2_REQUIRED, "CUR 2.0")
        return DetectedFormat(CUR2, container, columns)
    if "BilledCost" in names_set or "ChargePeriodStart" in names_set:
        _require(path, names_set, FOCUS_REQUIRED, "FOCUS")
        version = detect_focus_version(names_set)
        known = set().union(*(set(v) for v in focus_columns_by_version().values()))
        unknown = tuple(sorted(n for n in names_set - known if not n.startswith("x_")))
        return DetectedFormat(f"{FOCUS_PREFIX}{version}", container, columns, unknown)
    preview = ", ".join(sorted(names_set)[:6])
    raise UnknownFormatError(
        f"{path}: not a recognised billing export (columns start {preview}); expected legacy CUR "
        "(lineItem/UnblendedCost), CUR 2.0 (line_item_unblended_cost) or FOCUS (BilledCost)",
        details={"file": str(path), "columns": sorted(names_set)[:50]},
    )


def _require(path: Path | str, present: set[str], required: tuple[str, ...], label: str) -> None:
    missing = [c for c in required if c not in present]
    if missing:
        raise UnknownFormatError(
            f"{path}: looks like {label} but lacks required column(s) {', '.join(missing)}",
            details={"file": str(path), "missing_columns": missing, "format": label},
        )


def _one_line(text: str) -> str:
    return " ".join(text.split())
