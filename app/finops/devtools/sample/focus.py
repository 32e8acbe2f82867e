"""FOCUS 1.2: canonical lines as the CSV columns of the FinOps Open Cost and Usage Spec."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from finops.devtools.sample.billing import SERVICE_CATEGORIES
from finops.devtools.sample.fixedpoint import AMOUNT_DIGITS, COST_DIGITS, to_decimal_strings
from finops.devtools.sample.line_columns import (
    LEGAL_ENTITY,
    LineColumns,
    MonthContext,
    period_text,
)
from finops.devtools.sample.prices import REGION_NAMES
from finops.devtools.sample.rows import Lines, Vocabulary

_CHARGE_CATEGORY = {
    "Usage": "Usage",
    "SavingsPlanCoveredUsage": "Usage",
    "SavingsPlanNegation": "Usage",
    "DiscountedUsage": "Usage",
    "SavingsPlanRecurringFee": "Purchase",
    "RIFee": "Purchase",
    "Credit": "Credit",
    "Refund": "Adjustment",
    "Tax": "Tax",
}
_CHARGE_FREQUENCY = {
    "Usage": "Usage-Based",
    "SavingsPlanCoveredUsage": "Usage-Based",
    "SavingsPlanNegation": "Usage-Based",
    "DiscountedUsage": "Usage-Based",
    "SavingsPlanRecurringFee": "Recurring",
    "RIFee": "Recurring",
    "Credit": "One-Time",
    "Refund": "One-Time",
    "Tax": "Recurring",
}
_PRICING_CATEGORY = {
    "Usage": "Standard",
    "SavingsPlanCoveredUsage": "Committed",
    "SavingsPlanNegation": "Committed",
    "DiscountedUsage": "Committed",
}


def focus_table(lines: Lines, vocab: Vocabulary, ctx: MonthContext, ids: pa.Array) -> pa.Table:
    """FOCUS 1.2 columns (every Mandatory one plus the Conditional ones AWS fills), as text.

    BilledCost = unblended cost; EffectiveCost and ListCost follow the FinOps Foundation's
    CUR -> FOCUS conversion rules (SP/RI effective cost, unused commitment on the fee lines).
    """
    v = LineColumns(lines, vocab)
    lt = v.s("line_type")
    sp = pc.is_valid(v.s("sp_arn"))
    ri = pc.is_valid(v.s("ri_arn"))
    usage_rows = pa.array(
        v.is_type("Usage", "SavingsPlanCoveredUsage", "DiscountedUsage", "SavingsPlanNegation")
    )
    commitment_id = pc.coalesce(v.s("sp_arn"), v.s("ri_arn"))
    none = pa.scalar(None, pa.string())
    contracted_units = np.where(
        v.is_type("Usage", "SavingsPlanCoveredUsage", "DiscountedUsage"),
        v.i("public_cost"),
        np.where(v.is_type("SavingsPlanNegation"), 0, v.i("unblended")),
    )
    has_rate = pc.is_valid(v.s("public_rate"))
    tags_json = _tags_json(v)
    region = v.s("region")
    columns: dict[str, pa.Array] = {
        "AvailabilityZone": v.s("az"),
        "BilledCost": v.text("unblended"),
        "BillingAccountId": v.const(ctx.payer),
        "BillingAccountName": v.const(ctx.payer_name),
        "BillingAccountType": v.const("Management Account"),
        "BillingCurrency": v.const("USD"),
        "BillingPeriodEnd": v.const(period_text(ctx.period_end)),
        "BillingPeriodStart": v.const(period_text(ctx.period_start)),
        "ChargeCategory": v.translate("line_type", _CHARGE_CATEGORY),
        "ChargeClass": v.const(None),
        "ChargeDescription": v.s("description"),
        "ChargeFrequency": v.translate("line_type", _CHARGE_FREQUENCY),
        "ChargePeriodEnd": v.ts_text("end"),
        "ChargePeriodStart": v.ts_text("start"),
        "CommitmentDiscountCategory": pc.if_else(
            sp, pa.scalar("Spend"), pc.if_else(ri, pa.scalar("Usage"), none)
        ),
        "CommitmentDiscountId": commitment_id,
        "CommitmentDiscountName": commitment_id,
        "CommitmentDiscountStatus": pc.if_else(
            pc.and_(usage_rows, pc.is_valid(commitment_id)), pa.scalar("Used"), none
        ),
        "CommitmentDiscountType": pc.if_else(
            sp, pa.scalar("Savings Plan"), pc.if_else(ri, pa.scalar("Reserved Instance"), none)
        ),
        "ConsumedQuantity": pc.if_else(usage_rows, v.text("amount", AMOUNT_DIGITS), none),
        "ConsumedUnit": pc.if_else(usage_rows, v.s("pricing_unit"), none),
        "ContractedCost": to_decimal_strings(contracted_units, COST_DIGITS),
        "ContractedUnitPrice": v.s("public_rate"),
        "EffectiveCost": v.text("effective"),
        "InvoiceId": v.const(ctx.invoice_id),
        "InvoiceIssuerName": v.const(LEGAL_ENTITY),
        "ListCost": v.text("public_cost"),
        "ListUnitPrice": v.s("public_rate"),
        "PricingCategory": v.translate("line_type", _PRICING_CATEGORY),
        "PricingCurrency": v.const("USD"),
        "PricingQuantity": pc.if_else(has_rate, v.text("amount", AMOUNT_DIGITS), none),
        "PricingUnit": v.s("pricing_unit"),
        "ProviderName": v.const("AWS"),
        "PublisherName": v.const("AWS"),
        "RegionId": region,
        "RegionName": v.translate("region", REGION_NAMES),
        "ResourceId": v.s("resource"),
        "ResourceName": v.s("resource"),
        "ResourceType": pc.if_else(pc.is_valid(v.s("instance_type")), pa.scalar("Instance"), none),
        "ServiceCategory": v.translate("product_code", SERVICE_CATEGORIES),
        "ServiceName": v.s("product_name"),
        "SkuId": v.s("usage_type"),
        "SkuPriceId": v.s("usage_type"),
        "SubAccountId": v.s("account"),
        "SubAccountName": v.s("account"),
        "SubAccountType": v.const("Member Account"),
        "Tags": tags_json,
        "x_Operation": v.s("operation"),
        "x_ServiceCode": v.s("servicecode"),
        "x_UsageType": v.s("usage_type"),
        "x_LineItemType": lt,
        "x_LineItemId": ids,
    }
    return pa.table(columns)


def _tags_json(v: LineColumns) -> pa.Array:
    team, env, cc = (np.asarray(v.lines[c], dtype=np.int64) for c in ("team", "env", "cost_center"))
    key = np.stack([team, env, cc], axis=1)
    uniq, inverse = np.unique(key, axis=0, return_inverse=True)
    texts: list[str | None] = []
    for t, e, c in uniq.tolist():
        tags = {"team": v.vocab.value(t), "env": v.vocab.value(e), "cost-center": v.vocab.value(c)}
        present = {k: val for k, val in tags.items() if val is not None}
        texts.append(json.dumps(present, sort_keys=True) if present else None)
    return pa.array(texts, pa.string()).take(pa.array(np.asarray(inverse).reshape(-1)))
