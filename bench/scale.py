"""Scale figures in one run: ingest through DuckDB and through local Spark at growing sizes, the
roll-up queries against the facts queries, and API p95 under 20 concurrent clients.

Usage:
    .venv/bin/python bench/scale.py [--sizes 1000000,10000000,50000000] [--parts ingest,rollups,api]
                                    [--spark-master local[2]] [--out bench/out]
                                    [--rollup-args "..."] [--api-args "..."]

Parts:
- ``ingest``: for every size a one-month CUR 2.0 Parquet sample (``bench/ingest.py``'s generator,
  cached under ``--out``) goes, each in a fresh subprocess against a fresh PostgreSQL database,
  (a) end to end through ``ingest_paths(engine="duckdb")`` and (b) through
  ``ingest_paths(engine="spark")`` (Spark in local mode on this machine, then the same store
  path); then (c) the Spark scan alone (``scan_with_spark``, after the session has started),
  from which the per-core throughput is taken. Both engines must write the same facts
  (fact rows and the month's effective cost, to the cent), or the run fails.
- ``rollups``: runs ``bench/rollups.py`` (roll-up vs facts queries at 1, 3 and 12 months).
- ``api``: runs ``bench/api_load.py`` (the Overview's requests, 20 clients, p95 and its slope).

Prints every figure, the least-squares slope of time against lines for each engine, the
projection of a 1-billion-line month on EMR Serverless from the measured per-core Spark
throughput (prices from ``infra_cdk/stack_prices.csv``), and the command.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

sys.path.insert(0, str(REPO / "infra_cdk"))

import ingest as ingest_bench  # noqa: E402  (bench/ingest.py: generator, databases)
from finops_infra.stack_cost import load_prices  # noqa: E402  (the stack's own price table)

PRICES = REPO / "infra_cdk" / "stack_prices.csv"
BILLION = 1_000_000_000


# ----------------------------------------------------------------------------- workers


def _facts_fingerprint(url: str) -> dict[str, Any]:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows, lines, effective, billed = conn.execute(
                text(
                    "SELECT count(*), coalesce(sum(line_items), 0), "
                    "coalesce(sum(effective_cost), 0), coalesce(sum(billed_cost), 0) "
                    "FROM billing_facts"
                )
            ).one()
    finally:
        engine.dispose()
    return {
        "fact_rows": int(rows),
        "lines": int(lines),
        "effective_cost": str(Decimal(effective)),
        "billed_cost": str(Decimal(billed)),
    }


def worker_ingest(path: Path, url: str, engine: str, master: str) -> dict[str, Any]:
    from finops.db.database import open_database
    from finops.ingest.service import ingest_paths

    db = open_database(url)
    began = time.perf_counter()
    outcomes = ingest_paths(
        db=db,
        paths=[path],
        engine=engine,  # type: ignore[arg-type]
        spark_master=master,
        delivered_at=dt.datetime(2026, 10, 2, tzinfo=dt.UTC),
    )
    wall = time.perf_counter() - began
    failed = [o.error for o in outcomes if o.status == "failed"]
    if failed:
        raise SystemExit(f"ingest ({engine}) failed: {failed}")
    db.dispose()
    return {"wall_s": wall, **_facts_fingerprint(url), "peak_rss_mb": ingest_bench._peak_rss_mb()}


def worker_spark_scan(path: Path, master: str) -> dict[str, Any]:
    from finops.ingest.spark_job import scan_with_spark, spark_session

    _, files = ingest_bench._files(path)
    began = time.perf_counter()
    spark = spark_session(master)
    started = time.perf_counter() - began
    cores = int(spark.sparkContext.defaultParallelism)
    with tempfile.TemporaryDirectory(prefix="finops-scale-") as out:
        began = time.perf_counter()
        manifest = scan_with_spark(spark, [str(f) for f in files], out)
        scan = time.perf_counter() - began
    spark.stop()
    errors = [f.error for f in manifest.files if f.error]
    if errors:
        raise SystemExit(f"spark scan failed: {errors}")
    return {"session_start_s": started, "scan_s": scan, "cores": cores}


def run_worker(args: list[str]) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--worker", *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"worker {args[0]} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


# ----------------------------------------------------------------------------- parts


def slope(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of y against x."""
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    return sum((x - mx) * (y - my) for x, y in points) / sxx if sxx else float("nan")


