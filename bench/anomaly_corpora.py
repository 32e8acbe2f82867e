"""Public labelled time-series anomaly corpora carried in ``bench/corpora/``, one loader for all.

Usage:
    .venv/bin/python bench/anomaly_corpora.py     # per corpus: series, points, windows, gaps...

Import (from ``bench/`` scripts and tests, the way ``bench/anomalies.py`` finds ``finops``)::

    sys.path.insert(0, str(REPO / "bench"))
    from anomaly_corpora import LabelledSeries, corpora, load_corpus

Every series keeps its points as the file has them: timestamps in file order (UTC), repeats and
gaps included, values NaN where the file has none. ``labels[i]`` is True when point ``i`` is
labelled anomalous as the corpus defines it; ``windows`` are half-open index ranges
``[start, end)`` of the labelled windows. Each corpus folder holds its upstream license and a
``SOURCE.md`` (repository, commit, paths); the figures below are what this loader counts.
A *gap* is a step between consecutive rows longer than the series' most common step; a
*duplicate* is a row whose timestamp an earlier row of the same series already has.

``ms-cloud-monitoring``
    Microsoft's Cloud Monitoring Dataset (MIT): 60 series of production service telemetry
    (API request rates and latency, database query rates, crash rates, purchase rates), hourly
    or per minute, 225,445 points. Labels are per point (``Label`` column, 1 = anomaly, set by
    domain experts; 4,555 points); a window is a run of consecutive labelled rows (299
    windows); 6 series have no label at all. 42 values are empty (NaN). 20 series repeat
    timestamps (the 19 crash-rate series 8 to 13 rows each, ``api-01`` one); 6 have gaps.
``nab-aws-cloudwatch``
    Numenta Anomaly Benchmark (MIT since its commit ea702d7), ``realAWSCloudwatch``: 17 real
    AWS CloudWatch series at 5 minutes (EC2 CPU, network in, disk write bytes, ELB request
    count, RDS CPU, an auto-scaling group), 67,740 points, 30 windows (NAB's
    ``combined_windows.json``; one series has none). A point is labelled when
    ``start <= timestamp <= end`` for one of its windows, as NAB's labeller does; a window's
    index range runs from its first to its last labelled row. 7 series have gaps, 2 repeat
    timestamps (11 rows each).
``nab-known-cause``
    NAB ``realKnownCause``: 7 series whose anomalies have a documented cause (AWS ASG
    misconfiguration, EC2 request latency before an AWS API failure, an industrial machine's
    temperature before a failure, office ambient temperature, NYC taxi passengers, two
    keyboard-timing series), 69,561 points, 19 windows; labels as above. 4 series have gaps,
    2 repeat timestamps; the machine temperature series steps back in time once (row 10151).
``nab-traffic``
    NAB ``realTraffic``: 7 Minnesota DOT road sensor series (occupancy, speed, travel time),
    15,664 points, 14 windows; labels as above. Sampling is irregular: every series has
    hundreds of gaps, 2 repeat a timestamp once.
``nab-ad-exchange``
    NAB ``realAdExchange``: 6 hourly money metrics of an online advertisement exchange (cost
    per click and cost per thousand impressions of three exchanges), 9,610 points, 14
    windows; labels as above. Every series has gaps (4 to 64), 2 repeat a timestamp once.
``nab-tweets``
    NAB ``realTweets``: 10 series of 5-minute counts of Twitter mentions of large companies,
    158,631 points, 33 windows; labels as above. Regular: no gap, no repeat.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from finops.core.errors import InvalidInputError  # noqa: E402
from finops.core.series_csv import read_series_csv  # noqa: E402

CORPORA_DIR = REPO / "bench" / "corpora"
NAB_WINDOWS = Path("labels") / "combined_windows.json"


@dataclass(frozen=True)
class LabelledSeries:
    """One labelled series of a corpus.

    ``timestamps[i]``, ``values[i]`` and ``labels[i]`` describe the file's ``i``-th data row
    (file order, UTC). ``values`` is float64 with NaN for a missing value; ``labels`` is bool.
    ``windows`` are sorted, half-open ``[start, end)`` index ranges, one per labelled window of
    the corpus; every labelled point lies inside one of them.
    """

    corpus: str
    name: str
    timestamps: list[dt.datetime]
    values: np.ndarray[Any, np.dtype[np.float64]]
    labels: np.ndarray[Any, np.dtype[np.bool_]]
    windows: list[tuple[int, int]]

    @property
    def step_seconds(self) -> float:
        """The most common positive step between consecutive rows (0 with fewer than 2)."""
        steps = Counter(
            (b - a).total_seconds()
            for a, b in zip(self.timestamps, self.timestamps[1:], strict=False)
            if b > a
        )
        return steps.most_common(1)[0][0] if steps else 0.0

    @property
    def gaps(self) -> int:
        """How many steps between consecutive rows are longer than :attr:`step_seconds`."""
        step = self.step_seconds
        return sum(
            1
            for a, b in zip(self.timestamps, self.timestamps[1:], strict=False)
            if (b - a).total_seconds() > step
        )

    @property
    def duplicates(self) -> int:
        """How many rows repeat a timestamp an earlier row already has."""
        return len(self.timestamps) - len(set(self.timestamps))

    @property
    def backward_steps(self) -> int:
        """How many rows are earlier than the row before them."""
        return sum(1 for a, b in zip(self.timestamps, self.timestamps[1:], strict=False) if b < a)


def corpora() -> list[str]:
    """The names :func:`load_corpus` accepts, in a fixed order."""
    return list(_LOADERS)


def load_corpus(name: str, *, root: Path = CORPORA_DIR) -> list[LabelledSeries]:
    """Every series of corpus ``name`` under ``root``, sorted by series name.

    Raises :class:`InvalidInputError` for an unknown corpus, a missing folder, or a file that
    cannot be parsed (the message names the file, and the row and column where one is at fault).
    """
    loader = _LOADERS.get(name)
    if loader is None:
        raise InvalidInputError(
            f"unknown corpus {name!r}; expected one of {', '.join(_LOADERS)}",
            details={"parameter": "name", "got": name, "expected": list(_LOADERS)},
        )
    return loader(root)


# ----------------------------------------------------------------------------- Microsoft


def _load_ms(root: Path) -> list[LabelledSeries]:
    folder = root / "ms-cloud-monitoring" / "data"
    files = _files(folder, "*/*.csv")
    series = []
    for path in files:
        rows = read_series_csv(path)
        if len(rows.labels) != len(rows.times):
            raise InvalidInputError(
                f"{path}: row 1: expected columns 'TimeStamp,Value,Label' with a label on "
                "every row",
                details={"file": str(path), "row": 1, "column": "Label"},
            )
        labels = np.array(rows.labels, dtype=bool)
        series.append(
            LabelledSeries(
                corpus="ms-cloud-monitoring",
                name=path.relative_to(folder).with_suffix("").as_posix(),
                timestamps=rows.times,
                values=np.array(rows.values, dtype=np.float64),
                labels=labels,
                windows=label_runs(labels),
            )
        )
    return series


def label_runs(labels: np.ndarray[Any, np.dtype[np.bool_]]) -> list[tuple[int, int]]:
    """The half-open ``[start, end)`` index ranges of consecutive True entries, in order."""
    padded = np.concatenate(([False], np.asarray(labels, dtype=bool), [False]))
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


# ----------------------------------------------------------------------------- NAB


def _nab(group: str, corpus: str) -> Callable[[Path], list[LabelledSeries]]:
    def load(root: Path) -> list[LabelledSeries]:
        folder = root / "nab"
        windows = _nab_windows(folder / NAB_WINDOWS)
        series = []
        for path in _files(folder / "data" / group, "*.csv"):
            key = f"{group}/{path.name}"
            if key not in windows:
                raise InvalidInputError(
                    f"{folder / NAB_WINDOWS}: no entry {key!r} for {path}",
                    details={"file": str(folder / NAB_WINDOWS), "key": key},
                )
            series.append(_nab_series(corpus, path, key, windows[key], folder / NAB_WINDOWS))
        return series

    return load


def _nab_windows(path: Path) -> dict[str, list[tuple[dt.datetime, dt.datetime]]]:
    """NAB's windows file: ``{"<group>/<file>.csv": [[start, end], ...]}``, both ends inclusive."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InvalidInputError(
            f"{path}: cannot read the file ({exc.strerror})", details={"file": str(path)}
        ) from exc
    except ValueError as exc:
        raise InvalidInputError(
            f"{path}: not valid JSON ({exc})", details={"file": str(path)}
        ) from exc
    if not isinstance(raw, dict):
        raise InvalidInputError(
            f"{path}: expected an object of file names to lists of [start, end] windows",
            details={"file": str(path)},
        )
    windows: dict[str, list[tuple[dt.datetime, dt.datetime]]] = {}
    for key, entries in raw.items():
        if not isinstance(entries, list):
            raise InvalidInputError(
                f"{path}: {key!r}: expected a list of [start, end] windows",
                details={"file": str(path), "key": key},
            )
        windows[key] = [_nab_window(path, key, n, entry) for n, entry in enumerate(entries)]
    return windows


