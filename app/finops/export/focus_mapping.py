"""Stored billing fact -> one FOCUS 1.2 row: pure functions, no I/O.

What is copied, what is normalised and what is derived is recorded in
``docs/decisions/0004-focus-export.md``. The guarantees, per row:

- every Mandatory non-nullable FOCUS column gets a spec-valid value (allowed values,
  UTC timestamps, exact decimals), derived from the fact when the fact does not carry it;
- columns the spec requires to be null in a situation (e.g. ``PricingQuantity`` on ``Tax``
  rows, ``ConsumedQuantity`` outside ``Usage``, every ``CommitmentDiscount*`` column when
  there is no commitment) are null, whatever the fact holds;
- money is passed through unchanged (``Decimal``), never rounded or converted.

A fact whose stored values cannot be mapped to an allowed FOCUS value (e.g. a
``charge_category`` of ``"Refundish"``) raises :class:`~finops.core.errors.InvalidInputError`
naming the fact and the column instead of producing a non-conformant row.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final

from finops.core.errors import InvalidInputError

FOCUS_VERSION: Final = "1.2"

# (column id, kind). Kinds: "decimal", "datetime", "string", "json". The order is the file's
# column order: FOCUS columns alphabetically, then custom ``x_`` columns (ColumnHandling).
FOCUS_COLUMNS: Final[tuple[tuple[str, str], ...]] = (
    ("BilledCost", "decimal"),
    ("BillingAccountId", "string"),
    ("BillingAccountName", "string"),
    ("BillingCurrency", "string"),
    ("BillingPeriodEnd", "datetime"),
    ("BillingPeriodStart", "datetime"),
    ("ChargeCategory", "string"),
    ("ChargeClass", "string"),
    ("ChargeDescription", "string"),
    ("ChargeFrequency", "string"),
    ("ChargePeriodEnd", "datetime"),
    ("ChargePeriodStart", "datetime"),
    ("CommitmentDiscountCategory", "string"),
    ("CommitmentDiscountId", "string"),
    ("CommitmentDiscountName", "string"),
    ("CommitmentDiscountQuantity", "decimal"),
    ("CommitmentDiscountStatus", "string"),
    ("CommitmentDiscountType", "string"),
    ("CommitmentDiscountUnit", "string"),
    ("ConsumedQuantity", "decimal"),
    ("ConsumedUnit", "string"),
    ("ContractedCost", "decimal"),
    ("EffectiveCost", "decimal"),
    ("InvoiceIssuerName", "string"),
    ("ListCost", "decimal"),
    ("PricingCategory", "string"),
    ("PricingQuantity", "decimal"),
    ("PricingUnit", "string"),
    ("ProviderName", "string"),
    ("PublisherName", "string"),
    ("RegionId", "string"),
    ("RegionName", "string"),
    ("ResourceId", "string"),
    ("ResourceName", "string"),
    ("ResourceType", "string"),
    ("ServiceCategory", "string"),
    ("ServiceName", "string"),
    ("SkuId", "string"),
    ("SubAccountId", "string"),
    ("SubAccountName", "string"),
    ("Tags", "json"),
    ("x_SourceChargeType", "string"),
    ("x_UsageType", "string"),
)
COLUMN_NAMES: Final = tuple(name for name, _ in FOCUS_COLUMNS)

# The FOCUS validator's ApplicabilityCriteria this export claims for its data. Not claimed,
# although AWS supports them, because the stored facts do not carry what the columns need:
# PUBLIC_PRICE_LIST_SUPPORTED / UNIT_PRICING_SUPPORTED / NEGOTIATED_PRICING_SUPPORTED (no unit
# prices, SkuPriceId or SkuMeter), CAPACITY_RESERVATION_SUPPORTED (no reservation ids).
APPLICABILITY_CLAIMS: Final = frozenset(
    {
        "ACCOUNT_NAMING_SUPPORTED",
        "AVAILABILITY_ZONE_SUPPORTED",
        "BILLING_BASED_ON_PROVISIONED_RESOURCES_SUPPORTED",
        "COMMITMENT_DISCOUNT_SUPPORTED",
        "MULTIPLE_PRICING_CATEGORIES_SUPPORTED",
        "REGION_SUPPORTED",
        "RESOURCE_TYPE_ASSIGNMENT_SUPPORTED",
        "SUB_ACCOUNT_SUPPORTED",
        "TAGGING_SUPPORTED",
        "USAGE_MEASUREMENT_SUPPORTED",
    }
)

CHARGE_CATEGORIES: Final = ("Usage", "Purchase", "Tax", "Credit", "Adjustment")
PRICING_CATEGORIES: Final = ("Standard", "Committed", "Dynamic", "Other")
COMMITMENT_CATEGORIES: Final = ("Spend", "Usage")
SERVICE_CATEGORIES: Final = (
    "AI and Machine Learning",
    "Analytics",
    "Business Applications",
    "Compute",
    "Databases",
    "Developer Tools",
    "Multicloud",
    "Identity",
    "Integration",
    "Internet of Things",
    "Management and Governance",
    "Media",
    "Migration",
    "Mobile",
    "Networking",
    "Security",
    "Storage",
    "Web",
    "Other",
)

# Stored provider code -> FOCUS ProviderName (the name the provider is known by).
_PROVIDER_NAMES: Final = {
    "aws": "AWS",
    "amazon web services": "AWS",
    "azure": "Microsoft",
    "microsoft": "Microsoft",
    "gcp": "Google Cloud",
    "google": "Google Cloud",
    "google cloud": "Google Cloud",
    "oci": "Oracle",
    "oracle": "Oracle",
}

# Synonyms seen in CUR exports and older FOCUS versions -> FOCUS 1.2 PricingCategory.
_PRICING_SYNONYMS: Final = {
    "on-demand": "Standard",
    "ondemand": "Standard",
    "on demand": "Standard",
    "reserved": "Committed",
    "reserved instances": "Committed",
    "savings plan": "Committed",
    "savings plans": "Committed",
    "spot": "Dynamic",
    "spot instances": "Dynamic",
}

# AWS region code -> display name as AWS publishes it (public reference data).
AWS_REGION_NAMES: Final = {
    "af-south-1": "Africa (Cape Town)",
    "ap-east-1": "Asia Pacific (Hong Kong)",
    "ap-northeast-1": "Asia Pacific (Tokyo)",
    "ap-northeast-2": "Asia Pacific (Seoul)",
    "ap-northeast-3": "Asia Pacific (Osaka)",
    "ap-south-1": "Asia Pacific (Mumbai)",
    "ap-south-2": "Asia Pacific (Hyderabad)",
    "ap-southeast-1": "Asia Pacific (Singapore)",
    "ap-southeast-2": "Asia Pacific (Sydney)",
    "ap-southeast-3": "Asia Pacific (Jakarta)",
    "ap-southeast-4": "Asia Pacific (Melbourne)",
    "ca-central-1": "Canada (Central)",
    "ca-west-1": "Canada West (Calgary)",
    "eu-central-1": "Europe (Frankfurt)",
    "eu-central-2": "Europe (Zurich)",
    "eu-north-1": "Europe (Stockholm)",
    "eu-south-1": "Europe (Milan)",
    "eu-south-2": "Europe (Spain)",
    "eu-west-1": "Europe (Ireland)",
    "eu-west-2": "Europe (London)",
    "eu-west-3": "Europe (Paris)",
    "il-central-1": "Israel (Tel Aviv)",
    "me-central-1": "Middle East (UAE)",
    "me-south-1": "Middle East (Bahrain)",
    "sa-east-1": "South America (Sao Paulo)",
    "us-east-1": "US East (N. Virginia)",
    "us-east-2": "US East (Ohio)",
    "us-gov-east-1": "AWS GovCloud (US-East)",
    "us-gov-west-1": "AWS GovCloud (US-West)",
    "us-west-1": "US West (N. California)",
    "us-west-2": "US West (Oregon)",
    "global": "Global",
}

# EC2-style id prefix -> resource type, for facts whose resource_type was not captured.
_RESOURCE_ID_PREFIXES: Final = (
    ("i-", "Instance"),
    ("vol-", "Volume"),
    ("snap-", "Snapshot"),
    ("eipalloc-", "Elastic IP"),
    ("nat-", "NAT Gateway"),
    ("vpce-", "VPC Endpoint"),
    ("eni-", "Network Interface"),
    ("ami-", "Image"),
)
_ARN = re.compile(r"^arn:[^:]+:(?P<service>[^:]+):[^:]*:[^:]*:(?P<rest>.+)$")

_RECURRING_PURCHASE_TYPES: Final = frozenset({"rifee", "savingsplanrecurringfee"})


@dataclass(frozen=True)
class StoredFact:
    """The stored values of one billing fact plus the display names joined to it."""

    id: int
    provider: str
    billing_account_id: str
    billing_period_start: dt.datetime
    billing_period_end: dt.datetime
    charge_period_start: dt.datetime
    charge_period_end: dt.datetime
    charge_category: str
    billing_currency: str
    billed_cost: Decimal
    effective_cost: Decimal
    list_cost: Decimal
    contracted_cost: Decimal
    sub_account_id: str | None = None
    charge_class: str | None = None
    source_charge_type: str | None = None
    service_name: str | None = None
    service_category: str | None = None
    region_id: str | None = None
    resource_id: str | None = None
    resource_type: str | None = None
    usage_type: str | None = None
    sku_id: str | None = None
    pricing_category: str | None = None
    pricing_unit: str | None = None
    commitment_discount_id: str | None = None
    commitment_discount_type: str | None = None
    commitment_discount_category: str | None = None
    consumed_quantity: Decimal | None = None
    pricing_quantity: Decimal | None = None
    tags: Mapping[str, Any] = field(default_factory=dict)
    billing_account_name: str | None = None
    sub_account_name: str | None = None
    resource_name: str | None = None


def provider_name(provider: str) -> str:
    """FOCUS ProviderName for a stored provider code (``aws`` -> ``AWS``); unknown codes kept."""
    return _PROVIDER_NAMES.get(provider.strip().lower(), provider.strip())


def normalise_service_category(value: str | None) -> str | None:
    """The FOCUS ServiceCategory equal to ``value`` ignoring case, or None if not allowed."""
    if value is None:
        return None
    folded = value.strip().casefold()
    for allowed in SERVICE_CATEGORIES:
        if allowed.casefold() == folded:
            return allowed
    return None


def choose_service_categories(
    counts: Mapping[tuple[str, str | None], int],
) -> dict[str, str]:
    """One ServiceCategory per ServiceName (FOCUS: a service has exactly one category).

    ``counts`` maps (exported ServiceName, stored category) to a row count. The most frequent
    allowed category wins (ties: alphabetical); a service with no allowed category gets
    ``"Other"``.
    """
    votes: dict[str, dict[str, int]] = {}
    for (service, stored), count in counts.items():
        per_service = votes.setdefault(service, {})
        category = normalise_service_category(stored)
        if category is not None:
            per_service[category] = per_service.get(category, 0) + count
    chosen: dict[str, str] = {}
    for service, per_service in votes.items():
        if per_service:
            chosen[service] = min(per_service, key=lambda c: (-per_service[c], c))
        else:
            chosen[service] = "Other"
    return chosen


def exported_service_name(fact: StoredFact) -> str:
    """ServiceName (never null): the stored name, else the provider (tax/credit lines)."""
    name = (fact.service_name or "").strip()
    return name or provider_name(fact.provider)


def to_focus_row(fact: StoredFact, *, service_category: str) -> dict[str, Any]:
    """Map one stored fact to a FOCUS 1.2 row (column id -> Python value or None).

    ``service_category`` is the category chosen for the fact's ServiceName over the whole
    export (see :func:`choose_service_categories`). Values are Python objects: ``Decimal``
    for decimals, aware UTC ``datetime`` for date/times, ``str`` for strings and JSON.
    """
    charge_category = _charge_category(fact)
    charge_class = _charge_class(fact)
    correction = charge_class == "Correction"
    provider = provider_name(fact.provider)

    commitment_id = _blank_to_none(fact.commitment_discount_id)
    commitment_type: str | None = None
    commitment_category: str | None = None
    commitment_status: str | None = None
    commitment_quantity: Decimal | None = None
    commitment_unit: str | None = None
    if commitment_id is not None:
        commitment_type = _commitment_type(fact, commitment_id)
        commitment_category = _commitment_category(fact, commitment_type)
        if charge_category == "Usage":
            commitment_status = _commitment_status(fact, commitment_id)
        if charge_category in ("Usage", "Purchase") and not correction:
            commitment_quantity, commitment_unit = _commitment_quantity(
                fact, charge_category, commitment_category
            )

    is_tax = charge_category == "Tax"
    pricing_quantity = None if is_tax else fact.pricing_quantity
    pricing_unit = None if pricing_quantity is None else _pricing_unit(fact)
    consumed_quantity = (
        fact.consumed_quantity
        if charge_category == "Usage" and commitment_status != "Unused"
        else None
    )
    consumed_unit = None if consumed_quantity is None else _pricing_unit(fact)

    region_id = _blank_to_none(fact.region_id)
    resource_id = _blank_to_none(fact.resource_id)
    sub_account_id = _blank_to_none(fact.sub_account_id)

    row: dict[str, Any] = {
        "BilledCost": fact.billed_cost,
        "BillingAccountId": fact.billing_account_id,
        "BillingAccountName": _blank_to_none(fact.billing_account_name) or fact.billing_account_id,
        "BillingCurrency": fact.billing_currency.strip().upper(),
        "BillingPeriodEnd": _utc(fact.billing_period_end, fact, "billing_period_end"),
        "BillingPeriodStart": _utc(fact.billing_period_start, fact, "billing_period_start"),
        "ChargeCategory": charge_category,
        "ChargeClass": charge_class,
        "ChargeDescription": _charge_description(fact),
        "ChargeFrequency": _charge_frequency(fact, charge_category),
        "ChargePeriodEnd": _utc(fact.charge_period_end, fact, "charge_period_end"),
        "ChargePeriodStart": _utc(fact.charge_period_start, fact, "charge_period_start"),
        "CommitmentDiscountCategory": commitment_category,
        "CommitmentDiscountId": commitment_id,
        # AWS Reserved Instances and Savings Plans carry no display name.
        "CommitmentDiscountName": None,
        "CommitmentDiscountQuantity": commitment_quantity,
        "CommitmentDiscountStatus": commitment_status,
        "CommitmentDiscountType": commitment_type,
        "CommitmentDiscountUnit": commitment_unit,
        "ConsumedQuantity": consumed_quantity,
        "ConsumedUnit": consumed_unit,
        "ContractedCost": fact.contracted_cost,
        "EffectiveCost": fact.effective_cost,
        "InvoiceIssuerName": provider,
        "ListCost": fact.list_cost,
        "PricingCategory": None
        if is_tax
        else _pricing_category(fact, charge_category, correction, commitment_id),
        "PricingQuantity": pricing_quantity,
        "PricingUnit": pricing_unit,
        "ProviderName": provider,
        "PublisherName": provider,
        "RegionId": region_id,
        "RegionName": None if region_id is None else AWS_REGION_NAMES.get(region_id, region_id),
        "ResourceId": resource_id,
        "ResourceName": None if resource_id is None else _blank_to_none(fact.resource_name),
        "ResourceType": None if resource_id is None else _resource_type(fact, resource_id),
        "ServiceCategory": service_category,
        "ServiceName": exported_service_name(fact),
        "SkuId": None if is_tax else _blank_to_none(fact.sku_id),
        "SubAccountId": sub_account_id,
        "SubAccountName": None
        if sub_account_id is None
        else _blank_to_none(fact.sub_account_name) or sub_account_id,
        "Tags": tags_json(fact.tags),
        "x_SourceChargeType": _blank_to_none(fact.source_charge_type),
        "x_UsageType": _blank_to_none(fact.usage_type),
    }
    return row


def tags_json(tags: Mapping[str, Any] | None) -> str | None:
    """Tags as a JSON object string with flat values (KeyValueFormat); None when no tags.

    Nested values (objects, arrays) are not allowed in FOCUS Key-Value Format, so they are
    carried as their JSON text.
    """
    if not tags:
        return None
    flat: dict[str, Any] = {}
    for key, value in tags.items():
        if isinstance(value, dict | list):
            flat[str(key)] = json.dumps(value, sort_keys=True, ensure_ascii=False)
        else:
            flat[str(key)] = value
    return json.dumps(flat, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def format_focus_datetime(value: dt.datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SSZ`` (FOCUS Date/Time Format) for an aware datetime."""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --------------------------------------------------------------------------- helpers


