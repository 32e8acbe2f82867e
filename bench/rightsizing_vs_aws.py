"""How the EC2 idle rule's actions compare with AWS Cost Explorer's on a real export.

Usage:
    .venv/bin/python bench/rightsizing_vs_aws.py [--csv EXPORT.csv]
    (default: tests/fixtures/aws-rightsizing/ce_rightsizing_sample_114.csv)

Reads a Cost Explorer rightsizing export (maximum CPU %, network in and out KiB/s, running
hours and AWS's recommended action per instance), applies
:func:`finops.rightsizing.rightsize_instance` (network = in + out, an upper bound of the
combined peak; days observed = running hours / 24) and, as the baseline, the rule this product
shipped before (idle = peak CPU < 5% and the network peak < 2 KiB/s or unreported, always
terminate). Prints the actions side by side and the figures that matter: terminate where AWS
says modify (the dangerous error) and AWS's terminates we also terminate. The OS and region
only change prices, not the action, so every row is evaluated on the Linux us-east-1 catalogue.
"""

from __future__ import annotations

import argparse
import csv
import shlex
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from finops.rightsizing import rightsize_instance

DEFAULT_CSV = Path("tests/fixtures/aws-rightsizing/ce_rightsizing_sample_114.csv")


def _number(text: str) -> float | None:
    return float(text) if text.strip() else None


def baseline_action(cpu_max: float, network: float | None) -> str:
    """The previous rule: terminate when CPU peak < 5% and network < 2 KiB/s or unknown."""
    return "terminate" if cpu_max < 5.0 and (network is None or network < 2.0) else "other"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    args = parser.parse_args()
    ours: Counter[tuple[str, str]] = Counter()
    before: Counter[tuple[str, str]] = Counter()
    with args.csv.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        cpu = float(row["cpu_utilization"])
        net_in, net_out = _number(row["network_in_kibps"]), _number(row["network_out_kibps"])
        network = None if net_in is None or net_out is None else net_in + net_out
        hours = float(row["total_running_hours"])
        out = rightsize_instance(
            instance_type=row["instance_type"],
            cpu_max=cpu,
            network_max_kibps=network,
            days_observed=hours / 24,
            hours=hours,
        )
        aws = row["recommended_action"].lower()
        ours[(aws, out["action"])] += 1
        before[(aws, baseline_action(cpu, network))] += 1
    aws_counts = Counter(row["recommended_action"].lower() for row in rows)
    print(f"instances: {len(rows)}  AWS actions: {dict(sorted(aws_counts.items()))}")
    print("AWS action -> this rule's action: count")
    for (aws, action), n in sorted(ours.items()):
        print(f"  {aws:9} -> {action:9}: {n}")
    bad_now = ours[("modify", "terminate")]
    bad_before = before[("modify", "terminate")]
    print(
        f"terminate where AWS says modify: {bad_now} of {aws_counts['modify']} "
        f"(previous rule: {bad_before}, {bad_before / aws_counts['modify']:.1%})"
    )
    print(
        f"AWS terminate, this rule terminates: {ours[('terminate', 'terminate')]} of "
        f"{aws_counts['terminate']} (previous rule: {before[('terminate', 'terminate')]})"
    )
    print("command: .venv/bin/python bench/rightsizing_vs_aws.py " + shlex.join(sys.argv[1:]))


if __name__ == "__main__":
    main()
