"""Loki and Promtail configs against the log format the platform really writes.

There is no Loki or Promtail binary here (Debian's ``loki`` package is an unrelated genetics
program; neither is on PyPI or npm), so the configs are checked statically: every field Promtail
extracts is one a real :class:`JsonFormatter` line carries, the labels are the low-cardinality
ones, and the Loki settings the pipeline depends on are set.
"""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path
from typing import Any

import yaml

from finops.observability.logs import JsonFormatter, log_context

MONITORING = Path(__file__).resolve().parents[2] / "monitoring"
HIGH_CARDINALITY = {"run_id", "request_id", "timestamp", "message"}


def _promtail() -> dict[str, Any]:
    config: dict[str, Any] = yaml.safe_load((MONITORING / "promtail" / "promtail.yml").read_text())
    return config


def _stage(stages: list[dict[str, Any]], name: str) -> dict[str, Any]:
    found = [stage[name] for stage in stages if name in stage]
    assert len(found) == 1, name
    value: dict[str, Any] = found[0]
    return value


def _real_line() -> dict[str, Any]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("finops.test_log_shipping")
    logger.handlers[:] = [handler]
    logger.propagate = False
    with log_context(job="rightsize", run_id=3, request_id="r-1", route="/api/v1/costs"):
        logger.warning("shipped")
    line: dict[str, Any] = json.loads(stream.getvalue())
    return line


def test_promtail_extracts_fields_the_platform_writes() -> None:
    (job,) = _promtail()["scrape_configs"]
    stages = job["pipeline_stages"]
    expressions = _stage(stages, "json")["expressions"]
    line = _real_line()
    for extracted, source in expressions.items():
        assert source in line, (extracted, source)
    labels = set(_stage(stages, "labels"))
    metadata = set(_stage(stages, "structured_metadata"))
    assert labels <= set(expressions)
    assert metadata <= set(expressions)
    assert not labels & HIGH_CARDINALITY  # one stream per run or request would swamp Loki
    assert {"run_id", "request_id"} <= metadata
    assert _stage(stages, "timestamp")["source"] in expressions
    assert _promtail()["clients"][0]["url"].endswith("/loki/api/v1/push")


def test_loki_accepts_what_promtail_sends() -> None:
    loki: dict[str, Any] = yaml.safe_load((MONITORING / "loki" / "loki.yml").read_text())
    # structured metadata needs the TSDB index, schema v13 and the limit switched on
    (schema,) = loki["schema_config"]["configs"]
    assert (schema["store"], schema["schema"]) == ("tsdb", "v13")
    assert loki["limits_config"]["allow_structured_metadata"] is True
    labels = set(_stage(_promtail()["scrape_configs"][0]["pipeline_stages"], "labels"))
    static = set(_promtail()["scrape_configs"][0]["static_configs"][0]["labels"]) - {"__path__"}
    assert len(labels | static) <= loki["limits_config"]["max_label_names_per_series"]
    assert loki["compactor"]["retention_enabled"] is True
    assert loki["server"]["http_listen_port"] == 3100
