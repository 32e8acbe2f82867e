"""Forecasting benchmark: accuracy of the backtested model choice, and its speed.

Usage:
    .venv/bin/python bench/forecasting.py [--series 1000] [--prophet-subset 0] [--skip-accuracy]
        [--write-doc docs/accuracy-forecasting.md]

Accuracy. For every series and horizon the last ``H`` points are held out at three origins
(``n - H``, ``n - 2H``, ``n - 3H``); the model is chosen by the production backtest on the
training part only, then scored on the held-out part against every single model fitted on the
same training part. Figures: MASE (scale: in-sample seasonal naive of the training part), MAPE
(%), share of actuals inside the 80% / 95% intervals. Data:
  - daily Prophet examples (Wikipedia page views of Peyton Manning and of R, Melbourne
    pedestrian counts through COVID) at 7, 30 and 90 days;
  - monthly Prophet examples (US retail sales, air passengers) at 3, 6 and 12 months;
  - generated cost series: a 13-month ``finops.devtools.sample`` estate (4 accounts) ingested into a
    throwaway SQLite database, daily effective cost per total / account / service scope, as the
    job reads it, at 7, 30 and 90 days.

Speed. ``--series`` generated daily cost-like series of 365 days (level, trend, weekday cycle,
noise, level shifts, spikes and intermittent series; seeded), horizon 90 (the job's default):
``forecast_many`` with the backtested choice over all models on every CPU, against fitting
Prophet alone once on every series in the same run, same process pool size. With
``--prophet-subset N`` Prophet alone runs on the first N series and is extrapolated (stated).
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import os
import platform
import shlex
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from finops.forecasting.backtest import forecast_with_model_choice, mase_scale  # noqa: E402
from finops.forecasting.batch import forecast_many, single_threaded_children  # noqa: E402
from finops.forecasting.files import read_series_file  # noqa: E402
from finops.forecasting.models import MODELS, ModelFailedError, TrainingData  # noqa: E402
from finops.forecasting.series import DAILY, RegularSeries  # noqa: E402

EXAMPLES = REPO.parent / "shared" / "data" / "prophet-examples"
DAILY_FILES = {
    "peyton_manning": "example_wp_log_peyton_manning.csv",
    "wp_log_R": "example_wp_log_R.csv",
    "pedestrians_covid": "example_pedestrians_covid.csv",
}
MONTHLY_FILES = {
    "retail_sales": "example_retail_sales.csv",
    "air_passengers": "example_air_passengers.csv",
}
DAILY_HORIZONS = (7, 30, 90)
MONTHLY_HORIZONS = (3, 6, 12)
EVAL_ORIGINS = 3
COLUMNS = ("chosen", *MODELS)


# ----------------------------------------------------------------------------- accuracy


def _score(actual: np.ndarray, fc: Any, scale: float) -> dict[str, float]:
    err = np.abs(actual - fc.yhat)
    nonzero = np.abs(actual) > 1e-12
    return {
        "mase": float(np.mean(err) / scale),
        "mape": float(np.mean(err[nonzero] / np.abs(actual[nonzero])) * 100)
        if nonzero.any()
        else float("nan"),
        "cov80": float(np.mean((actual >= fc.lower_80) & (actual <= fc.upper_80))),
        "cov95": float(np.mean((actual >= fc.lower_95) & (actual <= fc.upper_95))),
    }


def evaluate_task(
    task: tuple[str, str, RegularSeries, int],
) -> list[tuple[str, str, int, str, dict[str, float]]]:
    """Every held-out origin of one series at one horizon: chosen model and each single model."""
    group, name, series, horizon = task
    rows: list[tuple[str, str, int, str, dict[str, float]]] = []
    n = len(series)
    for k in range(1, EVAL_ORIGINS + 1):
        origin = n - k * horizon
        if origin < 60:
            break
        train = RegularSeries(series.timestamps[:origin], series.values[:origin], series.frequency)
        actual = series.values[origin : origin + horizon]
        scale = mase_scale(train.values, series.frequency.season)
        scale = max(scale, 1e-9 * max(1.0, float(np.mean(np.abs(train.values)))))
        floor = bool(np.all(train.values >= 0))
        chosen = forecast_with_model_choice(train, horizon)
        rows.append((group, name, horizon, "chosen", _score(actual, chosen.forecast, scale)))
        rows.append((group, name, horizon, f"pick:{chosen.model}", {}))
        data = TrainingData(train.values, train.timestamps, train.frequency)
        for model, function in MODELS.items():
            try:
                fc = function(data, horizon, None)
            except ModelFailedError:
                continue
            rows.append(
                (
                    group,
                    name,
                    horizon,
                    model,
                    _score(actual, fc.clipped_at_zero() if floor else fc, scale),
                )
            )
    return rows


def sample_cost_series(workdir: Path) -> list[tuple[str, RegularSeries]]:
    """Daily effective cost per scope of a generated 13-month estate, read the way the job
    reads it (ingest into SQLite, then ``load_daily_costs``)."""
    from finops.db import migrate
    from finops.db.database import open_database
    from finops.devtools.sample import generate_sample
    from finops.forecasting.service import load_daily_costs
    from finops.ingest.service import ingest_paths

    end = dt.date(2026, 7, 1)
    generate_sample(out_dir=workdir, months=13, accounts=4, seed=21, fmt="cur2", end=end)
    db = open_database(f"sqlite:///{workdir / 'bench.db'}")
    migrate.upgrade(db.engine)
    ingest_paths(db=db, paths=[workdir / "billing"])
    with db.sessions() as session:
        scopes = load_daily_costs(
            session=session, as_of=end, scopes=["total", "account", "service"]
        )
    db.dispose()
    return [
        (f"{s.scope_type}:{s.scope_key}", s.regular())
        for s in scopes
        if len(s.daily_cost) >= 300 and sum(s.daily_cost) > 0
    ]


def accuracy(workers: int) -> tuple[list[tuple[str, str, int, str, dict[str, float]]], int]:
    tasks: list[tuple[str, str, RegularSeries, int]] = []
    for name, file in DAILY_FILES.items():
        series, _ = read_series_file(EXAMPLES / file)
        tasks += [("daily examples", name, series, h) for h in DAILY_HORIZONS]
    for name, file in MONTHLY_FILES.items():
        series, _ = read_series_file(EXAMPLES / file)
        tasks += [("monthly examples", name, series, h) for h in MONTHLY_HORIZONS]
    with tempfile.TemporaryDirectory() as tmp:
        costs = sample_cost_series(Path(tmp))
    tasks += [("generated cost", name, s, h) for name, s in costs for h in DAILY_HORIZONS]
    context = multiprocessing.get_context("spawn")
    rows: list[tuple[str, str, int, str, dict[str, float]]] = []
    with (
        single_threaded_children(),
        ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool,
    ):
        for result in pool.map(evaluate_task, tasks):
            rows.extend(result)
    return rows, len(costs)


def accuracy_tables(rows: Iterable[tuple[str, str, int, str, dict[str, float]]]) -> str:
    cells: dict[tuple[str, int, str], list[dict[str, float]]] = defaultdict(list)
    picks: dict[tuple[str, int], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for group, _name, horizon, model, scores in rows:
        if model.startswith("pick:"):
            picks[(group, horizon)][model[5:]] += 1
        else:
            cells[(group, horizon, model)].append(scores)
    lines: list[str] = []
    summary: list[str] = []
    for group in ("daily examples", "monthly examples", "generated cost"):
        horizons = MONTHLY_HORIZONS if group == "monthly examples" else DAILY_HORIZONS
        unit = "months" if group == "monthly examples" else "days"
        lines += [
            f"### {group}",
            "",
            f"| horizon ({unit}) | model | MASE | MAPE % | 80% coverage | 95% coverage |",
            "|---|---|---|---|---|---|",
        ]
        for horizon in horizons:
            for model in COLUMNS:
                found = cells.get((group, horizon, model))
                if not found:
                    continue
                mean = {k: float(np.nanmean([s[k] for s in found])) for k in found[0]}
                label = "**chosen**" if model == "chosen" else model
                lines.append(
                    f"| {horizon} | {label} | {mean['mase']:.3f} | {mean['mape']:.1f} | "
                    f"{mean['cov80']:.2f} | {mean['cov95']:.2f} |"
                )
            chosen = ", ".join(f"{m} {c}" for m, c in sorted(picks[(group, horizon)].items()))
            lines.append(f"| {horizon} | *picked* | {chosen} | | | |")
            mase = {
                m: float(np.nanmean([s["mase"] for s in cells[(group, horizon, m)]]))
                for m in COLUMNS
                if cells.get((group, horizon, m))
            }
            singles = {m: v for m, v in mase.items() if m != "chosen"}
            best = min(singles, key=singles.__getitem__)
            summary.append(
                f"- {group}, {horizon} {unit}: chosen MASE {mase['chosen']:.3f} vs best single "
                f"model {best} {singles[best]:.3f} ({mase['chosen'] / singles[best]:.2f}x), "
                f"vs seasonal naive {singles['seasonal_naive']:.3f}"
            )
        lines.append("")
    lines += ["### chosen vs the best single model (held-out MASE)", "", *summary, ""]
    return "\n".join(lines)


# ----------------------------------------------------------------------------- speed


def synthetic_cost_series(count: int, days: int = 365, seed: int = 2024) -> list[RegularSeries]:
    """Cost-like daily series: lognormal level, trend, weekday cycle, noise, level shifts,
    spikes; one in ten is intermittent (many zero days)."""
    rng = np.random.default_rng(seed)
    stamps = pd.date_range("2025-01-01", periods=days, freq="D").to_numpy(dtype="datetime64[ns]")
    t = np.arange(days)
    out: list[RegularSeries] = []
    for i in range(count):
        level = float(rng.lognormal(4, 1.2))
        trend = rng.normal(0, 0.3) * level / days
        weekday = np.where(t % 7 >= 5, 1 - rng.uniform(0, 0.4), 1.0)
        y = (level + trend * t) * weekday * (1 + rng.normal(0, rng.uniform(0.02, 0.12), days))
        if rng.random() < 0.3:
            at = int(rng.integers(60, days - 30))
            y[at:] *= rng.uniform(0.6, 1.6)
        for _ in range(int(rng.poisson(1.0))):
            at = int(rng.integers(0, days))
            y[at] *= rng.uniform(2, 5)
        if i % 10 == 9:
            y *= rng.random(days) < 0.3
        out.append(RegularSeries(stamps, np.maximum(y, 0.0), DAILY))
    return out


def _prophet_alone(task: tuple[RegularSeries, int]) -> None:
    series, horizon = task
    MODELS["prophet"](
        TrainingData(series.values, series.timestamps, series.frequency), horizon, None
    )


def speed(count: int, subset: int, workers: int, horizon: int) -> dict[str, Any]:
    series = synthetic_cost_series(count)
    started = time.perf_counter()
    results = forecast_many(series, horizon, workers=workers)
    chosen_s = time.perf_counter() - started
    picks: dict[str, int] = defaultdict(int)
    for r in results:
        picks[r.model] += 1
    prophet_n = subset or count
    context = multiprocessing.get_context("spawn")
    started = time.perf_counter()
    with (
        single_threaded_children(),
        ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool,
    ):
        list(pool.map(_prophet_alone, [(s, horizon) for s in series[:prophet_n]], chunksize=8))
    prophet_s = (time.perf_counter() - started) * count / prophet_n
    return {
        "series": count,
        "days": 365,
        "horizon": horizon,
        "workers": workers,
        "chosen_seconds": round(chosen_s, 1),
        "prophet_seconds": round(prophet_s, 1),
        "prophet_measured_on": prophet_n,
        "ratio": round(chosen_s / prophet_s, 2),
        "picks": dict(sorted(picks.items())),
    }


# ----------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--series", type=int, default=1000)
    parser.add_argument("--prophet-subset", type=int, default=0)
    parser.add_argument("--horizon", type=int, default=90)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--skip-accuracy", action="store_true")
    parser.add_argument("--write-doc", type=Path, default=None)
    args = parser.parse_args()
    command = " ".join([".venv/bin/python bench/forecasting.py", *map(shlex.quote, sys.argv[1:])])
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    today = dt.datetime.now(dt.UTC).date().isoformat()

    tables = ""
    cost_series = 0
    if not args.skip_accuracy:
        started = time.perf_counter()
        rows, cost_series = accuracy(args.workers)
        tables = accuracy_tables(rows)
        print(tables)
        print(f"accuracy run: {time.perf_counter() - started:.0f} s, {cost_series} cost series")

    figures = speed(args.series, args.prophet_subset, args.workers, args.horizon)
    extrapolated = (
        f" (Prophet measured on {figures['prophet_measured_on']} series and extrapolated)"
        if figures["prophet_measured_on"] != figures["series"]
        else ""
    )
    speed_text = (
        f"Backtested model choice for {figures['series']} daily series x {figures['days']} "
        f"days, horizon {figures['horizon']}, {figures['workers']} worker processes: "
        f"**{figures['chosen_seconds']} s** (target <= 120 s). Prophet alone, one fit per "
        f"series, same pool: {figures['prophet_seconds']} s{extrapolated}. Ratio chosen / "
        f"Prophet alone: **{figures['ratio']}x**. Models picked: {figures['picks']}."
    )
    print(speed_text)
    print(f"\ncommand: {command}\nmachine: {machine}\ndate: {today}")

    if args.write_doc is not None:
        args.write_doc.write_text(
            DOC_TEMPLATE.format(
                date=today,
                machine=machine,
                command=command,
                tables=tables or "(accuracy skipped in this run)\n",
                speed=speed_text,
                cost_series=cost_series,
            )
        )
        print(f"wrote {args.write_doc}")


DOC_TEMPLATE = """# Forecast accuracy and speed