def _nab_window(path: Path, key: str, n: int, entry: object) -> tuple[dt.datetime, dt.datetime]:
    where = f"{path}: {key!r} window {n}"
    details: dict[str, Any] = {"file": str(path), "key": key, "window": n}
    if not (isinstance(entry, list) and len(entry) == 2 and all(isinstance(e, str) for e in entry)):
        raise InvalidInputError(
            f"{where}: expected [start, end] as two timestamps, got {entry!r}", details=details
        )
    ends = []
    for text in entry:
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError as exc:
            raise InvalidInputError(
                f"{where}: expected an ISO 8601 date-time, got {text!r}", details=details
            ) from exc
        ends.append(moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment)
    if ends[1] < ends[0]:
        raise InvalidInputError(f"{where}: the end is before the start", details=details)
    return ends[0], ends[1]


def _nab_series(
    corpus: str,
    path: Path,
    key: str,
    windows: list[tuple[dt.datetime, dt.datetime]],
    windows_file: Path,
) -> LabelledSeries:
    rows = read_series_csv(path)
    stamps = np.array([t.timestamp() for t in rows.times])
    labels = np.zeros(len(stamps), dtype=bool)
    ranges = []
    for n, (start, end) in enumerate(windows):
        inside = (stamps >= start.timestamp()) & (stamps <= end.timestamp())
        hits = np.flatnonzero(inside)
        if hits.size == 0:
            raise InvalidInputError(
                f"{windows_file}: {key!r} window {n}: no row of {path} lies in "
                f"[{start.isoformat()}, {end.isoformat()}]",
                details={"file": str(windows_file), "key": key, "window": n},
            )
        labels |= inside
        ranges.append((int(hits[0]), int(hits[-1]) + 1))
    return LabelledSeries(
        corpus=corpus,
        name=path.stem,
        timestamps=rows.times,
        values=np.array(rows.values, dtype=np.float64),
        labels=labels,
        windows=sorted(ranges),
    )


