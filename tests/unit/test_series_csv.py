"""The one series-CSV reader both the detector and the forecaster use: hand-written files."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pytest

from finops.core.errors import InvalidInputError
from finops.core.series_csv import read_series_csv

UTC = dt.UTC


def _write(tmp_path: Path, content: bytes) -> Path:
    path = tmp_path / "series.csv"
    path.write_bytes(content)
    return path


def test_bom_bare_cr_quotes_aliases_and_blank_lines(tmp_path: Path) -> None:
    path = _write(
        tmp_path, b'\xef\xbb\xbf"ds","y"\r"2025-01-01",1.5\r\r"2025-01-02T06:00:00+02:00",\r'
    )
    rows = read_series_csv(path)
    assert rows.rows == [2, 4]  # line 3 is blank
    assert rows.texts == ["2025-01-01", "2025-01-02T06:00:00+02:00"]
    assert rows.times == [
        dt.datetime(2025, 1, 1, tzinfo=UTC),
        dt.datetime(2025, 1, 2, 4, tzinfo=UTC),
    ]
    assert rows.values[0] == 1.5
    assert math.isnan(rows.values[1])
    assert rows.labels == []


def test_the_cloud_monitoring_header_with_labels(tmp_path: Path) -> None:
    path = _write(
        tmp_path, b"TimeStamp,Value,Label\n2025-01-01 00:00:00,3,0\n2025-01-01 00:05:00,9,1\n"
    )
    rows = read_series_csv(path)
    assert rows.values == [3.0, 9.0]
    assert rows.labels == [0, 1]
    assert rows.times[1] - rows.times[0] == dt.timedelta(minutes=5)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"\n\n", "the file is empty"),
        (b"time,amount\n2025-01-01,1\n", "row 1: expected columns 'timestamp,value' (or 'ds,y')"),
        (b"a,timestamp,value\n1,2025-01-01\n", "row 2: expected 3 columns, got 2"),
        (
            b"timestamp,value\n\n2025-01-01,1\n2025-13-01,2\n",
            "row 4, column 'timestamp': expected an ISO 8601 date or date-time, got '2025-13-01'",
        ),
        (
            b"timestamp,value\n2025-01-01,1,5\n2025-01-02,1e999\n",
            "row 3, column 'value': expected a finite number",
        ),
        (
            b"timestamp,value\n2025-01-01,12$\n",
            "row 2, column 'value': expected a number, got '12$'",
        ),
        (b"timestamp,value\n2025-01-01,\xff\n", "not UTF-8 text (byte 27)"),
    ],
)
def test_refusals_name_the_file_row_and_column(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = _write(tmp_path, content)
    with pytest.raises(InvalidInputError) as caught:
        read_series_csv(path)
    assert caught.value.message.startswith(f"{path}: {message}")


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match=r"nope\.csv: cannot read the file"):
        read_series_csv(tmp_path / "nope.csv")
