"""Summaries of daily usage statistics over a lookback window (pure).

Input rows are per (resource, metric, day) as stored in ``usage_metrics``; per resource and
metric the window keeps the largest daily P99.5, the largest daily peak, the mean of the daily
averages and the number of days seen. The largest daily P99.5 is an upper bound of the window's
P99.5 (no more than 0.5% of any day's samples lie above it, so no more than 0.5% of all of
them do): sizing on it is conservative.
"""

from __future__ import annotations

from dataclasses import dataclass

from finops.rightsizing.ec2 import Ec2Utilization

# CloudWatch NetworkIn/NetworkOut are bytes per datapoint; basic monitoring publishes one per
# 5 minutes, so a datapoint's bytes / 300 is its throughput.
NETWORK_DATAPOINT_SECONDS = 300


@dataclass(frozen=True)
class MetricWindow:
    """One metric of one resource over the window."""

    p99_5: float | None
    peak: float | None
    mean: float | None
    days: int
    samples: int


def ec2_utilization(
    metrics: dict[str, MetricWindow],
    *,
    network_datapoint_seconds: int = NETWORK_DATAPOINT_SECONDS,
) -> Ec2Utilization | None:
    """The EC2 rule's input from an instance's metrics; ``None`` without CPU data."""
    cpu = metrics.get("CPUUtilization")
    if cpu is None or (cpu.peak is None and cpu.p99_5 is None):
        return None
    cpu_max = cpu.peak if cpu.peak is not None else cpu.p99_5
    assert cpu_max is not None
    cpu_p99 = None if cpu.p99_5 is None else min(cpu.p99_5, cpu_max)
    mem = metrics.get("mem_used_percent")
    mem_max = None if mem is None else (mem.peak if mem.peak is not None else mem.p99_5)
    net_in, net_out = metrics.get("NetworkIn"), metrics.get("NetworkOut")
    network: float | None = None
    if net_in is not None or net_out is not None:
        total = sum(
            (m.peak if m.peak is not None else (m.p99_5 or 0.0))
            for m in (net_in, net_out)
            if m is not None
        )
        network = total / network_datapoint_seconds / 1024.0
    return Ec2Utilization(
        cpu_max=min(100.0, max(0.0, cpu_max)),
        cpu_p99_5=None if cpu_p99 is None else min(100.0, max(0.0, cpu_p99)),
        mem_max=None if mem_max is None else min(100.0, max(0.0, mem_max)),
        network_max_kibps=network,
        days_observed=cpu.days,
    )
