"""Forecasting benchmark: accuracy and calibration of the backtested model choice, month-end
projections, and speed.

Usage:
    .venv/bin/python bench/forecasting.py [--groups daily,monthly,cost] [--max-series N]
        [--skip-month-end] [--series 300] [--skip-speed] [--workers 2]
        [--write-doc docs/accuracy-forecasting.md]

Accuracy. For every series and horizon the last ``H`` points are held out at three origins
(``n - H``, ``n - 2H``, ``n - 3H``); the production choice (``forecast_with_model_choice``:
backtest, ensemble, conformal bands) sees the training part only and is scored on the held-out
part, against every single model fitted on the same training part (with its own bands) and
against the previous production choice (2 origins, lowest MASE among the four original models,
the models' own bands). Figures: MASE (scale: in-sample seasonal naive of the training part),
MAPE (%), share of actuals inside the 80% / 95% bands. Data (in ``bench/data``):
  - daily Prophet examples (Wikipedia page views of Peyton Manning and of R, Melbourne
    pedestrian counts through COVID; holidays US, US, AU) at 7, 30 and 90 days;
  - monthly Prophet examples (US retail sales, air passengers) at 3, 6 and 12 months;
  - generated cost series: a 13-month ``finops.devtools.sample`` estate (4 accounts) ingested into a
    throwaway SQLite database, daily effective cost per total / account / service scope, as the
    job reads it (US holidays, the job's default), at 7, 30 and 90 days.

Month-end projections (daily groups). For each of the last three complete months of a series
and each of days 1, 10 and 20 of it: the history before that day is forecast 90 days ahead
(the job's horizon) and the month's projection is built exactly as
``finops.forecasting.month_end_projection`` builds it (actuals so far + the forecast of the
rest, interval from the backtested window-sum errors); coverage = share of real month totals
inside the 80% / 95% intervals; width = the 80% interval relative to the real total.

Speed. ``--series`` generated daily cost-like series of 365 days (seeded), horizon 90: the
production choice and the previous one through ``forecast_many`` on the same series, same
pool, in the same run; the ratio is the figure (the machine is shared).
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
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from finops.anomalies.calendar import holiday_days  # noqa: E402
from finops.forecasting.backtest import (  # noqa: E402
    SeriesForecast,
    forecast_with_model_choice,
    holiday_array,
    mase_scale,
)
from finops.forecasting.batch import ChoiceOptions, forecast_many, single_threaded_children  # noqa: E402
from finops.forecasting.calibration import sum_interval  # noqa: E402
from finops.forecasting.files import read_series_file  # noqa: E402
from finops.forecasting.models import MODELS, ModelFailedError, ModelForecast, TrainingData  # noqa: E402
from finops.forecasting.monthstart import month_start_charges  # noqa: E402
from finops.forecasting.series import DAILY, RegularSeries  # noqa: E402

EXAMPLES = REPO / "bench" / "data" / "prophet-examples"
DAILY_FILES = {
    "peyton_manning": ("example_wp_log_peyton_manning.csv", "US"),
    "wp_log_R": ("example_wp_log_R.csv", "US"),
    "pedestrians_covid": ("example_pedestrians_covid.csv", "AU"),
}
MONTHLY_FILES = {
    "retail_sales": "example_retail_sales.csv",
    "air_passengers": "example_air_passengers.csv",
}
GROUPS = {"daily": "daily examples", "monthly": "monthly examples", "cost": "generated cost"}
DAILY_HORIZONS = (7, 30, 90)
MONTHLY_HORIZONS = (3, 6, 12)
EVAL_ORIGINS = 3
PREVIOUS = ChoiceOptions(
    models=("seasonal_naive", "sma", "ets", "prophet"),
    origins=2,
    ensemble=False,
    calibrated=False,
    month_start=False,
)
SINGLE = tuple(MODELS)
COLUMNS = ("chosen", "previous", *SINGLE)
MONTH_DAYS = (1, 10, 20)
MONTHS_BACK = 3
JOB_HORIZON = 90
TARGET_COVERAGE = 0.05

Row = tuple[str, str, int, str, dict[str, float]]


# ----------------------------------------------------------------------------- helpers


def _holidays(series: RegularSeries, country: str | None) -> tuple[dt.date, ...]:
    if not country or not series.frequency.is_daily:
        return ()
    first = pd.Timestamp(series.timestamps[0]).date()
    last = pd.Timestamp(series.timestamps[-1]).date() + dt.timedelta(days=400)
    return tuple(sorted(holiday_days(first, last, country)))


def _choose(
    train: RegularSeries, horizon: int, options: ChoiceOptions | None, days: tuple[dt.date, ...]
) -> SeriesForecast:
    if options is None:
        return forecast_with_model_choice(train, horizon, holidays=days or None)
    return forecast_with_model_choice(
        train,
        horizon,
        models=options.models,
        origins=options.origins,
        ensemble=options.ensemble,
        calibrated=options.calibrated,
        holidays=days or None,
        month_start=options.month_start,
    )


def _score(actual: np.ndarray, fc: ModelForecast, scale: float) -> dict[str, float]:
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


# ----------------------------------------------------------------------------- accuracy


def evaluate_task(task: tuple[str, str, RegularSeries, int, str | None]) -> list[Row]:
    """Every held-out origin of one series at one horizon: chosen, previous, each single model;
    the choice's and the previous choice's seconds go in ``time:`` rows."""
    group, name, series, horizon, country = task
    rows: list[Row] = []
    n = len(series)
    days = _holidays(series, country)
    for k in range(1, EVAL_ORIGINS + 1):
        origin = n - k * horizon
        if origin < 60:
            break
        train = RegularSeries(series.timestamps[:origin], series.values[:origin], series.frequency)
        actual = series.values[origin : origin + horizon]
        scale = mase_scale(train.values, series.frequency.season)
        scale = max(scale, 1e-9 * max(1.0, float(np.mean(np.abs(train.values)))))
        floor = bool(np.all(train.values >= 0))
        started = time.perf_counter()
        chosen = _choose(train, horizon, None, days)
        chosen_s = time.perf_counter() - started
        started = time.perf_counter()
        previous = _choose(train, horizon, PREVIOUS, days)
        previous_s = time.perf_counter() - started
        rows += [
            (group, name, horizon, "chosen", _score(actual, chosen.forecast, scale)),
            (group, name, horizon, f"pick:{chosen.model}", {}),
            (group, name, horizon, "previous", _score(actual, previous.forecast, scale)),
            (group, name, horizon, "time:", {"chosen": chosen_s, "previous": previous_s}),
        ]
        # single models get the production path's month-start charge handling too, so the
        # comparison measures the choice, not the charge
        adjusted, charge = month_start_charges(train)
        data = TrainingData(adjusted.values, adjusted.timestamps, adjusted.frequency)
        marked = holiday_array(days)
        if marked is not None:
            data = TrainingData(data.values, data.timestamps, data.frequency, marked)
        for model, function in MODELS.items():
            try:
                fc = function(data, horizon, None)
            except ModelFailedError:
                continue
            if charge is not None:
                fc = charge.add_to(fc, train.future(horizon))
            fc = fc.clipped_at_zero() if floor else fc
            rows.append((group, name, horizon, model, _score(actual, fc, scale)))
    return rows


def month_end_task(task: tuple[str, str, RegularSeries, str | None]) -> list[Row]:
    """Month-end projections of the last complete months at several days into each month."""
    group, name, series, country = task
    days = _holidays(series, country)
    index = pd.DatetimeIndex(series.timestamps)
    months = sorted({(t.year, t.month) for t in index})
    complete = [
        (y, m)
        for (y, m) in months
        if dt.date(y, m, 1) >= index[0].date()
        and (dt.date(y, m, 1) + pd.offsets.MonthBegin(1)).date() <= index[-1].date()
    ]
    rows: list[Row] = []
    for year, month in complete[-MONTHS_BACK:]:
        start = dt.date(year, month, 1)
        end = (pd.Timestamp(start) + pd.offsets.MonthBegin(1)).date()
        in_month = (index.date >= start) & (index.date < end)
        real = float(series.values[in_month].sum())
        for day in MONTH_DAYS:
            as_of = start + dt.timedelta(days=day - 1)
            cut = int(np.searchsorted(index.date, as_of))
            if cut < 60:
                continue
            train = RegularSeries(series.timestamps[:cut], series.values[:cut], series.frequency)
            actual = float(series.values[(index.date >= start) & (index.date < as_of)].sum())
            result = _choose(train, JOB_HORIZON, None, days)
            rest = result.forecast.head((end - as_of).days)
            floor = bool(np.all(train.values >= 0))
            charged = result.month_start is not None
            separate = np.array(
                [charged and (as_of + dt.timedelta(days=i)).day == 1 for i in range(len(rest))]
            )
            total, low95, low80, high80, high95 = sum_interval(
                rest, result.calibration, nonnegative=floor, separate=separate
            )
            # the product adds decimals rounded to 6 places; these float sums differ from the
            # real total by rounding noise (~1e-13), which must not turn an interval that is a
            # point (a scope the forecast matches exactly) into a miss
            tol = 1e-9 * max(1.0, abs(real))
            rows.append(
                (
                    group,
                    name,
                    day,
                    "month-end",
                    {
                        "cov80": float(actual + low80 - tol <= real <= actual + high80 + tol),
                        "cov95": float(actual + low95 - tol <= real <= actual + high95 + tol),
                        "width80": (high80 - low80) / abs(real) if real else float("nan"),
                        "ape": abs(actual + total - real) / abs(real) if real else float("nan"),
                    },
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


def load_groups(
    groups: Sequence[str], max_series: int | None
) -> list[tuple[str, str, RegularSeries, str | None]]:
    """(group, name, series, holiday country) of the selected groups."""
    out: list[tuple[str, str, RegularSeries, str | None]] = []
    if "daily" in groups:
        for name, (file, country) in list(DAILY_FILES.items())[:max_series]:
            series, _ = read_series_file(EXAMPLES / file)
            out.append((GROUPS["daily"], name, series, country))
    if "monthly" in groups:
        for name, file in list(MONTHLY_FILES.items())[:max_series]:
            series, _ = read_series_file(EXAMPLES / file)
            out.append((GROUPS["monthly"], name, series, None))
    if "cost" in groups:
        with tempfile.TemporaryDirectory() as tmp:
            costs = sample_cost_series(Path(tmp))
        out += [(GROUPS["cost"], name, s, "US") for name, s in costs[:max_series]]
    return out


def run_pool(function: Any, tasks: Sequence[Any], workers: int) -> list[Row]:
    context = multiprocessing.get_context("spawn")
    rows: list[Row] = []
    with (
        single_threaded_children(),
        ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool,
    ):
        for result in pool.map(function, tasks):
            rows.extend(result)
    return rows


def _mean(found: list[dict[str, float]], key: str) -> float:
    return float(np.nanmean([s[key] for s in found]))


def _coverage_ok(cov80: float, cov95: float) -> bool:
    return abs(cov80 - 0.80) <= TARGET_COVERAGE and abs(cov95 - 0.95) <= TARGET_COVERAGE


def accuracy_tables(rows: Iterable[Row], groups: Sequence[str]) -> tuple[str, list[str]]:
    """The per-group tables and the summary lines (chosen vs the best single model)."""
    cells: dict[tuple[str, int, str], list[dict[str, float]]] = defaultdict(list)
    picks: dict[tuple[str, int], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    times: dict[str, list[dict[str, float]]] = defaultdict(list)
    for group, _name, horizon, model, scores in rows:
        if model.startswith("pick:"):
            picks[(group, horizon)][model[5:]] += 1
        elif model == "time:":
            times[group].append(scores)
        else:
            cells[(group, horizon, model)].append(scores)
    lines: list[str] = []
    summary: list[str] = []
    for key in groups:
        group = GROUPS[key]
        horizons = MONTHLY_HORIZONS if key == "monthly" else DAILY_HORIZONS
        unit = "months" if key == "monthly" else "days"
        lines += [
            f"### {group}",
            "",
            f"| horizon ({unit}) | model | MASE | MAPE % | 80% coverage | 95% coverage |",
            "|---|---|---|---|---|---|",
        ]
        group_mase: dict[str, list[float]] = defaultdict(list)
        for horizon in horizons:
            mase: dict[str, float] = {}
            for model in COLUMNS:
                found = cells.get((group, horizon, model))
                if not found:
                    continue
                mean = {k: _mean(found, k) for k in found[0]}
                mase[model] = mean["mase"]
                group_mase[model].append(mean["mase"])
                label = {"chosen": "**chosen**", "previous": "previous choice"}.get(model, model)
                lines.append(
                    f"| {horizon} | {label} | {mean['mase']:.3f} | {mean['mape']:.1f} | "
                    f"{mean['cov80']:.2f} | {mean['cov95']:.2f} |"
                )
            if "chosen" not in mase:
                continue
            chosen = ", ".join(f"{m} {c}" for m, c in sorted(picks[(group, horizon)].items()))
            lines.append(f"| {horizon} | *picked* | {chosen} | | | |")
            singles = {m: v for m, v in mase.items() if m in SINGLE}
            best = min(singles, key=singles.__getitem__)
            found = cells[(group, horizon, "chosen")]
            cov80, cov95 = _mean(found, "cov80"), _mean(found, "cov95")
            ratio = mase["chosen"] / singles[best]
            summary.append(
                f"| {group} | {horizon} {unit} | {mase['chosen']:.3f} | {best} {singles[best]:.3f}"
                f" | {ratio:.2f}x | {'yes' if ratio <= 1.0 + 1e-9 else 'no'} | "
                f"{mase['previous']:.3f} | {cov80:.2f} / {cov95:.2f} | "
                f"{'yes' if _coverage_ok(cov80, cov95) else 'no'} |"
            )
        if group_mase.get("chosen"):
            means = {m: float(np.mean(v)) for m, v in group_mase.items() if len(v) == len(horizons)}
            singles = {m: v for m, v in means.items() if m in SINGLE}
            best = min(singles, key=singles.__getitem__)
            ratio = means["chosen"] / singles[best]
            found = [s for h in horizons for s in cells[(group, h, "chosen")]]
            cov80, cov95 = _mean(found, "cov80"), _mean(found, "cov95")
            summary.append(
                f"| **{group}** | **all** | {means['chosen']:.3f} | {best} {singles[best]:.3f} | "
                f"{ratio:.2f}x | {'yes' if ratio <= 1.0 + 1e-9 else 'no'} | "
                f"{means['previous']:.3f} | {cov80:.2f} / {cov95:.2f} | "
                f"{'yes' if _coverage_ok(cov80, cov95) else 'no'} |"
            )
        if times.get(group):
            chosen_s = sum(t["chosen"] for t in times[group])
            previous_s = sum(t["previous"] for t in times[group])
            lines += [
                "",
                f"Time per series and origin: chosen {chosen_s / len(times[group]):.2f} s, "
                f"previous choice {previous_s / len(times[group]):.2f} s "
                f"(ratio {chosen_s / previous_s:.2f}x).",
            ]
        lines.append("")
    header = [
        "| group | horizon | chosen MASE | best single model | chosen / best | no worse? | "
        "previous choice MASE | chosen 80% / 95% coverage | within +/-0.05? |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    return "\n".join(lines), header + summary


def month_end_table(rows: Iterable[Row]) -> str:
    cells: dict[tuple[str, int], list[dict[str, float]]] = defaultdict(list)
    for group, _name, day, model, scores in rows:
        if model == "month-end":
            cells[(group, day)].append(scores)
            cells[(group, 0)].append(scores)
    lines = [
        "| group | day of the month | projections | 80% coverage | 95% coverage | "
        "median 80% width / total | median abs. error / total | within +/-0.05? |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for group in GROUPS.values():
        for day in (*MONTH_DAYS, 0):
            found = cells.get((group, day))
            if not found:
                continue
            cov80, cov95 = _mean(found, "cov80"), _mean(found, "cov95")
            width = float(np.nanmedian([s["width80"] for s in found]))
            ape = float(np.nanmedian([s["ape"] for s in found]))
            label = "**all**" if day == 0 else str(day)
            ok = "yes" if _coverage_ok(cov80, cov95) else "no"
            lines.append(
                f"| {group} | {label} | {len(found)} | {cov80:.2f} | {cov95:.2f} | "
                f"{width * 100:.1f}% | {ape * 100:.1f}% | {ok if day == 0 else ''} |"
            )
    return "\n".join(lines) + "\n"


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


def speed(count: int, workers: int, horizon: int) -> dict[str, Any]:
    series = synthetic_cost_series(count)
    days = tuple(sorted(holiday_days(dt.date(2025, 1, 1), dt.date(2026, 6, 1), "US")))
    figures: dict[str, Any] = {"series": count, "days": 365, "horizon": horizon, "workers": workers}
    for label, options in (
        ("previous", PREVIOUS),
        ("chosen", ChoiceOptions(holidays=days)),
    ):
        started = time.perf_counter()
        results = forecast_many(series, horizon, workers=workers, options=options)
        figures[f"{label}_seconds"] = round(time.perf_counter() - started, 1)
        picks: dict[str, int] = defaultdict(int)
        for r in results:
            picks[r.model] += 1
        figures[f"{label}_picks"] = dict(sorted(picks.items()))
    figures["ratio"] = round(figures["chosen_seconds"] / figures["previous_seconds"], 2)
    return figures


# ----------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--groups", default="daily,monthly,cost")
    parser.add_argument("--max-series", type=int, default=None)
    parser.add_argument("--series", type=int, default=300)
    parser.add_argument("--horizon", type=int, default=90)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--skip-accuracy", action="store_true")
    parser.add_argument("--skip-month-end", action="store_true")
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--write-doc", type=Path, default=None)
    args = parser.parse_args()
    groups = [g for g in args.groups.split(",") if g]
    unknown = [g for g in groups if g not in GROUPS]
    if unknown:
        parser.error(f"--groups: unknown {unknown}; expected some of {list(GROUPS)}")
    command = " ".join([".venv/bin/python bench/forecasting.py", *map(shlex.quote, sys.argv[1:])])
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    today = dt.datetime.now(dt.UTC).date().isoformat()
    data = load_groups(groups, args.max_series)
    cost_series = sum(1 for g, *_ in data if g == GROUPS["cost"])

    tables, summary, month_end = "", [], ""
    if not args.skip_accuracy:
        started = time.perf_counter()
        tasks = []
        for group, name, series, country in data:
            horizons = MONTHLY_HORIZONS if group == GROUPS["monthly"] else DAILY_HORIZONS
            tasks += [(group, name, series, h, country) for h in horizons]
        rows = run_pool(evaluate_task, tasks, args.workers)
        tables, summary = accuracy_tables(rows, groups)
        print(tables)
        print("\n".join(summary))
        print(f"accuracy run: {time.perf_counter() - started:.0f} s")
    if not args.skip_month_end:
        started = time.perf_counter()
        tasks = [
            (group, name, series, country)
            for group, name, series, country in data
            if series.frequency.is_daily
        ]
        month_end = month_end_table(run_pool(month_end_task, tasks, args.workers))
        print(month_end)
        print(f"month-end run: {time.perf_counter() - started:.0f} s")

    speed_text = "(speed skipped in this run)"
    if not args.skip_speed:
        f = speed(args.series, args.workers, args.horizon)
        speed_text = (
            f"{f['series']} generated daily cost series x {f['days']} days, horizon "
            f"{f['horizon']}, {f['workers']} worker processes, same series and pool: production "
            f"choice **{f['chosen_seconds']} s** ({f['chosen_seconds'] / f['series']:.3f} s per "
            f"series), previous choice {f['previous_seconds']} s "
            f"({f['previous_seconds'] / f['series']:.3f} s per series): ratio **{f['ratio']}x**. "
            f"Picked now: {f['chosen_picks']}; previously: {f['previous_picks']}."
        )
    print(speed_text)
    print(f"\ncommand: {command}\nmachine: {machine}\ndate: {today}")

    if args.write_doc is not None:
        args.write_doc.write_text(
            DOC_TEMPLATE.format(
                date=today,
                machine=machine,
                command=command,
                summary="\n".join(summary) or "(accuracy skipped in this run)",
                tables=tables or "(accuracy skipped in this run)\n",
                month_end=month_end or "(month-end projections skipped in this run)\n",
                speed=speed_text,
                cost_series=cost_series,
            )
        )
        print(f"wrote {args.write_doc}")


DOC_TEMPLATE = """# Forecast accuracy, calibration and speed

