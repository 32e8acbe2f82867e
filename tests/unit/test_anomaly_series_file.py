"""``detect_series_file`` on labelled real series and on hand-written CSVs."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from finops.anomalies import detect_series_file
from finops.core.errors import InvalidInputError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ms-cloud-monitoring"


def labelled(path: Path) -> set[str]:
    with path.open(newline="") as handle:
        return {row["TimeStamp"] for row in csv.DictReader(handle) if row["Label"] == "1"}


def test_flags_only_labelled_points_of_a_real_incident() -> None:
    path = FIXTURES / "app1-09.csv"
    result = detect_series_file(path)
    stamps = [a["timestamp"] for a in result["anomalies"]]
    truth = labelled(path)
    assert stamps, "the labelled crash-rate incident must be found"
    assert len(set(stamps) - truth) <= 1  # at most one point next to the labelled incident
    assert len(stamps) >= len(truth) - 2
    assert all(isinstance(a["score"], float) and a["score"] > 0 for a in result["anomalies"])


def test_timestamps_come_back_as_written_in_the_input() -> None:
    path = FIXTURES / "outbound-01.csv"
    stamps = [a["timestamp"] for a in detect_series_file(path)["anomalies"]]
    assert "2018-07-02T01:00:00Z" in stamps  # the labelled latency peak, in the input's spelling
    assert len(set(stamps) & labelled(path)) >= 3


def test_plain_timestamp_value_csv_with_a_gap_at_15_minutes(tmp_path: Path) -> None:
    rows = ["timestamp,value"]
    for i in range(400):
        if i == 200:
            continue  # a missing step stays missing
        minute = i * 15
        value = 500.0 if i == 300 else 10.0 + (i % 4) * 0.1
        day, hour, minute_of_hour = 1 + minute // 1440, minute % 1440 // 60, minute % 60
        rows.append(f"2026-01-{day:02d}T{hour:02d}:{minute_of_hour:02d}:00,{value}")
    path = tmp_path / "series.csv"
    path.write_text("\n".join(rows) + "\n")
    result = detect_series_file(path)
    assert [a["timestamp"] for a in result["anomalies"]] == ["2026-01-04T03:00:00"]


def test_a_bad_value_names_the_file_row_and_column(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("timestamp,value\n2026-01-01T00:00:00,1\n2026-01-01T01:00:00,abc\n")
    with pytest.raises(InvalidInputError, match=r"bad.csv: row 3, column 'value'"):
        detect_series_file(path)


def test_a_missing_header_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "noheader.csv"
    path.write_text("when,amount\n2026-01-01,1\n2026-01-02,2\n")
    with pytest.raises(InvalidInputError, match="row 1: expected columns 'timestamp,value'"):
        detect_series_file(path)
