"""The statsd_exporter mapping for Airflow, checked against Airflow's own metric registry.

There is no statsd_exporter binary here (not in Debian, PyPI or npm), so the mapping is applied
by a matcher with statsd_exporter's glob rules (``*`` is one dot-free component, ``$n`` its
capture, first match wins) to metric names built from the registry the installed Airflow ships
(``metrics_template.yaml``: each metric's type and legacy StatsD name).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
MAPPING = ROOT / "monitoring" / "statsd" / "airflow-mapping.yml"
PROMETHEUS_YML = ROOT / "monitoring" / "prometheus" / "prometheus.yml"
PREFIX = "airflow"
SAMPLE = {"dag_id": "finops_daily", "task_id": "rightsize", "state": "failed"}
METRIC_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")


@dataclass(frozen=True)
class Mapped:
    name: str
    labels: dict[str, str]


def _registry() -> dict[str, dict[str, object]]:
    airflow = pytest.importorskip("airflow")
    path = Path(airflow.__file__).parent / "_shared/observability/metrics/metrics_template.yaml"
    return {m["name"]: m for m in yaml.safe_load(path.read_text())["metrics"]}


def _statsd_name(metric: dict[str, object]) -> str:
    """The dotted name plain StatsD receives: the legacy name when there is one (tags are
    lost without a tagging StatsD), its variables filled with sample values."""
    legacy = str(metric["legacy_name"])
    name = str(metric["name"]) if legacy == "-" else legacy
    return f"{PREFIX}.{name.format_map(_Sample(SAMPLE))}"


class _Sample(dict[str, str]):
    """Sample values for name variables; any other variable gets a value named after it."""

    def __missing__(self, key: str) -> str:
        return f"some_{key}"


def _expand(template: str, captures: tuple[str | None, ...]) -> str:
    """``template`` with each ``$n`` replaced by the n-th capture."""
    return re.sub(r"\$(\d+)", lambda m: captures[int(m.group(1)) - 1] or "", template)


def _apply(mappings: list[dict[str, object]], statsd_name: str) -> Mapped | None:
    """statsd_exporter's result for ``statsd_name``; ``None`` when a drop rule takes it."""
    for rule in mappings:
        pattern = str(rule["match"])
        if rule.get("match_type") == "regex":
            found = re.search(pattern, statsd_name)
        else:
            regex = "^" + re.escape(pattern).replace(r"\*", "([^.]+)") + "$"
            found = re.match(regex, statsd_name)
        if found is None:
            continue
        if rule.get("action") == "drop":
            return None
        labels = {
            key: _expand(str(value), found.groups())
            for key, value in dict(rule.get("labels") or {}).items()
        }
        return Mapped(str(rule["name"]), labels)
    raise AssertionError(f"{statsd_name}: no rule matched (the last rule must catch all)")


@pytest.fixture(scope="module")
def mappings() -> list[dict[str, object]]:
    return list(yaml.safe_load(MAPPING.read_text())["mappings"])


@pytest.mark.parametrize(
    ("airflow_metric", "expected_name", "expected_labels"),
    [
        ("dagrun.duration.failed", "airflow_dagrun_duration_seconds", {"state": "failed"}),
        ("dagrun.duration.success", "airflow_dagrun_duration_seconds", {"state": "success"}),
        ("dagrun.schedule_delay", "airflow_dagrun_schedule_delay_seconds", {}),
        ("task.duration", "airflow_task_duration_seconds", {"task_id": "rightsize"}),
        ("ti.finish", "airflow_task_finished_total", {"task_id": "rightsize", "state": "failed"}),
        ("ti_failures", "airflow_task_failures_total", {}),
        ("scheduler_heartbeat", "airflow_scheduler_heartbeat_total", {}),
        ("dag_processing.import_errors", "airflow_dag_import_errors", {}),
    ],
)
def test_airflows_metrics_map_to_labelled_prometheus_series(
    mappings: list[dict[str, object]],
    airflow_metric: str,
    expected_name: str,
    expected_labels: dict[str, str],
) -> None:
    metric = _registry()[airflow_metric]
    mapped = _apply(mappings, _statsd_name(metric))
    assert mapped is not None
    assert mapped.name == expected_name
    assert expected_labels.items() <= mapped.labels.items()
    if "dag_id" in list(metric["name_variables"]):  # type: ignore[call-overload]
        assert mapped.labels["dag_id"] == SAMPLE["dag_id"]
    # Prometheus conventions: counters end in _total, timers are observed in seconds
    suffix = {"counter": "_total", "timer": "_seconds"}.get(str(metric["type"]))
    if suffix:
        assert mapped.name.endswith(suffix)


def test_no_kept_series_carries_an_id_in_its_name(mappings: list[dict[str, object]]) -> None:
    """Every metric Airflow can send either maps to a valid, id-free name or is dropped."""
    kept = 0
    for metric in _registry().values():
        mapped = _apply(mappings, _statsd_name(metric))
        if mapped is None:
            continue
        kept += 1
        assert METRIC_NAME.match(mapped.name), mapped.name
        assert all(value not in mapped.name for value in SAMPLE.values()), mapped.name
    assert kept >= 8
    assert _apply(mappings, "airflow.some_future_metric.finops_daily") is None


def test_every_rule_is_reachable_and_prometheus_scrapes_the_exporter(
    mappings: list[dict[str, object]],
) -> None:
    names = {_statsd_name(m) for m in _registry().values()}
    for rule in mappings[:-1]:
        assert any(_apply([rule, mappings[-1]], name) for name in names), rule["match"]
    scrape = yaml.safe_load(PROMETHEUS_YML.read_text())["scrape_configs"]
    (airflow,) = [job for job in scrape if job["job_name"] == "airflow"]
    assert airflow["static_configs"][0]["targets"] == ["statsd-exporter:9102"]
