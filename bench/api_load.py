"""API latency under concurrent load: the dashboard Overview's endpoints, 20 clients, loopback.

Usage:
    .venv/bin/python bench/api_load.py [--sizes 1,3,12] [--accounts 50] [--clients 20]
                                       [--rounds 5] [--database sqlite|postgresql]
                                       [--pg-url postgresql+psycopg2://postgres@127.0.0.1:5432]
                                       [--workdir .finops/bench-api] [--base-url URL --api-key KEY]

For each size (months of billing for ``--accounts`` accounts) it prepares the data once with
``finops demo --no-serve --no-local-aws`` into ``<workdir>/<db>-<m>m-<a>a/`` (kept, so a second
run only serves), starts ``finops serve`` on a free loopback port against that database, and
runs a bounded load: ``--clients`` threads, each with its own keep-alive connection, each sending
``--rounds`` passes over the eight requests the Overview makes (the same paths and query
parameters as ``frontend/src/features/overview/queries.ts``), in a per-client shuffled order
(fixed seed). One warm-up pass runs first and is not counted. Every answer must be 200, or the
run fails.

Prints, per size: fact rows behind the answers, requests, throughput, and p50 / p95 / p99 / max
latency per endpoint and overall; then the slope of the overall p95 against the fact rows
(least squares over the sizes, ms per 100,000 fact rows), and the command. ``--base-url`` with
``--api-key`` measures an already running server instead (one size, no slope).
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import platform
import random
import shlex
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FINOPS = REPO / ".venv" / "bin" / "finops"
TREND_DAYS = 30


def overview_requests(today: dt.date) -> list[tuple[str, str]]:
    """(label, path with query) for each request the Overview sends on load."""
    trend = urllib.parse.urlencode(
        {
            "start": (today - dt.timedelta(days=TREND_DAYS)).isoformat(),
            "end": today.isoformat(),
            "granularity": "day",
            "group_by": "service",
            "metric": "effective",
            "limit": 5,
        }
    )
    return [
        ("costs/summary", "/api/v1/costs/summary"),
        ("projections/month-end", "/api/v1/projections/month-end"),
        ("costs (30-day trend by service)", f"/api/v1/costs?{trend}"),
        ("budgets", "/api/v1/budgets"),
        ("anomalies (open)", "/api/v1/anomalies?status=open&limit=50"),
        ("insights", "/api/v1/insights"),
        ("recommendations (open)", "/api/v1/recommendations?status=open&limit=100"),
        ("savings", "/api/v1/savings"),
    ]


@dataclass
class Samples:
    """Latencies in seconds per request label."""

    by_label: dict[str, list[float]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def add(self, label: str, seconds: float) -> None:
        self.by_label.setdefault(label, []).append(seconds)

    def everything(self) -> list[float]:
        return [s for values in self.by_label.values() for s in values]


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0..100) by linear interpolation between closest ranks."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _client(
    host: str,
    port: int,
    key: str,
    requests: list[tuple[str, str]],
    rounds: int,
    seed: int,
    samples: Samples,
    lock: threading.Lock,
    start: threading.Barrier,
) -> None:
    rng = random.Random(seed)
    conn = http.client.HTTPConnection(host, port, timeout=120)
    headers = {"X-API-Key": key, "Accept": "application/json"}
    local: list[tuple[str, float]] = []
    failures: list[str] = []
    start.wait()
    for _ in range(rounds):
        order = list(requests)
        rng.shuffle(order)
        for label, path in order:
            began = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                body = response.read()
            except (OSError, http.client.HTTPException) as exc:
                failures.append(f"{label}: {exc!r}")
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=120)
                continue
            elapsed = time.perf_counter() - began
            if response.status != 200:
                failures.append(f"{label}: HTTP {response.status} {body[:200]!r}")
            local.append((label, elapsed))
    conn.close()
    with lock:
        for label, elapsed in local:
            samples.add(label, elapsed)
        samples.failures.extend(failures)


def run_load(base_url: str, key: str, *, clients: int, rounds: int) -> tuple[Samples, float]:
    """Run the bounded load; returns the samples and the wall time of the measured part."""
    parsed = urllib.parse.urlparse(base_url)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or 80
    requests = overview_requests(dt.datetime.now(dt.UTC).date())
    warm = Samples()
    lock = threading.Lock()
    _client(host, port, key, requests, 1, 0, warm, lock, threading.Barrier(1))
    if warm.failures:
        raise SystemExit("warm-up failed: " + "; ".join(warm.failures[:3]))
    samples = Samples()
    barrier = threading.Barrier(clients + 1)
    threads = [
        threading.Thread(
            target=_client,
            args=(host, port, key, requests, rounds, seed, samples, lock, barrier),
        )
        for seed in range(1, clients + 1)
    ]
    for thread in threads:
        thread.start()
    barrier.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return samples, time.perf_counter() - began


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for_health(base_url: str, process: subprocess.Popen[bytes], timeout: float) -> None:
    parsed = urllib.parse.urlparse(base_url)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"finops serve exited with {process.returncode}")
        try:
            conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=2)
            conn.request("GET", "/api/v1/health")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"{base_url} did not answer /api/v1/health within {timeout:.0f} s")


def _database_url(kind: str, data_dir: Path, pg_url: str, name: str) -> str:
    if kind == "sqlite":
        return f"sqlite:///{(data_dir / 'finops.db').resolve()}"
    return f"{pg_url.rstrip('/')}/{name}"


def _ensure_pg_database(pg_url: str, name: str) -> bool:
    """Create database ``name`` on the server if missing; True when it was created now."""
    import sqlalchemy as sa

    engine = sa.create_engine(f"{pg_url.rstrip('/')}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            exists = conn.execute(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
            ).first()
            if exists:
                return False
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
            return True
    finally:
        engine.dispose()


def _fact_rows(url: str) -> int:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.text("SELECT count(*) FROM billing_facts")).scalar_one())
    finally:
        engine.dispose()


def prepare(kind: str, months: int, accounts: int, workdir: Path, pg_url: str) -> tuple[str, Path]:
    """The database URL and the demo directory for one size, generating the data if needed."""
    data_dir = workdir / f"{kind}-{months}m-{accounts}a"
    data_dir.mkdir(parents=True, exist_ok=True)
    name = f"finops_bench_api_{months}m_{accounts}a"
    url = _database_url(kind, data_dir, pg_url, name)
    fresh = _ensure_pg_database(pg_url, name) if kind == "postgresql" else True
    if (data_dir / "api-key").is_file() and not (kind == "postgresql" and fresh):
        return url, data_dir
    env = {**os.environ, "FINOPS_DATABASE_URL": url}
    began = time.perf_counter()
    subprocess.run(
        [str(FINOPS), "demo", "--no-serve", "--no-local-aws", "--json", "--months", str(months),
         "--accounts", str(accounts), "--out", str(data_dir)],
        env=env, check=True, stdout=subprocess.DEVNULL, cwd=data_dir,
    )  # fmt: skip
    took = time.perf_counter() - began
    print(f"  prepared {months} months x {accounts} accounts in {took:.0f} s")
    return url, data_dir


def _report(label: str, samples: Samples, wall: float) -> float:
    everything = samples.everything()
    rate = len(everything) / wall
    print(f"  {label}: {len(everything)} requests in {wall:.1f} s = {rate:.1f} req/s")
    print("  | endpoint | n | p50 ms | p95 ms | p99 ms | max ms |")
    print("  |---|---:|---:|---:|---:|---:|")
    rows = sorted(samples.by_label.items())
    rows.append(("**all**", everything))
    for name, values in rows:
        figures = " | ".join(f"{percentile(values, q) * 1000:,.0f}" for q in (50, 95, 99, 100))
        print(f"  | {name} | {len(values)} | {figures} |")
    return percentile(everything, 95)


def _slope(points: list[tuple[int, float]]) -> float:
    """Least-squares slope of p95 seconds against fact rows (seconds per fact row)."""
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    sxx = sum((x - mean_x) ** 2 for x, _ in points)
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / sxx if sxx else float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,3,12", help="months of billing, comma-separated")
    parser.add_argument("--accounts", type=int, default=50)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="postgresql")
    parser.add_argument("--pg-url", default="postgresql+psycopg2://postgres@127.0.0.1:5432")
    parser.add_argument("--workdir", type=Path, default=REPO / ".finops" / "bench-api")
    parser.add_argument("--base-url")
    parser.add_argument("--api-key")
    args = parser.parse_args(argv)
    if args.clients < 1 or args.rounds < 1:
        parser.error("--clients and --rounds must be at least 1")
    command = "python bench/api_load.py " + shlex.join(sys.argv[1:] if argv is None else argv)
    print(
        f"API load, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}; {args.clients} clients x "
        f"{args.rounds} rounds x 8 Overview requests on loopback"
    )
    if args.base_url:
        if not args.api_key:
            parser.error("--base-url needs --api-key")
        samples, wall = run_load(args.base_url, args.api_key, clients=args.clients,
                                 rounds=args.rounds)  # fmt: skip
        _report(args.base_url, samples, wall)
        print(f"command: {command}")
        return 1 if samples.failures else 0
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    points: list[tuple[int, float]] = []
    failed = False
    for months in sizes:
        print(f"\n{args.database}, {months} months x {args.accounts} accounts")
        url, data_dir = prepare(args.database, months, args.accounts, args.workdir, args.pg_url)
        facts = _fact_rows(url)
        port = _free_port()
        base_url = f"http://127.0.0.1:{port}"
        env = {**os.environ, "FINOPS_DATABASE_URL": url, "FINOPS_LOG_LEVEL": "WARNING"}
        server = subprocess.Popen(
            [str(FINOPS), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=data_dir,
        )  # fmt: skip
        try:
            _wait_for_health(base_url, server, timeout=60)
            key = (data_dir / "api-key").read_text().strip()
            samples, wall = run_load(base_url, key, clients=args.clients, rounds=args.rounds)
        finally:
            server.terminate()
            server.wait(timeout=30)
        print(f"  fact rows: {facts:,}")
        p95 = _report(f"{months} months", samples, wall)
        points.append((facts, p95))
        if samples.failures:
            failed = True
            print("  FAILURES: " + "; ".join(samples.failures[:5]))
    if len(points) > 1:
        slope = _slope(points)
        print(
            f"\noverall p95 slope: {slope * 1000 * 100_000:,.1f} ms per 100,000 fact rows "
            f"({', '.join(f'{x:,} rows: {y * 1000:,.0f} ms' for x, y in points)})"
        )
    print(f"command: {command}")
    print(json.dumps({"points": points}))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
