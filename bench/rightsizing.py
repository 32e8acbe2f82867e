"""Rightsizing benchmark: 20,000 EC2 instances x 14 days of daily usage statistics.

Usage:
    .venv/bin/python bench/rightsizing.py [--resources 20000] [--days 14] [--naive-sample 300]
        [--no-db] [--pg-url postgresql+psycopg2://postgres@127.0.0.1:5432/test]

Measures, on the same synthetic data (CPU, memory, network in/out per instance and day, a mix of
busy, oversized and idle instances over 12 instance types):
  - ``engine``: the production path without the database: window summaries by a pandas groupby,
    then :class:`finops.rightsizing.ec2.Ec2Rightsizer` per instance (cached candidate arrays);
  - ``naive``: a per-resource pandas loop (filter the metrics frame for the instance, compute
    its statistics, filter and sort the catalogue frame for fitting types), timed on
    ``--naive-sample`` instances and extrapolated linearly to all of them;
  - ``job`` (unless ``--no-db``): the ``rightsize`` job end to end on a fresh PostgreSQL
    database (usage + resources COPYed in first, not timed): SQL window aggregation, rules,
    and writing every recommendation with its audit record; a second run (nothing changes).
Prints the figures, the ratios naive/engine and the command.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import platform
import shlex
import sys
import time
import uuid
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from finops.catalogue import packaged_catalogue
from finops.rightsizing.ec2 import Ec2Rightsizer
from finops.rightsizing.evidence import MetricWindow, ec2_utilization

TYPES = (
    "m5.large", "m5.xlarge", "m5.2xlarge", "m5.4xlarge", "c5.xlarge", "c5.2xlarge",
    "r5.large", "r5.xlarge", "t3.large", "t3.xlarge", "m6i.xlarge", "m6g.large",
)  # fmt: skip
METRICS = ("CPUUtilization", "mem_used_percent", "NetworkIn", "NetworkOut")
END = dt.date(2026, 3, 15)


def synthetic(resources: int, days: int, seed: int = 11) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(inventory, daily metrics) with one row per resource, metric and day."""
    rng = np.random.default_rng(seed)
    ids = np.array([f"i-{k:017x}" for k in range(resources)])
    behaviour = rng.choice(["busy", "oversized", "idle"], size=resources, p=[0.6, 0.3, 0.1])
    inventory = pd.DataFrame(
        {"resource_id": ids, "instance_type": rng.choice(TYPES, size=resources)}
    )
    level = np.where(
        behaviour == "busy", rng.uniform(25, 70, resources), rng.uniform(2, 6, resources)
    )
    level = np.where(behaviour == "idle", 1.0, level)
    mem = np.where(
        behaviour == "busy", rng.uniform(40, 75, resources), rng.uniform(8, 15, resources)
    )
    net = np.where(behaviour == "idle", 2e4, rng.uniform(2e7, 8e7, resources))
    day_index = np.arange(days)
    days_col = np.array([END - dt.timedelta(days=int(days - d)) for d in day_index])
    frames = []
    shape = (resources, days)
    for metric in METRICS:
        if metric == "CPUUtilization":
            avg = level[:, None] * rng.uniform(0.8, 1.1, shape)
            p995 = np.minimum(100, avg * rng.uniform(1.3, 1.6, shape))
            peak = np.minimum(100, p995 * rng.uniform(1.05, 1.4, shape))
        elif metric == "mem_used_percent":
            avg = mem[:, None] * rng.uniform(0.95, 1.05, shape)
            p995 = np.minimum(100, avg * 1.05)
            peak = np.minimum(100, avg * 1.1)
        else:
            avg = net[:, None] * rng.uniform(0.7, 1.3, shape)
            p995 = avg * 1.5
            peak = avg * 2.5
        frames.append(
            pd.DataFrame(
                {
                    "resource_id": np.repeat(ids, days),
                    "metric_name": metric,
                    "day": np.tile(days_col, resources),
                    "samples": 24,
                    "avg": avg.reshape(-1),
                    "p99_5": p995.reshape(-1),
                    "max": peak.reshape(-1),
                }
            )
        )
    return inventory, pd.concat(frames, ignore_index=True)


