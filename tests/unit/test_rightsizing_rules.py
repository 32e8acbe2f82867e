"""Known answers of the pure rightsizing rules (EC2, Fargate, Lambda, node groups).

Expected types and prices are computed here from the packaged catalogue CSV with the csv module,
independently of the code under test.
"""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest

from finops.catalogue import packaged_catalogue
from finops.core.errors import InvalidInputError
from finops.rightsizing import (
    Ec2Rightsizer,
    Ec2Utilization,
    is_valid_fargate_size,
    recommend_fargate,
    recommend_lambda_memory,
    recommend_node_group,
    recommend_task_reservation,
    rightsize_instance,
)
from finops.rightsizing.containers import NodeUsage
from finops.rightsizing.evidence import MetricWindow, ec2_utilization

CSV_PATH = (
    Path(__file__).resolve().parents[2]
    / "app"
    / "finops"
    / "data"
    / "ec2_instance_types_us-east-1_2026.csv"
)


def _rows() -> dict[str, dict[str, str]]:
    with CSV_PATH.open(encoding="utf-8", newline="") as handle:
        return {r["instance_type"]: r for r in csv.DictReader(handle)}


def _cheapest(
    rows: dict[str, dict[str, str]],
    *,
    category: str,
    arch: str,
    min_generation: int,
    min_vcpu: float,
    min_memory: float,
    below: Decimal,
) -> tuple[str, Decimal]:
    fitting = []
    for name, r in rows.items():
        price = r["ondemand_linux_usd_per_hour_us_east_1"]
        if not price or r["category"] != category or r["arch"] != arch:
            continue
        if not r["generation"] or int(r["generation"]) < min_generation:
            continue
        if r["gpu_count"] or r["bare_metal"] == "true" or r["local_nvme_gib"]:
            continue
        if int(r["vcpu"]) < min_vcpu or float(r["memory_gib"]) < min_memory:
            continue
        if Decimal(price) < below:
            fitting.append((Decimal(price), name))
    price, name = min(fitting)
    return name, price


def test_m5_2xlarge_at_5_percent_p99_gets_cheapest_fitting_m_type_with_exact_saving() -> None:
    rows = _rows()
    current = Decimal(rows["m5.2xlarge"]["ondemand_linux_usd_per_hour_us_east_1"])
    # need 8 x 5% x 1.2 = 0.48 vCPU; memory not reported -> keep >= 25% of 32 GiB
    expected, price = _cheapest(
        rows,
        category="m",
        arch="amd64",
        min_generation=5,
        min_vcpu=0.48,
        min_memory=8.0,
        below=current,
    )
    out = rightsize_instance(instance_type="m5.2xlarge", cpu_max=12.0, cpu_p99=5.0)
    assert out["action"] == "modify"
    assert out["recommended_type"] == expected == "m5a.large"
    assert Decimal(out["monthly_saving"]) == (current - price) * 730 == Decimal("217.54")
    assert out["performance_risk"] == "medium"  # memory not reported
    arm, arm_price = _cheapest(
        rows,
        category="m",
        arch="arm64",
        min_generation=5,
        min_vcpu=0.48,
        min_memory=8.0,
        below=current,
    )
    alt = out["graviton_alternative"]
    assert alt["instance_type"] == arm
    assert Decimal(alt["monthly_saving"]) == (current - arm_price) * 730


def test_memory_reported_allows_compute_and_memory_families_and_sizes_memory() -> None:
    rows = _rows()
    current = Decimal(rows["m5.2xlarge"]["ondemand_linux_usd_per_hour_us_east_1"])
    # memory 10% of 32 GiB x 1.2 = 3.84 GiB
    best = min(
        _cheapest(
            rows,
            category=c,
            arch="amd64",
            min_generation=5,
            min_vcpu=0.48,
            min_memory=3.84,
            below=current,
        )[::-1]
        for c in ("m", "c", "r")
    )
    out = rightsize_instance(instance_type="m5.2xlarge", cpu_max=12.0, cpu_p99=5.0, mem_max=10.0)
    assert out["recommended_type"] == best[1]
    assert Decimal(out["monthly_saving"]) == (current - best[0]) * 730


