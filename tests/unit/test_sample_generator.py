"""The sample generator: determinism, scaling, exact money, ground truth, cross-format totals."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import json
import re
import statistics
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from finops.core.errors import InvalidInputError
from finops.devtools.sample import SampleResult, generate_sample
from tests.support.sample_readers import cur2_rows, dec, dec_double, focus_rows, legacy_rows

END = dt.date(2026, 3, 20)
TEN_PLACES = Decimal("0.0000000001")
FOCUS_COLUMNS = (
    Path(__file__).resolve().parents[1]
    / "fixtures"
    / "focus-spec"
    / ("focus_columns_v1.0-v1.2.csv")
)


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, SampleResult]:
    out: dict[str, SampleResult] = {}
    for fmt in ("cur2", "cur-legacy", "focus"):
        folder = tmp_path_factory.mktemp(fmt.replace("-", "_"))
        out[fmt] = generate_sample(out_dir=folder, months=2, accounts=2, seed=11, fmt=fmt, end=END)
    return out


@pytest.fixture(scope="module")
def legacy(samples: dict[str, SampleResult]) -> list[dict[str, str]]:
    return list(legacy_rows(samples["cur-legacy"].out_dir / "billing"))


@pytest.fixture(scope="module")
def labels(samples: dict[str, SampleResult]) -> dict[str, object]:
    return json.loads(samples["cur-legacy"].labels_path.read_text())


def _all_bytes(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.mark.parametrize("fmt", ["cur2", "cur-legacy", "focus"])
def test_same_arguments_give_identical_bytes_and_another_seed_differs(
    tmp_path: Path, fmt: str
) -> None:
    args = {"months": 1, "accounts": 1, "end": dt.date(2026, 2, 9), "fmt": fmt}
    generate_sample(out_dir=tmp_path / "a", seed=3, **args)  # type: ignore[arg-type]
    generate_sample(out_dir=tmp_path / "b", seed=3, **args)  # type: ignore[arg-type]
    generate_sample(out_dir=tmp_path / "c", seed=4, **args)  # type: ignore[arg-type]
    first, second, other = (_all_bytes(tmp_path / x) for x in "abc")
    assert first == second
    assert first.keys() == other.keys()
    billing = [k for k in first if k.startswith("billing/")]
    assert billing
    assert all(first[k] != other[k] for k in billing)


def test_lines_scales_to_about_the_requested_count_with_parts_and_manifest(
    tmp_path: Path,
) -> None:
    seen: list[tuple[int, int]] = []
    result = generate_sample(
        out_dir=tmp_path,
        lines=50_000,
        fmt="cur2",
        end=END,
        part_lines=12_000,
        progress=lambda d, t: seen.append((d, t)),
    )
    rows = sum(
        pq.ParquetFile(p).metadata.num_rows for p in (tmp_path / "billing").rglob("*.parquet")
    )
    assert rows == result.line_count
    assert abs(rows - 50_000) <= 5_000
    assert seen[-1][0] == rows
    assert seen[-1][1] == rows
    manifests = sorted((tmp_path / "billing").rglob("*-Manifest.json"))
    assert manifests
    for manifest in manifests:
        doc = json.loads(manifest.read_text())
        parts = [tmp_path / key for key in doc["dataFiles"]]
        assert len(parts) > 1
        assert all(p.is_file() for p in parts)
        assert set(doc["billingPeriod"]) == {"start", "end"}


def test_legacy_manifest_lists_report_keys(tmp_path: Path) -> None:
    generate_sample(
        out_dir=tmp_path,
        months=1,
        accounts=1,
        fmt="cur-legacy",
        end=dt.date(2026, 2, 9),
        part_lines=100,
    )
    [manifest] = (tmp_path / "billing").rglob("*-Manifest.json")
    doc = json.loads(manifest.read_text())
    assert doc["compression"] == "GZIP"
    assert doc["contentType"] == "text/csv"
    assert doc["billingPeriod"] == {"start": "20260201T000000.000Z", "end": "20260301T000000.000Z"}
    total = 0
    for key in doc["reportKeys"]:
        with gzip.open(tmp_path / key, "rt", newline="") as handle:
            total += sum(1 for _ in csv.DictReader(handle))
    assert total > 100


def test_costs_are_exact_ten_place_decimals_equal_to_rate_times_amount(
    legacy: list[dict[str, str]],
) -> None:
    pattern = re.compile(r"^-?\d+\.\d{10}$")
    checked = 0
    for row in legacy:
        assert pattern.match(row["lineItem/UnblendedCost"]), row["lineItem/UnblendedCost"]
        if row["lineItem/LineItemType"] == "Usage":
            expected = dec(row["lineItem/UnblendedRate"]) * dec(row["lineItem/UsageAmount"])
            assert dec(row["lineItem/UnblendedCost"]) == expected.quantize(
                TEN_PLACES, rounding=ROUND_HALF_UP
            )
            checked += 1
    assert checked > 1000


def test_parquet_doubles_read_back_as_the_csv_decimals(
    samples: dict[str, SampleResult], legacy: list[dict[str, str]]
) -> None:
    by_id = {r["identity/LineItemId"]: r for r in legacy}
    rows = list(cur2_rows(samples["cur2"].out_dir / "billing"))
    assert len(rows) == len(by_id)
    for row in rows:
        twin = by_id[str(row["identity_line_item_id"])]
        assert dec_double(row["line_item_unblended_cost"]) == dec(twin["lineItem/UnblendedCost"])
        assert dec_double(row["pricing_public_on_demand_cost"]) == dec(
            twin["pricing/publicOnDemandCost"]
        )


def _legacy_effective(row: dict[str, str]) -> Decimal:
    kind = row["lineItem/LineItemType"]
    if kind == "SavingsPlanCoveredUsage":
        return dec(row["savingsPlan/SavingsPlanEffectiveCost"])
    if kind == "SavingsPlanRecurringFee":
        return dec(row["savingsPlan/TotalCommitmentToDate"]) - dec(
            row["savingsPlan/UsedCommitment"]
        )
    if kind == "SavingsPlanNegation":
        return Decimal(0)
    if kind == "DiscountedUsage":
        return dec(row["reservation/EffectiveCost"])
    if kind == "RIFee":
        return dec(row["reservation/UnusedAmortizedUpfrontFeeForBillingPeriod"]) + dec(
            row["reservation/UnusedRecurringFee"]
        )
    return dec(row["lineItem/UnblendedCost"])


def test_totals_are_equal_across_formats_and_match_the_result(
    samples: dict[str, SampleResult], legacy: list[dict[str, str]]
) -> None:
    legacy_billed = sum((dec(r["lineItem/UnblendedCost"]) for r in legacy), Decimal(0))
    legacy_effective = sum((_legacy_effective(r) for r in legacy), Decimal(0))
    legacy_list = sum((dec(r["pricing/publicOnDemandCost"]) for r in legacy), Decimal(0))
    cur2 = list(cur2_rows(samples["cur2"].out_dir / "billing"))
    cur2_billed = sum((dec_double(r["line_item_unblended_cost"]) for r in cur2), Decimal(0))
    focus = list(focus_rows(samples["focus"].out_dir / "billing"))
    focus_billed = sum((dec(r["BilledCost"]) for r in focus), Decimal(0))
    focus_effective = sum((dec(r["EffectiveCost"]) for r in focus), Decimal(0))
    focus_list = sum((dec(r["ListCost"]) for r in focus), Decimal(0))
    assert legacy_billed == cur2_billed == focus_billed
    assert legacy_effective == focus_effective
    assert legacy_list == focus_list
    for result in samples.values():
        totals = result.totals["USD"]
        assert (totals.billed, totals.effective, totals.list) == (
            legacy_billed,
            legacy_effective,
            legacy_list,
        )
        assert result.line_count == len(legacy) == len(cur2) == len(focus)


def test_commitments_make_effective_differ_from_billed(
    legacy: list[dict[str, str]], labels: dict[str, object]
) -> None:
    sp_arn = labels["savings_plans"][0]["arn"]  # type: ignore[index]
    ri_arn = labels["reserved_instances"][0]["arn"]  # type: ignore[index]
    covered = [r for r in legacy if r["lineItem/LineItemType"] == "SavingsPlanCoveredUsage"]
    negations = [r for r in legacy if r["lineItem/LineItemType"] == "SavingsPlanNegation"]
    assert covered
    assert len(covered) == len(negations)
    used_per_day: dict[str, Decimal] = defaultdict(Decimal)
    for row in covered:
        assert row["savingsPlan/SavingsPlanARN"] == sp_arn
        assert dec(row["savingsPlan/SavingsPlanEffectiveCost"]) < dec(row["lineItem/UnblendedCost"])
        used_per_day[row["lineItem/UsageStartDate"]] += dec(
            row["savingsPlan/SavingsPlanEffectiveCost"]
        )
    assert sum(dec(r["lineItem/UnblendedCost"]) for r in negations) == -sum(
        dec(r["lineItem/UnblendedCost"]) for r in covered
    )
    fees = [r for r in legacy if r["lineItem/LineItemType"] == "SavingsPlanRecurringFee"]
    assert fees
    for fee in fees:
        used = dec(fee["savingsPlan/UsedCommitment"])
        assert used == used_per_day[fee["lineItem/UsageStartDate"]]
        assert dec(fee["savingsPlan/TotalCommitmentToDate"]) > used
    discounted = [r for r in legacy if r["lineItem/LineItemType"] == "DiscountedUsage"]
    assert discounted
    for row in discounted:
        assert row["reservation/ReservationARN"] == ri_arn
        assert dec(row["lineItem/UnblendedCost"]) == 0
        assert dec(row["reservation/EffectiveCost"]) > 0
    for fee in (r for r in legacy if r["lineItem/LineItemType"] == "RIFee"):
        month = fee["bill/BillingPeriodStartDate"]
        used = sum(
            dec(r["reservation/EffectiveCost"])
            for r in discounted
            if r["bill/BillingPeriodStartDate"] == month
        )
        assert (
            dec(fee["reservation/UnusedRecurringFee"])
            == dec(fee["lineItem/UnblendedCost"]) - used
            > 0
        )


def test_credits_refunds_are_negative_and_tax_spans_the_month(
    legacy: list[dict[str, str]],
) -> None:
    kinds = defaultdict(list)
    for row in legacy:
        kinds[row["lineItem/LineItemType"]].append(row)
    assert kinds["Credit"]
    assert kinds["Refund"]
    assert kinds["Tax"]
    assert all(dec(r["lineItem/UnblendedCost"]) < 0 for r in kinds["Credit"] + kinds["Refund"])
    taxable: dict[tuple[str, str, str], Decimal] = defaultdict(Decimal)
    for row in legacy:
        if row["lineItem/LineItemType"] not in ("Credit", "Refund", "Tax"):
            key = (
                row["bill/BillingPeriodStartDate"],
                row["lineItem/UsageAccountId"],
                row["lineItem/ProductCode"],
            )
            taxable[key] += dec(row["lineItem/UnblendedCost"])
    for tax in kinds["Tax"]:
        assert tax["lineItem/UsageStartDate"] == tax["bill/BillingPeriodStartDate"]
        assert tax["lineItem/UsageEndDate"] == tax["bill/BillingPeriodEndDate"]
        assert tax["lineItem/CurrencyCode"] == "USD"
        key = (
            tax["bill/BillingPeriodStartDate"],
            tax["lineItem/UsageAccountId"],
            tax["lineItem/ProductCode"],
        )
        expected = (taxable[key] * Decimal("0.06")).quantize(TEN_PLACES, rounding=ROUND_HALF_UP)
        assert dec(tax["lineItem/UnblendedCost"]) == expected


def test_injected_anomalies_have_their_labelled_extra_cost(
    legacy: list[dict[str, str]], labels: dict[str, object]
) -> None:
    anomalies = labels["anomalies"]
    assert isinstance(anomalies, list)
    assert {a["kind"] for a in anomalies} == {
        "spike",
        "level_shift",
    }
    for anomaly in anomalies:
        start = dt.date.fromisoformat(anomaly["start"])
        days = {(start + dt.timedelta(days=k)).isoformat() for k in range(anomaly["days"])}
        scope = [
            r
            for r in legacy
            if r["lineItem/UsageAccountId"] == anomaly["account_id"]
            and r["lineItem/ProductCode"] == anomaly["service"]
            and r["lineItem/LineItemType"] not in ("Tax", "Credit", "Refund")
        ]
        extra: dict[str, Decimal] = defaultdict(Decimal)
        per_day: dict[str, Decimal] = defaultdict(Decimal)
        for row in scope:
            day = row["lineItem/UsageStartDate"][:10]
            per_day[day] += dec(row["lineItem/UnblendedCost"])
            if (
                row["lineItem/ResourceId"] in anomaly["resource_ids"]
                and row["lineItem/Operation"] == anomaly["operation"]
                and row["lineItem/UsageType"] in anomaly["usage_types"]
            ):
                extra[day] += dec(row["lineItem/UnblendedCost"])
        expected = Decimal(anomaly["extra_cost_per_day"])
        assert expected > 0
        assert {d for d, v in extra.items() if v} == days
        assert all(extra[d] == expected for d in days)
        baseline = statistics.median(v for d, v in per_day.items() if d not in days)
        assert all(per_day[d] - baseline > expected * Decimal("0.5") for d in days)


def test_idle_and_oversized_labels_match_the_utilization_series(
    samples: dict[str, SampleResult], labels: dict[str, object]
) -> None:
    idle = {x["resource_id"] for x in labels["idle"]}  # type: ignore[union-attr]
    oversized = {
        x["resource_id"]
        for x in labels["oversized"]  # type: ignore[union-attr]
        if x["resource_type"] == "ec2-instance"
    }
    assert idle
    assert oversized
    cpu: dict[str, list[float]] = defaultdict(list)
    for path in samples["cur-legacy"].usage_files:
        with gzip.open(path, "rt", newline="") as handle:
            for row in csv.DictReader(handle):
                if row["metric_name"] == "CPUUtilization" and row["statistic"] == "Average":
                    cpu[row["resource_id"]].append(float(row["value"]))
    for rid in idle:
        assert statistics.mean(cpu[rid]) < 2.0
    for rid in oversized:
        assert sorted(cpu[rid])[int(len(cpu[rid]) * 0.99)] < 15.0
    normal = [v for rid, v in cpu.items() if rid.startswith("i-") and rid not in idle | oversized]
    assert normal
    assert all(statistics.mean(v) > 15 for v in normal)


def test_files_carry_the_columns_each_format_requires(samples: dict[str, SampleResult]) -> None:
    with FOCUS_COLUMNS.open(newline="") as handle:
        mandatory = {
            r["column_id"]
            for r in csv.DictReader(handle)
            if r["focus_version"] == "1.2" and r["feature_level"] == "Mandatory"
        }
    focus_file = samples["focus"].billing_files[0]
    with gzip.open(focus_file, "rt", newline="") as handle:
        header = next(csv.reader(handle))
    assert mandatory <= set(header)
    focus = list(focus_rows(samples["focus"].out_dir / "billing"))
    assert {r["ChargeCategory"] for r in focus} == {
        "Usage",
        "Purchase",
        "Tax",
        "Credit",
        "Adjustment",
    }
    assert all(
        re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", r["ChargePeriodStart"]) for r in focus
    )
    tags = [json.loads(r["Tags"]) for r in focus if r["Tags"]]
    assert tags
    assert all(set(t) <= {"team", "env", "cost-center"} for t in tags)
    schema = pq.read_schema(samples["cur2"].billing_files[0])
    assert str(schema.field("line_item_unblended_cost").type) == "double"
    assert str(schema.field("line_item_unblended_rate").type) == "string"
    assert str(schema.field("bill_billing_period_start_date").type) == "timestamp[ms, tz=UTC]"
    assert str(schema.field("resource_tags").type).startswith("map<string, string")
    metrics = samples["cur2"].usage_files[0]
    with gzip.open(metrics, "rt", newline="") as handle:
        assert next(csv.reader(handle)) == [
            "resource_id",
            "namespace",
            "metric_name",
            "timestamp",
            "statistic",
            "value",
            "unit",
        ]


def test_period_ends_before_the_end_date_and_accounts_are_twelve_digits(
    legacy: list[dict[str, str]],
) -> None:
    assert (
        max(r["lineItem/UsageStartDate"] for r in legacy if r["lineItem/LineItemType"] == "Usage")
        < "2026-03-20"
    )
    assert {r["bill/BillingPeriodStartDate"] for r in legacy} == {
        "2026-02-01T00:00:00Z",
        "2026-03-01T00:00:00Z",
    }
    assert all(re.fullmatch(r"\d{12}", r["lineItem/UsageAccountId"]) for r in legacy)
    assert len({r["product/region"] for r in legacy if r["product/region"]}) >= 3


def test_bad_parameters_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="fmt"):
        generate_sample(out_dir=tmp_path, fmt="csv")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="months"):
        generate_sample(out_dir=tmp_path, months=0)
