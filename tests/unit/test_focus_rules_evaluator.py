"""The FOCUS validator-model evaluator (tests/support/focus_rules.py) on hand-made tables."""

from __future__ import annotations

import csv
from decimal import Decimal
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest

from tests.support.focus_rules import SPEC_DIR, FocusRuleModel

# One usage row and one tax row, written by hand to satisfy FOCUS 1.2.
GOOD_ROWS: list[dict[str, Any]] = [
    {
        "BilledCost": "1.5",
        "BillingAccountId": "123",
        "BillingAccountName": "Payer",
        "BillingCurrency": "USD",
        "BillingPeriodStart": "2025-01-01T00:00:00Z",
        "BillingPeriodEnd": "2025-02-01T00:00:00Z",
        "ChargeCategory": "Usage",
        "ChargeClass": None,
        "ChargeDescription": "compute hours",
        "ChargeFrequency": "Usage-Based",
        "ChargePeriodStart": "2025-01-03T00:00:00Z",
        "ChargePeriodEnd": "2025-01-04T00:00:00Z",
        "ContractedCost": "1.5",
        "EffectiveCost": "1.2",
        "InvoiceIssuerName": "AWS",
        "ListCost": "1.5",
        "PricingQuantity": "3",
        "PricingUnit": "Hours",
        "ProviderName": "AWS",
        "PublisherName": "AWS",
        "ServiceCategory": "Compute",
        "ServiceName": "EC2",
        "PricingCategory": "Standard",
        "Tags": '{"team":"core"}',
    },
    {
        "BilledCost": "-0.25",
        "BillingAccountId": "123",
        "BillingAccountName": "Payer",
        "BillingCurrency": "EUR",
        "BillingPeriodStart": "2025-01-01T00:00:00Z",
        "BillingPeriodEnd": "2025-02-01T00:00:00Z",
        "ChargeCategory": "Tax",
        "ChargeClass": "Correction",
        "ChargeDescription": "VAT",
        "ChargeFrequency": "Recurring",
        "ChargePeriodStart": "2025-01-01T00:00:00Z",
        "ChargePeriodEnd": "2025-02-01T00:00:00Z",
        "ContractedCost": "-0.25",
        "EffectiveCost": "-0.25",
        "InvoiceIssuerName": "AWS",
        "ListCost": "-2.5E-1",
        "PricingQuantity": None,
        "PricingUnit": None,
        "ProviderName": "AWS",
        "PublisherName": "AWS",
        "ServiceCategory": "Other",
        "ServiceName": "Tax",
        "PricingCategory": None,
        "Tags": None,
    },
]


@pytest.fixture(scope="module")
def model() -> FocusRuleModel:
    return FocusRuleModel.load()


def table(rows: list[dict[str, Any]], **types: pa.DataType) -> pa.Table:
    names = list(rows[0])
    return pa.table(
        {n: pa.array([r[n] for r in rows], type=types.get(n, pa.string())) for n in names}
    )


def with_change(row: int, **changes: Any) -> list[dict[str, Any]]:
    rows = [dict(r) for r in GOOD_ROWS]
    rows[row].update(changes)
    return rows


def must_failures(model: FocusRuleModel, data: Any, *criteria: str) -> set[str]:
    return {o.rule_id for o in model.evaluate(data, applicability=criteria).must_failures}


def test_mandatory_column_list_matches_the_spec_extract() -> None:
    # The hand-made rows carry every column FOCUS 1.2 marks Mandatory.
    with (SPEC_DIR / "focus_columns_v1.0-v1.2.csv").open(newline="") as handle:
        mandatory = {
            r["column_id"]
            for r in csv.DictReader(handle)
            if r["focus_version"] == "1.2" and r["feature_level"] == "Mandatory"
        }
    assert mandatory <= set(GOOD_ROWS[0])


def test_hand_made_table_passes(model: FocusRuleModel) -> None:
    report = model.evaluate(table(GOOD_ROWS), applicability=["TAGGING_SUPPORTED"])
    assert report.must_failures == [], report.describe_failures()
    counts = report.counts()
    assert counts["passed"] >= 60
    assert counts["skipped"] > 0
    reasons = report.skipped_by_reason
    assert reasons["dynamic"] > 0
    assert reasons["not applicable"] > 0
    assert report.status_of("Tags-C-001-M") == "passed"


def test_pandas_frame_is_accepted(model: FocusRuleModel) -> None:
    frame = pd.DataFrame(GOOD_ROWS)
    assert must_failures(model, frame) == set()


def test_missing_mandatory_column_fails_presence(model: FocusRuleModel) -> None:
    rows = [{k: v for k, v in r.items() if k != "BilledCost"} for r in GOOD_ROWS]
    assert "CostAndUsage-D-006-M" in must_failures(model, table(rows))


