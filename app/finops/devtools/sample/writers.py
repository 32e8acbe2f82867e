"""Format writers: canonical lines -> CUR 2.0 Parquet, legacy CUR CSV or FOCUS 1.2 CSV.

Column names and types follow what AWS delivers (see the module constants). CSV files are gzip
with a fixed header (mtime 0, no file name) and Parquet files are written with fixed options,
so the same lines always give byte-identical files.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal, Protocol

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from finops.devtools.sample.billing import SERVICE_CATEGORIES
from finops.devtools.sample.fixedpoint import (
    AMOUNT_DIGITS,
    COST_DIGITS,
    to_decimal_strings,
    to_doubles,
)
from finops.devtools.sample.prices import REGION_NAMES
from finops.devtools.sample.rows import Lines, Vocabulary

SampleFormat = Literal["cur2", "cur-legacy", "focus"]
FORMATS: tuple[SampleFormat, ...] = ("cur2", "cur-legacy", "focus")
REPORT_NAME = "finops-sample"
LEGAL_ENTITY = "Amazon Web Services, Inc."
_ALPHABET = np.frombuffer(b"abcdefghijklmnopqrstuvwxyz234567", dtype=np.uint8)
_LINE_ID_LENGTH = 52
TS_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
_CSV_SLICE_ROWS = 25_000


@dataclass(frozen=True)
class MonthContext:
    """What every line of one billing month's file shares."""

    payer: str
    payer_name: str
    period_start: dt.datetime
    period_end: dt.datetime
    invoice_id: str | None  # None while the month is still open


def line_item_ids(rng: np.random.Generator, size: int) -> pa.Array:
    """``size`` random 52-character base32 ids, built without a Python loop."""
    chars = _ALPHABET[rng.integers(0, 32, size=(size, _LINE_ID_LENGTH), dtype=np.uint8)]
    offsets = np.arange(size + 1, dtype=np.int32) * _LINE_ID_LENGTH
    return pa.Array.from_buffers(
        pa.string(), size, [None, pa.py_buffer(offsets.tobytes()), pa.py_buffer(chars.tobytes())]
    )


class _View:
    """Column accessors over one batch of lines (strings resolved through the vocabulary)."""

    def __init__(self, lines: Lines, vocab: Vocabulary) -> None:
        self.lines = lines
        self.vocab = vocab
        self.n = lines.size
        self._types = lines["line_type"]

    def s(self, name: str) -> pa.Array:
        return self.vocab.column(np.asarray(self.lines[name], dtype=np.int32))

    def translate(self, name: str, mapping: dict[str, str]) -> pa.Array:
        """The string column ``name`` translated through ``mapping`` (null when unmapped)."""
        pairs = [(self.vocab.id(k), self.vocab.id(val)) for k, val in mapping.items()]
        size = self.vocab.size
        table = np.full(size + 1, -1, dtype=np.int32)
        for key, value in pairs:
            table[key] = value
        idx = np.asarray(self.lines[name], dtype=np.int32)
        return self.vocab.column(table[np.where(idx < 0, size, idx)])

    def is_type(self, *names: str) -> npt.NDArray[np.bool_]:
        ids = [self.vocab.id(n) for n in names]
        return np.isin(self._types, ids)

    def i(self, name: str) -> npt.NDArray[np.int64]:
        return np.asarray(self.lines[name], dtype=np.int64)

    def text(
        self, name: str, digits: int = COST_DIGITS, valid: npt.NDArray[np.bool_] | None = None
    ) -> pa.Array:
        out = to_decimal_strings(self.i(name), digits)
        if valid is None:
            return out
        return pc.if_else(pa.array(valid), out, pa.scalar(None, pa.string()))

    def double(
        self, name: str, digits: int = COST_DIGITS, valid: npt.NDArray[np.bool_] | None = None
    ) -> pa.Array:
        values = to_doubles(self.i(name), digits)
        return pa.array(values, type=pa.float64(), mask=None if valid is None else ~valid)

    def ts(self, name: str) -> pa.Array:
        return pa.array(self.i(name) * 1000, type=pa.timestamp("ms", tz="UTC"))

    def ts_text(self, name: str) -> pa.Array:
        return pc.strftime(
            pa.array(self.i(name), type=pa.timestamp("s", tz="UTC")), format=TS_FORMAT
        )

    def const(self, value: str | None) -> pa.Array:
        return (
            pa.nulls(self.n, pa.string())
            if value is None
            else pa.array(np.full(self.n, value, dtype=object), pa.string())
        )

    def const_ts(self, value: dt.datetime) -> pa.Array:
        ms = int(value.timestamp()) * 1000
        return pa.array(np.full(self.n, ms, dtype=np.int64), type=pa.timestamp("ms", tz="UTC"))


