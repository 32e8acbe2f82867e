"""The stage graph: which data each batch stage reads and writes, written once.

Everything that runs stages in sequence derives its order from here: the demo (every analysis
after ingestion), the S3 billing-event path (the cheap analyses after each delivery) and the
tests that check the Airflow DAGs' asset wiring (the DAG files cannot import the core: MWAA
parses them without it).

A dataset name is a table family (``billing_facts``, ``usage_metrics``, ...); the DAGs publish
some of them as Airflow assets ``finops://<dataset>``. A stage's ``inputs`` are the datasets
whose new data makes its output stale (what should trigger it), not every table it reads.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

BILLING_FACTS = "billing_facts"
USAGE_METRICS = "usage_metrics"
RESOURCES = "resources"
ANOMALIES = "anomalies"
RECOMMENDATIONS = "recommendations"
FORECASTS = "forecasts"
SAVINGS = "savings"
BUDGET_ALERTS = "budget_alerts"
INSIGHTS = "insights"
REMEDIATION_ACTIONS = "remediation_actions"


@dataclass(frozen=True)
class Stage:
    """One node of the graph.

    ``after_each_delivery``: cheap enough to run minutes after every billing file (the S3 event
    path). ``acts``: changes cloud resources, so it never runs implicitly after another stage.
    """

    name: str
    inputs: frozenset[str]
    outputs: frozenset[str]
    after_each_delivery: bool = False
    acts: bool = False


def _stage(
    name: str,
    inputs: Iterable[str],
    outputs: Iterable[str],
    *,
    after_each_delivery: bool = False,
    acts: bool = False,
) -> Stage:
    return Stage(name, frozenset(inputs), frozenset(outputs), after_each_delivery, acts)


#: Every stage, in the order that breaks ties between independent stages.
STAGES: tuple[Stage, ...] = (
    _stage("ingest_billing", (), (BILLING_FACTS,)),
    _stage("sync_billing_bucket", (), (BILLING_FACTS,)),
    # the Spark path of large S3 deliveries: plan and scan write S3 only, the load the facts
    _stage("plan_spark_scans", (), ()),
    _stage("scan_with_spark", (), ()),
    _stage("load_spark_scans", (), (BILLING_FACTS,)),
    _stage("ingest_usage", (), (USAGE_METRICS,)),
    _stage("collect_inventory", (), (RESOURCES,)),
    _stage("collect_usage", (RESOURCES,), (USAGE_METRICS,)),
    _stage("detect_cost_anomalies", (BILLING_FACTS,), (ANOMALIES,), after_each_delivery=True),
    _stage("rightsize", (BILLING_FACTS, USAGE_METRICS), (RECOMMENDATIONS,)),
    _stage("forecast_costs", (BILLING_FACTS,), (FORECASTS,)),
    _stage("track_savings", (BILLING_FACTS,), (SAVINGS,), after_each_delivery=True),
    _stage(
        "evaluate_budgets", (BILLING_FACTS, FORECASTS), (BUDGET_ALERTS,), after_each_delivery=True
    ),
    _stage("build_insights", (BILLING_FACTS, ANOMALIES), (INSIGHTS,), after_each_delivery=True),
    _stage("remediate", (RECOMMENDATIONS,), (REMEDIATION_ACTIONS,), acts=True),
)

_BY_NAME = {stage.name: stage for stage in STAGES}


def stage(name: str) -> Stage:
    """The graph node of the stage ``name`` (KeyError for a name the graph does not know)."""
    return _BY_NAME[name]


def downstream_of(dataset: str) -> list[Stage]:
    """Every non-acting stage that ``dataset`` makes stale, directly or through another
    stage's outputs, in an order where each stage follows the stages producing its inputs."""
    stale = {dataset}
    reached: list[Stage] = []
    changed = True
    while changed:
        changed = False
        for node in STAGES:
            if node.acts or node in reached or not node.inputs & stale:
                continue
            reached.append(node)
            stale |= node.outputs
            changed = True
    return _ordered(reached)


def _ordered(nodes: list[Stage]) -> list[Stage]:
    """``nodes`` topologically (producers first), ties in :data:`STAGES` order."""
    remaining = [n for n in STAGES if n in nodes]
    done: list[Stage] = []
    while remaining:
        produced_later = {o for n in remaining for o in n.outputs}
        ready = next(
            (n for n in remaining if not n.inputs & (produced_later - n.outputs)), remaining[0]
        )
        done.append(ready)
        remaining.remove(ready)
    return done


def analysis_stages() -> list[str]:
    """The stages to run after billing data arrives, producers first (the demo runs them all)."""
    return [node.name for node in downstream_of(BILLING_FACTS)]


def after_delivery_stages() -> list[str]:
    """The cheap subset of :func:`analysis_stages` run after each billing delivery."""
    return [node.name for node in downstream_of(BILLING_FACTS) if node.after_each_delivery]