def run_engine(inventory: pd.DataFrame, metrics: pd.DataFrame) -> dict[str, int]:
    grouped = metrics.groupby(["resource_id", "metric_name"], sort=False).agg(
        p99_5=("p99_5", "max"), peak=("max", "max"), mean=("avg", "mean"),
        days=("day", "nunique"), samples=("samples", "sum"),
    )  # fmt: skip
    windows: dict[str, dict[str, MetricWindow]] = {}
    for (rid, metric), p995, peak, mean, days, samples in zip(
        grouped.index, grouped["p99_5"], grouped["peak"], grouped["mean"], grouped["days"],
        grouped["samples"], strict=True,
    ):  # fmt: skip
        windows.setdefault(rid, {})[metric] = MetricWindow(
            float(p995), float(peak), float(mean), int(days), int(samples)
        )
    rightsizer = Ec2Rightsizer(packaged_catalogue())
    actions: dict[str, int] = {}
    for rid, itype in zip(inventory["resource_id"], inventory["instance_type"], strict=True):
        usage = ec2_utilization(windows[rid])
        assert usage is not None
        rec = rightsizer.recommend(instance_type=itype, usage=usage)
        actions[rec.action] = actions.get(rec.action, 0) + 1
    return actions


def run_naive(inventory: pd.DataFrame, metrics: pd.DataFrame, sample: int) -> list[str]:
    """The way one would write it without thinking about scale: one resource at a time."""
    catalogue = packaged_catalogue()
    frame = pd.DataFrame(
        [
            {"name": t.name, "category": t.category, "arch": t.arch, "vcpu": t.vcpu,
             "memory": float(t.memory_gib), "generation": t.generation,
             "gpu": t.gpu_count, "metal": t.bare_metal, "nvme": t.local_nvme_gib,
             "price": float(p)}
            for (_, name), p in catalogue.ec2_prices.items()
            for t in [catalogue.instance_types[name]]
        ]
    )  # fmt: skip
    out = []
    for rid, itype in list(zip(inventory["resource_id"], inventory["instance_type"], strict=True))[
        :sample
    ]:
        rows = metrics[metrics["resource_id"] == rid]
        cpu = rows[rows["metric_name"] == "CPUUtilization"]
        mem = rows[rows["metric_name"] == "mem_used_percent"]
        net = rows[rows["metric_name"].isin(["NetworkIn", "NetworkOut"])]
        cpu_max, cpu_p = cpu["max"].max(), cpu["p99_5"].max()
        mem_max = mem["max"].max()
        net_kibps = net.groupby("metric_name")["max"].max().sum() / 300 / 1024
        cur = frame[frame["name"] == itype].iloc[0]
        if cpu_max < 5 and net_kibps < 2:
            out.append("terminate")
            continue
        need_vcpu = cur["vcpu"] * cpu_p / 100 * 1.2
        need_mem = cur["memory"] * mem_max / 100 * 1.2
        cands = frame[
            (frame["arch"] == cur["arch"]) & (frame["generation"] >= cur["generation"])
            & (frame["category"].isin(["m", "c", "r"]) if cur["category"] in "mcr"
               else frame["category"] == cur["category"])
            & (frame["gpu"] == 0) & (~frame["metal"]) & (frame["vcpu"] >= need_vcpu)
            & (frame["memory"] >= need_mem) & (frame["price"] < cur["price"])
            & (frame["name"] != itype)
        ].sort_values("price")  # fmt: skip
        out.append("modify" if len(cands) else "keep")
    return out


