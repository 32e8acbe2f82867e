"""Roll-up queries against facts queries: the Overview's and the assistant's cost reads.

Usage:
    .venv/bin/python bench/rollups.py [--months 1,3,12] [--accounts 50] [--repeat 5]
                                      [--backends sqlite,postgres] [--workdir DIR]

For every month count it generates the deterministic sample (``finops demo``'s generator,
CUR 2.0, ``--accounts`` linked accounts), ingests it once per backend (a fresh SQLite file and
a fresh PostgreSQL database, both migrated to head), then times each query below through
``finops.costs`` twice, interleaved: ``route="facts"`` (summing billing_facts) and the default
route (the smallest daily roll-up that answers exactly). Every pair must return identical
results (checked). Reports medians, the facts/roll-up ratio, and the slope of each path (ms
per 100,000 facts, least squares over the month counts) so the growth with the data shows.

Queries (as the Overview and the assistant issue them, ``today`` = the sample's last day + 1):
  summary       GET /costs/summary: month to date, same span last month, last month;
  trend         GET /costs: last 30 days by day, top 5 services;
  budget-total  a budget's month-to-date actual (currency filter);
  budget-acct   the same for one account;
  projection    the month-end projection's daily actuals (scope total, currency filter);
  ask-services  "top services over the last 90 days" (group by service, limit 5);
  ask-regions   "cost by region and account last month" (the detailed roll-up).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shlex
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "app"))

DEFAULT_PG = os.environ.get(
    "FINOPS_TEST_DATABASE_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
)
END = dt.date(2026, 11, 20)  # exclusive: the last billed day is 2026-11-19, as on a real day


def _pg_url(admin: str) -> str:
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from finops.db.database import open_database

    url = make_url(admin.replace("postgresql://", "postgresql+psycopg2://", 1))
    name = f"finops_bench_rollups_{uuid.uuid4().hex[:8]}"
    db = open_database(url.render_as_string(hide_password=False))
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    db.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def _drop_pg(admin: str, url: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from finops.db.database import open_database

    name = make_url(url).database
    db = open_database(admin.replace("postgresql://", "postgresql+psycopg2://", 1))
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    db.dispose()


def queries(today: dt.date, account: str) -> dict[str, Callable[[Any, str], Any]]:
    from finops.costs.query import CostQuery, query_costs
    from finops.costs.summary import cost_summary

    month = today.replace(day=1)
    last_month = (month - dt.timedelta(days=1)).replace(day=1)

    def run(query: CostQuery) -> Callable[[Any, str], Any]:
        return lambda s, route: query_costs(session=s, query=query, route=route)  # type: ignore[arg-type]

    usd: dict[str, list[str | None]] = {"currency": ["USD"]}
    mtd_start = month if today > month else last_month
    return {
        "summary": lambda s, route: cost_summary(session=s, today=today, route=route),
        "trend": run(
            CostQuery(
                start=today - dt.timedelta(days=30),
                end=today,
                granularity="day",
                group_by=["service"],
                limit=5,
            )
        ),
        "budget-total": run(CostQuery(start=mtd_start, end=today, filters=usd)),
        "budget-acct": run(
            CostQuery(start=mtd_start, end=today, filters={**usd, "account": [account]})
        ),
        "projection": run(
            CostQuery(
                start=today - dt.timedelta(days=90), end=today, granularity="day", filters=usd
            )
        ),
        "ask-services": run(
            CostQuery(start=today - dt.timedelta(days=90), end=today, group_by=["service"], limit=5)
        ),
        "ask-regions": run(CostQuery(start=last_month, end=month, group_by=["region", "account"])),
    }


def comparable(result: Any) -> Any:
    if hasattr(result, "rows"):
        return (result.rows, result.totals, result.line_items, result.fact_count)
    return result


def measure(url: str, repeat: int, today: dt.date) -> tuple[int, dict[str, tuple[float, float]]]:
    from sqlalchemy import func, select

    from finops.db.database import open_database
    from finops.db.models import BillingFact

    db = open_database(url)
    with db.sessions() as session:
        facts = int(session.scalar(select(func.count()).select_from(BillingFact)) or 0)
        account = str(
            session.scalar(select(BillingFact.sub_account_id).where(
                BillingFact.sub_account_id.is_not(None)).limit(1))
        )  # fmt: skip
        timings: dict[str, tuple[float, float]] = {}
        for name, call in queries(today, account).items():
            assert comparable(call(session, "facts")) == comparable(call(session, "auto")), name
            spent: dict[str, list[float]] = {"facts": [], "auto": []}
            for _ in range(repeat):
                for route in ("facts", "auto"):
                    start = time.perf_counter()
                    call(session, route)
                    spent[route].append(time.perf_counter() - start)
            timings[name] = (statistics.median(spent["facts"]), statistics.median(spent["auto"]))
    db.dispose()
    return facts, timings


def ingest(url: str, billing: Path) -> float:
    from finops.db import migrate
    from finops.db.database import open_database
    from finops.ingest.service import ingest_paths

    db = open_database(url)
    migrate.upgrade(db.engine)
    start = time.perf_counter()
    outcomes = ingest_paths(db=db, paths=[billing])
    wall = time.perf_counter() - start
    assert all(o.status == "succeeded" for o in outcomes), [o.error for o in outcomes]
    db.dispose()
    return wall


def slope(points: list[tuple[int, float]]) -> float:
    """Least-squares ms per 100,000 facts."""
    if len(points) < 2:
        return float("nan")
    xs = [p[0] / 100_000 for p in points]
    ys = [p[1] * 1000 for p in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / den if den else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--months", default="1,3,12")
    parser.add_argument("--accounts", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--workdir", type=Path, default=REPO / ".finops" / "bench-rollups")
    args = parser.parse_args()
    from finops.devtools.sample import generate_sample

    print("command:", shlex.join([".venv/bin/python", "bench/rollups.py", *sys.argv[1:]]))
    today = END  # the Overview the morning after the last billed day
    results: dict[str, list[tuple[int, int, float, dict[str, tuple[float, float]]]]] = {}
    for months in [int(m) for m in args.months.split(",")]:
        out = args.workdir / f"{months}m-{args.accounts}a"
        if not (out / "billing").is_dir():
            generate_sample(out_dir=out, months=months, accounts=args.accounts, seed=7,
                            fmt="cur2", end=END)  # fmt: skip
        for backend in args.backends.split(","):
            if backend == "sqlite":
                path = out / "bench.db"
                path.unlink(missing_ok=True)
                url = f"sqlite:///{path}"
            else:
                url = _pg_url(DEFAULT_PG)
            try:
                wall = ingest(url, out / "billing")
                facts, timings = measure(url, args.repeat, today)
            finally:
                if backend != "sqlite":
                    _drop_pg(DEFAULT_PG, url)
            results.setdefault(backend, []).append((months, facts, wall, timings))
            total_f = sum(t[0] for t in timings.values())
            total_r = sum(t[1] for t in timings.values())
            print(f"\n{backend}, {months} months x {args.accounts} accounts: {facts:,} facts "
                  f"(ingest {wall:.1f} s)")  # fmt: skip
            print(f"  {'query':<14}{'facts ms':>10}{'roll-up ms':>12}{'ratio':>8}")
            for name, (f, r) in timings.items():
                print(f"  {name:<14}{f * 1000:>10.1f}{r * 1000:>12.1f}{f / r:>8.1f}")
            print(f"  {'all':<14}{total_f * 1000:>10.1f}{total_r * 1000:>12.1f}"
                  f"{total_f / total_r:>8.1f}")  # fmt: skip
    print("\nslope (ms per 100,000 facts, all queries together):")
    for backend, rows in results.items():
        facts_pts = [(r[1], sum(t[0] for t in r[3].values())) for r in rows]
        roll_pts = [(r[1], sum(t[1] for t in r[3].values())) for r in rows]
        print(f"  {backend}: facts {slope(facts_pts):.1f}, roll-ups {slope(roll_pts):.2f}")


if __name__ == "__main__":
    main()