def _invalid(fact: StoredFact, column: str, value: object, expected: str) -> InvalidInputError:
    return InvalidInputError(
        f"billing fact {fact.id}: column {column} has {value!r}; expected {expected}",
        details={"fact_id": fact.id, "column": column, "value": value, "expected": expected},
    )


def _blank_to_none(value: str | None) -> str | None:
    if value is None:
        return None
    stripped = value.strip()
    return stripped or None


def _utc(value: dt.datetime, fact: StoredFact, column: str) -> dt.datetime:
    if value.tzinfo is None:
        raise _invalid(fact, column, value.isoformat(), "a timezone-aware UTC timestamp")
    utc = value.astimezone(dt.UTC)
    if utc.microsecond:
        # FOCUS date/times have whole seconds; dropping a fraction would move a boundary.
        raise _invalid(fact, column, utc.isoformat(), "a timestamp with whole seconds")
    return utc


def _charge_category(fact: StoredFact) -> str:
    folded = fact.charge_category.strip().casefold()
    for allowed in CHARGE_CATEGORIES:
        if allowed.casefold() == folded:
            return allowed
    raise _invalid(fact, "charge_category", fact.charge_category, " | ".join(CHARGE_CATEGORIES))


def _charge_class(fact: StoredFact) -> str | None:
    value = _blank_to_none(fact.charge_class)
    if value is None or value.casefold() in ("regular", "normal", "none"):
        return None
    if value.casefold() == "correction":
        return "Correction"
    raise _invalid(fact, "charge_class", fact.charge_class, "null or 'Correction'")