def run_job(inventory: pd.DataFrame, metrics: pd.DataFrame, pg_url: str) -> dict[str, float]:
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from finops.catalogue import load_price_catalogue
    from finops.db import migrate
    from finops.db.database import open_database
    from finops.rightsizing import rightsize

    admin_url = make_url(pg_url)
    name = f"bench_rightsizing_{uuid.uuid4().hex[:8]}"
    admin = open_database(admin_url.render_as_string(hide_password=False))
    with admin.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    db = open_database(admin_url.set(database=name).render_as_string(hide_password=False))
    try:
        migrate.upgrade(db.engine)
        load_price_catalogue(db=db)
        raw = db.engine.raw_connection()
        try:
            cur = raw.cursor()
            buf = io.StringIO()
            now = dt.datetime.now(dt.UTC).isoformat()
            inv = inventory.assign(
                provider="AWS", region_id="us-east-1", account_id="123456789012",
                attributes="{}", tags="{}", first_seen=now, last_seen=now,
            )  # fmt: skip
            inv[["provider", "resource_id", "instance_type", "region_id", "account_id",
                 "attributes", "tags", "first_seen", "last_seen"]].to_csv(
                buf, index=False, header=False
            )  # fmt: skip
            buf.seek(0)
            cur.copy_expert(
                "COPY resources (provider, resource_id, instance_type, region_id, account_id, "
                "attributes, tags, first_seen, last_seen) FROM STDIN WITH (FORMAT csv)",
                buf,
            )
            buf = io.StringIO()
            m = metrics.assign(provider="AWS", source="bench")
            m[["provider", "resource_id", "metric_name", "day", "samples", "avg", "p99_5", "max",
               "source"]].to_csv(buf, index=False, header=False, float_format="%.6f")  # fmt: skip
            buf.seek(0)
            cur.copy_expert(
                "COPY usage_metrics (provider, resource_id, metric_name, day, samples, avg, "
                "p99_5, max, source) FROM STDIN WITH (FORMAT csv)",
                buf,
            )
            raw.commit()
        finally:
            raw.close()
        t0 = time.perf_counter()
        first = rightsize(db=db, as_of=END, lookback_days=14)
        t1 = time.perf_counter()
        second = rightsize(db=db, as_of=END, lookback_days=14)
        t2 = time.perf_counter()
        return {
            "job_first_s": t1 - t0,
            "job_second_s": t2 - t1,
            "created": first["created"],
            "unchanged": second["unchanged"],
        }
    finally:
        db.dispose()
        with admin.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--resources", type=int, default=20_000)
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--naive-sample", type=int, default=300)
    parser.add_argument("--no-db", action="store_true")
    default_pg = os.environ.get(
        "FINOPS_TEST_DATABASE_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
    ).replace("postgresql://", "postgresql+psycopg2://", 1)
    parser.add_argument("--pg-url", default=default_pg)
    args = parser.parse_args()

    inventory, metrics = synthetic(args.resources, args.days)
    packaged_catalogue()  # parse the CSV once, outside the timings
    t0 = time.perf_counter()
    actions = run_engine(inventory, metrics)
    engine_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    naive = run_naive(inventory, metrics, args.naive_sample)
    naive_sample_s = time.perf_counter() - t0
    naive_s = naive_sample_s / len(naive) * args.resources
    print(f"rightsizing benchmark: {args.resources} instances x {args.days} days "
          f"({len(metrics):,} daily metric rows); {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} CPUs, Python {platform.python_version()}")  # fmt: skip
    print(f"  engine (groupby + rule per instance): {engine_s:8.2f} s   actions {actions}")
    print(f"  naive per-resource pandas loop:       {naive_s:8.2f} s   (measured "
          f"{naive_sample_s:.2f} s on {len(naive)} instances, extrapolated)")  # fmt: skip
    print(f"  ratio naive / engine:                 {naive_s / engine_s:8.1f}x")
    if not args.no_db:
        job = run_job(inventory, metrics, args.pg_url)
        print(f"  job on PostgreSQL, first run:         {job['job_first_s']:8.2f} s   "
              f"({job['created']} recommendations + audit records written)")  # fmt: skip
        print(f"  job on PostgreSQL, second run:        {job['job_second_s']:8.2f} s   "
              f"({job['unchanged']} unchanged)")  # fmt: skip
        print(f"  ratio naive / job:                    {naive_s / job['job_first_s']:8.1f}x")
    print("command: " + shlex.join([sys.executable, *sys.argv]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
