"""The labelled anomaly corpora of ``bench/corpora`` load with the figures their sources give.

Expected counts were computed outside the loader: the Microsoft figures with ``csv`` / ``awk``
over the files (rows, ``Label`` = 1 rows, runs of consecutive labelled rows), NAB's window counts
from ``labels/combined_windows.json`` itself, and the hand-checked NAB series' row numbers with
``grep -n`` on the CSV (line 1 is the header, so index = line - 2).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from finops.core.errors import InvalidInputError

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "bench"))

from anomaly_corpora import CORPORA_DIR, corpora, load_corpus  # noqa: E402

# The real corpora are read once per test session (each load parses every file).
_loaded = functools.cache(load_corpus)

NAB_GROUPS = {
    "nab-aws-cloudwatch": "realAWSCloudwatch",
    "nab-known-cause": "realKnownCause",
    "nab-traffic": "realTraffic",
    "nab-ad-exchange": "realAdExchange",
    "nab-tweets": "realTweets",
}


def test_the_corpora_are_listed_in_a_fixed_order() -> None:
    assert corpora() == ["ms-cloud-monitoring", *NAB_GROUPS]


def test_ms_cloud_monitoring_has_the_counts_of_its_files() -> None:
    series = _loaded("ms-cloud-monitoring")
    assert len(series) == 60
    assert sum(len(s.timestamps) for s in series) == 225_445
    assert sum(int(s.labels.sum()) for s in series) == 4_555
    assert sum(len(s.windows) for s in series) == 299
    assert sum(1 for s in series if not s.labels.any()) == 6
    assert sum(int(np.isnan(s.values).sum()) for s in series) == 42
    assert [s.name for s in series] == sorted(s.name for s in series)


def test_ms_repeated_rows_are_kept_as_in_the_file() -> None:
    # app1-01.csv lines 55 and 56 are both "2018-07-05 19:00:00,7,0".
    app = next(s for s in _loaded("ms-cloud-monitoring") if s.name.endswith("app1-01"))
    moment = dt.datetime(2018, 7, 5, 19, tzinfo=dt.UTC)
    assert app.timestamps[53] == app.timestamps[54] == moment
    assert app.values[53] == app.values[54] == 7.0
    assert app.duplicates == 11


@pytest.mark.parametrize(("corpus", "group"), NAB_GROUPS.items())
def test_nab_groups_have_every_window_of_combined_windows(corpus: str, group: str) -> None:
    upstream = json.loads((CORPORA_DIR / "nab/labels/combined_windows.json").read_text())
    expected = {
        Path(key).stem: len(windows)
        for key, windows in upstream.items()
        if key.startswith(f"{group}/")
    }
    series = _loaded(corpus)
    assert {s.name: len(s.windows) for s in series} == expected
    expected_windows = {
        "nab-aws-cloudwatch": 30,
        "nab-known-cause": 19,
        "nab-traffic": 14,
        "nab-ad-exchange": 14,
        "nab-tweets": 33,
    }
    assert expected_windows[corpus] == sum(expected.values())


def test_nab_window_boundaries_map_to_the_rows_of_the_file() -> None:
    # Windows 2014-02-26 13:45 .. 2014-02-27 06:25 and 2014-02-27 08:55 .. 2014-02-28 01:35,
    # both ends inclusive: lines 3449..3649 and 3679..3879 of the CSV.
    cpu = next(s for s in _loaded("nab-aws-cloudwatch") if s.name.endswith("24ae8d"))
    assert cpu.windows == [(3447, 3648), (3677, 3878)]
    assert int(cpu.labels.sum()) == 201 + 201
    assert cpu.timestamps[3447] == dt.datetime(2014, 2, 26, 13, 45, tzinfo=dt.UTC)
    assert cpu.timestamps[3647] == dt.datetime(2014, 2, 27, 6, 25, tzinfo=dt.UTC)
    assert not cpu.labels[3446]
    assert cpu.labels[3447]
    assert cpu.labels[3647]
    assert not cpu.labels[3648]
    assert cpu.values[3447] == 0.066
    assert len(cpu.timestamps) == 4032
    assert cpu.step_seconds == 300.0
    assert cpu.gaps == 0


def test_nab_ad_exchange_window_maps_to_the_rows_of_the_file() -> None:
    # Window 2011-07-11 04:00:01 .. 2011-07-17 22:00:01, both ends inclusive: lines 246..408;
    # "2011-08-24 12:00:01" appears twice (``sort | uniq -d`` over the timestamp column).
    cpc = next(s for s in _loaded("nab-ad-exchange") if s.name == "exchange-2_cpc_results")
    assert cpc.windows == [(244, 407)]
    assert int(cpc.labels.sum()) == 163
    assert cpc.values[244] == 0.0548306233062
    assert cpc.timestamps[244] == dt.datetime(2011, 7, 11, 4, 0, 1, tzinfo=dt.UTC)
    assert len(cpc.timestamps) == 1624
    assert cpc.step_seconds == 3600.0
    assert cpc.duplicates == 1


def test_nab_irregular_series_keep_their_step_back() -> None:
    # machine_temperature_system_failure.csv line 10151 is 02:00 after 02:55 on line 10150.
    series = _loaded("nab-known-cause")
    machine = next(s for s in series if s.name == "machine_temperature_system_failure")
    assert machine.backward_steps == 1
    assert machine.timestamps[10149] == dt.datetime(2014, 1, 7, 2, 0, tzinfo=dt.UTC)


def _copy_nab(tmp_path: Path) -> Path:
    shutil.copytree(CORPORA_DIR / "nab/data/realTraffic", tmp_path / "nab/data/realTraffic")
    shutil.copytree(CORPORA_DIR / "nab/labels", tmp_path / "nab/labels")
    return tmp_path / "nab"


def test_a_bad_value_names_the_file_row_and_column(tmp_path: Path) -> None:
    folder = tmp_path / "ms-cloud-monitoring/data/x"
    folder.mkdir(parents=True)
    (folder / "bad.csv").write_text(
        "TimeStamp,Value,Label\n2020-01-01 00:00:00,1,0\n2020-01-01 01:00:00,abc,0\n"
    )
    with pytest.raises(InvalidInputError) as caught:
        load_corpus("ms-cloud-monitoring", root=tmp_path)
    assert str(caught.value) == (
        f"{folder / 'bad.csv'}: row 3, column 'value': expected a number, got 'abc'"
    )


def test_a_bad_window_timestamp_names_the_labels_file_and_window(tmp_path: Path) -> None:
    nab = _copy_nab(tmp_path)
    labels = nab / "labels/combined_windows.json"
    windows = json.loads(labels.read_text())
    windows["realTraffic/speed_7578.csv"][1][0] = "2015-09-17 25:00"
    labels.write_text(json.dumps(windows))
    with pytest.raises(InvalidInputError) as caught:
        load_corpus("nab-traffic", root=tmp_path)
    assert str(caught.value) == (
        f"{labels}: 'realTraffic/speed_7578.csv' window 1: expected an ISO 8601 date-time, "
        "got '2015-09-17 25:00'"
    )


def test_a_window_with_no_row_is_refused(tmp_path: Path) -> None:
    nab = _copy_nab(tmp_path)
    labels = nab / "labels/combined_windows.json"
    windows = json.loads(labels.read_text())
    windows["realTraffic/speed_7578.csv"][0] = ["2001-01-01 00:00:00", "2001-01-02 00:00:00"]
    labels.write_text(json.dumps(windows))
    with pytest.raises(InvalidInputError, match=r"window 0: no row of .*speed_7578\.csv"):
        load_corpus("nab-traffic", root=tmp_path)


def test_a_file_missing_from_the_windows_is_refused(tmp_path: Path) -> None:
    nab = _copy_nab(tmp_path)
    labels = nab / "labels/combined_windows.json"
    windows = json.loads(labels.read_text())
    del windows["realTraffic/speed_7578.csv"]
    labels.write_text(json.dumps(windows))
    with pytest.raises(InvalidInputError, match=r"no entry 'realTraffic/speed_7578\.csv'"):
        load_corpus("nab-traffic", root=tmp_path)


def test_an_unknown_corpus_names_the_known_ones() -> None:
    with pytest.raises(InvalidInputError, match="unknown corpus 'yahoo'; expected one of ms-"):
        load_corpus("yahoo")
