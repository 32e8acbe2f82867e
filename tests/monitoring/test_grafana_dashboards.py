"""The Grafana provisioning, checked statically (no Grafana server installs here: not in Debian,
PyPI or npm): structure, datasources, every PromQL query parsed by the real ``promtool``, every
SQL query executed against the real PostgreSQL schema, every metric one the platform defines."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import text

from finops.db.database import Database
from finops.observability import names

GRAFANA = Path(__file__).resolve().parents[2] / "monitoring" / "grafana"
DASHBOARDS = sorted((GRAFANA / "dashboards").glob("*.json"))
EXPECTED = {"platform-health", "ingestion", "api", "database", "cost-overview", "logs"}
EXPORTER_PREFIXES = ("pg_",)  # postgres-exporter
PROMETHEUS_BUILTINS = {"ALERTS", "up"}


def _datasources() -> dict[str, str]:
    provisioned = yaml.safe_load(
        (GRAFANA / "provisioning" / "datasources" / "finops.yml").read_text()
    )
    return {d["uid"]: d["type"] for d in provisioned["datasources"]}


def _targets() -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    found = []
    for path in DASHBOARDS:
        board = json.loads(path.read_text())
        for panel in board["panels"]:
            for target in panel["targets"]:
                found.append((board["uid"], panel, target))
    return found


def test_the_five_dashboards_are_well_formed() -> None:
    assert {p.stem for p in DASHBOARDS} == EXPECTED
    sources = _datasources()
    uids = set()
    for path in DASHBOARDS:
        board = json.loads(path.read_text())
        assert board["uid"] not in uids
        uids.add(board["uid"])
        assert board["title"].startswith("FinOps: ")
        ids = [panel["id"] for panel in board["panels"]]
        assert len(ids) == len(set(ids)), path.name
        for panel in board["panels"]:
            grid = panel["gridPos"]
            assert grid["x"] >= 0, (path.name, panel["title"])
            assert grid["x"] + grid["w"] <= 24, (path.name, panel["title"])
            assert panel["targets"], (path.name, panel["title"])
            assert panel["datasource"]["uid"] in sources
            assert sources[panel["datasource"]["uid"]] == panel["datasource"]["type"]


def test_every_promql_query_parses_with_promtool(tmp_path: Path) -> None:
    promtool = shutil.which("promtool") or "/usr/bin/promtool"
    if not Path(promtool).exists():
        pytest.fail("promtool is not installed; run scripts/ensure_monitoring.sh")
    rules = []
    for uid, panel, target in _targets():
        if panel["datasource"]["type"] == "prometheus":
            record = f"dashboard:{uid.replace('-', '_')}:panel{panel['id']}_{target['refId']}"
            rules.append({"record": record, "expr": target["expr"]})
    assert len(rules) >= 20
    path = tmp_path / "dashboard_queries.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboards", "rules": rules}]}))
    done = subprocess.run(
        [promtool, "check", "rules", str(path)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"SUCCESS: {len(rules)} rules found" in done.stdout


def test_every_metric_a_panel_reads_is_defined() -> None:
    for uid, panel, target in _targets():
        if panel["datasource"]["type"] != "prometheus":
            continue
        for metric in re.findall(
            r"\b(finops_[a-z0-9_]+|pg_[a-z0-9_]+|ALERTS|up)\b", target["expr"]
        ):
            if metric in PROMETHEUS_BUILTINS or metric.startswith(EXPORTER_PREFIXES):
                continue
            base = re.sub(r"_(bucket|sum|count)$", "", metric)
            assert metric in names.ALL_NAMES or base in names.ALL_NAMES, (
                uid,
                panel["title"],
                metric,
            )


def test_every_sql_panel_runs_on_the_real_schema(db: Database) -> None:
    queries = [t["rawSql"] for _, _, t in _targets() if "rawSql" in t]
    assert len(queries) == 3
    with db.engine.connect() as connection:
        for query in queries:
            connection.execute(text(query)).fetchall()


def test_every_logql_query_parses_with_grafanas_grammar(tmp_path: Path) -> None:
    """Grafana's own LogQL grammar (npm ``@grafana/lezer-logql``, a frontend dev dependency)."""
    node = shutil.which("node")
    frontend = GRAFANA.parents[1] / "frontend"
    if node is None or not (frontend / "node_modules" / "@grafana" / "lezer-logql").is_dir():
        pytest.fail("node and frontend/node_modules are needed: make test installs them")
    queries = [
        target["expr"] for _, panel, target in _targets() if panel["datasource"]["type"] == "loki"
    ]
    assert len(queries) >= 4
    broken = '{app="finops" | json'  # the checker must catch a malformed query
    path = tmp_path / "logql.json"
    path.write_text(json.dumps([*queries, broken]))
    done = subprocess.run(
        [node, "scripts/check-logql.mjs", str(path)],
        cwd=frontend,
        capture_output=True,
        text=True,
        check=False,
    )
    report = json.loads(done.stdout)
    assert report["checked"] == len(queries) + 1
    assert [error["query"] for error in report["errors"]] == [broken], report
