"""``generate_sample``: deterministic AWS billing files, utilization series and ground truth."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import numpy as np

from finops.core.errors import InvalidInputError
from finops.devtools.sample import prices
from finops.devtools.sample.changes import change_labels, plant_applied_changes
from finops.devtools.sample.fixedpoint import units_to_decimal
from finops.devtools.sample.line_columns import MonthContext, line_item_ids
from finops.devtools.sample.metrics import write_month_metrics
from finops.devtools.sample.population import Estate, Month, add_fleet, build_estate, month_calendar
from finops.devtools.sample.renderer import BillingRenderer
from finops.devtools.sample.rows import Lines, Vocabulary
from finops.devtools.sample.writers import FORMATS, MonthWriter, SampleFormat

logger = logging.getLogger(__name__)

DEFAULT_PART_LINES = 1_000_000
CURRENCY = "USD"


@dataclass(frozen=True)
class CostTotals:
    """Exact sums over every line written in one currency."""

    billed: Decimal
    effective: Decimal
    list: Decimal


@dataclass
class SampleResult:
    """What ``generate_sample`` wrote.

    ``totals`` holds, per currency, the exact billed (unblended), effective and list cost of
    every line written, computed from the same integers that were written.
    """

    fmt: SampleFormat
    out_dir: Path
    billing_files: list[Path]
    manifests: list[Path]
    usage_files: list[Path]
    labels_path: Path
    line_count: int
    lines_per_month: dict[str, int]
    totals: dict[str, CostTotals]
    fleet_instances: int = 0
    months: list[str] = field(default_factory=list)

    @property
    def files(self) -> list[Path]:
        return [*self.billing_files, *self.manifests, *self.usage_files, self.labels_path]


class _Accumulator:
    def __init__(self) -> None:
        self.billed = 0
        self.effective = 0
        self.list = 0

    def add(self, lines: Lines) -> None:
        # Python ints: exact however many lines are summed
        self.billed += int(np.asarray(lines["unblended"], dtype=np.int64).sum(dtype=np.int64))
        self.effective += int(np.asarray(lines["effective"], dtype=np.int64).sum(dtype=np.int64))
        self.list += int(np.asarray(lines["public_cost"], dtype=np.int64).sum(dtype=np.int64))

    def totals(self) -> CostTotals:
        return CostTotals(
            units_to_decimal(self.billed),
            units_to_decimal(self.effective),
            units_to_decimal(self.list),
        )


def _add_taxable(taxable: dict[tuple[int, int], int], lines: Lines, vocab: Vocabulary) -> None:
    types = np.asarray(lines["line_type"])
    skip = np.isin(types, [vocab.id(t) for t in ("Credit", "Refund", "Tax")])
    account = np.asarray(lines["account"], dtype=np.int64)[~skip]
    product = np.asarray(lines["product_code"], dtype=np.int64)[~skip]
    cost = np.asarray(lines["unblended"], dtype=np.int64)[~skip]
    if cost.size == 0:
        return
    keys = account * (1 << 32) + product
    uniq, inverse = np.unique(keys, return_inverse=True)
    sums = np.zeros(len(uniq), dtype=np.int64)
    np.add.at(sums, inverse, cost)
    for key, total in zip(uniq.tolist(), sums.tolist(), strict=True):
        pair = (key >> 32, key & 0xFFFFFFFF)
        taxable[pair] = taxable.get(pair, 0) + total


def generate_sample(
    *,
    out_dir: Path,
    months: int = 3,
    accounts: int = 3,
    seed: int = 7,
    lines: int | None = None,
    fmt: SampleFormat = "cur2",
    end: dt.date | None = None,
    progress: Callable[[int, int], None] | None = None,
    part_lines: int = DEFAULT_PART_LINES,
    applied_changes: bool = False,
) -> SampleResult:
    """Write a deterministic AWS billing sample under ``out_dir``.

    Guarantees: the same arguments give byte-identical files; every format carries the same
    logical line items and therefore the same exact totals; costs are exact decimals (10
    decimal places, ``cost = rate x amount`` rounded half-up); ``labels.json`` describes the
    injected anomalies, idle and oversized resources and the commitments, and agrees with the
    files. Billing files go to ``billing/<fmt>/<YYYY-MM>/`` (several parts plus a manifest when
    a month exceeds ``part_lines``), utilization to ``usage/metrics-<YYYY-MM>.csv.gz``.
    Memory stays bounded: lines are generated and written in batches.

    ``lines`` adds hourly-billed on-demand EC2 instances until the total is within one
    line of it (a target below the size of the base estate, a few thousand lines per month for
    three accounts, leaves the base estate as it is). Only the first 25 of those instances get
    utilization series, so the metrics files stay small. ``progress(done, total)`` is called
    after every written batch. Manifest keys are paths relative to ``out_dir`` (the "bucket").

    ``applied_changes`` plants two recommendations applied weeks before ``end`` (an idle
    instance stopped, an oversized one resized; :mod:`finops.devtools.sample.changes`) in the
    bill and the utilization, listed in ``labels.json`` under ``applied_changes``; without it
    the files are what they always were.
    """
    if fmt not in FORMATS:
        raise InvalidInputError(
            f"parameter 'fmt': expected one of {', '.join(FORMATS)}, got {fmt!r}",
            details={"parameter": "fmt", "expected": list(FORMATS)},
        )
    for name, value, low in (
        ("months", months, 1),
        ("accounts", accounts, 1),
        ("part_lines", part_lines, 1),
    ):
        if value < low:
            raise InvalidInputError(
                f"parameter '{name}': expected an integer >= {low}, got {value}",
                details={"parameter": name},
            )
    if lines is not None and lines < 1:
        raise InvalidInputError(
            f"parameter 'lines': expected a positive integer, got {lines}",
            details={"parameter": "lines"},
        )
    end_day = end or dt.datetime.now(dt.UTC).date()
    calendar = month_calendar(months=months, end=end_day)
    estate = build_estate(seed=seed, accounts=accounts, months=calendar)
    if applied_changes:
        plant_applied_changes(estate)
    out_dir.mkdir(parents=True, exist_ok=True)

    vocab = Vocabulary()
    renderer = BillingRenderer(estate, vocab)
    base = {m.index: renderer.base_lines(m) for m in calendar}
    closing_count = _closing_line_count(renderer, calendar, base)
    base_count = sum(b.size for b in base.values() if b is not None) + closing_count
    fleet = 0
    if lines is not None and lines > base_count:
        fleet = add_fleet(estate, instance_hours=lines - base_count)
    planned = base_count + _fleet_hours(estate)

    billing_files: list[Path] = []
    manifests: list[Path] = []
    usage_files: list[Path] = []
    per_month: dict[str, int] = {}
    totals = _Accumulator()
    written = 0
    for month in calendar:
        if month.days == 0:
            continue
        ctx = MonthContext(
            payer=estate.payer,
            payer_name="finops-sample-payer",
            period_start=month.start,
            period_end=month.end,
            invoice_id=None if month.data_end < month.end else _invoice_id(seed, month),
        )
        writer = MonthWriter(
            out_dir=out_dir,
            fmt=fmt,
            month_label=month.label,
            ctx=ctx,
            vocab=vocab,
            part_lines=part_lines,
            assembly_id=_stable_uuid(f"{seed}/{month.label}/{fmt}"),
        )
        ids_rng = np.random.default_rng([seed, 9, month.index])
        taxable: dict[tuple[int, int], int] = {}
        month_lines = 0
        # a generator chain, never a list: fleet batches are produced one at a time
        for batch in itertools.chain([base[month.index]], renderer.fleet_lines(month)):
            if batch is None:
                continue
            _add_taxable(taxable, batch, vocab)
            writer.write(batch, line_item_ids(ids_rng, batch.size))
            totals.add(batch)
            month_lines += batch.size
            written += batch.size
            if progress is not None:
                progress(written, planned)
        closing = renderer.closing_lines(month, taxable)
        if closing is not None:
            writer.write(closing, line_item_ids(ids_rng, closing.size))
            totals.add(closing)
            month_lines += closing.size
            written += closing.size
            if progress is not None:
                progress(written, planned)
        files = writer.close()
        billing_files.extend(writer.parts)
        manifests.extend(f for f in files if f not in writer.parts)
        per_month[month.label] = month_lines
        metrics = write_month_metrics(estate=estate, month=month, out_dir=out_dir)
        if metrics is not None:
            usage_files.append(metrics)
        logger.info("sample month written", extra={"month": month.label, "lines": month_lines})

    labels_path = out_dir / "labels.json"
    labels_path.write_text(
        json.dumps(_labels(estate, renderer, fmt), indent=2, sort_keys=True) + "\n",
        encoding="utf-8",
    )
    return SampleResult(
        fmt=fmt,
        out_dir=out_dir,
        billing_files=billing_files,
        manifests=manifests,
        usage_files=usage_files,
        labels_path=labels_path,
        line_count=written,
        lines_per_month=per_month,
        totals={CURRENCY: totals.totals()},
        fleet_instances=fleet,
        months=[m.label for m in calendar if m.days > 0],
    )


def _fleet_hours(estate: Estate) -> int:
    total = estate.total_hours
    return sum(total - i.first_hour for i in estate.ec2 if i.hourly)


def _closing_line_count(
    renderer: BillingRenderer, calendar: list[Month], base: dict[int, Lines | None]
) -> int:
    count = 0
    for month in calendar:
        batch = base[month.index]
        if batch is None:
            continue
        taxable: dict[tuple[int, int], int] = {}
        _add_taxable(taxable, batch, renderer.vocab)
        closing = renderer.closing_lines(month, taxable)
        count += 0 if closing is None else closing.size
    return count


def _stable_uuid(text: str) -> str:
    h = hashlib.sha256(text.encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def _invoice_id(seed: int, month: Month) -> str:
    digest = hashlib.sha256(f"{seed}/{month.label}".encode()).hexdigest()
    return f"EUINUS{int(digest[:10], 16) % 10**9:09d}"


def _labels(estate: Estate, renderer: BillingRenderer, fmt: SampleFormat) -> dict[str, object]:
    """Ground truth. Days are ISO dates, ``end`` exclusive; money is decimal text in USD."""
    anomalies = []
    for anomaly in estate.anomalies:
        truth = renderer.anomaly_truth(anomaly)
        anomalies.append(
            {
                "kind": anomaly.kind,
                "account_id": truth.account_id,
                "service": anomaly.service,
                "service_name": _product_name(anomaly.service),
                "region": anomaly.region,
                "resource_ids": list(anomaly.resource_ids),
                "usage_types": list(truth.usage_types),
                "operation": truth.operation,
                "start": truth.start.isoformat(),
                "end": truth.end.isoformat(),
                "days": anomaly.days,
                "extra_cost_per_day": str(truth.extra_cost_per_day),
                "currency": CURRENCY,
            }
        )
    idle = [
        {
            "resource_id": i.resource_id,
            "resource_type": "ec2-instance",
            "instance_type": i.instance_type.name,
            "account_id": estate.accounts[i.account],
            "region": i.region,
            "expected_action": "stop",
        }
        for i in estate.ec2
        if i.behaviour == "idle"
    ]
    oversized: list[dict[str, object]] = [
        {
            "resource_id": i.resource_id,
            "resource_type": "ec2-instance",
            "instance_type": i.instance_type.name,
            "account_id": estate.accounts[i.account],
            "region": i.region,
            "expected_action": "downsize",
        }
        for i in estate.ec2
        if i.behaviour == "oversized"
    ]
    oversized += [
        {
            "resource_id": s.resource_id,
            "resource_type": "ecs-service-fargate",
            "vcpu": str(s.vcpu),
            "memory_gb": str(s.memory_gb),
            "account_id": estate.accounts[s.account],
            "region": s.region,
            "expected_action": "downsize",
        }
        for s in estate.fargate
        if s.behaviour == "oversized"
    ]
    oversized += [
        {
            "resource_id": s.resource_id,
            "resource_type": "ecs-service-ec2",
            "cluster": s.cluster,
            "account_id": estate.accounts[s.account],
            "region": s.region,
            "expected_action": "downsize",
        }
        for s in estate.ecs_ec2_services
        if s.behaviour == "oversized"
    ]
    oversized += [
        {
            "resource_id": f.resource_id,
            "resource_type": "lambda-function",
            "memory_mb": f.memory_mb,
            "max_memory_used_mb": f.max_memory_used_mb,
            "account_id": estate.accounts[f.account],
            "region": f.region,
            "expected_action": "reduce-memory",
        }
        for f in estate.lambdas
        if f.behaviour == "oversized"
    ]
    ri_type = estate.ri_instance_type
    planted = {"applied_changes": change_labels(estate)} if estate.changes else {}
    return {
        **planted,
        "seed": estate.seed,
        "format": fmt,
        "currency": CURRENCY,
        "payer_account_id": estate.payer,
        "accounts": [
            {"account_id": a, "name": n}
            for a, n in zip(estate.accounts, estate.account_names, strict=True)
        ],
        "months": [
            {
                "month": m.label,
                "start": m.start.date().isoformat(),
                "end": m.end.date().isoformat(),
                "data_end": m.data_end.date().isoformat(),
            }
            for m in estate.months
        ],
        "anomalies": anomalies,
        "idle": idle,
        "oversized": oversized,
        "savings_plans": [
            {
                "arn": estate.sp_arn,
                "type": "ComputeSavingsPlans",
                "term": "1yr",
                "payment_option": "No Upfront",
                "hourly_commitment": str(estate.sp_hourly_commitment),
                "rate_factor_vs_on_demand": str(prices.SAVINGS_PLAN_RATE_FACTOR),
                "covered_resource_ids": [i.resource_id for i in estate.ec2 if i.coverage == "sp"],
            }
        ],
        "reserved_instances": [
            {
                "arn": estate.ri_arn,
                "account_id": estate.accounts[estate.ri_account],
                "region": estate.ri_region,
                "instance_type": ri_type.name if ri_type else None,
                "count": estate.ri_count,
                "payment_option": "No Upfront",
                "rate_factor_vs_on_demand": str(prices.RESERVED_RATE_FACTOR),
                "covered_resource_ids": [i.resource_id for i in estate.ec2 if i.coverage == "ri"],
            }
        ],
        "resources": {
            "ec2": [
                {
                    "resource_id": i.resource_id,
                    "account_id": estate.accounts[i.account],
                    "region": i.region,
                    "instance_type": i.instance_type.name,
                    "role": i.role,
                    "cluster": i.cluster,
                    "behaviour": i.behaviour,
                    "coverage": i.coverage,
                    "tags": i.tags.as_dict() if i.tags else {},
                }
                for i in estate.ec2
                if not i.hourly
            ],
            "fleet_instances": sum(1 for i in estate.ec2 if i.hourly),
            "ecs_services": [
                {
                    "resource_id": s.resource_id,
                    "launch_type": "FARGATE",
                    "vcpu": str(s.vcpu),
                    "memory_gb": str(s.memory_gb),
                    "behaviour": s.behaviour,
                }
                for s in estate.fargate
            ]
            + [
                {
                    "resource_id": s.resource_id,
                    "launch_type": "EC2",
                    "cluster": s.cluster,
                    "behaviour": s.behaviour,
                }
                for s in estate.ecs_ec2_services
            ],
            "eks_clusters": [{"resource_id": c.resource_id, "name": c.name} for c in estate.eks],
            "lambda_functions": [
                {
                    "resource_id": f.resource_id,
                    "memory_mb": f.memory_mb,
                    "arch": f.arch,
                    "behaviour": f.behaviour,
                }
                for f in estate.lambdas
            ],
        },
    }


def _product_name(code: str) -> str:
    from finops.devtools.sample.billing import PRODUCT_NAMES

    return PRODUCT_NAMES.get(code, code)
