"""The idle rule at each threshold's edges, with the bounds worked by hand.

Compute Optimizer's idle criteria: peak CPU below 5% and network below 5 MB a day. Our input is a
peak throughput, so the network bound is 5,000,000 B / 86,400 s = 57.87 B/s = 0.056514 KiB/s.
Cost Explorer terminates only at a maximum CPU at or below 1%; we also ask for 14 observed days.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from finops.rightsizing import rightsize_instance
from finops.rightsizing.idle import assess_idle

NETWORK_BOUND_KIBPS = 5_000_000 / 86_400 / 1024  # 0.0565140...


def test_the_network_bound_is_five_megabytes_a_day() -> None:
    assert 0.0565 < NETWORK_BOUND_KIBPS < 0.0566
    # the bound, sustained for a day, is 5 MB to the byte
    assert round(NETWORK_BOUND_KIBPS * 1024 * 86_400) == 5_000_000


@pytest.mark.parametrize(
    ("cpu", "network", "days", "action"),
    [
        # terminate: CPU <= 1%, network within the bound, the whole 14 days seen
        (0.0, 0.0, 14, "terminate"),
        (1.0, 0.0565, 14, "terminate"),
        (1.0, 0.0565, 30, "terminate"),
        # just above 1% CPU: idle, but only stopped
        (1.0001, 0.0565, 14, "stop"),
        (4.99, 0.0, 14, "stop"),
        # not the whole lookback, or unknown: stopped
        (0.5, 0.01, 13.9, "stop"),
        (0.5, 0.01, None, "stop"),
        # not idle: CPU at 5%, network just over the bound, network unknown
        (5.0, 0.0, 14, None),
        (0.5, 0.0566, 14, None),
        (0.5, None, 14, None),
        # the instance: 2.88% CPU, 0.43 KiB/s (up to 37 MB a day)
        (2.88, 0.43, 14, None),
    ],
)
def test_idle_verdict_at_the_edges(
    cpu: float, network: float | None, days: float | None, action: str | None
) -> None:
    verdict = assess_idle(cpu_peak_percent=cpu, network_peak_kibps=network, days_observed=days)
    assert verdict.action == action
    evidence = verdict.as_evidence()
    assert evidence["idle"] is (action is not None)
    assert evidence["thresholds"]["network_bytes_per_day_below"] == 5_000_000
    if action == "terminate":
        assert verdict.reasons == ()
    else:
        assert verdict.reasons  # every non-terminate says why


def test_reasons_name_each_condition_that_failed() -> None:
    verdict = assess_idle(cpu_peak_percent=3.0, network_peak_kibps=0.01, days_observed=7)
    assert verdict.action == "stop"
    assert verdict.reasons == (
        "peak CPU 3% is above 1%: stop rather than terminate",
        "only 7 of 14 days observed: stop rather than terminate",
    )
    verdict = assess_idle(cpu_peak_percent=6.0, network_peak_kibps=None, days_observed=14)
    assert verdict.reasons == (
        "peak CPU 6% is not below 5%",
        "network traffic is not reported, so nothing shows the machine unused",
    )


@pytest.mark.parametrize("cpu", [0.0, 0.5, 1.0, 2.0, 4.99, 5.0, 10.0])
@pytest.mark.parametrize("network", [None, 0.0, 0.05, 0.0566, 0.43, 2.0])
@pytest.mark.parametrize("days", [None, 7.0, 14.0])
def test_never_terminate_above_a_threshold(
    cpu: float, network: float | None, days: float | None
) -> None:
    """The issue's 'done when', over a grid through every edge, through the public entry point."""
    out = rightsize_instance(
        instance_type="m5.xlarge", cpu_max=cpu, network_max_kibps=network, days_observed=days
    )
    if out["action"] == "terminate":
        assert cpu <= 1.0
        assert network is not None
        assert network <= NETWORK_BOUND_KIBPS
        assert days is not None
        assert days >= 14
    if cpu >= 5.0 or network is None or network > NETWORK_BOUND_KIBPS:
        assert out["finding"] != "idle"


AWS_SAMPLE = (
    Path(__file__).resolve().parents[1]
    / "fixtures"
    / "aws-rightsizing"
    / "ce_rightsizing_sample_114.csv"
)


def _aws_rows() -> list[dict[str, str]]:
    with AWS_SAMPLE.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_against_cost_explorers_own_recommendations() -> None:
    """A real Cost Explorer export (114 instances, 110 'Modify', 4 'Terminate'): never a
    terminate where AWS downsizes; AWS's terminates are ours whenever the network is reported."""
    rows = _aws_rows()
    assert len(rows) == 114
    actions = []
    for row in rows:
        cpu = float(row["cpu_utilization"])
        reported = bool(row["network_in_kibps"] and row["network_out_kibps"])
        network = (
            float(row["network_in_kibps"]) + float(row["network_out_kibps"]) if reported else None
        )
        hours = float(row["total_running_hours"])
        out = rightsize_instance(
            instance_type=row["instance_type"],
            cpu_max=cpu,
            network_max_kibps=network,
            days_observed=hours / 24,
            hours=hours,
        )
        aws = row["recommended_action"]
        actions.append((aws, out["action"]))
        if aws == "Modify":
            assert out["action"] != "terminate", row["instance_id"]
        if aws == "Terminate" and network is not None:
            assert out["action"] == "terminate", row["instance_id"]
        if out["action"] == "stop":  # Compute Optimizer's idle criteria hold
            assert network is not None
            assert cpu < 5.0, row["instance_id"]
            assert network * 1024 * 86_400 < 5_000_000, row["instance_id"]
    assert sum(1 for aws, _ in actions if aws == "Terminate") == 4
    assert ("Modify", "terminate") not in actions
