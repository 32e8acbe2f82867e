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


def test_a_real_incident_is_one_episode_detected_at_its_first_large_point() -> None:
    path = FIXTURES / "app1-09.csv"  # hourly crash rate; the export repeats 8 timestamps
    result = detect_series_file(path)
    assert result["repairs"]["duplicates_combined"] == 8
    truth = labelled(path)
    inside = [e for e in result["episodes"] if e["detected"] in truth]
    assert len(inside) == 1, result["episodes"]
    # 10:00 is labelled but barely raised (155); 11:00 is the jump to 1287, the peak
    assert inside[0]["detected"] == "2018-07-17 11:00:00"
    assert inside[0]["peak"] == "2018-07-17 11:00:00"
    assert inside[0]["direction"] == "up"
    assert inside[0]["peak_value"] == 1287.0
    assert len(result["episodes"]) <= 3  # at most two false alarms over the week
    assert {a["timestamp"] for a in result["anomalies"]} >= {"2018-07-17 11:00:00"}


def test_timestamps_come_back_as_written_in_the_input() -> None:
    path = FIXTURES / "outbound-01.csv"
    episodes = detect_series_file(path)["episodes"]
    peaks = [e["peak"] for e in episodes]
    assert "2018-07-02T01:00:00Z" in peaks  # the labelled latency peak, in the input's spelling
    assert sum(e["detected"] in labelled(path) for e in episodes) >= 2


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
    assert result["step_seconds"] == 900.0
    assert result["repairs"]["gaps"] == 1
    assert result["repairs"]["missing_points"] == 1
    assert [(e["start"], e["end"]) for e in result["episodes"]] == [
        ("2026-01-04T03:00:00", "2026-01-04T03:15:00")
    ]
    assert [a["timestamp"] for a in result["anomalies"]] == ["2026-01-04T03:00:00"]


def test_an_unparseable_timestamp_names_the_row_and_column(tmp_path: Path) -> None:
    path = tmp_path / "bad-time.csv"
    path.write_text("timestamp,value\n2026-01-01T00:00:00,1\n2026-01-01T01:00:00,2\nyesterday,3\n")
    with pytest.raises(InvalidInputError, match=r"bad-time.csv: row 4, column 'timestamp'"):
        detect_series_file(path)


def test_an_unknown_combine_rule_or_sensitivity_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ok.csv"
    path.write_text("timestamp,value\n2026-01-01T00:00:00,1\n2026-01-01T01:00:00,2\n")
    with pytest.raises(InvalidInputError, match="parameter 'combine'"):
        detect_series_file(path, combine="median")
    with pytest.raises(InvalidInputError, match="parameter 'sensitivity'"):
        detect_series_file(path, sensitivity="extreme")


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
