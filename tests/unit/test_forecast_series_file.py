"""Reading ``timestamp,value`` files and continuing their frequency."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from finops.core.errors import InvalidInputError
from finops.forecasting.files import forecast_series_file, read_series_file
from finops.forecasting.series import regularize

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "prophet-examples"


def test_monthly_series_with_cr_line_endings_is_continued_month_by_month() -> None:
    raw = (FIXTURES / "example_air_passengers.csv").read_bytes()
    assert b"\r" in raw
    assert b"\n" not in raw

    result = forecast_series_file(FIXTURES / "example_air_passengers.csv", 14)

    assert result["frequency"] == "MS"
    stamps = [row["timestamp"] for row in result["forecast"]]
    assert stamps[:3] == ["1961-01-01", "1961-02-01", "1961-03-01"]
    assert stamps[-1] == "1962-02-01"
    assert len(stamps) == 14
    first = result["forecast"][0]
    assert set(first) == {"timestamp", "yhat", "lower_80", "upper_80", "lower_95", "upper_95"}
    assert first["lower_95"] <= first["lower_80"] <= first["yhat"]
    assert first["yhat"] <= first["upper_80"] <= first["upper_95"]
    # January 1960 was 417 passengers and the series grows every year
    assert 380 < first["yhat"] < 520


def test_month_end_timestamps_stay_on_month_ends(tmp_path: Path) -> None:
    ends = pd.date_range("2020-01-31", periods=36, freq="ME")
    path = tmp_path / "month_ends.csv"
    lines = [f"{d:%Y-%m-%d},{100 + i % 12}" for i, d in enumerate(ends)]
    path.write_text("timestamp,value\n" + "\n".join(lines) + "\n")

    result = forecast_series_file(path, 3)

    assert [r["timestamp"] for r in result["forecast"]] == [
        "2023-01-31",
        "2023-02-28",
        "2023-03-31",
    ]


def test_hourly_series_keeps_its_time_of_day_and_format(tmp_path: Path) -> None:
    stamps = pd.date_range("2025-06-01T00:00:00", periods=24 * 10, freq="h")
    path = tmp_path / "hourly.csv"
    body = "\n".join(
        f"{s:%Y-%m-%dT%H:%M:%S},{10 + 5 * np.sin(2 * np.pi * s.hour / 24):.4f}" for s in stamps
    )
    path.write_text("timestamp,value\n" + body + "\n")

    result = forecast_series_file(path, 30)

    assert result["frequency"] == "h"
    assert result["forecast"][0]["timestamp"] == "2025-06-11T00:00:00"
    assert result["forecast"][29]["timestamp"] == "2025-06-12T05:00:00"
    # a clean daily cycle: 06:00 is the peak (15), 18:00 the trough (5)
    assert result["forecast"][6]["yhat"] == pytest.approx(15, abs=0.2)
    assert result["forecast"][18]["yhat"] == pytest.approx(5, abs=0.2)


def test_unsorted_rows_and_missing_days_are_regularised(tmp_path: Path) -> None:
    path = tmp_path / "gaps.csv"
    path.write_text('"ds","y"\n"2025-01-03",3\n"2025-01-01",1\n"2025-01-05",5\n"2025-01-02",\n')
    series, stamp_format = read_series_file(path)
    np.testing.assert_allclose(series.values, [1, 2, 3, 4, 5])
    assert series.filled == 2
    assert series.frequency.label == "D"
    assert stamp_format == "%Y-%m-%d"


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("when,amount\n2025-01-01,1\n", "row 1: expected columns 'timestamp,value'"),
        ("timestamp,value\n2025-01-01,1\n2025-01-02,abc\n", "row 3, column 'value'"),
        ("timestamp,value\n2025-01-01,1\nyesterday,2\n", "row 3, column 'timestamp'"),
        ("timestamp,value\n2025-01-01,1\n2025-01-01,2\n", "appears more than once"),
        ("timestamp,value\n2025-01-01,1\n", "at least 2 observations"),
        (
            "timestamp,value\n2025-01-01,1\n2025-01-02,2\n2025-01-03,3\n2025-01-03T12:00:00,4\n",
            "not on the series' regular D steps",
        ),
    ],
)
def test_bad_files_name_the_file_row_and_column(
    tmp_path: Path, content: str, fragment: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(InvalidInputError) as caught:
        forecast_series_file(path, 3)
    assert str(path) in caught.value.message
    assert fragment in caught.value.message


def test_horizon_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="parameter 'horizon'"):
        forecast_series_file(tmp_path / "x.csv", 0)


def test_quarterly_and_five_minute_frequencies_are_recognised() -> None:
    quarters = pd.date_range("2020-01-01", periods=12, freq="QS-JAN")
    series = regularize(quarters, np.arange(12.0))
    assert series.frequency.season == 4
    assert pd.Timestamp(series.future(2)[1]) == pd.Timestamp("2023-04-01")
    five = pd.date_range("2025-01-01", periods=600, freq="5min")
    series = regularize(five, np.arange(600.0))
    assert series.frequency.label == "5min"
    assert series.frequency.season == 288
