"""FOCUS 1.2 export against a real database, checked with the validator rule model.

The facts below are a small but representative month: on-demand usage, Savings-Plan-covered
usage (effective < billed), an unused Savings Plan hour, a Savings Plan recurring fee, RI
usage and the RI upfront fee, tax charged for the whole month, a negative credit, a refund
correction, a second billing currency, tags and facts without a resource. Expected totals
are written out by hand from the table, not taken from the export.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from sqlalchemy import select

from finops.core.errors import InvalidInputError
from finops.db.database import Database
from finops.db.models import Account, BillingFact, IngestionFile, IngestionRun, Resource
from finops.export import export_focus
from finops.export.focus_mapping import APPLICABILITY_CLAIMS, COLUMN_NAMES
from tests.support.focus_rules import FocusRuleModel, read_csv_as_text

UTC = dt.UTC
JAN = dt.datetime(2025, 1, 1, tzinfo=UTC)
FEB = dt.datetime(2025, 2, 1, tzinfo=UTC)
DEC = dt.datetime(2024, 12, 1, tzinfo=UTC)
SP_ARN = "arn:aws:savingsplans::111111111111:savingsplan/3f1c2a9e-sp"
RI_ARN = "arn:aws:rds:us-east-1:111111111111:ri:db-ri-2025"
EC2 = "Amazon Elastic Compute Cloud"
RDS = "Amazon Relational Database Service"
S3 = "Amazon Simple Storage Service"
LAMBDA = "AWS Lambda"


def day(n: int, month: dt.datetime = JAN) -> tuple[dt.datetime, dt.datetime]:
    start = month.replace(day=n)
    return start, start + dt.timedelta(days=1)


def fact(
    *,
    charge: tuple[dt.datetime, dt.datetime],
    category: str,
    billed: str,
    effective: str | None = None,
    list_cost: str | None = None,
    contracted: str | None = None,
    currency: str = "USD",
    account: str = "111111111111",
    period: tuple[dt.datetime, dt.datetime] = (JAN, FEB),
    **extra: Any,
) -> dict[str, Any]:
    return {
        "provider": "aws",
        "billing_account_id": account,
        "billing_period_start": period[0],
        "billing_period_end": period[1],
        "charge_period_start": charge[0],
        "charge_period_end": charge[1],
        "charge_category": category,
        "billing_currency": currency,
        "billed_cost": Decimal(billed),
        "effective_cost": Decimal(effective if effective is not None else billed),
        "list_cost": Decimal(list_cost if list_cost is not None else billed),
        "contracted_cost": Decimal(contracted if contracted is not None else billed),
        **extra,
    }


FACTS: list[dict[str, Any]] = [
    # 0 on-demand EC2 usage, tagged, resource type to be derived from the instance id
    fact(
        charge=day(5),
        category="Usage",
        billed="12.345678",
        sub_account_id="222222222222",
        service_name=EC2,
        service_category="Compute",
        region_id="us-east-1",
        resource_id="i-0abc123def4567890",
        usage_type="USE1-BoxUsage:m5.large",
        sku_id="SKU-M5L",
        pricing_category="On-Demand",
        pricing_unit="Hrs",
        pricing_quantity=Decimal(24),
        consumed_quantity=Decimal(24),
        source_charge_type="Usage",
        tags={"team": "core", "env": "prod"},
    ),
    # 1 Savings-Plan-covered usage: effective below billed
    fact(
        charge=day(6),
        category="Usage",
        billed="10.00",
        effective="7.20",
        list_cost="10.00",
        contracted="10.00",
        sub_account_id="222222222222",
        service_name=EC2,
        service_category="Compute",
        region_id="us-east-1",
        resource_id="i-0abc123def4567890",
        resource_type="Instance",
        usage_type="USE1-BoxUsage:m5.large",
        sku_id="SKU-M5L",
        pricing_category="Committed",
        pricing_unit="Hrs",
        pricing_quantity=Decimal(20),
        consumed_quantity=Decimal(20),
        commitment_discount_id=SP_ARN,
        source_charge_type="SavingsPlanCoveredUsage",
        tags={"team": "core"},
    ),
    # 2 unused Savings Plan commitment for a day (resource = the commitment itself)
    fact(
        charge=day(6),
        category="Usage",
        billed="0",
        effective="4.00",
        list_cost="0",
        contracted="0",
        sub_account_id="222222222222",
        service_name=EC2,
        service_category="Compute",
        region_id="us-east-1",
        resource_id=SP_ARN,
        usage_type="ComputeSP:1yrNoUpfront",
        sku_id="SKU-SP",
        pricing_unit="Hrs",
        pricing_quantity=Decimal(24),
        consumed_quantity=Decimal(24),
        commitment_discount_id=SP_ARN,
        commitment_discount_type="Savings Plan",
        commitment_discount_category="Spend",
        source_charge_type="SavingsPlanUnused",
    ),
    # 3 Savings Plan recurring fee (purchase, amortised into the usage rows)
    fact(
        charge=day(1),
        category="Purchase",
        billed="100.00",
        effective="0",
        list_cost="100.00",
        contracted="100.00",
        sub_account_id="222222222222",
        service_name="Savings Plans for AWS Compute usage",
        service_category="Compute",
        resource_id=SP_ARN,
        sku_id="SKU-SP",
        pricing_unit="Hrs",
        pricing_quantity=Decimal(24),
        commitment_discount_id=SP_ARN,
        source_charge_type="SavingsPlanRecurringFee",
    ),
    # 4 RDS usage covered by a Reserved Instance
    fact(
        charge=day(7),
        category="Usage",
        billed="0",
        effective="3.50",
        list_cost="5.00",
        contracted="5.00",
        sub_account_id="333333333333",
        service_name=RDS,
        service_category="Databases",
        region_id="us-east-1",
        resource_id="arn:aws:rds:us-east-1:333333333333:db:orders",
        resource_type=None,
        usage_type="USE1-InstanceUsage:db.r6g.large",
        sku_id="SKU-R6G",
        pricing_unit="Hrs",
        pricing_quantity=Decimal(24),
        consumed_quantity=Decimal(24),
        commitment_discount_id=RI_ARN,
        commitment_discount_type="Reserved Instance",
        commitment_discount_category="Usage",
        pricing_category="Committed",
        source_charge_type="DiscountedUsage",
    ),
    # 5 the RI's upfront fee (one-time purchase)
    fact(
        charge=day(2),
        category="Purchase",
        billed="876.00",
        effective="0",
        list_cost="876.00",
        contracted="876.00",
        sub_account_id="333333333333",
        service_name=RDS,
        region_id="us-east-1",
        resource_id=RI_ARN,
        sku_id="SKU-R6G",
        pricing_unit="Hrs",
        pricing_quantity=Decimal(8760),
        commitment_discount_id=RI_ARN,
        commitment_discount_type="Reserved Instance",
        source_charge_type="Fee",
    ),
    # 6 RDS storage with no stored service category (takes the service's category)
    fact(
        charge=day(7),
        category="Usage",
        billed="1.15",
        sub_account_id="333333333333",
        service_name=RDS,
        region_id="us-east-1",
        resource_id="arn:aws:rds:us-east-1:333333333333:db:orders",
        resource_type="DBInstance",
        usage_type="USE1-RDS:GP2-Storage",
        sku_id="SKU-GP2",
        pricing_unit="GB-Mo",
        pricing_quantity=Decimal("11.5"),
        consumed_quantity=Decimal("11.5"),
        pricing_category="Standard",
    ),
    # 7 tax for the whole month; stored SKU and quantity must not leak into FOCUS
    fact(
        charge=(JAN, FEB),
        category="Tax",
        billed="8.10",
        sub_account_id="222222222222",
        sku_id="TAX-SKU",
        pricing_quantity=Decimal(1),
        pricing_unit="Units",
        source_charge_type="Tax",
    ),
    # 8 credit (negative)
    fact(
        charge=day(15),
        category="Credit",
        billed="-5.00",
        effective="-5.00",
        list_cost="0",
        contracted="0",
        sub_account_id="222222222222",
        service_name=EC2,
        service_category="Compute",
        source_charge_type="Credit",
    ),
    # 9 refund correcting December, no resource
    fact(
        charge=day(10),
        category="adjustment",
        billed="-2.50",
        charge_class="correction",
        sub_account_id="222222222222",
        service_name=S3,
        service_category="Storage",
        region_id="us-east-1",
        source_charge_type="Refund",
    ),
    # 10 EUR account: S3 usage, no resource, 18 decimal places
    fact(
        charge=day(3),
        category="Usage",
        billed="3.333333333333333333",
        effective="3.333333333333333333",
        list_cost="3.5",
        contracted="3.4",
        currency="EUR",
        account="444444444444",
        sub_account_id="555555555555",
        service_name=S3,
        service_category="Storage",
        region_id="eu-west-1",
        usage_type="EU-TimedStorage-ByteHrs",
        sku_id="SKU-S3EU",
        pricing_unit="GB-Mo",
        pricing_quantity=Decimal("100"),
        consumed_quantity=Decimal("100"),
        pricing_category="Standard",
        tags={"cost-center": "4711"},
    ),
    # 11 EUR account: Lambda in a region the name table does not know, tiny amount
    fact(
        charge=day(31),
        category="Usage",
        billed="0.000000000000000001",
        currency="EUR",
        account="444444444444",
        sub_account_id="555555555555",
        service_name=LAMBDA,
        service_category="compute",
        region_id="xx-future-1",
        resource_id="arn:aws:lambda:xx-future-1:555555555555:function:thumbs",
        usage_type="Lambda-GB-Second",
        sku_id="SKU-LGB",
        pricing_unit="Lambda-GB-Second",
        pricing_quantity=Decimal("0.5"),
        consumed_quantity=Decimal("0.5"),
    ),
    # 12, 13 outside the window [2025-01-01, 2025-02-01)
    fact(
        charge=day(31, DEC),
        category="Usage",
        billed="999.00",
        period=(DEC, JAN),
        service_name=EC2,
        sku_id="SKU-X",
        pricing_unit="Hrs",
        pricing_quantity=Decimal(1),
        consumed_quantity=Decimal(1),
    ),
    fact(
        charge=day(1, FEB),
        category="Usage",
        billed="777.00",
        period=(FEB, FEB.replace(month=3)),
        service_name=EC2,
        sku_id="SKU-X",
        pricing_unit="Hrs",
        pricing_quantity=Decimal(1),
        consumed_quantity=Decimal(1),
    ),
]
IN_WINDOW = 12

# Hand-computed from the table above (rows 0-11).
EXPECTED_BILLED = {
    # 12.345678 + 10.00 + 0 + 100.00 + 0 + 876.00 + 1.15 + 8.10 - 5.00 - 2.50
    "USD": Decimal("1000.095678"),
    # 3.333333333333333333 + 0.000000000000000001
    "EUR": Decimal("3.333333333333333334"),
}
EXPECTED_EFFECTIVE = {
    # 12.345678 + 7.20 + 4.00 + 0 + 3.50 + 0 + 1.15 + 8.10 - 5.00 - 2.50
    "USD": Decimal("28.795678"),
    "EUR": Decimal("3.333333333333333334"),
}
EXPECTED_LIST = {
    # 12.345678 + 10.00 + 0 + 100.00 + 5.00 + 876.00 + 1.15 + 8.10 + 0 - 2.50
    "USD": Decimal("1010.095678"),
    # 3.5 + 0.000000000000000001
    "EUR": Decimal("3.500000000000000001"),
}


def seed(database: Database, facts: list[dict[str, Any]] = FACTS) -> None:
    with database.sessions.begin() as session:
        run = IngestionRun(source="test://focus-export", status="succeeded")
        session.add(run)
        session.flush()
        source = IngestionFile(
            run_id=run.id, key="test.csv", size_bytes=0, sha256="0" * 64, status="succeeded"
        )
        session.add(source)
        session.flush()
        session.add_all(
            [
                Account(provider="aws", account_id="111111111111", name="Acme Payer"),
                Account(provider="aws", account_id="222222222222", name="Acme Prod"),
                Account(provider="aws", account_id="444444444444", name="Acme Europe"),
                Account(provider="aws", account_id="555555555555", name="Acme EU Workloads"),
                Resource(
                    provider="aws",
                    resource_id="arn:aws:rds:us-east-1:333333333333:db:orders",
                    name="orders-db",
                ),
            ]
        )
        session.add_all(BillingFact(ingestion_file_id=source.id, **f) for f in facts)


def export(database: Database, out: Path, **kwargs: Any) -> Any:
    with database.sessions() as session:
        return export_focus(
            session=session, start=dt.date(2025, 1, 1), end=dt.date(2025, 2, 1), out=out, **kwargs
        )


@pytest.fixture(scope="module")
def rule_model() -> FocusRuleModel:
    return FocusRuleModel.load()


def assert_conformant(report: Any) -> None:
    assert not report.must_failures, report.describe_failures()


@pytest.mark.smoke
def test_csv_export_has_no_must_failures_and_exact_totals(
    db: Database, tmp_path: Path, rule_model: FocusRuleModel
) -> None:
    seed(db)
    seen: list[int] = []
    result = export(db, tmp_path / "focus.csv", progress=seen.append, batch_size=5)

    assert result.rows == IN_WINDOW
    assert seen == [5, 10, 12]
    assert result.totals == EXPECTED_BILLED
    assert {c: t.effective for c, t in result.cost_totals.items()} == EXPECTED_EFFECTIVE
    assert {c: t.list for c, t in result.cost_totals.items()} == EXPECTED_LIST

    table = read_csv_as_text(result.path)
    assert table.column_names == list(COLUMN_NAMES)
    assert table.num_rows == IN_WINDOW
    report = rule_model.evaluate(table, applicability=APPLICABILITY_CLAIMS)
    assert_conformant(report)
    assert report.counts()["passed"] > 100

    # totals re-summed from the file's own decimal text, per currency
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for currency, billed in zip(
        table.column("BillingCurrency").to_pylist(),
        table.column("BilledCost").to_pylist(),
        strict=True,
    ):
        sums[currency] += Decimal(billed)
    assert dict(sums) == EXPECTED_BILLED


def test_csv_values_follow_the_mapping(db: Database, tmp_path: Path) -> None:
    seed(db)
    result = export(db, tmp_path / "focus.csv.gz")
    rows = read_csv_as_text(result.path).to_pylist()
    by_key = {(r["ChargePeriodStart"], r["x_SourceChargeType"], r["BilledCost"]): r for r in rows}

    on_demand = by_key[("2025-01-05T00:00:00Z", "Usage", "12.345678")]
    assert on_demand["PricingCategory"] == "Standard"
    assert on_demand["ChargeFrequency"] == "Usage-Based"
    assert on_demand["ResourceType"] == "Instance"
    assert on_demand["RegionName"] == "US East (N. Virginia)"
    assert on_demand["BillingAccountName"] == "Acme Payer"
    assert on_demand["SubAccountName"] == "Acme Prod"
    assert on_demand["Tags"] == '{"env":"prod","team":"core"}'
    assert on_demand["ProviderName"] == "AWS"

    covered = by_key[("2025-01-06T00:00:00Z", "SavingsPlanCoveredUsage", "10")]
    assert covered["EffectiveCost"] == "7.2"
    assert covered["CommitmentDiscountStatus"] == "Used"
    assert covered["CommitmentDiscountType"] == "Savings Plan"
    assert covered["CommitmentDiscountCategory"] == "Spend"
    assert (covered["CommitmentDiscountQuantity"], covered["CommitmentDiscountUnit"]) == (
        "7.2",
        "USD",
    )

    unused = by_key[("2025-01-06T00:00:00Z", "SavingsPlanUnused", "0")]
    assert unused["CommitmentDiscountStatus"] == "Unused"
    assert unused["ConsumedQuantity"] is None
    assert unused["ConsumedUnit"] is None

    fee = by_key[("2025-01-01T00:00:00Z", "SavingsPlanRecurringFee", "100")]
    assert fee["ChargeFrequency"] == "Recurring"
    assert fee["CommitmentDiscountStatus"] is None
    assert fee["ConsumedQuantity"] is None

    upfront = by_key[("2025-01-02T00:00:00Z", "Fee", "876")]
    assert upfront["ChargeFrequency"] == "One-Time"
    assert upfront["CommitmentDiscountCategory"] == "Usage"
    assert (upfront["CommitmentDiscountQuantity"], upfront["CommitmentDiscountUnit"]) == (
        "8760",
        "Hrs",
    )

    storage = by_key[("2025-01-07T00:00:00Z", None, "1.15")]
    assert storage["ServiceCategory"] == "Databases"
    assert storage["ResourceName"] == "orders-db"
    ri_usage = by_key[("2025-01-07T00:00:00Z", "DiscountedUsage", "0")]
    assert ri_usage["SubAccountName"] == "333333333333"  # no account row: the id stands in
    assert ri_usage["ResourceType"] == "db"

    tax = by_key[("2025-01-01T00:00:00Z", "Tax", "8.1")]
    assert tax["ChargePeriodEnd"] == "2025-02-01T00:00:00Z"
    assert tax["ServiceName"] == "AWS"
    assert tax["ChargeFrequency"] == "Recurring"
    for column in (
        "PricingQuantity",
        "PricingUnit",
        "PricingCategory",
        "SkuId",
        "Tags",
        "RegionId",
        "RegionName",
        "ResourceId",
        "ResourceType",
    ):
        assert tax[column] is None, column

    refund = by_key[("2025-01-10T00:00:00Z", "Refund", "-2.5")]
    assert (refund["ChargeCategory"], refund["ChargeClass"]) == ("Adjustment", "Correction")
    assert refund["ResourceId"] is None
    assert refund["ResourceType"] is None

    lam = by_key[("2025-01-31T00:00:00Z", None, "0.000000000000000001")]
    assert lam["ServiceCategory"] == "Compute"
    assert lam["RegionName"] == "xx-future-1"
    assert lam["BillingCurrency"] == "EUR"
    assert lam["BillingAccountName"] == "Acme Europe"


def test_parquet_export_keeps_exact_decimals_and_conforms(
    db: Database, tmp_path: Path, rule_model: FocusRuleModel
) -> None:
    seed(db)
    result = export(db, tmp_path / "focus.parquet", batch_size=4)
    table = pq.read_table(result.path)

    assert result.format == "parquet"
    assert table.num_rows == result.rows == IN_WINDOW
    assert str(table.schema.field("BilledCost").type) == "decimal128(38, 18)"
    assert str(table.schema.field("ChargePeriodStart").type) == "timestamp[ms, tz=UTC]"
    report = rule_model.evaluate(table, applicability=APPLICABILITY_CLAIMS)
    assert_conformant(report)

    sums: dict[str, Decimal] = defaultdict(Decimal)
    for row in table.select(["BillingCurrency", "BilledCost"]).to_pylist():
        sums[row["BillingCurrency"]] += row["BilledCost"]
    assert dict(sums) == EXPECTED_BILLED
    assert result.totals == EXPECTED_BILLED


def test_empty_window_writes_header_only(db: Database, tmp_path: Path) -> None:
    seed(db)
    with db.sessions() as session:
        result = export_focus(
            session=session,
            start=dt.date(2030, 1, 1),
            end=dt.date(2030, 2, 1),
            out=tmp_path / "none.csv",
        )
    assert result.rows == 0
    assert result.totals == {}
    assert (tmp_path / "none.csv").read_text().splitlines() == [",".join(COLUMN_NAMES)]


def test_unknown_suffix_and_reversed_window_are_rejected(db: Database, tmp_path: Path) -> None:
    with db.sessions() as session:
        with pytest.raises(InvalidInputError, match="out"):
            export_focus(
                session=session,
                start=dt.date(2025, 1, 1),
                end=dt.date(2025, 2, 1),
                out=tmp_path / "focus.json",
            )
        with pytest.raises(InvalidInputError, match="end"):
            export_focus(
                session=session,
                start=dt.date(2025, 2, 1),
                end=dt.date(2025, 1, 1),
                out=tmp_path / "focus.csv",
            )
    assert list(tmp_path.iterdir()) == []


def test_unmappable_charge_category_fails_without_leaving_a_file(
    db: Database, tmp_path: Path
) -> None:
    bad = fact(charge=day(4), category="Refundish", billed="1", service_name=EC2)
    seed(db, [*FACTS[:3], bad])
    out = tmp_path / "focus.parquet"
    with pytest.raises(InvalidInputError, match="charge_category"):
        export(db, out)
    assert list(tmp_path.iterdir()) == []


def test_round_trip_through_ingestion_keeps_totals(db: Database, tmp_path: Path) -> None:
    service = pytest.importorskip("finops.ingest.service")
    seed(db)
    result = export(db, tmp_path / "focus-2025-01.csv")

    with db.sessions.begin() as session:
        for model in (BillingFact, IngestionFile, IngestionRun, Resource, Account):
            session.query(model).delete()
    outcomes = service.ingest_paths(db=db, paths=[result.path], trigger="test")
    assert [o.status for o in outcomes] == ["succeeded"], [o.error for o in outcomes]

    expected_by_service: dict[tuple[str, str | None], Decimal] = defaultdict(Decimal)
    for f in FACTS[:IN_WINDOW]:
        # a fact without a service is exported (and so re-ingested) under the provider name
        name = f.get("service_name") or "AWS"
        expected_by_service[(f["billing_currency"], name)] += f["billed_cost"]

    with db.sessions() as session:
        rows = session.execute(
            select(
                BillingFact.billing_currency,
                BillingFact.service_name,
                BillingFact.billed_cost,
                BillingFact.effective_cost,
            )
        ).all()
    billed: dict[str, Decimal] = defaultdict(Decimal)
    effective: dict[str, Decimal] = defaultdict(Decimal)
    by_service: dict[tuple[str, str | None], Decimal] = defaultdict(Decimal)
    for currency, service_name, billed_cost, effective_cost in rows:
        billed[currency] += billed_cost
        effective[currency] += effective_cost
        by_service[(currency, service_name)] += billed_cost
    assert dict(billed) == EXPECTED_BILLED
    assert dict(effective) == EXPECTED_EFFECTIVE
    assert dict(by_service) == dict(expected_by_service)
