"""SQLAlchemy 2.0 typed models: the system of record (DESIGN.md §3).

Conventions: money is :class:`~finops.db.types.Money` (exact), time is
:class:`~finops.db.types.UTCDateTime` (UTC), periods are half-open ``[start, end)``, free-form
attributes are JSON (JSONB on PostgreSQL). Cost facts are FOCUS-shaped and keep their
billing currency; nothing here adds two currencies together.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    Boolean,
    Connection,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from finops.db.types import JSONDocument, Money, UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit key.
BigId = BigInteger().with_variant(Integer(), "sqlite")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# --------------------------------------------------------------------------- identity & access


class User(Base):
    """A person who uses the platform (owner of API keys, approver of actions)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16), default="viewer")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=_now)
    disabled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class ApiKey(Base):
    """An API key; only its SHA-256 digest is stored, never the key itself."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    prefix: Mapped[str] = mapped_column(String(16), index=True)
    key_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=_now)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


# --------------------------------------------------------------------------- inventory


class Account(Base):
    """A billing or usage account (AWS account, Azure subscription, ...)."""

    __tablename__ = "accounts"
    __table_args__ = (UniqueConstraint("provider", "account_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    provider: Mapped[str] = mapped_column(String(64))
    account_id: Mapped[str] = mapped_column(String(128))
    name: Mapped[str | None] = mapped_column(String(256))
    billing_account_id: Mapped[str | None] = mapped_column(String(128))
    first_seen: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=_now)
    last_seen: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=_now)


class Resource(Base):
    """A billed or inventoried resource, with its latest known attributes and tags."""

    __tablename__ = "resources"
    __table_args__ = (UniqueConstraint("provider", "resource_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    provider: Mapped[str] = mapped_column(String(64))
    resource_id: Mapped[str] = mapped_column(String(1024))
    resource_type: Mapped[str | None] = mapped_column(String(128))
    service_name: Mapped[str | None] = mapped_column(String(256))
    account_id: Mapped[str | None] = mapped_column(String(128), index=True)
    region_id: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(String(512))
    instance_type: Mapped[str | None] = mapped_column(String(64))
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    tags: Mapped[dict[str, str]] = mapped_column(JSONDocument, default=dict)
    first_seen: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=_now)
    last_seen: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=_now)


# --------------------------------------------------------------------------- ingestion


class IngestionRun(Base):
    """One delivery being ingested: a single file, or every file a CUR manifest lists."""

    __tablename__ = "ingestion_runs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    source: Mapped[str] = mapped_column(String(1024))
    trigger: Mapped[str] = mapped_column(String(32), default="cli")
    status: Mapped[str] = mapped_column(String(16), default="running")
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=_now)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    rows_read: Mapped[int] = mapped_column(BigInteger, default=0)
    rows_written: Mapped[int] = mapped_column(BigInteger, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)


class IngestionFile(Base):
    """One billing file as seen by one ingestion run, with what came of it."""

    __tablename__ = "ingestion_files"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("ingestion_runs.id"), index=True)
    key: Mapped[str] = mapped_column(String(1024))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    detected_format: Mapped[str | None] = mapped_column(String(32))
    billing_period_start: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    billing_period_end: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    rows_read: Mapped[int] = mapped_column(BigInteger, default=0)
    rows_written: Mapped[int] = mapped_column(BigInteger, default=0)
    cost_totals: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="running")
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=_now)


class BillingPeriodDelivery(Base):
    """Which run currently owns a billing period of a billing account (restatement control)."""

    __tablename__ = "billing_period_deliveries"
    __table_args__ = (UniqueConstraint("provider", "billing_account_id", "billing_period_start"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    provider: Mapped[str] = mapped_column(String(64))
    billing_account_id: Mapped[str] = mapped_column(String(128))
    billing_period_start: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    billing_period_end: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    run_id: Mapped[int] = mapped_column(ForeignKey("ingestion_runs.id"))
    delivered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=_now)


class BillingFact(Base):
    """Daily, FOCUS-shaped cost fact (DESIGN.md §3 grain).

    One row per (charge day, provider, billing account, sub account, service, region, resource,
    usage type, charge category, pricing category, commitment, currency, tags) and source file.
    Costs are exact and in ``billing_currency``; credits and refunds are negative.
    """

    __tablename__ = "billing_facts"
    __table_args__ = (
        Index(
            "ix_billing_facts_period_scope",
            "provider",
            "billing_account_id",
            "billing_period_start",
        ),
        Index("ix_billing_facts_charge_day", "charge_period_start"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ingestion_file_id: Mapped[int] = mapped_column(ForeignKey("ingestion_files.id"), index=True)
    provider: Mapped[str] = mapped_column(String(64))
    billing_account_id: Mapped[str] = mapped_column(String(128))
    billing_period_start: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    billing_period_end: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    charge_period_start: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    charge_period_end: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    sub_account_id: Mapped[str | None] = mapped_column(String(128))
    charge_category: Mapped[str] = mapped_column(String(32))
    charge_class: Mapped[str | None] = mapped_column(String(32))
    source_charge_type: Mapped[str | None] = mapped_column(String(64))
    service_name: Mapped[str | None] = mapped_column(String(256))
    service_category: Mapped[str | None] = mapped_column(String(64))
    region_id: Mapped[str | None] = mapped_column(String(64))
    resource_id: Mapped[str | None] = mapped_column(String(1024))
    resource_type: Mapped[str | None] = mapped_column(String(128))
    usage_type: Mapped[str | None] = mapped_column(String(256))
    sku_id: Mapped[str | None] = mapped_column(String(128))
    pricing_category: Mapped[str | None] = mapped_column(String(32))
    pricing_unit: Mapped[str | None] = mapped_column(String(64))
    commitment_discount_id: Mapped[str | None] = mapped_column(String(512))
    commitment_discount_type: Mapped[str | None] = mapped_column(String(64))
    commitment_discount_category: Mapped[str | None] = mapped_column(String(16))
    billing_currency: Mapped[str] = mapped_column(String(3))
    consumed_quantity: Mapped[Decimal | None] = mapped_column(Money())
    pricing_quantity: Mapped[Decimal | None] = mapped_column(Money())
    billed_cost: Mapped[Decimal] = mapped_column(Money())
    effective_cost: Mapped[Decimal] = mapped_column(Money())
    list_cost: Mapped[Decimal] = mapped_column(Money())
    contracted_cost: Mapped[Decimal] = mapped_column(Money())
    tags: Mapped[dict[str, str]] = mapped_column(JSONDocument, default=dict)
    line_items: Mapped[int] = mapped_column(Integer, default=1)


class _DailyCostRollup:
    """Columns every daily cost roll-up shares: the restatement scope (provider, billing
    account, billing period), the facts' ``charge_period_start`` (a UTC midnight: facts are
    daily), charge category and currency, the four cost metrics summed exactly, and how many
    line items and facts they sum. Maintained only by
    :mod:`finops.db.rollups` (ingest and rebuild) and the ingest's COPY of the same sums, in
    the transaction that writes the facts."""

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    provider: Mapped[str] = mapped_column(String(64))
    billing_account_id: Mapped[str] = mapped_column(String(128))
    billing_period_start: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    charge_period_start: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    charge_category: Mapped[str] = mapped_column(String(32))
    billing_currency: Mapped[str] = mapped_column(String(3))
    billed_cost: Mapped[Decimal] = mapped_column(Money())
    effective_cost: Mapped[Decimal] = mapped_column(Money())
    list_cost: Mapped[Decimal] = mapped_column(Money())
    contracted_cost: Mapped[Decimal] = mapped_column(Money())
    line_items: Mapped[int] = mapped_column(BigInteger)
    fact_count: Mapped[int] = mapped_column(BigInteger)


def _rollup_indexes(table: str) -> tuple[Index, Index]:
    return (
        Index(f"ix_{table}_scope", "provider", "billing_account_id", "billing_period_start"),
        Index(f"ix_{table}_charge_day", "charge_period_start"),
    )


class CostRollupDaily(_DailyCostRollup, Base):
    """Daily cost by scope x account x service x region x charge and pricing category x
    currency: every named dimension but resource, usage type and tags."""

    __tablename__ = "cost_rollup_daily"
    __table_args__ = _rollup_indexes("cost_rollup_daily")

    sub_account_id: Mapped[str | None] = mapped_column(String(128))
    service_name: Mapped[str | None] = mapped_column(String(256))
    service_category: Mapped[str | None] = mapped_column(String(64))
    region_id: Mapped[str | None] = mapped_column(String(64))
    pricing_category: Mapped[str | None] = mapped_column(String(32))


class CostRollupDailyService(_DailyCostRollup, Base):
    """Daily cost by scope x service x charge category x currency (the Overview's trend)."""

    __tablename__ = "cost_rollup_daily_service"
    __table_args__ = _rollup_indexes("cost_rollup_daily_service")

    service_name: Mapped[str | None] = mapped_column(String(256))
    service_category: Mapped[str | None] = mapped_column(String(64))


class CostRollupDailyAccount(_DailyCostRollup, Base):
    """Daily cost by scope x (sub) account x charge category x currency (budgets, forecasts)."""

    __tablename__ = "cost_rollup_daily_account"
    __table_args__ = _rollup_indexes("cost_rollup_daily_account")

    sub_account_id: Mapped[str | None] = mapped_column(String(128))


class ExchangeRate(Base):
    """A dated currency conversion rate; a converted total names the rate it used."""

    __tablename__ = "exchange_rates"
    __table_args__ = (UniqueConstraint("rate_date", "from_currency", "to_currency"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    rate_date: Mapped[dt.date] = mapped_column(Date)
    from_currency: Mapped[str] = mapped_column(String(3))
    to_currency: Mapped[str] = mapped_column(String(3))
    rate: Mapped[Decimal] = mapped_column(Money())
    source: Mapped[str] = mapped_column(String(256))


class UsageMetric(Base):
    """Per-resource daily utilization statistics (CloudWatch-shaped)."""

    __tablename__ = "usage_metrics"
    __table_args__ = (UniqueConstraint("provider", "resource_id", "metric_name", "day"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    provider: Mapped[str] = mapped_column(String(64), default="AWS")
    resource_id: Mapped[str] = mapped_column(String(1024))
    metric_name: Mapped[str] = mapped_column(String(128))
    unit: Mapped[str | None] = mapped_column(String(32))
    day: Mapped[dt.date] = mapped_column(Date)
    samples: Mapped[int] = mapped_column(Integer)
    avg: Mapped[Decimal | None] = mapped_column(Money())
    p50: Mapped[Decimal | None] = mapped_column(Money())
    p95: Mapped[Decimal | None] = mapped_column(Money())
    p99_5: Mapped[Decimal | None] = mapped_column(Money())
    max: Mapped[Decimal | None] = mapped_column(Money())
    source: Mapped[str] = mapped_column(String(64), default="cloudwatch")


class PriceCatalogueEntry(Base):
    """A unit price from the catalogue (EC2 instance hours, Lambda GB-s, Fargate vCPU-h...)."""

    __tablename__ = "price_catalogue"
    __table_args__ = (
        UniqueConstraint(
            "provider", "service", "sku", "region_id", "operating_system", "effective_date"
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    provider: Mapped[str] = mapped_column(String(64), default="AWS")
    service: Mapped[str] = mapped_column(String(64))
    sku: Mapped[str] = mapped_column(String(128))
    region_id: Mapped[str] = mapped_column(String(64))
    operating_system: Mapped[str] = mapped_column(String(32), default="Linux")
    unit: Mapped[str] = mapped_column(String(32))
    price: Mapped[Decimal] = mapped_column(Money())
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    effective_date: Mapped[dt.date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(256))


# --------------------------------------------------------------------------- jobs & audit


class JobRun(Base):
    """A recorded run of a batch stage (name, key, parameters, status, counts, error)."""

    __tablename__ = "job_runs"
    __table_args__ = (Index("ix_job_runs_name_key", "job_name", "job_key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    job_name: Mapped[str] = mapped_column(String(64))
    job_key: Mapped[str] = mapped_column(String(256))
    parameters: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="running")
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=_now)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    counts: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    triggered_by: Mapped[str] = mapped_column(String(128), default="cli")


class AuditRecord(Base):
    """Append-only audit log: who or which job did what, when, before -> after."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=_now, index=True)
    actor: Mapped[str] = mapped_column(String(256))
    action: Mapped[str] = mapped_column(String(64))
    entity_type: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(256))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)
    details: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)


# --------------------------------------------------------------------------- analytics


class Anomaly(Base):
    """A detected cost anomaly with its impact and root cause."""

    __tablename__ = "anomalies"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    scope_type: Mapped[str] = mapped_column(String(64))
    scope_key: Mapped[str] = mapped_column(String(512))
    billing_currency: Mapped[str] = mapped_column(String(3))
    start_day: Mapped[dt.date] = mapped_column(Date)
    end_day: Mapped[dt.date] = mapped_column(Date)
    expected_cost: Mapped[Decimal] = mapped_column(Money())
    actual_cost: Mapped[Decimal] = mapped_column(Money())
    impact: Mapped[Decimal] = mapped_column(Money())
    impact_percent: Mapped[Decimal | None] = mapped_column(Money())
    severity: Mapped[str] = mapped_column(String(16))
    score: Mapped[Decimal] = mapped_column(Money())
    status: Mapped[str] = mapped_column(String(24), default="open")
    root_cause: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument, default=list)
    detected_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=_now)
    job_run_id: Mapped[int | None] = mapped_column(ForeignKey("job_runs.id"))


class Recommendation(Base):
    """A rightsizing or idle-shutdown recommendation with its evidence and saving."""

    __tablename__ = "recommendations"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    provider: Mapped[str] = mapped_column(String(64), default="AWS")
    resource_id: Mapped[str] = mapped_column(String(1024), index=True)
    account_id: Mapped[str | None] = mapped_column(String(128))
    region_id: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    current_config: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    recommended_config: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    billing_currency: Mapped[str] = mapped_column(String(3), default="USD")
    estimated_monthly_saving: Mapped[Decimal] = mapped_column(Money())
    performance_risk: Mapped[str | None] = mapped_column(String(16))
    evidence: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=_now)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=_now)
    applied_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    job_run_id: Mapped[int | None] = mapped_column(ForeignKey("job_runs.id"))


class ForecastRun(Base):
    """A forecasting run for one scope: the model chosen and its backtest scores."""

    __tablename__ = "forecast_runs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    scope_type: Mapped[str] = mapped_column(String(64))
    scope_key: Mapped[str] = mapped_column(String(512))
    billing_currency: Mapped[str] = mapped_column(String(3))
    model: Mapped[str] = mapped_column(String(32))
    trained_until: Mapped[dt.date] = mapped_column(Date)
    horizon_days: Mapped[int] = mapped_column(Integer)
    backtest: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=_now)
    job_run_id: Mapped[int | None] = mapped_column(ForeignKey("job_runs.id"))


class ForecastPoint(Base):
    """One forecast day with its 80% and 95% intervals."""

    __tablename__ = "forecasts"
    __table_args__ = (UniqueConstraint("forecast_run_id", "day"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    forecast_run_id: Mapped[int] = mapped_column(ForeignKey("forecast_runs.id"), index=True)
    day: Mapped[dt.date] = mapped_column(Date)
    yhat: Mapped[Decimal] = mapped_column(Money())
    lower_80: Mapped[Decimal] = mapped_column(Money())
    upper_80: Mapped[Decimal] = mapped_column(Money())
    lower_95: Mapped[Decimal] = mapped_column(Money())
    upper_95: Mapped[Decimal] = mapped_column(Money())


class SavingsEntry(Base):
    """Savings ledger: estimated vs realized saving of an applied recommendation, per day."""

    __tablename__ = "savings_ledger"
    __table_args__ = (UniqueConstraint("recommendation_id", "day"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(ForeignKey("recommendations.id"))
    day: Mapped[dt.date] = mapped_column(Date)
    billing_currency: Mapped[str] = mapped_column(String(3))
    baseline_daily_cost: Mapped[Decimal] = mapped_column(Money())
    actual_daily_cost: Mapped[Decimal | None] = mapped_column(Money())
    estimated_saving: Mapped[Decimal] = mapped_column(Money())
    realized_saving: Mapped[Decimal | None] = mapped_column(Money())
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=_now)


class SavingsBaseline(Base):
    """What an applied recommendation is measured against: the resource's recent daily effective
    cost before the change (``[baseline_start, baseline_end)``) and the estimate at apply time."""

    __tablename__ = "savings_baselines"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(ForeignKey("recommendations.id"), unique=True)
    resource_id: Mapped[str] = mapped_column(String(1024))
    account_id: Mapped[str | None] = mapped_column(String(128))
    applied_on: Mapped[dt.date] = mapped_column(Date)
    baseline_start: Mapped[dt.date] = mapped_column(Date)
    baseline_end: Mapped[dt.date] = mapped_column(Date)
    baseline_days: Mapped[int] = mapped_column(Integer)
    billing_currency: Mapped[str] = mapped_column(String(3))
    baseline_daily_cost: Mapped[Decimal] = mapped_column(Money())
    estimated_monthly_saving: Mapped[Decimal] = mapped_column(Money())
    estimated_daily_saving: Mapped[Decimal] = mapped_column(Money())
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=_now)


class Budget(Base):
    """A budget on a scope with thresholds on actual and forecast spend."""

    __tablename__ = "budgets"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    scope_type: Mapped[str] = mapped_column(String(64))
    scope_key: Mapped[str | None] = mapped_column(String(512))
    period: Mapped[str] = mapped_column(String(16), default="monthly")
    amount: Mapped[Decimal] = mapped_column(Money())
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    metric: Mapped[str] = mapped_column(String(16), default="effective")
    thresholds: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument, default=list)
    webhook_secret_name: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=_now)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=_now)


class BudgetAlert(Base):
    """An alert raised once per budget, threshold and period."""

    __tablename__ = "budget_alerts"
    __table_args__ = (
        UniqueConstraint("budget_id", "period_start", "threshold_kind", "threshold_percent"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    budget_id: Mapped[int] = mapped_column(ForeignKey("budgets.id"))
    period_start: Mapped[dt.date] = mapped_column(Date)
    threshold_kind: Mapped[str] = mapped_column(String(16))
    threshold_percent: Mapped[Decimal] = mapped_column(Money())
    amount_at_alert: Mapped[Decimal] = mapped_column(Money())
    raised_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=_now)
    delivery_status: Mapped[str] = mapped_column(String(16), default="pending")
    delivery_attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


class RemediationPolicy(Base):
    """A declarative remediation policy (filter + action + mode), schema-validated."""

    __tablename__ = "remediation_policies"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    definition: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    mode: Mapped[str] = mapped_column(String(16), default="dry-run")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=_now)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=_now)


class RemediationAction(Base):
    """One remediation action of a policy run: the plan (current -> desired, expected saving),
    the decision (approved, rejected, refused with its reason), execution and verification, and
    the original state a rollback restores. Lifecycle: :mod:`finops.remediation.lifecycle`."""

    __tablename__ = "remediation_actions"
    __table_args__ = (Index("ix_remediation_actions_policy_resource", "policy_id", "resource_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    policy_id: Mapped[int | None] = mapped_column(ForeignKey("remediation_policies.id"))
    recommendation_id: Mapped[int | None] = mapped_column(ForeignKey("recommendations.id"))
    resource_id: Mapped[str] = mapped_column(String(1024))
    action: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="planned", index=True)
    plan: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    rollback: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)
    requested_by: Mapped[str] = mapped_column(String(256))
    approved_by: Mapped[str | None] = mapped_column(String(256))
    expected_monthly_saving: Mapped[Decimal | None] = mapped_column(Money())
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=_now)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=_now)
    run_id: Mapped[str | None] = mapped_column(String(64), index=True)
    mode: Mapped[str] = mapped_column(String(16), default="dry-run")
    resource_type: Mapped[str | None] = mapped_column(String(64))
    account_id: Mapped[str | None] = mapped_column(String(128))
    region_id: Mapped[str | None] = mapped_column(String(64))
    billing_currency: Mapped[str | None] = mapped_column(String(3))
    reason: Mapped[str | None] = mapped_column(Text)
    rejected_by: Mapped[str | None] = mapped_column(String(256))
    executed_by: Mapped[str | None] = mapped_column(String(256))
    rolled_back_by: Mapped[str | None] = mapped_column(String(256))
    executed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    verified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    rolled_back_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class Insight(Base):
    """A stored daily insight (top movers, new services, waste, budget risk) with its data."""

    __tablename__ = "insights"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, index=True)
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(512))
    data: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=_now)


class AIQueryLog(Base):
    """A plain-language question, the validated plan and the query that answered it."""

    __tablename__ = "ai_query_log"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    asked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=_now)
    asked_by: Mapped[str] = mapped_column(String(256))
    question: Mapped[str] = mapped_column(Text)
    plan: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)
    query_text: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)


def table_of(model: type[Base]) -> Table:
    """The Core ``Table`` of a mapped class (typed, for bulk statements)."""
    return cast(Table, model.__table__)


@event.listens_for(BillingFact, "before_insert")
def _ensure_fact_partition(_mapper: Any, connection: Connection, target: BillingFact) -> None:
    """A fact written through the ORM (not the ingest's COPY, which prepares its partitions)
    gets its month and billing-account partition on a partitioned PostgreSQL table."""
    from finops.db.partitions import ensure_partitions

    ensure_partitions(connection, [target])