Measured {date} on {machine} (a shared 2-core machine: other work ran at the same time, so
times are indicative; ratios are measured in the same run).

Command: `{command}`

## Targets

- **Model choice**: on each group of series, the chosen forecast's held-out MASE is no worse than
  the best single model's (chosen / best <= 1.00, the best single model picked in hindsight, per
  group over its horizons; the per-horizon rows are reported too).
- **Intervals**: the chosen forecast's 80% and 95% bands cover 0.80 +/- 0.05 and 0.95 +/- 0.05 of
  the held-out actuals, per group.
- **Month-end projections**: the 80% and 95% intervals of the projected month total cover
  0.80 +/- 0.05 and 0.95 +/- 0.05 of the real month totals, per daily group; for the demo estate
  (about 12,000 USD a month) the 80% interval is at most 20% of the month's total
  (`tests/integration/test_forecast_demo_month_end.py`).
- **Time**: the production choice costs at most 3x the previous choice per series.

## Summary

{summary}

## Method

- The production path (`finops.forecasting.forecast_with_model_choice`): rolling-origin backtest
  on the training data (up to 5 origins half a fold apart, fold horizon = the horizon when the
  history allows; racing drops a model 1.25x behind the best after the first half of the folds),
  candidates seasonal naive, seasonal moving average (SMA), ETS (statsmodels, additive damped
  trend + additive season), ETS on the logarithm (multiplicative trend and season, positive
  series only), Prophet (bundled model, fixed seed, public holidays on daily data) and the mean
  of the two best (an ensemble `a+b`); the lowest backtest MASE wins. Bands: split conformal on
  the backtest residuals (normalised by the model's own width, quantiles per horizon-step
  bucket); month-end intervals from the backtested window-sum errors
  (`finops.forecasting.calibration`).
