"""Ingestion benchmark: end-to-end ingest vs a pandas baseline vs the DuckDB+COPY floor.

Usage:
    .venv/bin/python bench/ingest.py [--sizes 1000000,10000000] [--formats cur2,cur-legacy]

For every (format, size) it generates a one-month sample with ``finops sample`` machinery,
then measures, each in a fresh subprocess against a fresh PostgreSQL database:
  - ``e2e``: ``finops.ingest.service.ingest_paths`` (validate + aggregate + COPY + bookkeeping);
  - ``restate``: the same month delivered again with different content (replaces the month);
  - ``floor``: DuckDB scan-and-aggregate of the same grain + COPY of its result, nothing else;
  - ``pandas``: chunked pandas read + groupby of the same grain + SQLAlchemy ``to_sql``
    (method="multi"), the way a data engineer would write it without DuckDB.
Each of e2e, restate and floor runs ``--repeat`` times, interleaved; the medians are reported.
Reports wall time, lines/s and peak RSS, and the ratios e2e/floor and pandas/e2e.
Prints the figures and the command that produced them; ``--json`` writes them to a file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import shlex
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

DEFAULT_PG = os.environ.get(
    "FINOPS_TEST_DATABASE_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
)
MONTH_END = dt.date(2026, 10, 1)  # one whole month: September 2026


# ----------------------------------------------------------------------------- workers


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker_e2e(path: Path, url: str, delivered_at: str | None) -> dict[str, Any]:
    from finops.db.database import open_database
    from finops.ingest.service import ingest_paths

    db = open_database(url)
    when = dt.datetime.fromisoformat(delivered_at) if delivered_at else None
    start = time.perf_counter()
    outcomes = ingest_paths(db=db, paths=[path], delivered_at=when)
    wall = time.perf_counter() - start
    failed = [o.error for o in outcomes if o.status == "failed"]
    if failed:
        raise SystemExit(f"ingest failed: {failed}")
    return {
        "wall_s": wall,
        "lines": sum(o.rows_read for o in outcomes),
        "facts": sum(o.rows_written for o in outcomes),
        "statuses": [o.status for o in outcomes],
        "peak_rss_mb": _peak_rss_mb(),
    }


def _files(path: Path) -> tuple[str, list[Path]]:
    """("parquet" | "csv", the data files under ``path``)."""
    if path.is_file():
        return ("parquet" if path.name.endswith(".parquet") else "csv"), [path]
    parquet = sorted(path.rglob("*.parquet"))
    if parquet:
        return "parquet", parquet
    return "csv", sorted(p for p in path.rglob("*") if p.name.endswith((".csv", ".csv.gz")))


DEC = "DECIMAL(38,18)"


def _floor_sql(path: Path) -> str:
    """The same daily grain and columns as ``billing_facts``, with the least work possible:
    plain renames, exact decimal sums, no validation, no mapping rules, no tag normalising."""
    kind, files = _files(path)
    listed = "[" + ", ".join(f"'{f}'" for f in files) + "]"
    if kind == "parquet":
        c = {
            "payer": "bill_payer_account_id",
            "bp_start": "bill_billing_period_start_date",
            "bp_end": "bill_billing_period_end_date",
            "start": "line_item_usage_start_date",
            "account": "line_item_usage_account_id",
            "type": "line_item_line_item_type",
            "product": "line_item_product_code",
            "region": "product_region_code",
            "resource": "line_item_resource_id",
            "usage_type": "line_item_usage_type",
            "term": "pricing_term",
            "unit": "pricing_unit",
            "sp": "savings_plan_savings_plan_a_r_n",
            "ri": "reservation_reservation_a_r_n",
            "currency": "line_item_currency_code",
            "amount": "line_item_usage_amount",
            "cost": "line_item_unblended_cost",
            "sp_eff": "savings_plan_savings_plan_effective_cost",
            "od": "pricing_public_on_demand_cost",
        }
        source = f"read_parquet({listed})"
        tags = "CAST(to_json(resource_tags) AS VARCHAR)"
    else:
        c = {
            "payer": '"bill/PayerAccountId"',
            "bp_start": '"bill/BillingPeriodStartDate"',
            "bp_end": '"bill/BillingPeriodEndDate"',
            "start": '"lineItem/UsageStartDate"',
            "account": '"lineItem/UsageAccountId"',
            "type": '"lineItem/LineItemType"',
            "product": '"lineItem/ProductCode"',
            "region": '"product/region"',
            "resource": '"lineItem/ResourceId"',
            "usage_type": '"lineItem/UsageType"',
            "term": '"pricing/term"',
            "unit": '"pricing/unit"',
            "sp": '"savingsPlan/SavingsPlanARN"',
            "ri": '"reservation/ReservationARN"',
            "currency": '"lineItem/CurrencyCode"',
            "amount": '"lineItem/UsageAmount"',
            "cost": '"lineItem/UnblendedCost"',
            "sp_eff": '"savingsPlan/SavingsPlanEffectiveCost"',
            "od": '"pricing/publicOnDemandCost"',
        }
        source = f"read_csv({listed}, header = true, all_varchar = true)"
        tags = (
            "CAST(json_object('team', \"resourceTags/user:team\", 'env', "
            '"resourceTags/user:env", \'cost-center\', "resourceTags/user:cost-center") '
            "AS VARCHAR)"
        )
    c = {k: (v if v.startswith('"') else f'"{v}"') for k, v in c.items()}
    day = f"date_trunc('day', CAST({c['start']} AS TIMESTAMPTZ))"

    def dec(col: str) -> str:
        return f"CAST(NULLIF(CAST({col} AS VARCHAR), '') AS {DEC})"

    return (
        f"SELECT 1 AS ingestion_file_id, 'AWS' AS provider, {c['payer']} AS billing_account_id, "
        f"CAST({c['bp_start']} AS TIMESTAMPTZ) AS billing_period_start, "
        f"CAST({c['bp_end']} AS TIMESTAMPTZ) AS billing_period_end, "
        f"{day} AS charge_period_start, {day} + INTERVAL 1 DAY AS charge_period_end, "
        f"{c['account']} AS sub_account_id, {c['type']} AS charge_category, "
        f"NULL AS charge_class, {c['type']} AS source_charge_type, "
        f"{c['product']} AS service_name, NULL AS service_category, {c['region']} AS region_id, "
        f"{c['resource']} AS resource_id, NULL AS resource_type, {c['usage_type']} AS usage_type, "
        f"NULL AS sku_id, {c['term']} AS pricing_category, {c['unit']} AS pricing_unit, "
        f"coalesce({c['sp']}, {c['ri']}) AS commitment_discount_id, "
        f"NULL AS commitment_discount_type, NULL AS commitment_discount_category, "
        f"{c['currency']} AS billing_currency, {tags} AS tags, "
        f"sum({dec(c['amount'])}) AS consumed_quantity, "
        f"sum({dec(c['amount'])}) AS pricing_quantity, sum({dec(c['cost'])}) AS billed_cost, "
        f"sum(coalesce({dec(c['sp_eff'])}, {dec(c['cost'])})) AS effective_cost, "
        f"sum({dec(c['od'])}) AS list_cost, sum({dec(c['cost'])}) AS contracted_cost, "
        f"count(*) AS line_items FROM {source} GROUP BY ALL"
    )


def worker_floor(path: Path, url: str) -> dict[str, Any]:
    """DuckDB scan-and-aggregate to the billing_facts columns + COPY into a table with
    billing_facts' exact types and indexes: the irreducible cost of storing these aggregates."""
    import duckdb
    import psycopg2
    from sqlalchemy.engine import make_url

    from finops.ingest.store import STORED_COLUMNS

    pg = make_url(url)
    conn = psycopg2.connect(
        host=pg.host, port=pg.port, user=pg.username, dbname=pg.database, password=pg.password
    )
    with conn, conn.cursor() as cur:
        cur.execute(
            "CREATE TABLE floor_facts (LIKE billing_facts INCLUDING DEFAULTS INCLUDING INDEXES)"
        )
    start = time.perf_counter()
    con = duckdb.connect(config={"memory_limit": "1GB"})
    con.execute("SET TimeZone = 'UTC'")
    out = Path(f"/tmp/floor-{uuid.uuid4().hex}.csv")
    con.execute(f"COPY ({_floor_sql(path)}) TO '{out}' (HEADER false)")
    with conn, conn.cursor() as cur, open(out, "rb") as handle:
        cur.copy_expert(
            f"COPY floor_facts ({', '.join(STORED_COLUMNS)}) FROM STDIN WITH (FORMAT csv)",
            handle,
        )
        cur.execute("SELECT count(*) FROM floor_facts")
        facts = cur.fetchone()
    wall = time.perf_counter() - start
    conn.close()
    out.unlink()
    return {"wall_s": wall, "facts": facts[0] if facts else 0, "peak_rss_mb": _peak_rss_mb()}