def _validity(view: _View) -> dict[str, npt.NDArray[np.bool_]]:
    return {
        "ri_effective": view.is_type("DiscountedUsage"),
        "ri_unused": view.is_type("RIFee"),
        "sp_effective": view.is_type("SavingsPlanCoveredUsage"),
        "sp_fee": view.is_type("SavingsPlanRecurringFee"),
    }


def _interval(view: _View) -> pa.Array:
    return pc.binary_join_element_wise(view.ts_text("start"), view.ts_text("end"), "/")


def _period_text(value: dt.datetime) -> str:
    return value.strftime(TS_FORMAT)


# ---------------------------------------------------------------------------- legacy CUR


def legacy_table(lines: Lines, vocab: Vocabulary, ctx: MonthContext, ids: pa.Array) -> pa.Table:
    """Legacy CUR columns (``identity/LineItemId`` ...), every value as text, null = empty."""
    v = _View(lines, vocab)
    ok = _validity(v)
    columns: dict[str, pa.Array] = {
        "identity/LineItemId": ids,
        "identity/TimeInterval": _interval(v),
        "bill/InvoiceId": v.const(ctx.invoice_id),
        "bill/InvoicingEntity": v.const(LEGAL_ENTITY),
        "bill/BillingEntity": v.const("AWS"),
        "bill/BillType": v.s("bill_type"),
        "bill/PayerAccountId": v.const(ctx.payer),
        "bill/BillingPeriodStartDate": v.const(_period_text(ctx.period_start)),
        "bill/BillingPeriodEndDate": v.const(_period_text(ctx.period_end)),
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


# ---------------------------------------------------------------------------- CUR 2.0

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
    v = _View(lines, vocab)
    ok = _validity(v)
    sp_rate = pc.cast(v.s("sp_rate"), pa.float64())
    columns: dict[str, pa.Array] = {
        "identity_line_item_id": ids,
        "identity_time_interval": _interval(v),
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


# ---------------------------------------------------------------------------- FOCUS 1.2

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
    v = _View(lines, vocab)
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
        "BillingPeriodEnd": v.const(_period_text(ctx.period_end)),
        "BillingPeriodStart": v.const(_period_text(ctx.period_start)),
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


def _tags_json(v: _View) -> pa.Array:
    team, env, cc = (np.asarray(v.lines[c], dtype=np.int64) for c in ("team", "env", "cost_center"))
    key = np.stack([team, env, cc], axis=1)
    uniq, inverse = np.unique(key, axis=0, return_inverse=True)
    texts: list[str | None] = []
    for t, e, c in uniq.tolist():
        tags = {"team": v.vocab.value(t), "env": v.vocab.value(e), "cost-center": v.vocab.value(c)}
        present = {k: val for k, val in tags.items() if val is not None}
        texts.append(json.dumps(present, sort_keys=True) if present else None)
    return pa.array(texts, pa.string()).take(pa.array(np.asarray(inverse).reshape(-1)))


# ---------------------------------------------------------------------------- files


class TableSink(Protocol):
    def write(self, table: pa.Table) -> None: ...
    def close(self) -> None: ...


class _CsvGzSink:
    def __init__(self, path: Path) -> None:
        self._raw: IO[bytes] = path.open("wb")
        self._gz = gzip.GzipFile(
            filename="", mode="wb", fileobj=self._raw, mtime=0, compresslevel=6
        )
        self._header = True

    def write(self, table: pa.Table) -> None:
        # small slices keep the rendered text (the largest transient buffer) bounded
        for start in range(0, max(table.num_rows, 1), _CSV_SLICE_ROWS):
            buffer = pa.BufferOutputStream()
            pacsv.write_csv(
                table.slice(start, _CSV_SLICE_ROWS),
                buffer,
                write_options=pacsv.WriteOptions(
                    include_header=self._header, quoting_style="needed", batch_size=8_192
                ),
            )
            self._header = False
            self._gz.write(memoryview(buffer.getvalue()))

    def close(self) -> None:
        self._gz.close()
        self._raw.close()


class _ParquetSink:
    def __init__(self, path: Path, schema: pa.Schema) -> None:
        self._writer = pq.ParquetWriter(
            str(path), schema, compression="snappy", write_statistics=True
        )

    def write(self, table: pa.Table) -> None:
        self._writer.write_table(table, row_group_size=256 * 1024)

    def close(self) -> None:
        self._writer.close()


class MonthWriter:
    """Writes one billing month of one format, rotating to a new part every ``part_lines``
    lines; writes the AWS-style manifest when the month needs more than one part."""

    def __init__(
        self,
        *,
        out_dir: Path,
        fmt: SampleFormat,
        month_label: str,
        ctx: MonthContext,
        vocab: Vocabulary,
        part_lines: int,
        assembly_id: str,
    ) -> None:
        self.out_dir = out_dir
        self.fmt = fmt
        self.ctx = ctx
        self.vocab = vocab
        self.part_lines = part_lines
        self.assembly_id = assembly_id
        self.folder = out_dir / "billing" / fmt / month_label
        self.folder.mkdir(parents=True, exist_ok=True)
        self.parts: list[Path] = []
        self._sink: TableSink | None = None
        self._in_part = 0
        self.manifest: Path | None = None

    def _name(self, number: int) -> str:
        if self.fmt == "cur2":
            return f"{REPORT_NAME}-{number:05d}.snappy.parquet"
        if self.fmt == "cur-legacy":
            return f"{REPORT_NAME}-{number}.csv.gz"
        return f"{REPORT_NAME}-focus-{number:05d}.csv.gz"

    def _open(self) -> TableSink:
        path = self.folder / self._name(len(self.parts) + 1)
        self.parts.append(path)
        self._in_part = 0
        if self.fmt == "cur2":
            return _ParquetSink(path, CUR2_SCHEMA)
        return _CsvGzSink(path)

    def _table(self, lines: Lines, ids: pa.Array) -> pa.Table:
        if self.fmt == "cur2":
            return cur2_table(lines, self.vocab, self.ctx, ids)
        if self.fmt == "cur-legacy":
            return legacy_table(lines, self.vocab, self.ctx, ids)
        return focus_table(lines, self.vocab, self.ctx, ids)

    def write(self, lines: Lines, ids: pa.Array) -> None:
        start = 0
        while start < lines.size:
            if self._sink is None or self._in_part >= self.part_lines:
                if self._sink is not None:
                    self._sink.close()
                self._sink = self._open()
            take = min(lines.size - start, self.part_lines - self._in_part)
            self._sink.write(self._table(lines.slice(start, start + take), ids.slice(start, take)))
            self._in_part += take
            start += take

    def close(self) -> list[Path]:
        """Close the last part; returns every file written (parts, then the manifest if any)."""
        if self._sink is not None:
            self._sink.close()
            self._sink = None
        files = list(self.parts)
        if len(self.parts) > 1:
            files.append(self._write_manifest())
        return files

    def _write_manifest(self) -> Path:
        keys = [p.relative_to(self.out_dir).as_posix() for p in self.parts]
        start = self.ctx.period_start.strftime("%Y%m%dT%H%M%S.000Z")
        end = self.ctx.period_end.strftime("%Y%m%dT%H%M%S.000Z")
        if self.fmt == "cur-legacy":
            name = f"{REPORT_NAME}-Manifest.json"
            doc: dict[str, object] = {
                "assemblyId": self.assembly_id,
                "account": self.ctx.payer,
                "reportName": REPORT_NAME,
                "reportKeys": keys,
                "billingPeriod": {"start": start, "end": end},
                "bucket": "local",
                "compression": "GZIP",
                "contentType": "text/csv",
            }
        else:
            name = f"{REPORT_NAME}{'-focus' if self.fmt == 'focus' else ''}-Manifest.json"
            doc = {
                "executionId": self.assembly_id,
                "exportName": REPORT_NAME if self.fmt == "cur2" else f"{REPORT_NAME}-focus",
                "billingPeriod": {"start": start, "end": end},
                "dataFiles": keys,
                "contentType": "application/x-parquet" if self.fmt == "cur2" else "text/csv",
            }
        path = self.folder / name
        path.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        self.manifest = path
        return path
