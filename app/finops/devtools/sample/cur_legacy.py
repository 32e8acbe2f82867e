"""Legacy CUR: canonical lines as the CSV columns AWS writes (``lineItem/...``)."""

from __future__ import annotations

import pyarrow as pa

from finops.devtools.sample.fixedpoint import AMOUNT_DIGITS
from finops.devtools.sample.line_columns import (
    LEGAL_ENTITY,
    LineColumns,
    MonthContext,
    charge_interval,
    commitment_validity,
    period_text,
)
from finops.devtools.sample.prices import REGION_NAMES
from finops.devtools.sample.rows import Lines, Vocabulary


def legacy_table(lines: Lines, vocab: Vocabulary, ctx: MonthContext, ids: pa.Array) -> pa.Table:
    """Legacy CUR columns (``identity/LineItemId`` ...), every value as text, null = empty."""
    v = LineColumns(lines, vocab)
    ok = commitment_validity(v)
    columns: dict[str, pa.Array] = {
        "identity/LineItemId": ids,
        "identity/TimeInterval": charge_interval(v),
        "bill/InvoiceId": v.const(ctx.invoice_id),
        "bill/InvoicingEntity": v.const(LEGAL_ENTITY),
        "bill/BillingEntity": v.const("AWS"),
        "bill/BillType": v.s("bill_type"),
        "bill/PayerAccountId": v.const(ctx.payer),
        "bill/BillingPeriodStartDate": v.const(period_text(ctx.period_start)),
        "bill/BillingPeriodEndDate": v.const(period_text(ctx.period_end)),
        "lineItem/UsageAccountId": v.s("account"),
        "lineItem/LineItemType": v.s("line_type"),
        "lineItem/UsageStartDate": v.ts_text("start"),
        "lineItem/UsageEndDate": v.ts_text("end"),
        "lineItem/ProductCode": v.s("product_code"),
        "lineItem/UsageType": v.s("usage_type"),
        "lineItem/Operation": v.s("operation"),
        "lineItem/AvailabilityZone": v.s("az"),
        "lineItem/ResourceId": v.s("resource"),
        "lineItem/UsageAmount": v.text("amount", AMOUNT_DIGITS),
        "lineItem/CurrencyCode": v.const("USD"),
        "lineItem/UnblendedRate": v.s("rate"),
        "lineItem/UnblendedCost": v.text("unblended"),
        "lineItem/BlendedRate": v.s("rate"),
        "lineItem/BlendedCost": v.text("unblended"),
        "lineItem/LineItemDescription": v.s("description"),
        "lineItem/TaxType": v.s("tax_type"),
        "lineItem/LegalEntity": v.const(LEGAL_ENTITY),
        "product/ProductName": v.s("product_name"),
        "product/instanceType": v.s("instance_type"),
        "product/location": v.translate("region", REGION_NAMES),
        "product/productFamily": v.s("product_family"),
        "product/region": v.s("region"),
        "product/regionCode": v.s("region"),
        "product/servicecode": v.s("servicecode"),
        "pricing/publicOnDemandCost": v.text("public_cost"),
        "pricing/publicOnDemandRate": v.s("public_rate"),
        "pricing/term": v.s("pricing_term"),
        "pricing/unit": v.s("pricing_unit"),
        "reservation/EffectiveCost": v.text("ri_effective", valid=ok["ri_effective"]),
        "reservation/ReservationARN": v.s("ri_arn"),
        "reservation/UnusedAmortizedUpfrontFeeForBillingPeriod": v.text(
            "ri_unused_upfront", valid=ok["ri_unused"]
        ),
        "reservation/UnusedRecurringFee": v.text("ri_unused_recurring", valid=ok["ri_unused"]),
        "savingsPlan/SavingsPlanARN": v.s("sp_arn"),
        "savingsPlan/SavingsPlanRate": v.s("sp_rate"),
        "savingsPlan/SavingsPlanEffectiveCost": v.text("sp_effective", valid=ok["sp_effective"]),
        "savingsPlan/TotalCommitmentToDate": v.text("sp_commitment", valid=ok["sp_fee"]),
        "savingsPlan/UsedCommitment": v.text("sp_used", valid=ok["sp_fee"]),
        "resourceTags/user:cost-center": v.s("cost_center"),
        "resourceTags/user:env": v.s("env"),
        "resourceTags/user:team": v.s("team"),
    }
    return pa.table(columns)