def _charge_frequency(fact: StoredFact, charge_category: str) -> str:
    if charge_category == "Usage":
        return "Usage-Based"
    if charge_category == "Purchase":
        source = (fact.source_charge_type or "").strip().casefold()
        if source in _RECURRING_PURCHASE_TYPES or "recurring" in source:
            return "Recurring"
        return "One-Time"
    if charge_category == "Tax":
        # Tax is levied on every billing period's invoice.
        return "Recurring"
    return "One-Time"  # Credit, Adjustment


def _charge_description(fact: StoredFact) -> str:
    service = exported_service_name(fact)
    detail = _blank_to_none(fact.usage_type) or _blank_to_none(fact.source_charge_type)
    return f"{service} - {detail}" if detail else f"{service} {fact.charge_category.strip()}"


def _pricing_unit(fact: StoredFact) -> str:
    # A quantity without a unit is a count of items: FOCUS recommends "Units" for that.
    return _blank_to_none(fact.pricing_unit) or "Units"


def _pricing_category(
    fact: StoredFact, charge_category: str, correction: bool, commitment_id: str | None
) -> str | None:
    stored = _blank_to_none(fact.pricing_category)
    if stored is not None:
        folded = stored.casefold()
        for allowed in PRICING_CATEGORIES:
            if allowed.casefold() == folded:
                return allowed
        if folded in _PRICING_SYNONYMS:
            return _PRICING_SYNONYMS[folded]
        return "Other"
    if charge_category in ("Usage", "Purchase") and not correction:
        if charge_category == "Usage" and commitment_id is not None:
            return "Committed"
        return "Standard"
    return None