def worker_pandas(path: Path, url: str) -> dict[str, Any]:
    import numpy as np
    import pandas as pd
    import pyarrow.parquet as pq
    from sqlalchemy import create_engine

    start = time.perf_counter()
    partials = []
    lines = 0
    kind, files = _files(path)
    if kind == "parquet":
        cols = [
            "bill_payer_account_id",
            "line_item_usage_account_id",
            "line_item_usage_start_date",
            "line_item_product_code",
            "line_item_usage_type",
            "line_item_resource_id",
            "line_item_line_item_type",
            "product_region_code",
            "line_item_currency_code",
            "pricing_term",
            "savings_plan_savings_plan_a_r_n",
            "reservation_reservation_a_r_n",
            "line_item_unblended_cost",
            "savings_plan_savings_plan_effective_cost",
            "pricing_public_on_demand_cost",
        ]

        def chunks() -> Any:
            for file in files:
                for batch in pq.ParquetFile(file).iter_batches(batch_size=1_000_000, columns=cols):
                    yield batch.to_pandas()

        start_col, cost, sp_eff, od = (
            "line_item_usage_start_date",
            "line_item_unblended_cost",
            "savings_plan_savings_plan_effective_cost",
            "pricing_public_on_demand_cost",
        )
        line_type = "line_item_line_item_type"
        key_cols = [c for c in cols if c not in (start_col, cost, sp_eff, od)]
    else:
        usecols = [
            "bill/PayerAccountId",
            "lineItem/UsageAccountId",
            "lineItem/UsageStartDate",
            "lineItem/ProductCode",
            "lineItem/UsageType",
            "lineItem/ResourceId",
            "lineItem/LineItemType",
            "product/region",
            "lineItem/CurrencyCode",
            "pricing/term",
            "savingsPlan/SavingsPlanARN",
            "reservation/ReservationARN",
            "lineItem/UnblendedCost",
            "savingsPlan/SavingsPlanEffectiveCost",
            "pricing/publicOnDemandCost",
        ]

        def chunks() -> Any:
            for file in files:
                yield from pd.read_csv(
                    file, usecols=usecols, chunksize=1_000_000, dtype=str, keep_default_na=False
                )

        start_col, cost, sp_eff, od = (
            "lineItem/UsageStartDate",
            "lineItem/UnblendedCost",
            "savingsPlan/SavingsPlanEffectiveCost",
            "pricing/publicOnDemandCost",
        )
        line_type = "lineItem/LineItemType"
        key_cols = [c for c in usecols if c not in (start_col, cost, sp_eff, od)]
    for frame in chunks():
        lines += len(frame)
        frame["day"] = frame[start_col].astype(str).str[:10]
        billed = pd.to_numeric(frame[cost], errors="coerce").fillna(0.0)
        frame["billed"] = billed
        frame["effective"] = np.where(
            frame[line_type] == "SavingsPlanCoveredUsage",
            pd.to_numeric(frame[sp_eff], errors="coerce"),
            billed,
        )
        frame["list"] = pd.to_numeric(frame[od], errors="coerce").fillna(0.0)
        frame["n"] = 1
        grouped = (
            frame.groupby([*key_cols, "day"], dropna=False, sort=False)[
                ["billed", "effective", "list", "n"]
            ]
            .sum()
            .reset_index()
        )
        partials.append(grouped)
    facts = (
        pd.concat(partials)
        .groupby(
            [c for c in partials[0].columns if c not in ("billed", "effective", "list", "n")],
            dropna=False,
            sort=False,
        )
        .sum()
        .reset_index()
    )
    facts.columns = [f"c{i}" for i in range(len(facts.columns))]
    engine = create_engine(url)
    facts.to_sql(
        "pandas_facts", engine, if_exists="replace", index=False, method="multi", chunksize=5000
    )
    engine.dispose()
    wall = time.perf_counter() - start
    return {"wall_s": wall, "lines": lines, "facts": len(facts), "peak_rss_mb": _peak_rss_mb()}


