"""A real Prometheus beside the demo (and the tests): Debian's ``prometheus`` binary with the
shipped ``monitoring/prometheus`` config, its targets rewritten to this machine's ports.

Development only (like the AWS emulator): the config comes from the source checkout.
"""

from __future__ import annotations

import shutil
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from finops.core.errors import ConfigurationError
from finops.devtools.local_processes import (
    free_port,
    start_logged,
    stop_process_group,
    wait_until_ready,
)

CHECKOUT = Path(__file__).resolve().parents[3]
PROMETHEUS_DIR = CHECKOUT / "monitoring" / "prometheus"
STARTUP_TIMEOUT_SECONDS = 60.0


def find_prometheus() -> str | None:
    """The ``prometheus`` binary (Debian's package installs it in /usr/bin), if any."""
    return shutil.which("prometheus") or (
        "/usr/bin/prometheus" if Path("/usr/bin/prometheus").is_file() else None
    )


def local_config(
    targets: Mapping[str, str], *, interval: str = "5s", config_dir: Path = PROMETHEUS_DIR
) -> dict[str, Any]:
    """The shipped Prometheus config with only the scrape jobs in ``targets`` (job name ->
    ``host:port``), the alert rules by absolute path, a short interval and no Alertmanager."""
    config: dict[str, Any] = yaml.safe_load((config_dir / "prometheus.yml").read_text())
    unknown = set(targets) - {job["job_name"] for job in config["scrape_configs"]}
    if unknown:
        raise ConfigurationError(f"no scrape job {sorted(unknown)} in prometheus.yml")
    config["global"] = {"scrape_interval": interval, "evaluation_interval": interval}
    config.pop("alerting", None)
    config["rule_files"] = [str(path) for path in sorted((config_dir / "rules").glob("*.yml"))]
    config["scrape_configs"] = [
        {**job, "static_configs": [{"targets": [targets[job["job_name"]]]}]}
        for job in config["scrape_configs"]
        if job["job_name"] in targets
    ]
    return config


@dataclass(frozen=True)
class LocalPrometheus:
    """A running Prometheus: its URL and log file."""

    url: str
    log_path: Path


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/-/ready", timeout=1.0) as reply:  # noqa: S310
            return int(reply.status) == 200
    except (urllib.error.URLError, OSError):
        return False


@contextmanager
def local_prometheus(
    targets: Mapping[str, str], *, work_dir: Path, interval: str = "5s"
) -> Iterator[LocalPrometheus]:
    """Run Prometheus on a free loopback port for the block, scraping ``targets``; its data and
    log go under ``work_dir``. :class:`ConfigurationError` when the binary is missing or it
    does not become ready."""
    binary = find_prometheus()
    if binary is None:
        raise ConfigurationError(
            "prometheus not installed (Debian: apt-get install prometheus, or "
            "scripts/ensure_monitoring.sh)"
        )
    work_dir.mkdir(parents=True, exist_ok=True)
    config_path = work_dir / "prometheus.yml"
    config_path.write_text(yaml.safe_dump(local_config(targets, interval=interval)))
    port = free_port()
    log_path = work_dir / "prometheus.log"
    process = start_logged(
        [
            binary,
            f"--config.file={config_path}",
            f"--storage.tsdb.path={work_dir / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        log_path,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(
            process,
            lambda: _ready(url),
            name="prometheus",
            log_path=log_path,
            timeout=STARTUP_TIMEOUT_SECONDS,
        )
        yield LocalPrometheus(url=url, log_path=log_path)
    finally:
        stop_process_group(process)