def _commitment_type(fact: StoredFact, commitment_id: str) -> str:
    stored = _blank_to_none(fact.commitment_discount_type)
    if stored is not None:
        return stored
    lowered = commitment_id.lower()
    if "savingsplan" in lowered:
        return "Savings Plan"
    if "reserved" in lowered or "reservation" in lowered:
        return "Reserved Instance"
    category = _blank_to_none(fact.commitment_discount_category)
    if category is not None and category.casefold() == "spend":
        return "Savings Plan"
    if category is not None and category.casefold() == "usage":
        return "Reserved Instance"
    raise _invalid(
        fact,
        "commitment_discount_type",
        None,
        "a commitment type, or a commitment id / category it can be derived from",
    )


def _commitment_category(fact: StoredFact, commitment_type: str) -> str:
    stored = _blank_to_none(fact.commitment_discount_category)
    if stored is not None:
        for allowed in COMMITMENT_CATEGORIES:
            if allowed.casefold() == stored.casefold():
                return allowed
        raise _invalid(
            fact, "commitment_discount_category", stored, " | ".join(COMMITMENT_CATEGORIES)
        )
    lowered = commitment_type.casefold()
    if "savings" in lowered:
        return "Spend"
    if "reserv" in lowered:
        return "Usage"
    raise _invalid(fact, "commitment_discount_category", None, "Spend | Usage")