def test_idle_instance_is_terminated_and_saves_its_full_monthly_price() -> None:
    out = rightsize_instance(
        instance_type="m5.xlarge",
        cpu_max=0.8,
        cpu_p99=0.5,
        network_max_kibps=0.05,
        days_observed=14,
    )
    assert out["action"] == "terminate"
    assert out["recommended_type"] is None
    assert Decimal(out["monthly_saving"]) == Decimal("0.192") * 730
    assert out["finding"] == "idle"


def test_low_cpu_but_real_network_traffic_is_not_idle() -> None:
    out = rightsize_instance(instance_type="m5.xlarge", cpu_max=3.0, network_max_kibps=500.0)
    assert out["action"] == "modify"


def test_busy_instance_is_kept() -> None:
    out = rightsize_instance(instance_type="m5.large", cpu_max=99.0, cpu_p99=90.0)
    assert out == {**out, "action": "keep", "recommended_type": None, "monthly_saving": "0"}
    assert out["finding"] == "under_provisioned"


def test_hours_scale_the_saving_and_may_be_fractional() -> None:
    idle = {"cpu_max": 0.5, "network_max_kibps": 0.01, "days_observed": 14.0}
    out = rightsize_instance(instance_type="m5.xlarge", hours=100, **idle)
    assert Decimal(out["monthly_saving"]) == Decimal("19.2")
    out = rightsize_instance(instance_type="m5.xlarge", hours=285.63, **idle)
    assert Decimal(out["monthly_saving"]) == Decimal("0.192") * Decimal("285.63")  # 54.84096
    assert out["hours"] == "285.63"


def test_a_small_burstable_machine_at_3_percent_with_traffic_is_downsized_not_terminated() -> None:
    """AWS's own answer for this instance is t2.small -> t2.micro (modify)."""
    rows = _rows()
    current = Decimal(rows["t2.small"]["ondemand_linux_usd_per_hour_us_east_1"])
    out = rightsize_instance(
        instance_type="t2.small", cpu_max=2.88, network_max_kibps=0.43, hours=285.63
    )
    assert (out["action"], out["finding"]) == ("modify", "over_provisioned")
    # need 1 x 2.88% x 1.2 = 0.03456 vCPU; memory not reported -> keep >= 25% of 2 GiB
    expected, price = _cheapest(
        rows,
        category="t",
        arch="amd64",
        min_generation=2,
        min_vcpu=0.03456,
        min_memory=0.5,
        below=current,
    )
    assert out["recommended_type"] == expected
    assert Decimal(out["monthly_saving"]) == Decimal("285.63") * (current - price)
    assert out["evidence"]["idle_check"]["idle"] is False
    assert out["evidence"]["idle_check"]["reasons"] == [
        "peak network 0.43 KiB/s is above 0.0565 KiB/s (5 MB a day)"
    ]


def test_effective_rate_from_the_bill_prices_the_saving() -> None:
    rightsizer = Ec2Rightsizer(packaged_catalogue())
    rate = Decimal("0.384") * Decimal("0.72")  # Savings Plan covered
    rec = rightsizer.recommend(
        instance_type="m5.2xlarge",
        usage=Ec2Utilization(cpu_max=12.0, cpu_p99_5=5.0),
        effective_hourly_rate=rate,
    )
    assert rec.rate_source == "bill"
    expected = 730 * rate * (1 - Decimal("0.086") / Decimal("0.384"))
    assert rec.monthly_saving == expected.quantize(Decimal("0.000001"))