# ----------------------------------------------------------------------------- orchestration


def fresh_database(admin_url: str) -> str:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from finops.db import migrate
    from finops.db.database import open_database

    name = f"finops_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    database = open_database(url)
    migrate.upgrade(database.engine)
    database.dispose()
    return url


def drop_database(admin_url: str, url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = make_url(url).database
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def run_worker(kind: str, path: Path, url: str, extra: list[str] | None = None) -> dict[str, Any]:
    cmd = [
        sys.executable,
        __file__,
        "--worker",
        kind,
        "--path",
        str(path),
        "--db-url",
        url,
        *(extra or []),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{kind} worker failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def generate(fmt: str, lines: int, seed: int, root: Path) -> tuple[Path, float]:
    from finops.devtools.sample import generate_sample

    out = root / f"{fmt}-{lines}-s{seed}"
    marker = out / ".complete"
    if marker.exists():
        return out / "billing", 0.0
    start = time.perf_counter()
    generate_sample(
        out_dir=out,
        months=2,
        accounts=20,
        seed=seed,
        lines=lines,
        fmt=fmt,  # type: ignore[arg-type]
        end=MONTH_END,
    )
    marker.write_text("ok")
    return out / "billing", time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000,10000000")
    parser.add_argument("--formats", default="cur2,cur-legacy")
    parser.add_argument("--out", default=str(REPO / "bench" / "out"))
    parser.add_argument("--db-url", default=DEFAULT_PG)
    parser.add_argument("--skip-pandas-above", type=int, default=10**12)
    parser.add_argument("--repeat", type=int, default=3, help="runs per variant; medians kept")
    parser.add_argument("--json", dest="json_path")
    parser.add_argument("--worker")
    parser.add_argument("--path")
    parser.add_argument("--delivered-at")
    args = parser.parse_args()

    if args.worker:
        path = Path(args.path)
        if args.worker == "e2e":
            result = worker_e2e(path, args.db_url, args.delivered_at)
        elif args.worker == "floor":
            result = worker_floor(path, args.db_url)
        elif args.worker == "pandas":
            result = worker_pandas(path, args.db_url)
        else:
            raise SystemExit(f"unknown worker {args.worker}")
        print(json.dumps(result))
        return

    root = Path(args.out)
    root.mkdir(parents=True, exist_ok=True)
    results = []
    for fmt in args.formats.split(","):
        for size in (int(s) for s in args.sizes.split(",")):
            data, gen_s = generate(fmt, size, 11, root)
            restated, _ = generate(fmt, size, 12, root)
            row: dict[str, Any] = {"format": fmt, "target_lines": size, "generate_s": gen_s}
            runs: dict[str, list[dict[str, Any]]] = {"e2e": [], "restate": [], "floor": []}
            for _ in range(args.repeat):
                # Interleaved, so slow phases of this shared machine hit every variant alike.
                url = fresh_database(args.db_url)
                try:
                    runs["e2e"].append(
                        run_worker(
                            "e2e", data, url, ["--delivered-at", "2026-10-02T00:00:00+00:00"]
                        )
                    )
                    runs["restate"].append(
                        run_worker(
                            "e2e", restated, url, ["--delivered-at", "2026-10-03T00:00:00+00:00"]
                        )
                    )
                finally:
                    drop_database(args.db_url, url)
                url = fresh_database(args.db_url)
                try:
                    runs["floor"].append(run_worker("floor", data, url))
                finally:
                    drop_database(args.db_url, url)
            for kind, measured in runs.items():
                row[kind] = median_run(measured)
                row[f"{kind}_walls"] = [round(m["wall_s"], 2) for m in measured]
            if size <= args.skip_pandas_above:
                url = fresh_database(args.db_url)
                try:
                    row["pandas"] = run_worker("pandas", data, url)
                finally:
                    drop_database(args.db_url, url)
            lines = row["e2e"]["lines"]
            row["lines"] = lines
            row["e2e_lines_per_s"] = lines / row["e2e"]["wall_s"]
            row["e2e_over_floor"] = row["e2e"]["wall_s"] / row["floor"]["wall_s"]
            row["restate_over_first"] = row["restate"]["wall_s"] / row["e2e"]["wall_s"]
            if "pandas" in row:
                row["pandas_over_e2e"] = row["pandas"]["wall_s"] / row["e2e"]["wall_s"]
            results.append(row)
            print(format_row(row), flush=True)
    document = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}",
        "command": " ".join(
            shlex.quote(a) for a in [".venv/bin/python", "bench/ingest.py", *sys.argv[1:]]
        ),
        "results": results,
    }
    print(f"\ncommand: {document['command']}\nmachine: {document['machine']}")
    if args.json_path:
        Path(args.json_path).write_text(json.dumps(document, indent=2))


def median_run(measured: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the median wall time (its RSS and counts travel with it)."""
    ordered = sorted(measured, key=lambda m: m["wall_s"])
    return ordered[len(ordered) // 2]


def format_row(row: dict[str, Any]) -> str:
    pandas = (
        f"pandas {row['pandas']['wall_s']:.1f}s ({row['pandas_over_e2e']:.1f}x e2e)"
        if "pandas" in row
        else "pandas skipped"
    )
    return (
        f"{row['format']:10} {row['lines']:>11,} lines | e2e {row['e2e']['wall_s']:.1f}s "
        f"{row['e2e_lines_per_s']:,.0f} lines/s RSS {row['e2e']['peak_rss_mb']:.0f} MB "
        f"({row['e2e']['facts']:,} facts) | floor {row['floor']['wall_s']:.1f}s "
        f"(e2e/floor {row['e2e_over_floor']:.2f}) | restate {row['restate']['wall_s']:.1f}s "
        f"(x{row['restate_over_first']:.2f}) | {pandas}"
    )


if __name__ == "__main__":
    main()