# ----------------------------------------------------------------------------- common


def _files(folder: Path, pattern: str) -> list[Path]:
    files = sorted(folder.glob(pattern))
    if not files:
        raise InvalidInputError(
            f"{folder}: no {pattern} files (is the corpus copied into bench/corpora/?)",
            details={"file": str(folder)},
        )
    return files


_LOADERS: dict[str, Callable[[Path], list[LabelledSeries]]] = {
    "ms-cloud-monitoring": _load_ms,
    "nab-aws-cloudwatch": _nab("realAWSCloudwatch", "nab-aws-cloudwatch"),
    "nab-known-cause": _nab("realKnownCause", "nab-known-cause"),
    "nab-traffic": _nab("realTraffic", "nab-traffic"),
    "nab-ad-exchange": _nab("realAdExchange", "nab-ad-exchange"),
    "nab-tweets": _nab("realTweets", "nab-tweets"),
}


def summarise(series: list[LabelledSeries]) -> dict[str, int]:
    """Counts over ``series``: series, points, labelled points and windows, series with no
    window, and series with gaps, repeated timestamps or steps back in time."""
    return {
        "series": len(series),
        "points": sum(len(s.timestamps) for s in series),
        "labelled_points": sum(int(s.labels.sum()) for s in series),
        "windows": sum(len(s.windows) for s in series),
        "series_without_windows": sum(1 for s in series if not s.windows),
        "series_with_gaps": sum(1 for s in series if s.gaps),
        "series_with_duplicates": sum(1 for s in series if s.duplicates),
        "series_with_backward_steps": sum(1 for s in series if s.backward_steps),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=CORPORA_DIR)
    parser.add_argument("--series", action="store_true", help="one line per series too")
    args = parser.parse_args(argv)
    columns = list(summarise([]))
    print("corpus," + ",".join(columns))
    for name in corpora():
        series = load_corpus(name, root=args.root)
        figures = summarise(series)
        print(f"{name}," + ",".join(str(figures[c]) for c in columns))
        if args.series:
            for s in series:
                print(
                    f"  {s.name:<48} points={len(s.timestamps)} step={s.step_seconds:g}s "
                    f"windows={len(s.windows)} gaps={s.gaps} duplicates={s.duplicates} "
                    f"backward={s.backward_steps}"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
