"""The monitoring configuration against the real Prometheus tools (Debian's packages).

- ``promtool`` checks the server config and the rules, and runs the alert unit tests
  (``monitoring/prometheus/tests/``: each alert fires on its series and not before);
- a real Prometheus scrapes a running ``finops serve`` and a real Pushgateway that a job run
  pushed to; its HTTP API returns the series with the values the database and the run hold.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import func, select

from chalicelib.local_server import RunningServer, start_server_thread
from finops.db.database import Database
from finops.db.models import IngestionRun
from finops.devtools.local_processes import (
    free_port,
    start_logged,
    stop_process_group,
    wait_until_ready,
)
from finops.devtools.prometheus import local_prometheus
from finops.jobs import run_job
from finops.jobs.registry import push_run_metrics_to, remove_run_observers
from finops.observability import names
from tests.support.billing_files import CUR_LEGACY_SAMPLE

ROOT = Path(__file__).resolve().parents[2]
MONITORING = ROOT / "monitoring"
PROMETHEUS_YML = MONITORING / "prometheus" / "prometheus.yml"
RULES = MONITORING / "prometheus" / "rules" / "finops.yml"
RULE_TESTS = MONITORING / "prometheus" / "tests" / "finops_alerts_test.yml"
EXTERNAL_METRICS = {"pg_up", "aws_sqs_approximate_number_of_messages_visible_maximum"}
PROMQL_FUNCTIONS = {"time", "rate", "increase", "sum", "max", "histogram_quantile", "by", "le"}


def _binary(name: str) -> str:
    path = shutil.which(name) or (f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").exists() else None)
    if path is None:
        pytest.fail(f"{name} is not installed; run scripts/ensure_monitoring.sh")
    return path


def _promtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [_binary("promtool"), *args], capture_output=True, text=True, timeout=120, check=False
    )


def test_promtool_accepts_the_config_and_the_rules() -> None:
    done = _promtool("check", "config", "--syntax-only", str(PROMETHEUS_YML))
    assert done.returncode == 0, done.stdout + done.stderr
    done = _promtool("check", "rules", str(RULES))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS: 10 rules found" in done.stdout


def test_every_alert_passes_its_unit_tests() -> None:
    done = _promtool("test", "rules", str(RULE_TESTS))
    assert done.returncode == 0, done.stdout + done.stderr
    tested = {
        case["alertname"]
        for test in yaml.safe_load(RULE_TESTS.read_text())["tests"]
        for case in test["alert_rule_test"]
        if case["exp_alerts"]
    }
    alerts = {
        rule["alert"]
        for group in yaml.safe_load(RULES.read_text())["groups"]
        for rule in group["rules"]
    }
    assert tested == alerts  # every alert has a firing case


def test_the_rules_use_only_metrics_the_platform_defines() -> None:
    for group in yaml.safe_load(RULES.read_text())["groups"]:
        for rule in group["rules"]:
            used = set(re.findall(r"\b([a-z_][a-z0-9_]*)\b(?=\s*[{\[)>=<!]|\s*$)", rule["expr"]))
            metrics = {m for m in used if m.startswith(names.PREFIX) or m in EXTERNAL_METRICS}
            assert metrics, rule["alert"]
            for metric in metrics:
                base = re.sub(r"_(bucket|sum|count)$", "", metric)
                assert base in names.ALL_NAMES or metric in EXTERNAL_METRICS, (
                    rule["alert"],
                    metric,
                )
            assert not {m for m in used if m.startswith("finops") and m not in metrics}


def test_every_alert_has_its_own_runbook_page() -> None:
    """Each alert's ``runbook`` annotation names a page that exists, is titled with the alert,
    says what it means, how to check and how to fix, and is listed in the index."""
    index = (ROOT / "docs" / "runbooks" / "alerts.md").read_text()
    pages = set()
    for group in yaml.safe_load(RULES.read_text())["groups"]:
        for rule in group["rules"]:
            link = rule["annotations"]["runbook"]
            assert link.startswith("docs/runbooks/alerts/"), rule["alert"]
            page = ROOT / link
            assert page.is_file(), link
            text = page.read_text()
            assert text.startswith(f"# {rule['alert']}\n"), link
            for heading in ("## What it means", "## How to check", "## How to fix"):
                assert heading in text, (link, heading)
            assert f"({link.removeprefix('docs/runbooks/')})" in index, link
            pages.add(page.name)
    on_disk = {p.name for p in (ROOT / "docs" / "runbooks" / "alerts").glob("*.md")}
    assert on_disk == pages, "a runbook page without an alert, or the reverse"


# --------------------------------------------------------------------------- live scrape


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except OSError:
        return False


@pytest.fixture
def pushgateway(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    log_path = tmp_path / "pushgateway.log"
    process = start_logged(
        [_binary("prometheus-pushgateway"), f"--web.listen-address=127.0.0.1:{port}"], log_path
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(
            process,
            lambda: _answers(f"{url}/-/ready"),
            name="pushgateway",
            log_path=log_path,
            timeout=30,
        )
        yield url
    finally:
        stop_process_group(process)


@pytest.fixture
def api(db: Database, db_url: str) -> Iterator[RunningServer]:
    server = start_server_thread(database_url=db_url)
    try:
        yield server
    finally:
        server.stop()


def _query(prometheus: str, promql: str) -> list[dict[str, Any]]:
    url = f"{prometheus}/api/v1/query?" + urllib.parse.urlencode({"query": promql})
    with urllib.request.urlopen(url, timeout=5) as reply:
        body = json.load(reply)
    assert body["status"] == "success", body
    result: list[dict[str, Any]] = body["data"]["result"]
    return result


def _eventually(prometheus: str, promql: str, timeout: float = 40.0) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while True:
        result = _query(prometheus, promql)
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.5)


def test_prometheus_scrapes_the_api_and_the_pushed_job_run(
    db: Database, api: RunningServer, pushgateway: str, tmp_path: Path
) -> None:
    push_run_metrics_to(pushgateway)
    try:
        result = run_job("ingest_billing", db=db, paths=[str(CUR_LEGACY_SAMPLE)])
    finally:
        remove_run_observers()
    assert result["status"] == "succeeded"
    with db.sessions() as session:
        finished = session.scalar(
            select(func.max(IngestionRun.finished_at)).where(IngestionRun.status == "succeeded")
        )
    assert finished is not None
    for _ in range(2):
        urllib.request.urlopen(api.url + "/api/v1/health", timeout=5).close()
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(api.url + "/api/v1/no-such-thing", timeout=5)
    assert missing.value.code == 404

    targets = {
        "finops_api": urllib.parse.urlsplit(api.url).netloc,
        "pushgateway": urllib.parse.urlsplit(pushgateway).netloc,
    }
    with local_prometheus(targets, work_dir=tmp_path / "prometheus", interval="1s") as running:
        prometheus = running.url
        up = _eventually(prometheus, "sum(up) == 2")
        assert up, running.log_path.read_text()[-2000:]

        health = _eventually(
            prometheus, 'finops_http_requests_total{route="/api/v1/health",status="200"}'
        )
        assert [float(s["value"][1]) for s in health] == [2.0]
        unmatched = _query(prometheus, 'finops_http_requests_total{route="unmatched"}')
        assert [s["metric"]["status"] for s in unmatched] == ["404"]

        pushed = _eventually(prometheus, 'finops_job_last_run_success{stage="ingest_billing"}')
        assert [float(s["value"][1]) for s in pushed] == [1.0]
        assert pushed[0]["metric"]["job"] == "finops_jobs"  # honor_labels kept the push's job
        deliveries = _query(
            prometheus, 'finops_job_count{stage="ingest_billing",count="deliveries"}'
        )
        assert [float(s["value"][1]) for s in deliveries] == [float(result["deliveries"])]

        ingest = _eventually(prometheus, names.INGEST_LAST_SUCCESS)
        assert len(ingest) == 1
        assert float(ingest[0]["value"][1]) == pytest.approx(finished.timestamp(), abs=1e-3)
        recorded = _eventually(prometheus, f'{names.JOB_LAST_FAILED}{{stage="ingest_billing"}}')
        assert [float(s["value"][1]) for s in recorded] == [0.0]
        # the 2023-11 sample's newest charge hour, per billing account, from the database
        newest = _eventually(prometheus, names.BILLING_NEWEST_CHARGE)
        assert newest
        assert all(float(s["value"][1]) > 1_698_796_800 for s in newest)  # after 2023-11-01

        firing = _query(prometheus, 'ALERTS{alertname="FinopsIngestionStalled"}')
        assert firing == []  # just ingested


def test_an_unreachable_pushgateway_never_fails_the_run(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    push_run_metrics_to(f"http://127.0.0.1:{free_port()}")  # nothing listens there
    try:
        with caplog.at_level("WARNING", logger="finops.observability.job_runs"):
            result = run_job("ingest_billing", db=db, paths=[str(CUR_LEGACY_SAMPLE)])
    finally:
        remove_run_observers()
    assert result["status"] == "succeeded"
    assert result["deliveries"] == 1
    [warning] = [r for r in caplog.records if r.name == "finops.observability.job_runs"]
    assert "metrics push to http://127.0.0.1:" in warning.getMessage()
    assert "failed (URLError)" in warning.getMessage()
