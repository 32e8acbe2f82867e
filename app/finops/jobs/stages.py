"""The built-in batch stages, each a thin call into its capability.

Capabilities are imported inside each stage so that listing or running one stage never loads
the others (forecasting pulls in Prophet, for instance). Importing this module registers them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from finops.core.errors import InvalidInputError
from finops.db.database import Database
from finops.jobs.parameters import (
    AsOfParameters,
    CollectInventoryParameters,
    CollectUsageParameters,
    DetectAnomaliesParameters,
    ForecastParameters,
    IngestBillingParameters,
    IngestUsageParameters,
    LoadSparkScansParameters,
    PlanSparkScansParameters,
    RightsizeParameters,
    SparkScanParameters,
    SyncBillingBucketParameters,
)
from finops.jobs.registry import register


@register(
    "ingest_billing",
    "Ingest billing files (CUR, CUR 2.0, FOCUS) into cost facts",
    IngestBillingParameters,
    key_parameter="paths",
)
def ingest_billing(*, db: Database, params: IngestBillingParameters) -> dict[str, Any]:
    """Ingest every delivery under ``paths``; counts per outcome status and rows."""
    from finops.ingest.service import ingest_paths

    if not params.paths:
        raise InvalidInputError(
            "ingest_billing needs at least one path", details={"parameter": "paths"}
        )
    outcomes = ingest_paths(db=db, paths=[Path(p) for p in params.paths], trigger=params.trigger)
    by_status: dict[str, int] = {}
    for outcome in outcomes:
        by_status[outcome.status] = by_status.get(outcome.status, 0) + 1
    errors = [o.error for o in outcomes if o.error]
    return {
        "deliveries": len(outcomes),
        **by_status,
        "rows_read": sum(o.rows_read for o in outcomes),
        "rows_written": sum(o.rows_written for o in outcomes),
        "error": "; ".join(e for e in errors if e) or None,
    }


@register(
    "ingest_usage",
    "Load CloudWatch-shaped utilization files into usage metrics",
    IngestUsageParameters,
    key_parameter="path",
)
def ingest_usage(*, db: Database, params: IngestUsageParameters) -> dict[str, Any]:
    """Load one usage file or every file of a folder; what was read and its day range."""
    from finops.usage import load_usage_dir, load_usage_file

    target = Path(params.path)
    if not target.exists():
        raise InvalidInputError(f"{target}: no such file or folder", details={"parameter": "path"})
    result = (
        load_usage_dir(db=db, path=target)
        if target.is_dir()
        else load_usage_file(db=db, path=target)
    )
    return {
        "files": len(result.paths),
        "rows_read": result.rows_read,
        "daily_rows": result.daily_rows,
        "resources": len(result.resource_ids),
        "first_day": result.first_day.isoformat() if result.first_day else None,
        "last_day": result.last_day.isoformat() if result.last_day else None,
        "metrics": list(result.metrics),
    }


@register(
    "sync_billing_bucket",
    "Ingest billing files in the S3 bucket that no event brought (catch-up sweep)",
    SyncBillingBucketParameters,
    key_parameter="bucket",
)
def sync_billing_bucket(*, db: Database, params: SyncBillingBucketParameters) -> dict[str, Any]:
    """The catch-up sweep of the billing bucket (:mod:`finops.ingest.bucket_sweep`)."""
    from finops.ingest.bucket_sweep import sync_billing_bucket as sweep

    return sweep(db=db, bucket=params.bucket, prefix=params.prefix)


@register(
    "plan_spark_scans",
    "Plan a Spark scan for each large billing delivery in the S3 bucket not yet ingested",
    PlanSparkScansParameters,
    key_parameter="bucket",
)
def plan_spark_scans(*, db: Database, params: PlanSparkScansParameters) -> dict[str, Any]:
    """The scans to run (:func:`finops.ingest.spark_scans.plan_spark_scans`); none when the
    Spark path is off (no scan URI)."""
    from finops.config import get_settings
    from finops.ingest.spark_scans import plan_spark_scans as plan

    settings = get_settings()
    scan_uri = params.scan_uri or settings.spark_scan_uri
    if not scan_uri:
        return {"planned": 0, "scans": [], "spark_path": "off"}
    return plan(
        db=db,
        bucket=params.bucket,
        prefix=params.prefix,
        scan_uri=scan_uri,
        spark_min_bytes=params.spark_min_bytes or settings.ingest_spark_min_bytes,
    )


@register(
    "scan_with_spark",
    "Run one planned Spark scan on local Spark (EMR Serverless runs it in AWS)",
    SparkScanParameters,
    key_parameter="out",
)
def scan_with_spark(*, db: Database, params: SparkScanParameters) -> dict[str, Any]:
    """The scan planned in ``out``, run in this process on local Spark
    (:func:`finops.ingest.spark_scans.run_spark_scan`)."""
    del db  # the scan writes S3 only; the load step writes the database
    from finops.config import get_settings
    from finops.ingest.spark_scans import run_spark_scan

    return run_spark_scan(out=params.out, master=get_settings().ingest_spark_master)


@register(
    "load_spark_scans",
    "Load the facts of every finished Spark scan into cost facts (restatement-safe)",
    LoadSparkScansParameters,
    key_parameter="scan_uri",
)
def load_spark_scans(*, db: Database, params: LoadSparkScansParameters) -> dict[str, Any]:
    """Every scanned, not yet loaded scan (:func:`finops.ingest.spark_scans.load_spark_scans`)."""
    from finops.config import get_settings
    from finops.ingest.spark_scans import load_spark_scans as load

    scan_uri = params.scan_uri or get_settings().spark_scan_uri
    if not scan_uri:
        return {"scans": 0, "spark_path": "off"}
    return load(db=db, scan_uri=scan_uri)


@register(
    "collect_inventory",
    "Inventory EC2, ECS, EKS and Lambda resources (type, size, tags) from AWS",
    CollectInventoryParameters,
)
def collect_inventory(*, db: Database, params: CollectInventoryParameters) -> dict[str, Any]:
    """Resources of every region read from AWS and upserted (:mod:`finops.inventory`)."""
    from finops.inventory.collect import collect_inventory as collect

    return collect(db=db, regions=params.regions, page_size=params.page_size)


@register(
    "collect_usage",
    "Daily utilization percentiles per resource from CloudWatch GetMetricData",
    CollectUsageParameters,
    key_parameter="start",
)
def collect_usage(*, db: Database, params: CollectUsageParameters) -> dict[str, Any]:
    """Daily utilization of the inventoried resources over ``[start, end)``."""
    from finops.usage.cloudwatch import collect_usage as collect

    return collect(
        db=db,
        start=params.start,
        end=params.end,
        regions=params.regions,
        period_seconds=params.period_seconds,
    )


@register(
    "remediate",
    "Plan every enabled remediation policy; execute allow-listed auto-mode actions",
    AsOfParameters,
    key_parameter="as_of",
)
def remediate(*, db: Database, params: AsOfParameters) -> dict[str, Any]:
    """Every enabled policy planned; auto-mode, allow-listed actions executed."""
    from finops.remediation import run_policies

    return run_policies(db=db, as_of=params.as_of)


@register(
    "evaluate_budgets",
    "Raise budget alerts on actual and forecast spend; deliver them",
    AsOfParameters,
    key_parameter="as_of",
)
def evaluate_budgets(*, db: Database, params: AsOfParameters) -> dict[str, Any]:
    """Budget alerts raised once per threshold and period, then delivered."""
    from finops.budgets import evaluate_budgets as evaluate

    return evaluate(db=db, as_of=params.as_of)


@register(
    "build_insights",
    "Daily insights: top movers, new services, waste, budget risk",
    AsOfParameters,
    key_parameter="as_of",
)
def build_insights(*, db: Database, params: AsOfParameters) -> dict[str, Any]:
    """The day's insights, replacing that day's previous ones."""
    from finops.insights import build_insights as build

    return build(db=db, as_of=params.as_of)


@register(
    "rightsize",
    "Rightsizing and idle recommendations from usage and the catalogue",
    RightsizeParameters,
    key_parameter="as_of",
)
def rightsize(*, db: Database, params: RightsizeParameters) -> dict[str, Any]:
    """Recommendations from the last ``lookback_days`` of usage, priced from the catalogue."""
    from finops.rightsizing import rightsize as recommend

    return recommend(db=db, as_of=params.as_of, lookback_days=params.lookback_days)


@register(
    "track_savings",
    "Accrue realized savings of applied recommendations from bills",
    AsOfParameters,
    key_parameter="as_of",
)
def track_savings(*, db: Database, params: AsOfParameters) -> dict[str, Any]:
    """Realized savings accrued day by day from the bills after each apply."""
    from finops.savings import track_savings as track

    return track(db=db, as_of=params.as_of)


@register(
    "detect_cost_anomalies",
    "Cost anomalies per scope with root cause",
    DetectAnomaliesParameters,
    key_parameter="as_of",
)
def detect_cost_anomalies(*, db: Database, params: DetectAnomaliesParameters) -> dict[str, Any]:
    """Anomalies per scope over the last ``lookback_days`` (holidays from the settings)."""
    from finops.anomalies import detect_cost_anomalies as detect
    from finops.config import get_settings

    return detect(
        db=db,
        as_of=params.as_of,
        lookback_days=params.lookback_days,
        holiday_country=get_settings().holiday_country or None,
    )


@register(
    "forecast_costs",
    "Cost forecasts per scope with backtested model choice",
    ForecastParameters,
    key_parameter="as_of",
)
def forecast_costs(*, db: Database, params: ForecastParameters) -> dict[str, Any]:
    """Forecasts per scope, the model picked by rolling-origin backtest (public holidays of the
    settings' ``holiday_country`` from three years before ``as_of`` to the end of the horizon)."""
    import datetime as dt

    from finops.anomalies.calendar import holiday_days
    from finops.config import get_settings
    from finops.forecasting import forecast_costs as forecast

    day = params.as_of or dt.datetime.now(dt.UTC).date()
    days = holiday_days(
        day - dt.timedelta(days=1100),
        day + dt.timedelta(days=params.horizon_days + 400),
        get_settings().holiday_country or None,
    )
    return forecast(db=db, as_of=params.as_of, horizon_days=params.horizon_days, holidays=days)