- "previous choice": the production path before this change (2 origins, the four original
  models, lowest MASE, the models' own bands), run on the same training parts.
- Held-out evaluation: the last H points at three origins (n-H, n-2H, n-3H) per series; the
  chosen model and every single model see the same training part. MASE is scaled by the
  training part's in-sample seasonal naive error (weekly for daily data, yearly for monthly);
  MAPE in percent; coverage = share of actuals inside the 80% / 95% bands (nominal 0.80 /
  0.95); single models are shown with their own bands. Figures are means over series and
  origins; "picked" counts the candidates chosen.
- Data: Prophet's examples (`bench/data/prophet-examples/`, MIT, see its SOURCE.md; daily: Peyton
  Manning and R Wikipedia page views (log), Melbourne pedestrians through COVID; monthly: US
  retail sales, air passengers) and {cost_series} generated daily cost series (13-month
  `finops.devtools.sample` estate, 4 accounts, daily effective cost per total / account / service
  scope with at least 300 days, ingested and read exactly as the `forecast_costs` job reads them).

## Accuracy

{tables}
## Month-end projections

Projections made on day 1, 10 and 20 of each of the last three complete months of every daily
series (history before that day, the job's 90-day forecast), against the month's real total.

{month_end}
## Speed

{speed}
"""


if __name__ == "__main__":
    main()
