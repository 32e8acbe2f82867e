"""When an EC2 instance is idle, and whether it may be terminated or only stopped (pure).

Terminating deletes a server; the rule asks for the evidence an operator would accept first.
The thresholds are the published ones of the two AWS tools people compare us with:

- **Idle** (AWS Compute Optimizer's idle criteria for EC2): the *peak* CPU stays below 5% and
  network traffic (in + out) stays below 5 MB a day, across the whole lookback (14 days by
  default). Network must be reported: without it nothing shows the machine is not serving.
  Our input is the peak throughput in KiB/s, so the daily volume is bounded from above by
  ``peak x 86,400 s``; the rule asks that bound to stay under 5 MB, i.e. a peak at or below
  5,000,000 B / 86,400 s / 1,024 = 0.0565 KiB/s. That is stricter than a daily total, never
  looser.
- **Terminate** (AWS Cost Explorer's rightsizing: an instance is idle, and gets a termination
  recommendation, when its maximum CPU is at or below 1%): only when the instance is idle as
  above, its peak CPU is at or below 1%, and the whole lookback was observed.
- **Stop** otherwise when idle: the CPU peak is between 1% and 5%, or fewer days than the
  lookback were observed (or the number is unknown). Stopping is reversible; the evidence says
  which condition kept it from a termination.
- **Not idle**: the CPU peak at or above 5%, or network above the bound, or network unknown; the
  sizing rule then decides (a smaller type, or keep).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

IDLE_CPU_PEAK_BELOW_PERCENT = 5.0
"""Compute Optimizer: an EC2 instance is idle when its peak CPU is below 5%..."""
IDLE_NETWORK_BYTES_PER_DAY = 5_000_000
"""...and its network I/O below 5 MB a day, over the lookback."""
SECONDS_PER_DAY = 86_400
IDLE_NETWORK_PEAK_KIBPS = IDLE_NETWORK_BYTES_PER_DAY / SECONDS_PER_DAY / 1024
"""The peak throughput (KiB/s, in + out) that cannot add up to 5 MB in a day: 0.0565..."""
TERMINATE_CPU_PEAK_AT_MOST_PERCENT = 1.0
"""Cost Explorer: terminate only at a maximum CPU at or below 1%."""

IdleAction = Literal["terminate", "stop"]


@dataclass(frozen=True)
class IdleThresholds:
    """The idle rule's thresholds (defaults: the published AWS ones above)."""

    cpu_peak_below_percent: float = IDLE_CPU_PEAK_BELOW_PERCENT
    network_peak_at_most_kibps: float = IDLE_NETWORK_PEAK_KIBPS
    terminate_cpu_peak_at_most_percent: float = TERMINATE_CPU_PEAK_AT_MOST_PERCENT
    lookback_days: float = 14.0


DEFAULT_THRESHOLDS = IdleThresholds()


@dataclass(frozen=True)
class IdleAssessment:
    """The idle rule's verdict: ``action`` is None when the instance is not idle; ``reasons``
    say why it is not idle, or why an idle instance is only stopped."""

    action: IdleAction | None
    reasons: tuple[str, ...]
    thresholds: IdleThresholds

    def as_evidence(self) -> dict[str, Any]:
        """JSON-ready: the verdict, the reasons and the thresholds applied."""
        t = self.thresholds
        return {
            "idle": self.action is not None,
            "action": self.action,
            "reasons": list(self.reasons),
            "thresholds": {
                "cpu_peak_below_percent": t.cpu_peak_below_percent,
                "network_peak_at_most_kibps": round(t.network_peak_at_most_kibps, 6),
                "network_bytes_per_day_below": IDLE_NETWORK_BYTES_PER_DAY,
                "terminate_cpu_peak_at_most_percent": t.terminate_cpu_peak_at_most_percent,
                "lookback_days": t.lookback_days,
            },
        }


def assess_idle(
    *,
    cpu_peak_percent: float,
    network_peak_kibps: float | None,
    days_observed: float | None,
    thresholds: IdleThresholds = DEFAULT_THRESHOLDS,
) -> IdleAssessment:
    """Whether the instance is idle and, if so, whether it may be terminated or only stopped.

    Guarantees: ``terminate`` only with a CPU peak at or below the terminate threshold, a
    reported network peak at or below the network bound and the whole lookback observed;
    never an idle verdict with a CPU peak at or above the idle threshold or a network peak
    above the bound (or unreported).
    """
    t = thresholds
    not_idle: list[str] = []
    if cpu_peak_percent >= t.cpu_peak_below_percent:
        not_idle.append(
            f"peak CPU {cpu_peak_percent:g}% is not below {t.cpu_peak_below_percent:g}%"
        )
    if network_peak_kibps is None:
        not_idle.append("network traffic is not reported, so nothing shows the machine unused")
    elif network_peak_kibps > t.network_peak_at_most_kibps:
        not_idle.append(
            f"peak network {network_peak_kibps:g} KiB/s is above "
            f"{t.network_peak_at_most_kibps:.4f} KiB/s (5 MB a day)"
        )
    if not_idle:
        return IdleAssessment(action=None, reasons=tuple(not_idle), thresholds=t)
    only_stop: list[str] = []
    if cpu_peak_percent > t.terminate_cpu_peak_at_most_percent:
        only_stop.append(
            f"peak CPU {cpu_peak_percent:g}% is above "
            f"{t.terminate_cpu_peak_at_most_percent:g}%: stop rather than terminate"
        )
    if days_observed is None:
        only_stop.append("the number of days observed is unknown: stop rather than terminate")
    elif days_observed < t.lookback_days:
        only_stop.append(
            f"only {days_observed:g} of {t.lookback_days:g} days observed: stop rather than "
            "terminate"
        )
    action: IdleAction = "stop" if only_stop else "terminate"
    return IdleAssessment(action=action, reasons=tuple(only_stop), thresholds=t)
