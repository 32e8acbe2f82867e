"""Anomaly detection: accuracy on labelled data and scan speed, each against a baseline.

Usage:
    .venv/bin/python bench/anomalies.py [--ms-dir DIR] [--seeds 1,2,3,4] [--series 10000]
                                        [--days 365] [--no-write]

1. **Microsoft cloud-monitoring dataset** (all 60 labelled series, 6 with no anomaly): each file
   goes through the same code as ``finops anomalies detect-series`` (regular grid, period chosen
   from the data, the detector's own threshold).
2. **Generated cost data**: ``finops.devtools.sample`` samples (one per seed, 6 months,
   4 accounts) are ingested into a throwaway SQLite file; the job's scope series (total,
   account, service, account x service) go through the job's detector settings; a scope-day is
   anomalous when a planted anomaly of ``labels.json`` falls in that scope on that day.
3. **Scan speed**: 10,000 synthetic scope series x 365 days (weekly pattern, trend, noise,
   spikes and steps) through the detector in one vectorised pass.

The baseline is a rolling 3-sigma z-score (mean and standard deviation of the previous 28
points; flag when |x - mean| > 3 sd), run on the same series in the same process.

Metrics: point precision / recall / F1 (micro-averaged over all points), false positives on the
series without anomalies, and a NAB-style window score: every labelled run (runs closer than 3
points merged, widened by 3 points on each side) is a window; the first detection in a window
earns 2 / (1 + e^(5y)) - 1 with y from -1 (window start) to 0 (window end), a missed window
costs 1, every detection outside all windows costs 0.11; the total is normalised to 0 (detect
nothing) .. 100 (every window caught at its first point).

Prints the figures and the command; unless ``--no-write``, writes docs/accuracy-anomalies.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import shlex
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from finops.anomalies.detector import DetectorSettings, detect_matrix  # noqa: E402
from finops.anomalies.series_file import (  # noqa: E402
    detect_regular_series,
    read_series,
    to_regular_grid,
)

DEFAULT_MS = REPO.parent / "shared" / "data" / "ms-cloud-monitoring" / "data"
DOC = REPO / "docs" / "accuracy-anomalies.md"
BASELINE_WINDOW = 28
WINDOW_MERGE = 3
WINDOW_PAD = 3
FP_COST = 0.11


# ----------------------------------------------------------------------------- baseline


def zscore_baseline(values: np.ndarray, *, direction: str = "both") -> np.ndarray:
    """Rolling 3-sigma z-score over the previous ``BASELINE_WINDOW`` points (vectorised)."""
    y = np.array(values, dtype=np.float64, ndmin=2)
    w = BASELINE_WINDOW
    flags = np.zeros_like(y, dtype=bool)
    if y.shape[1] <= w:
        return flags
    windows = sliding_window_view(y, w, axis=1)[:, :-1, :]  # windows ending before each point
    mean = np.nanmean(windows, axis=2)
    sd = np.nanstd(windows, axis=2)
    current = y[:, w:]
    dev = current - mean
    hit = np.abs(dev) > 3 * np.maximum(sd, 1e-12)
    if direction == "up":
        hit &= dev > 0
    flags[:, w:] = hit & ~np.isnan(current)
    return flags


# ----------------------------------------------------------------------------- metrics


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    windows: int = 0
    windows_hit: int = 0
    window_raw: float = 0.0
    clean_series_fp: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def add(self, flags: np.ndarray, labels: np.ndarray, *, clean_series: bool = False) -> None:
        flags = flags.astype(bool)
        labels = labels.astype(bool)
        self.tp += int((flags & labels).sum())
        self.fp += int((flags & ~labels).sum())
        self.fn += int((~flags & labels).sum())
        if clean_series:
            self.clean_series_fp += int(flags.sum())
        wins = label_windows(labels)
        inside = np.zeros_like(labels)
        for a, b in wins:
            inside[a:b] = True
            hits = np.flatnonzero(flags[a:b])
            self.windows += 1
            if hits.size:
                self.windows_hit += 1
                y = (hits[0] - (b - a - 1)) / max(b - a - 1, 1)  # -1 at start .. 0 at end
                self.window_raw += 2 / (1 + math.exp(5 * y)) - 1
            else:
                self.window_raw -= 1
        self.window_raw -= FP_COST * int((flags & ~inside).sum())

    def summary(self) -> dict[str, float]:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        null, perfect = -self.windows, self.windows
        nab = 100 * (self.window_raw - null) / (perfect - null) if self.windows else 0.0
        return {
            "precision": p,
            "recall": r,
            "f1": f1,
            "window_score": nab,
            "windows": self.windows,
            "windows_detected": self.windows_hit,
            "false_positives": self.fp,
            "clean_series_fp": self.clean_series_fp,
        }


def label_windows(labels: np.ndarray) -> list[tuple[int, int]]:
    idx = np.flatnonzero(labels)
    if idx.size == 0:
        return []
    runs: list[list[int]] = [[int(idx[0]), int(idx[0]) + 1]]
    for i in idx[1:]:
        if i - runs[-1][1] <= WINDOW_MERGE:
            runs[-1][1] = int(i) + 1
        else:
            runs.append([int(i), int(i) + 1])
    n = labels.size
    return [(max(a - WINDOW_PAD, 0), min(b + WINDOW_PAD, n)) for a, b in runs]


# ----------------------------------------------------------------------------- MS dataset


def evaluate_ms(ms_dir: Path) -> dict[str, Any]:
    ours, base = Tally(), Tally()
    files = sorted(ms_dir.glob("*/*.csv"))
    started = time.perf_counter()
    ours_seconds = base_seconds = 0.0
    for path in files:
        rows = read_series(path)
        texts, labels = rows.texts, rows.labels
        series = to_regular_grid(rows)
        grid_index = {t: i for i, t in enumerate(series.labels) if t is not None}
        truth = np.zeros(len(series.labels), dtype=bool)
        for t, label in zip(texts, labels, strict=False):
            if label:
                truth[grid_index[t]] = True
        t0 = time.perf_counter()
        result = detect_regular_series(series)
        ours_seconds += time.perf_counter() - t0
        t0 = time.perf_counter()
        baseline = zscore_baseline(series.values[None, :])[0]
        base_seconds += time.perf_counter() - t0
        clean = not truth.any()
        ours.add(result.flags[0], truth, clean_series=clean)
        base.add(baseline, truth, clean_series=clean)
    return {
        "series": len(files),
        "clean_series": sum(1 for p in files if not _has_label(p)),
        "ours": ours.summary(),
        "baseline": base.summary(),
        "ours_seconds": ours_seconds,
        "baseline_seconds": base_seconds,
        "seconds": time.perf_counter() - started,
    }


def _has_label(path: Path) -> bool:
    return any(read_series(path).labels)


# ----------------------------------------------------------------------------- generated data


def evaluate_generated(seeds: list[int]) -> dict[str, Any]:
    from finops.anomalies.series import WEEK, scope_series
    from finops.db import migrate
    from finops.db.database import open_database
    from finops.devtools.sample import generate_sample
    from finops.ingest.service import ingest_paths

    ours, base = Tally(), Tally()
    settings = DetectorSettings(direction="up", min_impact=10.0, min_percent=10.0)
    planted = 0
    series_count = 0
    end_day = dt.date(2026, 9, 30)
    for seed in seeds:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp)
            sample = generate_sample(out_dir=out, months=6, accounts=4, seed=seed, end=end_day)
            db = open_database(f"sqlite:///{out / 'bench.db'}")
            migrate.upgrade(db.engine)
            ingest_paths(db=db, paths=[out / "billing"])
            labels = json.loads(sample.labels_path.read_text())["anomalies"]
            planted += len(labels)
            start = dt.date(2026, 4, 1)
            with db.sessions() as session:
                series = scope_series(
                    session,
                    scopes=["total", "account", "service", "account_service"],
                    start=start,
                    end=end_day,
                )
            db.dispose()
        values = np.array([[float(c) for c in s.costs] for s in series])
        truth = np.zeros_like(values, dtype=bool)
        for i, s in enumerate(series):
            for a in labels:
                sc = s.scope
                if (
                    sc.scope_type == "total"
                    or (sc.scope_type == "account" and sc.scope_key == a["account_id"])
                    or (sc.scope_type == "service" and sc.scope_key == a["service_name"])
                    or (
                        sc.scope_type == "account_service"
                        and sc.scope_key == f"{a['account_id']}|{a['service_name']}"
                    )
                ):
                    lo = (dt.date.fromisoformat(a["start"]) - start).days
                    hi = (dt.date.fromisoformat(a["end"]) - start).days
                    truth[i, max(lo, 0) : max(hi, 0)] = True
        detection = detect_matrix(values, period=WEEK, settings=settings)
        baseline = zscore_baseline(values, direction="up")
        for i in range(len(series)):
            ours.add(detection.flags[i], truth[i])
            base.add(baseline[i], truth[i])
        series_count += len(series)
    return {
        "seeds": seeds,
        "series": series_count,
        "planted": planted,
        "ours": ours.summary(),
        "baseline": base.summary(),
    }


# ----------------------------------------------------------------------------- speed


def synthetic_costs(n_series: int, days: int, seed: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    base = rng.lognormal(mean=4.0, sigma=1.5, size=(n_series, 1))
    t = np.arange(days)[None, :]
    weekly = 1 + 0.15 * (t % 7 >= 5) * rng.choice([-1, 1], size=(n_series, 1))
    trend = 1 + rng.normal(0, 0.0005, size=(n_series, 1)) * t
    noise = rng.normal(1, 0.03, size=(n_series, days))
    values = base * weekly * trend * noise
    spikes = rng.random((n_series, days)) < 0.003
    values[spikes] *= 3
    steps = rng.integers(60, days, size=n_series)
    stepped = rng.random(n_series) < 0.1
    for i in np.flatnonzero(stepped):
        values[i, steps[i] :] *= 1.5
    return np.asarray(values)


def evaluate_speed(n_series: int, days: int) -> dict[str, Any]:
    values = synthetic_costs(n_series, days)
    settings = DetectorSettings(direction="up", min_impact=10.0, min_percent=10.0)
    t0 = time.perf_counter()
    detection = detect_matrix(values, period=7, settings=settings)
    ours = time.perf_counter() - t0
    t0 = time.perf_counter()
    baseline = zscore_baseline(values, direction="up")
    base = time.perf_counter() - t0
    return {
        "series": n_series,
        "days": days,
        "ours_seconds": ours,
        "baseline_seconds": base,
        "ratio": ours / base if base else float("inf"),
        "ours_flagged": int(detection.flags.sum()),
        "baseline_flagged": int(baseline.sum()),
    }


# ----------------------------------------------------------------------------- report


def _row(name: str, s: dict[str, float], clean: bool) -> str:
    cells = [
        name,
        f"{s['precision']:.3f}",
        f"{s['recall']:.3f}",
        f"{s['f1']:.3f}",
        f"{s['window_score']:.1f}",
        f"{s['windows_detected']}/{s['windows']}",
        str(s["false_positives"]),
    ]
    if clean:
        cells.append(str(s["clean_series_fp"]))
    return "| " + " | ".join(cells) + " |"


def render(report: dict[str, Any]) -> str:
    ms, gen, speed = report["ms"], report["generated"], report["speed"]
    head = "| detector | precision | recall | F1 | window score | windows caught | FP points |"
    lines = [
        "# Anomaly detection accuracy",
        "",
        f"Measured {report['date']} on {report['machine']} with:",
        "",
        "```bash",
        report["command"],
        "```",
        "",
        "Detector: `app/finops/anomalies/detector.py` (seasonal robust baseline, level-shift "
        "absorption, "
        "its own threshold). Baseline: rolling 3-sigma z-score over the previous 28 points, same "
        "series, same run. Metrics are defined in `bench/anomalies.py` (point precision / recall "
        "/ F1 micro-averaged; NAB-style window score, 0 = detect nothing, 100 = every window "
        "caught at its first point, each false positive costs 0.11 of a window).",
        "",
        f"## Microsoft cloud-monitoring dataset ({ms['series']} series, "
        f"{ms['clean_series']} without anomalies)",
        "",
        head + " FP on clean series |",
        "|---|---|---|---|---|---|---|---|",
        _row("finops detector", ms["ours"], True),
        _row("3-sigma z-score", ms["baseline"], True),
        "",
        f"Detector time over the 60 series: {ms['ours_seconds']:.1f} s "
        f"(baseline {ms['baseline_seconds']:.2f} s).",
        "",
        f"## Generated cost data ({len(gen['seeds'])} samples, {gen['planted']} planted "
        f"anomalies, {gen['series']} scope series, 6 months)",
        "",
        head,
        "|---|---|---|---|---|---|---|",
        _row("finops detector (job settings)", gen["ours"], False),
        _row("3-sigma z-score (up only)", gen["baseline"], False),
        "",
        "Labels cover every day of a planted anomaly; the detector reports a level shift on its "
        "first days and then absorbs it (by design), so point recall on level shifts is lower "
        "than its window score. Unlabelled level shifts in the generated estate (instances "
        "launched at a month start) count as false positives here.",
        "",
        "## Scan speed",
        "",
        "| series x days | detector | 3-sigma baseline | ratio |",
        "|---|---|---|---|",
        f"| {speed['series']:,} x {speed['days']} | {speed['ours_seconds']:.1f} s | "
        f"{speed['baseline_seconds']:.2f} s | {speed['ratio']:.1f}x |",
        "",
        "Target: at most 30 s for 10,000 scope series x 365 days.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--ms-dir", type=Path, default=DEFAULT_MS)
    parser.add_argument("--seeds", default="1,2,3,4")
    parser.add_argument("--series", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    command = ".venv/bin/python bench/anomalies.py " + shlex.join(argv or sys.argv[1:])
    report: dict[str, Any] = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, {platform.system()}",
        "command": command.strip(),
    }
    report["speed"] = evaluate_speed(args.series, args.days)
    print("speed", json.dumps(report["speed"]), flush=True)
    report["generated"] = evaluate_generated([int(s) for s in args.seeds.split(",") if s])
    print("generated", json.dumps(report["generated"]), flush=True)
    report["ms"] = evaluate_ms(args.ms_dir)
    print("ms", json.dumps(report["ms"]), flush=True)
    text = render(report)
    print(text)
    if not args.no_write:
        DOC.write_text(text, encoding="utf-8")
        print(f"wrote {DOC.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
