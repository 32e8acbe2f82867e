"""Stored fact -> FOCUS 1.2 row mapping (pure, no database)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pytest

from finops.core.errors import InvalidInputError
from finops.export.focus_export import parquet_schema
from finops.export.focus_mapping import (
    APPLICABILITY_CLAIMS,
    COLUMN_NAMES,
    StoredFact,
    choose_service_categories,
    format_focus_datetime,
    tags_json,
    to_focus_row,
)
from tests.support.focus_rules import FocusRuleModel

JAN = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
FEB = dt.datetime(2025, 2, 1, tzinfo=dt.UTC)


def stored(**overrides: Any) -> StoredFact:
    values: dict[str, Any] = {
        "id": 1,
        "provider": "aws",
        "billing_account_id": "111",
        "billing_period_start": JAN,
        "billing_period_end": FEB,
        "charge_period_start": JAN.replace(day=2),
        "charge_period_end": JAN.replace(day=3),
        "charge_category": "Usage",
        "billing_currency": "usd",
        "billed_cost": Decimal("2.50"),
        "effective_cost": Decimal("2.00"),
        "list_cost": Decimal("2.50"),
        "contracted_cost": Decimal("2.50"),
        "service_name": "Amazon EC2",
        "pricing_quantity": Decimal(10),
        "pricing_unit": "Hrs",
        "consumed_quantity": Decimal(10),
        "sku_id": "SKU",
    }
    values.update(overrides)
    return StoredFact(**values)


def row(**overrides: Any) -> dict[str, Any]:
    return to_focus_row(stored(**overrides), service_category="Compute")


@pytest.mark.parametrize(
    ("category", "source", "expected"),
    [
        ("Usage", "Usage", "Usage-Based"),
        ("Purchase", "RIFee", "Recurring"),
        ("Purchase", "SavingsPlanRecurringFee", "Recurring"),
        ("Purchase", "SavingsPlanUpfrontFee", "One-Time"),
        ("Purchase", None, "One-Time"),
        ("Tax", "Tax", "Recurring"),
        ("Credit", "Credit", "One-Time"),
        ("Adjustment", "Refund", "One-Time"),
    ],
)
def test_charge_frequency_follows_category_and_source(
    category: str, source: str | None, expected: str
) -> None:
    assert row(charge_category=category, source_charge_type=source)["ChargeFrequency"] == expected


def test_money_and_time_pass_through_exactly() -> None:
    out = row(billed_cost=Decimal("0.000000000000000001"))
    assert out["BilledCost"] == Decimal("0.000000000000000001")
    assert out["ChargePeriodStart"] == JAN.replace(day=2)
    assert out["BillingCurrency"] == "USD"
    assert format_focus_datetime(out["ChargePeriodStart"]) == "2025-01-02T00:00:00Z"
    assert set(out) == set(COLUMN_NAMES)


def test_tax_rows_drop_pricing_and_sku() -> None:
    out = row(charge_category="tax", pricing_category="Standard")
    assert out["ChargeCategory"] == "Tax"
    for column in (
        "PricingQuantity",
        "PricingUnit",
        "PricingCategory",
        "SkuId",
        "ConsumedQuantity",
        "ConsumedUnit",
    ):
        assert out[column] is None, column


def test_commitment_columns_are_all_null_without_a_commitment() -> None:
    out = row(commitment_discount_type="Savings Plan", commitment_discount_category="Spend")
    assert all(out[c] is None for c in COLUMN_NAMES if c.startswith("CommitmentDiscount"))


def test_reserved_instance_usage_derives_status_and_quantity() -> None:
    out = row(commitment_discount_id="arn:aws:ec2:us-east-1:1:reserved-instances/abc")
    assert out["CommitmentDiscountType"] == "Reserved Instance"
    assert out["CommitmentDiscountCategory"] == "Usage"
    assert out["CommitmentDiscountStatus"] == "Used"
    assert (out["CommitmentDiscountQuantity"], out["CommitmentDiscountUnit"]) == (
        Decimal(10),
        "Hrs",
    )
    assert out["PricingCategory"] == "Committed"


def test_names_fall_back_to_ids() -> None:
    out = row(sub_account_id="222", region_id="us-west-2", resource_id="vol-0123")
    assert out["BillingAccountName"] == "111"
    assert out["SubAccountName"] == "222"
    assert out["RegionName"] == "US West (Oregon)"
    assert out["ResourceType"] == "Volume"
    assert out["ServiceName"] == "Amazon EC2"
    assert row(service_name=None)["ServiceName"] == "AWS"


def test_unknown_values_are_rejected_with_the_fact_and_column() -> None:
    with pytest.raises(InvalidInputError, match=r"fact 1: column charge_category"):
        row(charge_category="Refundish")
    with pytest.raises(InvalidInputError, match="charge_class"):
        row(charge_class="Rebill")
    with pytest.raises(InvalidInputError, match="charge_period_start"):
        row(charge_period_start=dt.datetime(2025, 1, 2))  # noqa: DTZ001 (naive on purpose)
    with pytest.raises(InvalidInputError, match="commitment_discount_category"):
        row(
            commitment_discount_id="c-1",
            commitment_discount_category="Hybrid",
            commitment_discount_type="Flexible",
        )


def test_service_category_is_one_per_service() -> None:
    chosen = choose_service_categories(
        {
            ("Amazon EC2", "Compute"): 5,
            ("Amazon EC2", "storage"): 2,
            ("Amazon EC2", None): 9,
            ("Mystery", None): 3,
            ("Mystery", "Not a category"): 1,
            ("Tie", "Storage"): 1,
            ("Tie", "Compute"): 1,
        }
    )
    assert chosen == {"Amazon EC2": "Compute", "Mystery": "Other", "Tie": "Compute"}


def test_tags_are_a_flat_json_object() -> None:
    assert tags_json({}) is None
    text = tags_json({"b": "2", "a": {"x": 1}})
    assert text is not None
    assert json.loads(text) == {"a": '{"x": 1}', "b": "2"}


def test_mapped_rows_conform_to_the_rule_model() -> None:
    facts = [
        stored(
            id=1,
            tags={"env": "dev"},
            region_id="eu-west-1",
            resource_id="i-1",
            sub_account_id="222",
        ),
        stored(
            id=2,
            charge_category="Purchase",
            commitment_discount_id="sp-1",
            commitment_discount_type="Savings Plan",
            effective_cost=Decimal(0),
            source_charge_type="SavingsPlanRecurringFee",
        ),
        stored(
            id=3,
            commitment_discount_id="sp-1",
            commitment_discount_type="Savings Plan",
            resource_id="sp-1",
            source_charge_type="SavingsPlanUnused",
        ),
        stored(id=4, charge_category="Tax", charge_period_start=JAN, charge_period_end=FEB),
        stored(id=5, charge_category="Credit", billed_cost=Decimal(-1), pricing_quantity=None),
        stored(
            id=6,
            charge_category="Adjustment",
            charge_class="Correction",
            consumed_quantity=None,
            pricing_quantity=None,
        ),
    ]
    rows = [to_focus_row(f, service_category="Compute") for f in facts]
    schema = parquet_schema()
    data = pa.table({f.name: pa.array([r[f.name] for r in rows], type=f.type) for f in schema})
    report = FocusRuleModel.load().evaluate(data, applicability=APPLICABILITY_CLAIMS)
    assert report.must_failures == [], report.describe_failures()
