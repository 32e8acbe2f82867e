"""One reader for ``timestamp,value`` CSV files (the series the detector and the forecaster take).

Accepted: UTF-8 (with or without a byte-order mark), CR, LF or CRLF line endings (Prophet's
examples use bare CR), a header naming the time column ``timestamp`` or ``ds`` and the value
column ``value`` or ``y`` (case-insensitive; the Microsoft cloud-monitoring dataset's
``TimeStamp,Value,Label`` included; other columns are ignored), blank lines anywhere. Timestamps
are ISO 8601 dates or date-times; one without an offset is UTC. An empty value, ``nan``, ``na``
or ``null`` is a missing measurement (NaN). Anything else is refused with the file, the row and
the column.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from dataclasses import dataclass
from pathlib import Path

from finops.core.errors import InvalidInputError

TIME_COLUMNS = ("timestamp", "ds")
VALUE_COLUMNS = ("value", "y")
LABEL_COLUMN = "label"
MISSING_VALUES = ("", "nan", "na", "null")


@dataclass(frozen=True)
class SeriesRows:
    """The data rows of a series CSV, in file order.

    ``rows[i]`` is the 1-based line of the file that row ``i`` came from (the header is row 1),
    ``texts[i]`` its timestamp as written, ``times[i]`` the same instant in UTC, ``values[i]``
    NaN when missing. ``labels`` holds the optional ``label`` column (0/1), empty without one.
    """

    source: str
    rows: list[int]
    texts: list[str]
    times: list[dt.datetime]
    values: list[float]
    labels: list[int]


def read_series_csv(path: Path) -> SeriesRows:
    """Every data row of the series CSV at ``path`` (see the module docstring for the format).

    Raises :class:`InvalidInputError` naming the file, and the row and column where one is at
    fault, for an unreadable or non-UTF-8 file, an empty file, a header without a time and a
    value column, a short row, a timestamp that is not ISO 8601 or a value that is not a
    finite number.
    """
    source = str(path)
    table = _rows(path, source)
    header = table[0][1]
    names = [cell.strip().lower() for cell in header]
    t_col = next((names.index(name) for name in TIME_COLUMNS if name in names), None)
    v_col = next((names.index(name) for name in VALUE_COLUMNS if name in names), None)
    if t_col is None or v_col is None:
        raise InvalidInputError(
            f"{source}: row 1: expected columns 'timestamp,value' (or 'ds,y'), got "
            f"{','.join(header)!r}",
            details={"file": source, "row": 1, "expected": ["timestamp", "value"]},
        )
    l_col = names.index(LABEL_COLUMN) if LABEL_COLUMN in names else None
    series = SeriesRows(source=source, rows=[], texts=[], times=[], values=[], labels=[])
    for number, row in table[1:]:
        if len(row) <= max(t_col, v_col):
            raise InvalidInputError(
                f"{source}: row {number}: expected {len(header)} columns, got {len(row)}",
                details={"file": source, "row": number},
            )
        stamp = row[t_col].strip().strip('"')
        series.rows.append(number)
        series.texts.append(stamp)
        series.times.append(_parse_time(stamp, source, number))
        series.values.append(_parse_value(row[v_col], source, number))
        if l_col is not None and len(row) > l_col:
            series.labels.append(0 if row[l_col].strip() in ("", "0", "0.0") else 1)
    return series


def _rows(path: Path, source: str) -> list[tuple[int, list[str]]]:
    """The non-blank CSV rows with their 1-based line numbers; the first is the header."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InvalidInputError(
            f"{source}: cannot read the file ({exc.strerror})", details={"file": source}
        ) from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInputError(
            f"{source}: not UTF-8 text (byte {exc.start})", details={"file": source}
        ) from exc
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    table = [
        (number, row)
        for number, row in enumerate(csv.reader(io.StringIO(text)), start=1)
        if any(cell.strip() for cell in row)
    ]
    if not table:
        raise InvalidInputError(f"{source}: the file is empty", details={"file": source})
    return table


def _parse_time(text: str, source: str, row: int) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInputError(
            f"{source}: row {row}, column 'timestamp': expected an ISO 8601 date or date-time, "
            f"got {text!r}",
            details={"file": source, "row": row, "column": "timestamp", "got": text},
        ) from exc
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def _parse_value(cell: str, source: str, row: int) -> float:
    raw = cell.strip().strip('"')
    if raw.lower() in MISSING_VALUES:
        return math.nan
    try:
        value = float(raw)
    except ValueError as exc:
        raise InvalidInputError(
            f"{source}: row {row}, column 'value': expected a number, got {raw!r}",
            details={"file": source, "row": row, "column": "value", "got": raw},
        ) from exc
    if not math.isfinite(value):
        raise InvalidInputError(
            f"{source}: row {row}, column 'value': expected a finite number, got {raw!r}",
            details={"file": source, "row": row, "column": "value", "got": raw},
        )
    return value
