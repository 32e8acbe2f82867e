"""Source columns -> FOCUS-shaped canonical fields, as SQL expressions (pure, no I/O).

One module holds the CUR -> FOCUS mapping (DESIGN.md §3), following the FinOps Foundation
converter's rules (``focus-conversion-rules``): BilledCost is net unblended when present else
unblended; EffectiveCost follows the line item type (Savings Plan and RI usage at their effective
cost, negations zero, unused commitment on the fee lines); ListCost is the public on-demand cost;
credits, refunds, tax and fees keep their charge category and sign.

Every parsed field is a :class:`Field`: its SQL expression, the raw source text (to tell an
unparseable value from an absent one) and whether it is required. The scanner turns failures into
a bit mask so a whole file is validated in the same single pass that aggregates it.

Written once for both engines: every expression is in the SQL DuckDB and Spark share, and each
construct they spell differently goes through the :class:`~finops.ingest.dialect.SqlDialect`
passed in (DuckDB by default; Spark for the distributed path, ``spark_job.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from finops.ingest.dialect import DECIMAL_SQL, DUCKDB, SqlDialect
from finops.ingest.formats import CUR2, CUR_LEGACY, DetectedFormat

__all__ = ["DECIMAL_SQL", "canonical_select"]

# A typed NULL: Spark cannot aggregate or write an untyped one (DuckDB reads STRING as VARCHAR).
NULL_TEXT = "CAST(NULL AS STRING)"

# (legacy CUR name, CUR 2.0 name). CUR 2.0 product attributes not promoted to columns live in
# the `product` map under the snake_case key given after "product:".
CUR_NAMES: dict[str, tuple[str, str]] = {
    "payer": ("bill/PayerAccountId", "bill_payer_account_id"),
    "bp_start": ("bill/BillingPeriodStartDate", "bill_billing_period_start_date"),
    "bp_end": ("bill/BillingPeriodEndDate", "bill_billing_period_end_date"),
    "bill_type": ("bill/BillType", "bill_bill_type"),
    "account": ("lineItem/UsageAccountId", "line_item_usage_account_id"),
    "line_type": ("lineItem/LineItemType", "line_item_line_item_type"),
    "start": ("lineItem/UsageStartDate", "line_item_usage_start_date"),
    "end": ("lineItem/UsageEndDate", "line_item_usage_end_date"),
    "product_code": ("lineItem/ProductCode", "line_item_product_code"),
    "usage_type": ("lineItem/UsageType", "line_item_usage_type"),
    "az": ("lineItem/AvailabilityZone", "line_item_availability_zone"),
    "resource": ("lineItem/ResourceId", "line_item_resource_id"),
    "amount": ("lineItem/UsageAmount", "line_item_usage_amount"),
    "currency": ("lineItem/CurrencyCode", "line_item_currency_code"),
    "unblended": ("lineItem/UnblendedCost", "line_item_unblended_cost"),
    "net_unblended": ("lineItem/NetUnblendedCost", "line_item_net_unblended_cost"),
    "product_name": ("product/ProductName", "product:product_name"),
    "region_code": ("product/regionCode", "product_region_code"),
    "region": ("product/region", "product:region"),
    "location": ("product/location", "product_location"),
    "instance_type": ("product/instanceType", "product_instance_type"),
    "sku": ("product/sku", "product_sku"),
    "od_cost": ("pricing/publicOnDemandCost", "pricing_public_on_demand_cost"),
    "od_rate": ("pricing/publicOnDemandRate", "pricing_public_on_demand_rate"),
    "term": ("pricing/term", "pricing_term"),
    "unit": ("pricing/unit", "pricing_unit"),
    "ri_arn": ("reservation/ReservationARN", "reservation_reservation_a_r_n"),
    "ri_effective": ("reservation/EffectiveCost", "reservation_effective_cost"),
    "ri_unused_upfront": (
        "reservation/UnusedAmortizedUpfrontFeeForBillingPeriod",
        "reservation_unused_amortized_upfront_fee_for_billing_period",
    ),
    "ri_unused_recurring": ("reservation/UnusedRecurringFee", "reservation_unused_recurring_fee"),
    "sp_arn": ("savingsPlan/SavingsPlanARN", "savings_plan_savings_plan_a_r_n"),
    "sp_effective": (
        "savingsPlan/SavingsPlanEffectiveCost",
        "savings_plan_savings_plan_effective_cost",
    ),
    "sp_commitment": (
        "savingsPlan/TotalCommitmentToDate",
        "savings_plan_total_commitment_to_date",
    ),
    "sp_used": ("savingsPlan/UsedCommitment", "savings_plan_used_commitment"),
}

KEY_FIELDS = (
    "provider",
    "billing_account_id",
    "billing_period_start",
    "billing_period_end",
    "charge_period_start",
    "charge_period_end",
    "sub_account_id",
    "charge_category",
    "charge_class",
    "source_charge_type",
    "service_name",
    "service_category",
    "region_id",
    "resource_id",
    "resource_type",
    "usage_type",
    "sku_id",
    "pricing_category",
    "pricing_unit",
    "commitment_discount_id",
    "commitment_discount_type",
    "commitment_discount_category",
    "billing_currency",
    "tags",
)
SUM_FIELDS = (
    "consumed_quantity",
    "pricing_quantity",
    "billed_cost",
    "effective_cost",
    "list_cost",
    "contracted_cost",
)
ANY_FIELDS = ("billing_account_name", "sub_account_name", "resource_name", "instance_type")


@dataclass(frozen=True)
class Check:
    """A per-row validity check: ``bad_sql`` is true for a bad row; names the source column."""

    column: str
    bad_sql: str
    expected: str
    raw_sql: str


@dataclass(frozen=True)
class CanonicalSelect:
    """Row-level SQL for every canonical field plus the checks that validate them.

    Tags are canonicalised (keys normalised and sorted, empty values dropped) only after a
    first aggregation: ``tag_parts`` are the cheap row-level pieces that join the first group
    key, ``tags_sql`` turns them into the canonical JSON text over far fewer rows.
    """

    fields: dict[str, str]
    checks: tuple[Check, ...]
    tag_parts: dict[str, str]
    tags_sql: str
    dialect: SqlDialect = DUCKDB


def q(name: str) -> str:
    """A quoted DuckDB identifier."""
    return DUCKDB.q(name)


def lit(value: str) -> str:
    """A quoted DuckDB string literal."""
    return DUCKDB.lit(value)


class _Columns:
    """Type-aware access to source columns (text in CSV, typed in Parquet)."""

    def __init__(self, fmt: DetectedFormat, dialect: SqlDialect) -> None:
        self.types = fmt.columns
        self.d = dialect
        # CSV is read with empty strings (and FOCUS's NULL token) as SQL NULL already.
        self.csv = fmt.container == "csv"

    def has(self, name: str) -> bool:
        return name in self.types

    def is_text(self, name: str) -> bool:
        return self.types.get(name, "VARCHAR").upper() in ("VARCHAR", "STRING", "LARGE_STRING")

    def text(self, name: str) -> str:
        """The value as text, NULL when absent or empty."""
        if not self.has(name):
            return NULL_TEXT
        if self.csv:
            return self.d.q(name)
        if self.is_text(name):
            return f"NULLIF({self.d.q(name)}, '')"
        return self.d.text_of(self.d.q(name))

    def decimal(self, name: str) -> str:
        if not self.has(name):
            return f"CAST(NULL AS {DECIMAL_SQL})"
        return self.d.try_decimal(self.text(name))

    def timestamp(self, name: str) -> str:
        if not self.has(name):
            return self.d.timestamp("NULL")
        if self.is_text(name):
            return self.d.try_timestamp(self.text(name))
        return self.d.timestamp(self.d.q(name))


def _decimal_check(cols: _Columns, name: str, *, required: bool = False) -> Check | None:
    if not cols.has(name):
        return None
    raw = cols.text(name)
    parsed = cols.decimal(name)
    bad = f"({raw} IS NOT NULL AND {parsed} IS NULL)"
    if required:
        bad = f"({bad} OR {raw} IS NULL)"
    return Check(name, bad, "a decimal number", raw)


def _timestamp_check(cols: _Columns, name: str, *, required: bool = False) -> Check | None:
    if not cols.has(name):
        return None
    raw = cols.text(name)
    parsed = cols.timestamp(name)
    bad = f"({raw} IS NOT NULL AND {parsed} IS NULL)"
    if required:
        bad = f"({bad} OR {raw} IS NULL)"
    return Check(name, bad, "an ISO 8601 timestamp", raw)


def _required_text_check(cols: _Columns, name: str) -> Check | None:
    if not cols.has(name):
        return None
    raw = cols.text(name)
    return Check(name, f"({raw} IS NULL)", "a non-empty value", raw)


def _json_object_check(cols: _Columns, name: str) -> Check | None:
    if not cols.has(name) or not cols.is_text(name):
        return None
    raw = cols.text(name)
    return Check(
        name, f"({raw} IS NOT NULL AND NOT {cols.d.json_is_object(raw)})", "a JSON object", raw
    )


def _charge_day(d: SqlDialect, start: str) -> str:
    """The UTC day a charge starts in."""
    return d.day_start(start)


def _charge_end_beyond_day(d: SqlDialect, start: str, end: str) -> str:
    """The charge's end when it runs past its start day (a month-long tax or fee line), else
    NULL; the scanner turns NULL into start day + 1 after aggregating (``charge_period_end``)."""
    return f"CASE WHEN {d.beyond_start_day(start, end)} THEN {end} END"


# --------------------------------------------------------------------------------- CUR


def _cur_resolver(fmt: DetectedFormat) -> Callable[[str], str]:
    """Maps a logical CUR field to the source column name for this flavour."""
    legacy = fmt.name == CUR_LEGACY

    def name(key: str) -> str:
        return CUR_NAMES[key][0 if legacy else 1]

    return name


def _cur_text(cols: _Columns, source: str) -> str:
    if source.startswith("product:"):
        key = source.split(":", 1)[1]
        if not cols.has("product"):
            return NULL_TEXT
        if cols.is_text("product"):
            return f"NULLIF({cols.d.json_value(cols.d.q('product'), key)}, '')"
        return f"NULLIF({cols.d.map_value(cols.d.q('product'), key)}, '')"
    return cols.text(source)


TAG_RAW = "__tag_raw"


def _cur_tags(fmt: DetectedFormat, cols: _Columns) -> tuple[dict[str, str], str]:
    """Row-level tag parts and the canonical tags SQL over them (see :class:`CanonicalSelect`)."""
    d = cols.d
    if fmt.name == CUR_LEGACY:
        tag_columns = sorted(c for c in fmt.columns if c.startswith("resourceTags/"))
        if not tag_columns:
            return {}, "'{}'"
        parts: dict[str, str] = {}
        entries = []
        for index, column in enumerate(tag_columns):
            key = column[len("resourceTags/") :]
            key = key[len("user:") :] if key.startswith("user:") else key
            alias = f"__tag_{index}"
            parts[alias] = cols.text(column)
            entries.append(d.tag_entry(d.lit(key), alias))
        return parts, d.tags_json(d.entry_list(entries))
    if not cols.has("resource_tags"):
        return {}, "'{}'"
    if cols.is_text("resource_tags"):
        raw = cols.text("resource_tags")
        source = d.json_as_map(TAG_RAW)
        guard = f"{TAG_RAW} IS NULL OR NOT {d.json_is_object(TAG_RAW)}"
    else:
        raw = d.q("resource_tags")
        source = TAG_RAW
        guard = f"{TAG_RAW} IS NULL"
    entries_sql = d.map_entries_as_tags(source, "user_")
    return {TAG_RAW: raw}, f"CASE WHEN {guard} THEN '{{}}' ELSE {d.tags_json(entries_sql)} END"


REGION_CODE = "^[a-z]{2}(-[a-z]+)+-[0-9]+$"
ZONE_NAME = "^[a-z]{2}(-[a-z]+)+-[0-9]+[a-z]$"


def cur_select(fmt: DetectedFormat, dialect: SqlDialect = DUCKDB) -> CanonicalSelect:
    """Canonical fields for legacy CUR CSV or CUR 2.0 (Parquet or CSV)."""
    cols = _Columns(fmt, dialect)
    d = dialect
    n = _cur_resolver(fmt)

    def text(key: str) -> str:
        return _cur_text(cols, n(key))

    def dec(key: str) -> str:
        source = n(key)
        return (
            f"CAST(NULL AS {DECIMAL_SQL})"
            if source.startswith("product:")
            else cols.decimal(source)
        )

    def ts(key: str) -> str:
        return cols.timestamp(n(key))

    line_type = text("line_type")
    unblended = dec("unblended")
    net_unblended = dec("net_unblended")
    zero = f"CAST(0 AS {DECIMAL_SQL})"
    billed = f"COALESCE({net_unblended}, {unblended})"
    effective = (
        f"CASE {line_type} "
        f"WHEN 'SavingsPlanCoveredUsage' THEN COALESCE({dec('sp_effective')}, {zero}) "
        f"WHEN 'SavingsPlanRecurringFee' THEN "
        f"COALESCE({dec('sp_commitment')}, {zero}) - COALESCE({dec('sp_used')}, {zero}) "
        f"WHEN 'SavingsPlanNegation' THEN {zero} "
        f"WHEN 'SavingsPlanUpfrontFee' THEN {zero} "
        f"WHEN 'DiscountedUsage' THEN COALESCE({dec('ri_effective')}, {zero}) "
        f"WHEN 'RIFee' THEN COALESCE({dec('ri_unused_upfront')}, {zero}) "
        f"+ COALESCE({dec('ri_unused_recurring')}, {zero}) "
        f"ELSE {billed} END"
    )
    charge_category = (
        f"CASE {line_type} "
        "WHEN 'Tax' THEN 'Tax' "
        "WHEN 'Fee' THEN 'Purchase' WHEN 'RIFee' THEN 'Purchase' "
        "WHEN 'SavingsPlanUpfrontFee' THEN 'Purchase' "
        "WHEN 'SavingsPlanRecurringFee' THEN 'Purchase' "
        "WHEN 'Credit' THEN 'Credit' "
        "WHEN 'Refund' THEN 'Adjustment' "
        "ELSE 'Usage' END"
    )
    non_usage = "('Tax', 'Credit', 'Adjustment')"
    od_product = d.times(dec("od_rate"), dec("amount"))
    list_cost = (
        f"CASE WHEN ({charge_category}) IN {non_usage} THEN {billed} "
        f"WHEN {line_type} = 'SavingsPlanNegation' THEN {zero} "
        f"ELSE COALESCE({dec('od_cost')}, {od_product}, {billed}) END"
    )
    contracted = f"CASE WHEN {line_type} = 'SavingsPlanNegation' THEN {zero} ELSE {billed} END"
    term = text("term")
    pricing_category = (
        f"CASE WHEN {line_type} IN ('SavingsPlanCoveredUsage', 'DiscountedUsage', "
        "'SavingsPlanNegation') THEN 'Committed' "
        f"WHEN ({charge_category}) <> 'Usage' THEN NULL "
        f"WHEN {term} = 'OnDemand' THEN 'Standard' WHEN {term} = 'Reserved' THEN 'Committed' "
        f"WHEN {term} = 'Spot' THEN 'Dynamic' WHEN {term} IS NULL THEN NULL ELSE 'Other' END"
    )
    sp_arn, ri_arn = text("sp_arn"), text("ri_arn")
    az = text("az")
    region = (
        f"COALESCE({text('region_code')}, "
        f"CASE WHEN {d.matches(text('region'), REGION_CODE)} THEN {text('region')} END, "
        f"CASE WHEN {d.matches(az, ZONE_NAME)} THEN left({az}, length({az}) - 1) END)"
    )
    start, end = ts("start"), ts("end")
    bp_start = f"COALESCE({ts('bp_start')}, {d.month_start(start)})"
    bp_end = f"COALESCE({ts('bp_end')}, {d.month_start(start)} + INTERVAL 1 MONTH)"
    resource = text("resource")
    arn_part = d.split_part(d.split_part(resource, ":", 6), "/", 1)
    fields = {
        "provider": "'AWS'",
        "billing_account_id": f"COALESCE({text('payer')}, {text('account')})",
        "billing_period_start": bp_start,
        "billing_period_end": bp_end,
        "charge_period_start": _charge_day(d, start),
        "charge_period_end": _charge_end_beyond_day(d, start, end),
        "sub_account_id": text("account"),
        "charge_category": charge_category,
        "charge_class": NULL_TEXT,
        "source_charge_type": line_type,
        "service_name": f"COALESCE({text('product_name')}, {text('product_code')})",
        "service_category": "COALESCE(svc.__category, 'Other')",
        "service_code": text("product_code"),
        "region_id": region,
        "resource_id": resource,
        "resource_type": (
            f"CASE WHEN {d.starts_with(resource, 'arn:')} THEN NULLIF({arn_part}, '') END"
        ),
        "usage_type": text("usage_type"),
        "sku_id": text("sku"),
        "pricing_category": pricing_category,
        "pricing_unit": text("unit"),
        "commitment_discount_id": f"COALESCE({sp_arn}, {ri_arn})",
        "commitment_discount_type": (
            f"CASE WHEN {sp_arn} IS NOT NULL THEN 'Savings Plan' "
            f"WHEN {ri_arn} IS NOT NULL THEN 'Reserved Instance' END"
        ),
        "commitment_discount_category": (
            f"CASE WHEN {sp_arn} IS NOT NULL THEN 'Spend' "
            f"WHEN {ri_arn} IS NOT NULL THEN 'Usage' END"
        ),
        "billing_currency": f"upper({text('currency')})",
        "consumed_quantity": f"CASE WHEN ({charge_category}) = 'Usage' THEN {dec('amount')} END",
        "pricing_quantity": f"CASE WHEN ({charge_category}) = 'Usage' THEN {dec('amount')} END",
        "billed_cost": billed,
        "effective_cost": effective,
        "list_cost": list_cost,
        "contracted_cost": contracted,
        "billing_account_name": NULL_TEXT,
        "sub_account_name": NULL_TEXT,
        "resource_name": NULL_TEXT,
        "instance_type": text("instance_type"),
    }
    checks: list[Check | None] = [
        _required_text_check(cols, n("account")),
        _required_text_check(cols, n("line_type")),
        _required_text_check(cols, n("currency")),
        _timestamp_check(cols, n("start"), required=True),
        _timestamp_check(cols, n("end")),
        _timestamp_check(cols, n("bp_start")),
        _timestamp_check(cols, n("bp_end")),
        _decimal_check(cols, n("unblended"), required=True),
    ]
    for key in (
        "net_unblended",
        "amount",
        "od_cost",
        "od_rate",
        "ri_effective",
        "ri_unused_upfront",
        "ri_unused_recurring",
        "sp_effective",
        "sp_commitment",
        "sp_used",
    ):
        checks.append(_decimal_check(cols, n(key)))
    checks.append(_currency_check(cols, n("currency")))
    if fmt.name == CUR2:
        checks.append(_json_object_check(cols, "resource_tags"))
    tag_parts, tags_sql = _cur_tags(fmt, cols)
    return CanonicalSelect(
        fields, tuple(c for c in checks if c is not None), tag_parts, tags_sql, dialect
    )


def _currency_check(cols: _Columns, name: str) -> Check | None:
    if not cols.has(name):
        return None
    raw = cols.text(name)
    return Check(
        name,
        f"({raw} IS NOT NULL AND NOT {cols.d.matches(raw, '^[A-Za-z]{3}$')})",
        "a three-letter ISO 4217 currency code",
        raw,
    )


# --------------------------------------------------------------------------------- FOCUS


def focus_select(fmt: DetectedFormat, dialect: SqlDialect = DUCKDB) -> CanonicalSelect:
    """Canonical fields for a FOCUS 1.0 / 1.1 / 1.2 export from any provider."""
    cols = _Columns(fmt, dialect)
    d = dialect
    t, dec, ts = cols.text, cols.decimal, cols.timestamp

    def first(*names: str) -> str:
        present = [t(x) for x in names if cols.has(x)]
        if not present:
            return NULL_TEXT
        return present[0] if len(present) == 1 else f"COALESCE({', '.join(present)})"

    start, end = ts("ChargePeriodStart"), ts("ChargePeriodEnd")
    billed = dec("BilledCost")
    zero = f"CAST(0 AS {DECIMAL_SQL})"
    tag_parts: dict[str, str] = {}
    tags = "'{}'"
    if cols.has("Tags"):
        tag_parts[TAG_RAW] = t("Tags")
        entries = d.map_entries_as_tags(d.json_as_map(TAG_RAW), None)
        tags = (
            f"CASE WHEN {TAG_RAW} IS NULL OR NOT {d.json_is_object(TAG_RAW)} THEN '{{}}' "
            f"ELSE {d.tags_json(entries)} END"
        )
    fields = {
        "provider": first("ProviderName", "ServiceProviderName", "Provider"),
        "billing_account_id": t("BillingAccountId"),
        "billing_period_start": ts("BillingPeriodStart"),
        "billing_period_end": ts("BillingPeriodEnd"),
        "charge_period_start": _charge_day(d, start),
        "charge_period_end": _charge_end_beyond_day(d, start, end),
        "sub_account_id": t("SubAccountId"),
        "charge_category": t("ChargeCategory"),
        "charge_class": t("ChargeClass"),
        "source_charge_type": first("x_ChargeType", "x_LineItemType"),
        "service_name": t("ServiceName"),
        "service_category": f"COALESCE({t('ServiceCategory')}, 'Other')",
        "service_code": NULL_TEXT,
        "region_id": first("RegionId", "Region"),
        "resource_id": t("ResourceId"),
        "resource_type": t("ResourceType"),
        "usage_type": first("x_UsageType", "x_usage_type", "ChargeDescription"),
        "sku_id": t("SkuId"),
        "pricing_category": t("PricingCategory"),
        "pricing_unit": t("PricingUnit"),
        "commitment_discount_id": t("CommitmentDiscountId"),
        "commitment_discount_type": t("CommitmentDiscountType"),
        "commitment_discount_category": t("CommitmentDiscountCategory"),
        "billing_currency": f"upper({t('BillingCurrency')})",
        "consumed_quantity": dec("ConsumedQuantity"),
        "pricing_quantity": dec("PricingQuantity"),
        "billed_cost": billed,
        "effective_cost": dec("EffectiveCost"),
        "list_cost": dec("ListCost"),
        "contracted_cost": f"COALESCE({dec('ContractedCost')}, {zero})"
        if cols.has("ContractedCost")
        else billed,
        "billing_account_name": t("BillingAccountName"),
        "sub_account_name": t("SubAccountName"),
        "resource_name": t("ResourceName"),
        "instance_type": NULL_TEXT,
    }
    checks: list[Check | None] = [
        _required_text_check(cols, "BillingAccountId"),
        _required_text_check(cols, "ChargeCategory"),
        _required_text_check(cols, "BillingCurrency"),
        _timestamp_check(cols, "ChargePeriodStart", required=True),
        _timestamp_check(cols, "ChargePeriodEnd", required=True),
        _timestamp_check(cols, "BillingPeriodStart", required=True),
        _timestamp_check(cols, "BillingPeriodEnd", required=True),
        _decimal_check(cols, "BilledCost", required=True),
        _decimal_check(cols, "EffectiveCost", required=True),
        _decimal_check(cols, "ListCost", required=True),
        _decimal_check(cols, "ContractedCost"),
        _decimal_check(cols, "ConsumedQuantity"),
        _decimal_check(cols, "PricingQuantity"),
        _currency_check(cols, "BillingCurrency"),
    ]
    if cols.has("ChargeCategory"):
        raw = t("ChargeCategory")
        checks.append(
            Check(
                "ChargeCategory",
                f"({raw} NOT IN ('Usage', 'Purchase', 'Tax', 'Credit', 'Adjustment'))",
                "one of Usage, Purchase, Tax, Credit, Adjustment",
                raw,
            )
        )
    checks.append(_json_object_check(cols, "Tags"))
    return CanonicalSelect(
        fields, tuple(c for c in checks if c is not None), tag_parts, tags, dialect
    )


def canonical_select(fmt: DetectedFormat, dialect: SqlDialect = DUCKDB) -> CanonicalSelect:
    """The canonical SELECT for any supported format, in ``dialect`` (DuckDB by default)."""
    if fmt.name in (CUR_LEGACY, CUR2):
        return cur_select(fmt, dialect)
    if fmt.is_focus:
        return focus_select(fmt, dialect)
    raise ValueError(f"no mapping for format {fmt.name}")
