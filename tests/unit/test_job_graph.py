"""The stage graph orders every sequence of stages; the registry and the graph agree."""

from __future__ import annotations

import datetime as dt

import pytest

from finops.core.errors import InvalidInputError
from finops.jobs import after_delivery_stages, analysis_stages, graph, registered_jobs
from finops.jobs.parameters import CollectUsageParameters, IngestBillingParameters, read_parameters


def test_every_registered_job_is_a_node_of_the_graph_and_back() -> None:
    assert {job.name for job in registered_jobs()} == {node.name for node in graph.STAGES}


def test_analysis_after_billing_runs_producers_first_and_never_acts() -> None:
    # forecasts feed budgets, anomalies feed insights; remediation acts, so it is left out
    assert analysis_stages() == [
        "detect_cost_anomalies",
        "rightsize",
        "forecast_costs",
        "track_savings",
        "evaluate_budgets",
        "build_insights",
    ]


def test_after_each_delivery_only_the_cheap_analyses_run() -> None:
    assert after_delivery_stages() == [
        "detect_cost_anomalies",
        "track_savings",
        "evaluate_budgets",
        "build_insights",
    ]


def test_in_every_derived_order_a_stage_follows_the_producers_of_its_inputs() -> None:
    for dataset in (graph.BILLING_FACTS, graph.USAGE_METRICS, graph.RESOURCES):
        seen: set[str] = set()
        nodes = graph.downstream_of(dataset)
        produced = {o for n in nodes for o in n.outputs}
        for node in nodes:
            assert not (node.inputs & produced) - seen - {dataset}, node.name
            seen |= node.outputs


def test_usage_arriving_makes_rightsizing_stale_but_not_remediation() -> None:
    names = [n.name for n in graph.downstream_of(graph.USAGE_METRICS)]
    assert names == ["rightsize"]


def test_parameters_are_read_from_json_forms() -> None:
    params = read_parameters(
        "collect_usage",
        CollectUsageParameters,
        {"start": "2026-11-01", "end": "2026-11-02", "period_seconds": "60"},
    )
    assert params.start == dt.date(2026, 11, 1)
    assert params.period_seconds == 60


def test_unknown_parameter_names_what_the_stage_accepts() -> None:
    with pytest.raises(InvalidInputError) as caught:
        read_parameters("ingest_billing", IngestBillingParameters, {"paths": ["a"], "x": 1})
    assert caught.value.message == (
        "job 'ingest_billing' has no parameter 'x'; it accepts: paths, trigger"
    )


def test_unreadable_value_names_the_parameter_and_type() -> None:
    with pytest.raises(InvalidInputError) as caught:
        read_parameters(
            "collect_usage", CollectUsageParameters, {"start": "yesterday", "end": "2026-11-02"}
        )
    assert caught.value.message == "job parameter 'start': cannot read 'yesterday' as date"


def test_missing_parameter_is_named() -> None:
    with pytest.raises(InvalidInputError) as caught:
        read_parameters("ingest_billing", IngestBillingParameters, {})
    assert caught.value.message == "job 'ingest_billing' needs parameter 'paths'"
