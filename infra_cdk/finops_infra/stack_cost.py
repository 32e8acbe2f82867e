"""What the deployed stack itself costs per month, counted from the synthesized templates and
priced from ``infra_cdk/stack_prices.csv`` (each price with its evidence).

Only the always-on parts are priced (they set the floor): NAT gateways and their public IPv4,
interface endpoints per AZ, the RDS instance and its storage, MWAA, the Fargate services, the
load balancer, secrets and KMS keys. Usage-driven charges (Lambda requests and duration, S3,
CloudFront, data processed, logs, EFS bytes, jobs tasks while they run, EMR Serverless scans)
depend on the estate and are listed as such, not guessed. The EMR Serverless application of the
Spark scan has no floor: it bills vCPU and memory seconds of running jobs only (it starts on a
job and stops after 15 idle minutes), so it is not counted here.

    python infra_cdk/finops_infra/stack_cost.py infra_cdk/cdk.out
"""

from __future__ import annotations

import csv
import json
import sys
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

HOURS_PER_MONTH = Decimal(730)
PRICES = Path(__file__).resolve().parents[1] / "stack_prices.csv"
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Line:
    """One priced part: what, how many units a month, the unit price, the monthly cost."""

    item: str
    quantity: Decimal
    unit: str
    unit_price: Decimal

    @property
    def monthly(self) -> Decimal:
        return (self.quantity * self.unit_price).quantize(CENT, rounding=ROUND_HALF_UP)


def load_prices(path: Path = PRICES) -> dict[str, Decimal]:
    """Price per unit by item."""
    with path.open(newline="") as handle:
        return {row["item"]: Decimal(row["usd"]) for row in csv.DictReader(handle)}


def _resources(outdir: Path) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for template in sorted(outdir.glob("*.template.json")):
        found.extend(json.loads(template.read_text())["Resources"].values())
    if not found:
        raise FileNotFoundError(f"no *.template.json in {outdir}: run `make synth` first")
    return found


def _of(resources: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [r for r in resources if r["Type"] == kind]


def _fargate_size(task: dict[str, Any]) -> tuple[Decimal, Decimal]:
    props = task["Properties"]
    return Decimal(props["Cpu"]) / 1024, Decimal(props["Memory"]) / 1024


def monthly_lines(outdir: Path, prices: dict[str, Decimal] | None = None) -> list[Line]:
    """The always-on parts of the synthesized app in ``outdir``, priced per month."""
    price = prices or load_prices()
    resources = _resources(outdir)
    hours = HOURS_PER_MONTH
    lines: list[Line] = []
    nat = len(_of(resources, "AWS::EC2::NatGateway"))
    if nat:
        lines.append(Line("NAT gateway", nat * hours, "hour", price["nat_gateway"]))
        lines.append(Line("NAT public IPv4", nat * hours, "hour", price["public_ipv4"]))
    endpoint_azs = sum(
        len(r["Properties"]["SubnetIds"])
        for r in _of(resources, "AWS::EC2::VPCEndpoint")
        if r["Properties"].get("VpcEndpointType") == "Interface"
    )
    lines.append(
        Line("interface endpoints", endpoint_azs * hours, "AZ-hour", price["interface_endpoint"])
    )
    for db in _of(resources, "AWS::RDS::DBInstance"):
        props = db["Properties"]
        copies = 2 if props.get("MultiAZ") else 1
        klass = props["DBInstanceClass"]
        lines.append(Line(f"RDS {klass}", copies * hours, "hour", price[f"rds_{klass}"]))
        storage = Decimal(props["AllocatedStorage"]) * copies
        lines.append(Line("RDS gp3 storage", storage, "GB-month", price["rds_gp3"]))
    for env in _of(resources, "AWS::MWAA::Environment"):
        klass = env["Properties"]["EnvironmentClass"]
        lines.append(Line(f"MWAA {klass}", hours, "hour", price[f"mwaa_{klass}"]))
    tasks = {
        name: r
        for template in sorted(outdir.glob("*.template.json"))
        for name, r in json.loads(template.read_text())["Resources"].items()
        if r["Type"] == "AWS::ECS::TaskDefinition"
    }
    vcpu = memory = Decimal(0)
    for service in _of(resources, "AWS::ECS::Service"):
        task_ref = service["Properties"]["TaskDefinition"]["Ref"]
        cpu, gib = _fargate_size(tasks[task_ref])
        count = Decimal(service["Properties"].get("DesiredCount", 1))
        vcpu += cpu * count
        memory += gib * count
    if vcpu:
        lines.append(
            Line("Fargate services vCPU", vcpu * hours, "vCPU-hour", price["fargate_vcpu"])
        )
        lines.append(
            Line("Fargate services memory", memory * hours, "GB-hour", price["fargate_memory"])
        )
    albs = len(_of(resources, "AWS::ElasticLoadBalancingV2::LoadBalancer"))
    if albs:
        lines.append(Line("load balancer", albs * hours, "hour", price["alb"]))
    secrets = len(_of(resources, "AWS::SecretsManager::Secret"))
    lines.append(
        Line("Secrets Manager", Decimal(secrets), "secret-month", price["secrets_manager_secret"])
    )
    keys = len(_of(resources, "AWS::KMS::Key"))
    if keys:
        lines.append(Line("KMS keys", Decimal(keys), "key-month", price["kms_key"]))
    return lines


def _out(text: str) -> None:
    sys.stdout.write(text + "\n")


def main(argv: list[str]) -> int:
    outdir = Path(argv[1] if len(argv) > 1 else "infra_cdk/cdk.out")
    lines = monthly_lines(outdir)
    width = max(len(line.item) for line in lines)
    for line in lines:
        _out(
            f"{line.item:<{width}}  {line.quantity:>9} {line.unit:<12} x {line.unit_price:<9}"
            f" = {line.monthly:>9} USD"
        )
    total = sum((line.monthly for line in lines), Decimal(0))
    _out(f"{'total (always-on floor)':<{width}}  {'':>34} = {total:>9} USD / month")
    _out(
        "usage-driven, not included: Lambda, S3, CloudFront, NAT data, logs, EFS bytes, jobs tasks,"
        " EMR Serverless scans"
    )
    _out(f"command: python infra_cdk/finops_infra/stack_cost.py {outdir}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