def _commitment_status(fact: StoredFact, commitment_id: str) -> str:
    source = (fact.source_charge_type or "").casefold()
    # FOCUS puts the commitment id in ResourceId on the rows for its unused portion.
    if "unused" in source or (fact.resource_id or "").strip() == commitment_id:
        return "Unused"
    return "Used"


def _commitment_quantity(
    fact: StoredFact, charge_category: str, commitment_category: str
) -> tuple[Decimal | None, str | None]:
    if commitment_category == "Spend":
        # A spend commitment is measured in money: what this row draws from (usage) or
        # buys for the charge period (purchase).
        amount = fact.effective_cost if charge_category == "Usage" else fact.billed_cost
        return abs(amount), fact.billing_currency.strip().upper()
    if fact.pricing_quantity is None:
        return None, None
    return abs(fact.pricing_quantity), _pricing_unit(fact)


def _resource_type(fact: StoredFact, resource_id: str) -> str:
    stored = _blank_to_none(fact.resource_type)
    if stored is not None:
        return stored
    match = _ARN.match(resource_id)
    if match:
        rest = match.group("rest")
        kind = re.split(r"[/:]", rest, maxsplit=1)[0]
        if kind and kind != rest:
            return kind
        return match.group("service")
    for prefix, kind in _RESOURCE_ID_PREFIXES:
        if resource_id.startswith(prefix):
            return kind
    return exported_service_name(fact)
