"""Recommendations applied weeks before the sample ends, planted in the bill and the utilization
(``generate_sample(applied_changes=True)``; the demo's savings story).

Two changes, each to a resource the platform's own analysis flags from the history before it:

- **stopped by remediation**: the idle instance of the first account is stopped
  :data:`STOP_DAYS_BEFORE_END` days before the end, then someone runs it again for
  :data:`RESTART_DAYS` days a little later (the bill has those days: realized < estimated);
- **resized by hand**: the oversized instance of the second account (the first when there is
  one) runs one size smaller from :data:`RESIZE_DAYS_BEFORE_END` days before the end, a
  cautious step rather than the size the rightsizing rule asks for (realized < estimated).

After a stop the instance has no cost and no utilization; after a resize it costs the smaller
type's price and its CPU and memory percentages rise by the ratio of the sizes (the same work on
fewer vCPUs). ``labels.json`` lists the changes under ``applied_changes``.
"""

from __future__ import annotations

import datetime as dt

from finops.devtools.sample.population import AppliedChange, Estate
from finops.devtools.sample.prices import EC2_INSTANCE_TYPES

STOP_DAYS_BEFORE_END = 28
RESIZE_DAYS_BEFORE_END = 21
RESTART_AFTER_DAYS = 9
RESTART_DAYS = 3
HISTORY_DAYS = 14
"""Days of history a change needs before it (the rightsizing window and the savings baseline)."""

ONE_SIZE_DOWN = {
    "m5.4xlarge": "m5.2xlarge",
    "m5.2xlarge": "m5.xlarge",
    "c5.2xlarge": "c5.xlarge",
    "r5.xlarge": "r5.large",
}
"""The same family at half the vCPUs (every type the sample makes oversized has one)."""


def plant_applied_changes(estate: Estate) -> list[AppliedChange]:
    """Add the two applied changes to ``estate`` (and return them); none when the sample is too
    short to hold :data:`HISTORY_DAYS` days of history before the first one."""
    total = estate.total_days
    stop_day = total - STOP_DAYS_BEFORE_END
    if stop_day < HISTORY_DAYS:
        return []
    idle = next(i for i in estate.ec2 if i.account == 0 and i.behaviour == "idle")
    resize_account = min(1, len(estate.accounts) - 1)
    oversized = next(
        i for i in estate.ec2 if i.account == resize_account and i.behaviour == "oversized"
    )
    changes = [
        AppliedChange(
            kind="stop",
            applied_by="remediation",
            resource_id=idle.resource_id,
            account=idle.account,
            day=stop_day,
            restarted_from=stop_day + RESTART_AFTER_DAYS,
            restarted_until=stop_day + RESTART_AFTER_DAYS + RESTART_DAYS,
        ),
        AppliedChange(
            kind="resize",
            applied_by="hand",
            resource_id=oversized.resource_id,
            account=oversized.account,
            day=total - RESIZE_DAYS_BEFORE_END,
            new_type=EC2_INSTANCE_TYPES[ONE_SIZE_DOWN[oversized.instance_type.name]],
        ),
    ]
    estate.changes.extend(changes)
    return changes


def sample_day(estate: Estate, index: int) -> dt.date:
    """The calendar day of day ``index`` of the sample."""
    return estate.months[0].start.date() + dt.timedelta(days=index)


def change_labels(estate: Estate) -> list[dict[str, object]]:
    """Ground truth of the planted changes (days ISO, ``*_until`` exclusive)."""
    out: list[dict[str, object]] = []
    for change in estate.changes:
        inst = next(i for i in estate.ec2 if i.resource_id == change.resource_id)
        entry: dict[str, object] = {
            "kind": change.kind,
            "applied_by": change.applied_by,
            "resource_id": change.resource_id,
            "account_id": estate.accounts[change.account],
            "region": inst.region,
            "instance_type": inst.instance_type.name,
            "applied_on": sample_day(estate, change.day).isoformat(),
            "recommendation_kind": "ec2_idle" if change.kind == "stop" else "ec2_rightsize",
        }
        if change.kind == "stop":
            entry["restarted_from"] = sample_day(estate, change.restarted_from).isoformat()
            entry["restarted_until"] = sample_day(estate, change.restarted_until).isoformat()
        else:
            assert change.new_type is not None
            entry["new_instance_type"] = change.new_type.name
        out.append(entry)
    return out
