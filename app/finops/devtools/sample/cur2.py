"""CUR 2.0 (Data Exports): the Parquet schema AWS writes and canonical lines as its table."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from finops.devtools.sample.fixedpoint import AMOUNT_DIGITS
from finops.devtools.sample.line_columns import (
    LEGAL_ENTITY,
    LineColumns,
    MonthContext,
    charge_interval,
    commitment_validity,
)
from finops.devtools.sample.rows import Lines, Vocabulary

_STR_MAP = pa.map_(pa.string(), pa.string())


def _map_column(n: int, entries: list[tuple[str, pa.Array]]) -> pa.Array:
    """A map<string,string> column holding, per row, the non-null entries in key order."""
    if not entries:
        offsets = pa.array(np.zeros(n + 1, dtype=np.int32))
        return pa.MapArray.from_arrays(
            offsets, pa.array([], pa.string()), pa.array([], pa.string())
        )
    keys = [k for k, _ in entries]
    valid = np.stack(
        [
            np.asarray(pc.is_valid(col).to_numpy(zero_copy_only=False), dtype=bool)
            for _, col in entries
        ],
        axis=1,
    )
    counts = valid.sum(axis=1)
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
    flat = np.flatnonzero(valid.ravel())
    row, key = np.divmod(flat, len(keys))
    values = pa.concat_arrays([col for _, col in entries])
    items = values.take(pa.array(key * n + row))
    key_array = pa.array(keys, pa.string()).take(pa.array(key))
    return pa.MapArray.from_arrays(pa.array(offsets), key_array, items)


CUR2_SCHEMA = pa.schema(
    [
        ("identity_line_item_id", pa.string()),
        ("identity_time_interval", pa.string()),
        ("bill_invoice_id", pa.string()),
        ("bill_invoicing_entity", pa.string()),
        ("bill_billing_entity", pa.string()),
        ("bill_bill_type", pa.string()),
        ("bill_payer_account_id", pa.string()),
        ("bill_payer_account_name", pa.string()),
        ("bill_billing_period_start_date", pa.timestamp("ms", tz="UTC")),
        ("bill_billing_period_end_date", pa.timestamp("ms", tz="UTC")),
        ("line_item_usage_account_id", pa.string()),
        ("line_item_line_item_type", pa.string()),
        ("line_item_usage_start_date", pa.timestamp("ms", tz="UTC")),
        ("line_item_usage_end_date", pa.timestamp("ms", tz="UTC")),
        ("line_item_product_code", pa.string()),
        ("line_item_usage_type", pa.string()),
        ("line_item_operation", pa.string()),
        ("line_item_availability_zone", pa.string()),
        ("line_item_resource_id", pa.string()),
        ("line_item_usage_amount", pa.float64()),
        ("line_item_currency_code", pa.string()),
        ("line_item_unblended_rate", pa.string()),
        ("line_item_unblended_cost", pa.float64()),
        ("line_item_blended_rate", pa.string()),
        ("line_item_blended_cost", pa.float64()),
        ("line_item_net_unblended_cost", pa.float64()),
        ("line_item_line_item_description", pa.string()),
        ("line_item_tax_type", pa.string()),
        ("line_item_legal_entity", pa.string()),
        ("product", _STR_MAP),
        ("product_region_code", pa.string()),
        ("product_instance_type", pa.string()),
        ("product_product_family", pa.string()),
        ("product_servicecode", pa.string()),
        ("pricing_public_on_demand_cost", pa.float64()),
        ("pricing_public_on_demand_rate", pa.string()),
        ("pricing_term", pa.string()),
        ("pricing_unit", pa.string()),
        ("reservation_reservation_a_r_n", pa.string()),
        ("reservation_effective_cost", pa.float64()),
        ("reservation_unused_amortized_upfront_fee_for_billing_period", pa.float64()),
        ("reservation_unused_recurring_fee", pa.float64()),
        ("savings_plan_savings_plan_a_r_n", pa.string()),
        ("savings_plan_savings_plan_rate", pa.float64()),
        ("savings_plan_savings_plan_effective_cost", pa.float64()),
        ("savings_plan_total_commitment_to_date", pa.float64()),
        ("savings_plan_used_commitment", pa.float64()),
        ("resource_tags", _STR_MAP),
        ("cost_category", _STR_MAP),
    ]
)


def cur2_table(lines: Lines, vocab: Vocabulary, ctx: MonthContext, ids: pa.Array) -> pa.Table:
    """CUR 2.0 (Data Exports) columns with AWS's Parquet types: doubles for money, strings for
    rates, UTC millisecond timestamps, maps for product attributes, tags and cost categories."""
    v = LineColumns(lines, vocab)
    ok = commitment_validity(v)
    sp_rate = pc.cast(v.s("sp_rate"), pa.float64())
    columns: dict[str, pa.Array] = {
        "identity_line_item_id": ids,
        "identity_time_interval": charge_interval(v),
        "bill_invoice_id": v.const(ctx.invoice_id),
        "bill_invoicing_entity": v.const(LEGAL_ENTITY),
        "bill_billing_entity": v.const("AWS"),
        "bill_bill_type": v.s("bill_type"),
        "bill_payer_account_id": v.const(ctx.payer),
        "bill_payer_account_name": v.const(ctx.payer_name),
        "bill_billing_period_start_date": v.const_ts(ctx.period_start),
        "bill_billing_period_end_date": v.const_ts(ctx.period_end),
        "line_item_usage_account_id": v.s("account"),
        "line_item_line_item_type": v.s("line_type"),
        "line_item_usage_start_date": v.ts("start"),
        "line_item_usage_end_date": v.ts("end"),
        "line_item_product_code": v.s("product_code"),
        "line_item_usage_type": v.s("usage_type"),
        "line_item_operation": v.s("operation"),
        "line_item_availability_zone": v.s("az"),
        "line_item_resource_id": v.s("resource"),
        "line_item_usage_amount": v.double("amount", AMOUNT_DIGITS),
        "line_item_currency_code": v.const("USD"),
        "line_item_unblended_rate": v.s("rate"),
        "line_item_unblended_cost": v.double("unblended"),
        "line_item_blended_rate": v.s("rate"),
        "line_item_blended_cost": v.double("unblended"),
        "line_item_net_unblended_cost": pa.nulls(v.n, pa.float64()),
        "line_item_line_item_description": v.s("description"),
        "line_item_tax_type": v.s("tax_type"),
        "line_item_legal_entity": v.const(LEGAL_ENTITY),
        "product": _map_column(
            v.n,
            [
                ("product_name", v.s("product_name")),
                ("region", v.s("region")),
                ("servicecode", v.s("servicecode")),
            ],
        ),
        "product_region_code": v.s("region"),
        "product_instance_type": v.s("instance_type"),
        "product_product_family": v.s("product_family"),
        "product_servicecode": v.s("servicecode"),
        "pricing_public_on_demand_cost": v.double("public_cost"),
        "pricing_public_on_demand_rate": v.s("public_rate"),
        "pricing_term": v.s("pricing_term"),
        "pricing_unit": v.s("pricing_unit"),
        "reservation_reservation_a_r_n": v.s("ri_arn"),
        "reservation_effective_cost": v.double("ri_effective", valid=ok["ri_effective"]),
        "reservation_unused_amortized_upfront_fee_for_billing_period": v.double(
            "ri_unused_upfront", valid=ok["ri_unused"]
        ),
        "reservation_unused_recurring_fee": v.double("ri_unused_recurring", valid=ok["ri_unused"]),
        "savings_plan_savings_plan_a_r_n": v.s("sp_arn"),
        "savings_plan_savings_plan_rate": sp_rate,
        "savings_plan_savings_plan_effective_cost": v.double(
            "sp_effective", valid=ok["sp_effective"]
        ),
        "savings_plan_total_commitment_to_date": v.double("sp_commitment", valid=ok["sp_fee"]),
        "savings_plan_used_commitment": v.double("sp_used", valid=ok["sp_fee"]),
        "resource_tags": _map_column(
            v.n,
            [
                ("user_team", v.s("team")),
                ("user_env", v.s("env")),
                ("user_cost_center", v.s("cost_center")),
            ],
        ),
        "cost_category": _map_column(v.n, []),
    }
    return pa.Table.from_pydict(columns, schema=CUR2_SCHEMA)
