"""Loading utilization series into usage_metrics on a real database."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select

from finops.core.errors import InvalidInputError
from finops.db.database import Database
from finops.db.models import UsageMetric
from finops.devtools.sample import generate_sample
from finops.usage import load_usage_dir, load_usage_file

HEADER = ["resource_id", "namespace", "metric_name", "timestamp", "statistic", "value", "unit"]
SIX = Decimal("0.000001")


def _write(path: Path, rows: list[list[str]], *, gz: bool = False) -> Path:
    opener = gzip.open if gz else open
    with opener(path, "wt", newline="") as handle:  # type: ignore[operator]
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def _stored(db: Database) -> dict[tuple[str, str, dt.date], UsageMetric]:
    with db.sessions() as session:
        rows = session.scalars(select(UsageMetric)).all()
    return {(r.resource_id, r.metric_name, r.day): r for r in rows}


def _expected(values: list[float]) -> dict[str, Decimal]:
    arr = np.array(values, dtype=np.float64)
    return {
        "avg": Decimal(repr(float(arr.mean()))).quantize(SIX),
        "p50": Decimal(repr(float(np.percentile(arr, 50)))).quantize(SIX),
        "p95": Decimal(repr(float(np.percentile(arr, 95)))).quantize(SIX),
        "p99_5": Decimal(repr(float(np.percentile(arr, 99.5)))).quantize(SIX),
    }


def _close(a: Decimal | None, b: Decimal) -> bool:
    return a is not None and abs(a - b) <= SIX


@pytest.mark.smoke
def test_small_file_loads_daily_statistics_and_reload_changes_nothing(
    db: Database, tmp_path: Path
) -> None:
    rng = np.random.default_rng(5)
    rows: list[list[str]] = []
    raw: dict[dt.date, list[float]] = defaultdict(list)
    peaks: dict[dt.date, float] = defaultdict(float)
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    for hour in range(48):
        ts = start + dt.timedelta(hours=hour)
        avg = round(float(rng.uniform(1, 60)), 6)
        peak = round(avg + float(rng.uniform(0, 30)), 6)
        raw[ts.date()].append(avg)
        peaks[ts.date()] = max(peaks[ts.date()], peak)
        stamp = ts.strftime("%Y-%m-%dT%H:%M:%SZ")
        rows.append(
            ["i-0abc", "AWS/EC2", "CPUUtilization", stamp, "Average", f"{avg:.6f}", "Percent"]
        )
        rows.append(
            ["i-0abc", "AWS/EC2", "CPUUtilization", stamp, "Maximum", f"{peak:.6f}", "Percent"]
        )
    path = _write(tmp_path / "m.csv", rows)

    result = load_usage_file(db=db, path=path)
    assert (result.rows_read, result.daily_rows) == (96, 2)
    stored = _stored(db)
    assert len(stored) == 2
    for day, values in raw.items():
        row = stored[("i-0abc", "CPUUtilization", day)]
        assert row.samples == 24
        assert row.unit == "Percent"
        assert row.provider == "AWS"
        for name, value in _expected(values).items():
            assert _close(getattr(row, name), value), name
        assert row.max == Decimal(f"{peaks[day]:.6f}")

    again = load_usage_file(db=db, path=path)
    assert again.daily_rows == 2
    after = _stored(db)
    assert {
        k: (r.id, r.samples, r.avg, r.p50, r.p95, r.p99_5, r.max) for k, r in after.items()
    } == {k: (r.id, r.samples, r.avg, r.p50, r.p95, r.p99_5, r.max) for k, r in stored.items()}


def test_generated_metrics_match_an_independent_numpy_computation(
    db: Database, tmp_path: Path
) -> None:
    sample = generate_sample(
        out_dir=tmp_path, months=1, accounts=1, fmt="cur2", end=dt.date(2026, 2, 4)
    )
    [path] = sample.usage_files
    series: dict[tuple[str, str, dt.date], dict[str, list[float]]] = defaultdict(
        lambda: defaultdict(list)
    )
    with gzip.open(path, "rt", newline="") as handle:
        for row in csv.DictReader(handle):
            day = dt.date.fromisoformat(row["timestamp"][:10])
            series[(row["resource_id"], row["metric_name"], day)][row["statistic"]].append(
                float(row["value"])
            )

    result = load_usage_dir(db=db, path=tmp_path / "usage")
    assert result.daily_rows == len(series)
    stored = _stored(db)
    assert set(stored) == set(series)
    for key, by_stat in series.items():
        row = stored[key]
        dist = next(by_stat[s] for s in ("Average", "Sum", "Maximum") if s in by_stat)
        assert row.samples == len(dist) == 24
        for name, value in _expected(dist).items():
            assert _close(getattr(row, name), value), (key, name)
        peak = max(by_stat["Maximum"]) if "Maximum" in by_stat else max(dist)
        assert _close(row.max, Decimal(repr(peak)).quantize(SIX))

    load_usage_dir(db=db, path=tmp_path / "usage")
    with db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(UsageMetric)) == len(series)


def test_bad_value_names_file_row_and_column_and_writes_nothing(
    db: Database, tmp_path: Path
) -> None:
    rows = [
        ["i-1", "AWS/EC2", "CPUUtilization", "2026-01-01T00:00:00Z", "Average", "1.5", "Percent"],
        ["i-1", "AWS/EC2", "CPUUtilization", "2026-01-01T01:00:00Z", "Average", "2.5", "Percent"],
        ["i-1", "AWS/EC2", "CPUUtilization", "2026-01-01T02:00:00Z", "Average", "abc", "Percent"],
    ]
    path = _write(tmp_path / "bad.csv.gz", rows, gz=True)
    with pytest.raises(InvalidInputError) as info:
        load_usage_file(db=db, path=path)
    assert str(path) in info.value.message
    assert info.value.details["row"] == 3
    assert info.value.details["column"] == "value"
    assert _stored(db) == {}


def test_bad_timestamp_and_missing_column_are_reported(db: Database, tmp_path: Path) -> None:
    path = _write(
        tmp_path / "ts.csv",
        [["i-1", "AWS/EC2", "CPUUtilization", "yesterday", "Average", "1", "Percent"]],
    )
    with pytest.raises(InvalidInputError, match="column 'timestamp'"):
        load_usage_file(db=db, path=path)
    headerless = tmp_path / "nohdr.csv"
    headerless.write_text("resource_id,metric_name,value\ni-1,CPUUtilization,1\n")
    with pytest.raises(InvalidInputError, match="missing column"):
        load_usage_file(db=db, path=headerless)
