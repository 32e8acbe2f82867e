"""The sample's planted applied changes (``applied_changes=True``): the stopped instance bills
and reports nothing while stopped, the resized one bills the smaller type afterwards."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb

from finops.devtools.sample import generate_sample

END = dt.date(2026, 11, 20)  # 50 days of data from 2026-10-01


def _box_days(out: Path, resource_id: str) -> dict[dt.date, str]:
    rows = duckdb.sql(
        f"""
        select distinct cast(line_item_usage_start_date at time zone 'UTC' as date),
               product_instance_type
        from read_parquet('{out}/billing/cur2/*/*.parquet')
        where line_item_resource_id = '{resource_id}' and line_item_usage_type like '%BoxUsage%'
        """
    ).fetchall()
    return dict(rows)


def _metric_days(out: Path, resource_id: str) -> set[dt.date]:
    rows = duckdb.sql(
        f"""
        select distinct cast(substr(timestamp, 1, 10) as date)
        from read_csv('{out}/usage/*.csv.gz', all_varchar = true)
        where resource_id = '{resource_id}'
        """
    ).fetchall()
    return {r[0] for r in rows}


def test_stopped_and_resized_instances_as_the_bill_shows_them(tmp_path: Path) -> None:
    out = tmp_path / "s"
    generate_sample(out_dir=out, months=2, accounts=2, end=END, applied_changes=True)
    changes = {
        c["kind"]: c for c in json.loads((out / "labels.json").read_text())["applied_changes"]
    }
    stop, resize = changes["stop"], changes["resize"]
    assert stop["applied_on"] == "2026-10-23"
    assert resize["applied_on"] == "2026-10-30"

    every_day = {dt.date(2026, 10, 1) + dt.timedelta(days=d) for d in range(50)}
    applied = dt.date.fromisoformat(stop["applied_on"])
    restart = dt.date.fromisoformat(stop["restarted_from"])
    ran_again = {restart + dt.timedelta(days=d) for d in range(3)}
    assert stop["restarted_until"] == (restart + dt.timedelta(days=3)).isoformat()
    running = {d for d in every_day if d < applied} | ran_again
    assert set(_box_days(out, stop["resource_id"])) == running
    assert _metric_days(out, stop["resource_id"]) == running

    billed = _box_days(out, resize["resource_id"])
    resized_on = dt.date.fromisoformat(resize["applied_on"])
    assert set(billed) == every_day
    assert {t for d, t in billed.items() if d < resized_on} == {resize["instance_type"]}
    assert {t for d, t in billed.items() if d >= resized_on} == {resize["new_instance_type"]}


def test_without_the_option_or_with_too_short_a_history_nothing_is_planted(
    tmp_path: Path,
) -> None:
    generate_sample(out_dir=tmp_path / "plain", months=2, accounts=2, end=END)
    assert "applied_changes" not in json.loads((tmp_path / "plain" / "labels.json").read_text())
    # 30 days of data: the first change would have under 14 days of history before it
    generate_sample(
        out_dir=tmp_path / "short",
        months=1,
        accounts=2,
        end=dt.date(2026, 12, 31),
        applied_changes=True,
    )
    labels = json.loads((tmp_path / "short" / "labels.json").read_text())
    assert "applied_changes" not in labels