def part_ingest(sizes: list[int], out: Path, admin_url: str, master: str) -> dict[str, Any]:
    rows = []
    for size in sizes:
        data, generated = ingest_bench.generate("cur2", size, 11, out)
        if generated:
            print(f"  generated {size:,} lines in {generated:.0f} s", flush=True)
        row: dict[str, Any] = {"target_lines": size}
        for engine in ("duckdb", "spark"):
            url = ingest_bench.fresh_database(admin_url)
            try:
                row[engine] = run_worker(["ingest", str(data), url, engine, master])
            finally:
                ingest_bench.drop_database(admin_url, url)
        same = {k: row["duckdb"][k] for k in ("fact_rows", "lines", "effective_cost")} == {
            k: row["spark"][k] for k in ("fact_rows", "lines", "effective_cost")
        }
        if not same:
            raise SystemExit(
                f"engines disagree at {size:,} lines: {row['duckdb']} vs {row['spark']}"
            )
        row["scan"] = run_worker(["spark-scan", str(data), master])
        row["lines"] = row["duckdb"]["lines"]
        row["spark_over_duckdb"] = row["spark"]["wall_s"] / row["duckdb"]["wall_s"]
        row["spark_lines_per_core_s"] = row["lines"] / row["scan"]["scan_s"] / row["scan"]["cores"]
        rows.append(row)
        print(
            f"  | {row['lines']:,} | {row['duckdb']['wall_s']:.1f} s | "
            f"{row['spark']['wall_s']:.1f} s "
            f"| {row['spark_over_duckdb']:.2f} | {row['scan']['session_start_s']:.1f} s | "
            f"{row['scan']['scan_s']:.1f} s | {row['spark_lines_per_core_s']:,.0f} | "
            f"{row['duckdb']['fact_rows']:,} | {row['duckdb']['effective_cost']} |",
            flush=True,
        )
    result: dict[str, Any] = {"rows": rows}
    if len(rows) > 1:
        for engine in ("duckdb", "spark"):
            per_m = slope([(r["lines"] / 1e6, r[engine]["wall_s"]) for r in rows])
            result[f"{engine}_s_per_million"] = per_m
            print(f"  slope {engine}: {per_m:.2f} s per million lines")
    return result


def emr_projection(lines_per_core_s: float, *, vcpus: int = 100, gb_per_vcpu: int = 4) -> str:
    """A 1-billion-line month on EMR Serverless at the measured per-core throughput."""
    prices = load_prices(PRICES)
    vcpu_price = prices.get("emr_serverless_vcpu")
    gb_price = prices.get("emr_serverless_gb")
    core_hours = BILLION / lines_per_core_s / 3600
    wall_min = core_hours / vcpus * 60
    if vcpu_price is None or gb_price is None:
        return (
            f"1B lines = {core_hours:,.1f} vCPU-hours at {lines_per_core_s:,.0f} lines/core-s "
            f"({wall_min:,.0f} min on {vcpus} vCPUs); no EMR Serverless prices in {PRICES.name}"
        )
    cost = Decimal(str(core_hours)) * (vcpu_price + gb_price * gb_per_vcpu)
    return (
        f"1B lines = {core_hours:,.1f} vCPU-hours at {lines_per_core_s:,.0f} lines/core-s: about "
        f"{wall_min:,.0f} min of scan on {vcpus} vCPUs ({gb_per_vcpu} GB each) plus worker start, "
        f"about {cost.quantize(Decimal('0.01'))} USD of EMR Serverless x86_64 compute "
        "(arm64: about 20% less) "
        f"({vcpu_price} USD/vCPU-h, {gb_price} USD/GB-h)"
    )


def part_script(script: str, extra: str) -> None:
    command = [sys.executable, str(REPO / "bench" / script), *shlex.split(extra)]
    print(f"  $ {shlex.join(command[1:])}", flush=True)
    done = subprocess.run(command, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{script} failed ({done.returncode})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000,10000000,50000000")
    parser.add_argument("--parts", default="ingest,rollups,api")
    parser.add_argument("--spark-master", default="local[2]")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out")
    parser.add_argument("--db-url", default=ingest_bench.DEFAULT_PG)
    parser.add_argument("--rollup-args", default="")
    parser.add_argument("--api-args", default="--sizes 1,3,12 --accounts 50")
    parser.add_argument("--worker", nargs="+")
    args = parser.parse_args()
    if args.worker:
        kind, *rest = args.worker
        if kind == "ingest":
            path, url, engine, master = rest
            result = worker_ingest(Path(path), url, engine, master)
        elif kind == "spark-scan":
            path, master = rest
            result = worker_spark_scan(Path(path), master)
        else:
            raise SystemExit(f"unknown worker {kind}")
        print(json.dumps(result))
        return 0
    if args.db_url.startswith("postgresql://"):  # the driver the project installs
        args.db_url = "postgresql+psycopg2://" + args.db_url.removeprefix("postgresql://")
    parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    unknown = set(parts) - {"ingest", "rollups", "api"}
    if unknown:
        parser.error(f"--parts: unknown {sorted(unknown)}; expected ingest, rollups, api")
    print(
        f"scale bench, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    if "ingest" in parts:
        sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
        print("\n## ingest: DuckDB vs local Spark (CUR 2.0 Parquet, one month, PostgreSQL)")
        print(
            "  | lines | DuckDB e2e | Spark e2e | Spark / DuckDB | Spark session start | "
            "Spark scan | Spark lines/core-s | fact rows | effective cost |"
        )
        print("  |---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        result = part_ingest(sizes, args.out, args.db_url, args.spark_master)
        largest = max(result["rows"], key=lambda r: r["lines"])
        print("  " + emr_projection(largest["spark_lines_per_core_s"]))
    if "rollups" in parts:
        print("\n## roll-up queries vs facts queries")
        part_script("rollups.py", args.rollup_args)
    if "api" in parts:
        print("\n## API p95 under concurrent load")
        part_script("api_load.py", args.api_args)
    print("\ncommand: .venv/bin/python bench/scale.py " + shlex.join(sys.argv[1:]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