@pytest.mark.parametrize(
    ("row", "changes", "rule_id"),
    [
        (0, {"ChargeCategory": "Refund"}, "ChargeCategory-C-003-M"),
        (0, {"ChargeCategory": None}, "ChargeCategory-C-002-M"),
        (0, {"BilledCost": "1,000.00"}, "BilledCost-C-002-M"),
        (0, {"EffectiveCost": "+1.2"}, "EffectiveCost-C-002-M"),
        (0, {"ChargePeriodStart": "2025-01-03 00:00:00"}, "ChargePeriodStart-C-002-M"),
        (0, {"BillingPeriodEnd": "2025-02-01T00:00:00+01:00"}, "BillingPeriodEnd-C-002-M"),
        (1, {"BillingCurrency": "ZZZ"}, "BillingCurrency-C-003-M"),
        (1, {"ServiceName": None}, "ServiceName-C-003-M"),
        (0, {"ServiceCategory": "Computing"}, "ServiceCategory-C-003-M"),
        (0, {"ChargeClass": "Regular"}, "ChargeClass-C-005-C"),
        (0, {"PricingQuantity": None, "PricingUnit": None}, "PricingQuantity-C-005-C"),
        (1, {"PricingQuantity": "1", "PricingUnit": "Units"}, "PricingQuantity-C-004-C"),
        (0, {"PricingUnit": None}, "PricingUnit-C-006-C"),
        (0, {"PricingCategory": "On-Demand"}, "PricingCategory-C-007-M"),
        (1, {"ServiceName": "EC2"}, "ServiceName-C-005-C"),  # EC2 in two categories
    ],
)
def test_specific_rule_fails(
    model: FocusRuleModel, row: int, changes: dict[str, Any], rule_id: str
) -> None:
    assert rule_id in must_failures(model, table(with_change(row, **changes)))


def test_condition_limits_the_rows_a_rule_sees(model: FocusRuleModel) -> None:
    # "Usage-Based" is fine on a Usage row, not on a Purchase row.
    assert "ChargeFrequency-C-004-C" not in must_failures(model, table(GOOD_ROWS))
    purchase = with_change(0, ChargeCategory="Purchase")
    assert "ChargeFrequency-C-004-C" in must_failures(model, table(purchase))


def test_should_rule_failure_does_not_block(model: FocusRuleModel) -> None:
    report = model.evaluate(table(with_change(0, ChargeDescription=None)))
    assert report.must_failures == []
    assert "ChargeDescription-C-003-O" in {o.rule_id for o in report.advisory_failures}


def test_applicability_criteria_gate_rules(model: FocusRuleModel) -> None:
    broken_tags = table(with_change(0, Tags='{"a": {"nested": 1}}'))
    assert "Tags-C-001-M" in must_failures(model, broken_tags, "TAGGING_SUPPORTED")
    report = model.evaluate(broken_tags)
    assert report.status_of("Tags-C-000-C") == "skipped"
    assert report.outcomes["Tags-C-000-C"].reason.startswith("not applicable")
    duplicate_keys = table(with_change(0, Tags='{"a":"1","a":"2"}'))
    assert "Tags-C-001-M" in must_failures(model, duplicate_keys, "TAGGING_SUPPORTED")


def test_typed_columns_must_be_exact(model: FocusRuleModel) -> None:
    floats = [dict(r, BilledCost=float(r["BilledCost"])) for r in GOOD_ROWS]
    assert "BilledCost-C-001-M" in must_failures(model, table(floats, BilledCost=pa.float64()))
    decimals = [dict(r, BilledCost=Decimal(r["BilledCost"])) for r in GOOD_ROWS]
    assert must_failures(model, table(decimals, BilledCost=pa.decimal128(38, 18))) == set()


def test_corrected_rule_checks_what_its_text_says(model: FocusRuleModel) -> None:
    rows = [
        dict(
            r,
            CommitmentDiscountId=None,
            CommitmentDiscountStatus=None,
            CommitmentDiscountCategory=None,
            CommitmentDiscountType=None,
            CommitmentDiscountName=None,
            CommitmentDiscountQuantity=None,
            CommitmentDiscountUnit=None,
        )
        for r in GOOD_ROWS
    ]
    claims = ("COMMITMENT_DISCOUNT_SUPPORTED",)
    assert must_failures(model, table(rows), *claims) == set()

    rows[0].update(
        CommitmentDiscountId="sp-1",
        CommitmentDiscountCategory="Spend",
        CommitmentDiscountType="Savings Plan",
        CommitmentDiscountStatus="Active",
        CommitmentDiscountQuantity="1.2",
        CommitmentDiscountUnit="USD",
    )
    failures = must_failures(model, table(rows), *claims)
    assert failures == {"CommitmentDiscountStatus-C-005-M"}  # FOCUS 1.2: Used | Unused

    rows[0]["CommitmentDiscountStatus"] = None
    assert "CommitmentDiscountStatus-C-004-C" in must_failures(model, table(rows), *claims)


def test_unknown_applicability_criterion_is_an_error(model: FocusRuleModel) -> None:
    with pytest.raises(ValueError, match="NOT_A_CRITERION"):
        model.evaluate(table(GOOD_ROWS), applicability=["NOT_A_CRITERION"])