def test_bad_inputs_name_the_parameter() -> None:
    with pytest.raises(InvalidInputError, match="instance_type"):
        rightsize_instance(instance_type="m5.huge", cpu_max=10.0)
    with pytest.raises(InvalidInputError, match="'os'"):
        rightsize_instance(instance_type="m5.large", cpu_max=10.0, os="Windows")
    with pytest.raises(InvalidInputError, match="cpu_max"):
        rightsize_instance(instance_type="m5.large", cpu_max=120.0)
    with pytest.raises(InvalidInputError, match="cpu_p99"):
        rightsize_instance(instance_type="m5.large", cpu_max=10.0, cpu_p99=20.0)
    with pytest.raises(InvalidInputError, match="hours"):
        rightsize_instance(instance_type="m5.large", cpu_max=10.0, hours=0)
    for bad in (-1.0, float("nan"), float("inf")):
        with pytest.raises(InvalidInputError, match="'hours'"):
            rightsize_instance(instance_type="m5.large", cpu_max=10.0, hours=bad)
        with pytest.raises(InvalidInputError, match="'days_observed'"):
            rightsize_instance(instance_type="m5.large", cpu_max=0.5, days_observed=bad)
        with pytest.raises(InvalidInputError, match="'network_max_kibps'"):
            rightsize_instance(instance_type="m5.large", cpu_max=0.5, network_max_kibps=bad)


def test_gpu_and_burstable_types_stay_in_their_kind() -> None:
    gpu = rightsize_instance(instance_type="g5.2xlarge", cpu_max=20.0, cpu_p99=10.0)
    assert gpu["recommended_type"] is None or gpu["recommended_type"].startswith("g")
    burst = rightsize_instance(instance_type="t3.xlarge", cpu_max=20.0, cpu_p99=10.0)
    assert burst["recommended_type"] is not None
    assert burst["recommended_type"].startswith("t")


@pytest.mark.parametrize(
    ("vcpu", "memory", "valid"),
    [
        ("0.25", "0.5", True),
        ("0.25", "2", True),
        ("0.25", "4", False),
        ("0.5", "4", True),
        ("1", "9", False),
        ("4", "30", True),
        ("8", "20", True),
        ("8", "18", False),
        ("16", "120", True),
        ("16", "128", False),
        ("3", "8", False),
    ],
)
def test_fargate_combination_validity(vcpu: str, memory: str, valid: bool) -> None:
    assert is_valid_fargate_size(Decimal(vcpu), Decimal(memory)) is valid


def test_fargate_oversized_task_gets_cheapest_valid_size() -> None:
    prices = packaged_catalogue().serverless_prices("us-east-1")
    rec = recommend_fargate(
        vcpu=Decimal(2),
        memory_gb=Decimal(8),
        cpu_p99_5=8.0,
        mem_max=15.0,
        prices=prices,
        task_hours_per_month=Decimal(2190),
    )
    # needs 2 x 8% x 1.2 = 0.192 vCPU and 8 x 15% x 1.2 = 1.44 GB -> 0.25 vCPU / 2 GB
    assert (rec.action, rec.recommended_vcpu, rec.recommended_memory_gb) == (
        "modify",
        Decimal("0.25"),
        Decimal(2),
    )
    current = 2 * Decimal("0.04048") + 8 * Decimal("0.004445")
    new = Decimal("0.25") * Decimal("0.04048") + 2 * Decimal("0.004445")
    assert rec.monthly_saving == 2190 * (current - new)
    with pytest.raises(InvalidInputError, match="memory_gb"):
        recommend_fargate(
            vcpu=Decimal(2), memory_gb=Decimal(2), cpu_p99_5=1, mem_max=1, prices=prices
        )


def test_fargate_busy_task_is_kept() -> None:
    prices = packaged_catalogue().serverless_prices("us-east-1")
    rec = recommend_fargate(
        vcpu=Decimal("0.5"), memory_gb=Decimal(1), cpu_p99_5=70.0, mem_max=80.0, prices=prices
    )
    assert rec.action == "keep"