Measured {date} on {machine} (a shared 2-core machine: other work ran at the same time, so
times are indicative; the ratio is measured in the same run).

Command: `{command}`

## Method
- The production path (`finops.forecasting.forecast_with_model_choice`): rolling-origin backtest
  on the training data (2 origins, fold horizon = the horizon when the history allows), the
  lowest MASE wins among seasonal naive, seasonal moving average (SMA), ETS (statsmodels,
  additive damped trend + additive season) and Prophet (bundled model, fixed seed).
- Held-out evaluation: the last H points at three origins (n-H, n-2H, n-3H) per series; the
  chosen model and every single model see the same training part. MASE is scaled by the
  training part's in-sample seasonal naive error (weekly for daily data, yearly for monthly);
  MAPE in percent; coverage = share of actuals inside the 80% / 95% intervals (nominal 0.80 /
  0.95). Figures are means over series and origins; "picked" counts the models chosen.
- Data: Prophet's examples (`../shared/data/prophet-examples/`, MIT; daily: Peyton Manning and
  R Wikipedia page views (log), Melbourne pedestrians through COVID; monthly: US retail sales,
  air passengers) and {cost_series} generated daily cost series (13-month
  `finops.devtools.sample` estate, 4 accounts, daily effective cost per total / account / service
  scope with at least 300 days, ingested and read exactly as the `forecast_costs` job reads them).

## Accuracy

{tables}
## Speed

{speed}
"""


if __name__ == "__main__":
    main()