def test_lambda_memory_follows_peak_use_for_any_size() -> None:
    prices = packaged_catalogue().serverless_prices("us-east-1")
    rec = recommend_lambda_memory(
        memory_mb=3008,
        max_memory_used_mb=190,
        monthly_gb_seconds=Decimal(1_000_000),
        prices=prices,
        avg_duration_ms=400.0,
    )
    assert rec.recommended_memory_mb == 256  # 190 x 1.2 = 228 -> next multiple of 64
    expected = Decimal(1_000_000) * (1 - Decimal(256) / Decimal(3008)) * Decimal("0.0000166667")
    assert rec.monthly_saving == expected.quantize(Decimal("0.000001"))
    assert rec.arm64_alternative_saving is not None
    assert rec.arm64_alternative_saving > 0
    big = recommend_lambda_memory(
        memory_mb=10240, max_memory_used_mb=9000, monthly_gb_seconds=Decimal(10), prices=prices
    )
    assert big.action == "keep"  # 9000 x 1.2 > 10240
    small = recommend_lambda_memory(
        memory_mb=128, max_memory_used_mb=20, monthly_gb_seconds=Decimal(10), prices=prices
    )
    assert small.action == "keep"  # already the minimum
    odd = recommend_lambda_memory(
        memory_mb=1769,
        max_memory_used_mb=500,
        monthly_gb_seconds=Decimal(100),
        prices=prices,
        arch="arm64",
    )
    assert odd.recommended_memory_mb == 640
    assert odd.arm64_alternative_saving is None


def test_node_group_shrinks_to_usage_but_keeps_two_nodes() -> None:
    nodes = [NodeUsage(cpu_p99_5=10.0, mem_max=20.0) for _ in range(4)]
    rec = recommend_node_group(
        node_vcpu=4, node_memory_gib=Decimal(16), node_hourly_rate=Decimal("0.192"), nodes=nodes
    )
    # CPU 4 x 0.4 x 1.2 = 1.92 vCPU -> 1 node; memory 4 x 3.2 x 1.2 = 15.36 GiB -> 1; floor 2
    assert (rec.action, rec.recommended_nodes) == ("modify", 2)
    assert rec.monthly_saving == 2 * Decimal("0.192") * 730
    requested = recommend_node_group(
        node_vcpu=4,
        node_memory_gib=Decimal(16),
        node_hourly_rate=Decimal("0.192"),
        nodes=nodes,
        requested_vcpu=10.0,
    )
    assert requested.recommended_nodes == 3  # 10 / (4 x 0.9) = 2.8 -> 3
    assert requested.evidence["requests_over_usage_cpu"] == round(10.0 / 1.6, 4)


def test_ecs_on_ec2_reservation_share() -> None:
    rec = recommend_task_reservation(cpu_p99_5=8.0, mem_max=15.0)
    assert (rec.action, rec.cpu_fraction, rec.memory_fraction) == ("modify", 0.096, 0.18)
    assert recommend_task_reservation(cpu_p99_5=70.0, mem_max=60.0).action == "keep"


def test_window_summary_converts_network_bytes_per_datapoint_to_kibps() -> None:
    usage = ec2_utilization(
        {
            "CPUUtilization": MetricWindow(p99_5=4.0, peak=6.0, mean=2.0, days=14, samples=336),
            "NetworkIn": MetricWindow(p99_5=None, peak=307_200.0, mean=None, days=14, samples=336),
            "NetworkOut": MetricWindow(p99_5=None, peak=153_600.0, mean=None, days=14, samples=336),
        }
    )
    assert usage is not None
    assert usage.network_max_kibps == pytest.approx((307_200 + 153_600) / 300 / 1024)
    assert (usage.cpu_p99_5, usage.cpu_max, usage.mem_max, usage.days_observed) == (
        4.0,
        6.0,
        None,
        14,
    )
    assert ec2_utilization({}) is None
