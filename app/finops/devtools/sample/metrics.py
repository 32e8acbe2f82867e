"""CloudWatch-shaped hourly utilization series matching the sample's resources.

One gzip CSV per billing month, ``usage/metrics-<YYYY-MM>.csv.gz``, columns
``resource_id,namespace,metric_name,timestamp,statistic,value,unit``. Idle instances sit near
1% CPU with almost no network; oversized ones stay in low single digits of CPU; values are
written with 6 decimals.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from finops.devtools.sample.fixedpoint import AMOUNT_DIGITS, amounts_from_float, to_decimal_strings
from finops.devtools.sample.line_columns import TS_FORMAT
from finops.devtools.sample.population import Ec2Instance, Estate, Month
from finops.devtools.sample.writers import _CsvGzSink

METRIC_COLUMNS = (
    "resource_id",
    "namespace",
    "metric_name",
    "timestamp",
    "statistic",
    "value",
    "unit",
)
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class _Series:
    """One (metric, statistic) of a group of resources: values shaped (resources, hours)."""

    namespace: str
    metric: str
    statistic: str
    unit: str
    values: FloatArray


def _hourly(month: Month) -> tuple[npt.NDArray[np.int64], FloatArray, FloatArray]:
    hours = np.arange(month.hours, dtype=np.int64)
    epoch = month.start_epoch + hours * 3600
    hour_of_day = (epoch // 3600) % 24
    weekday = ((epoch // 86_400) + 3) % 7
    diurnal = 1.0 + 0.35 * np.sin(2 * np.pi * (hour_of_day - 8) / 24.0)
    week = np.where(weekday >= 5, 0.7, 1.0)
    return epoch, diurnal, week


def _ec2_series(
    levels: dict[str, FloatArray],
    rng: np.random.Generator,
    behaviours: list[str],
    hours: int,
    diurnal: FloatArray,
    week: FloatArray,
) -> list[_Series]:
    n = len(behaviours)
    shape = (n, hours)
    idle = np.array([b == "idle" for b in behaviours])[:, None]
    over = np.array([b == "oversized" for b in behaviours])[:, None]
    load = diurnal[None, :] * week[None, :]
    cpu = levels["cpu"][:, None] * load * (1 + rng.normal(0, 0.08, shape))
    # idle: what the idle rule calls idle (finops.rightsizing.idle): peak CPU under 1%,
    # a trickle of network (well under 5 MB a day)
    cpu = np.where(idle, 0.3 + rng.normal(0, 0.05, shape), cpu)
    cpu = np.where(over, levels["cpu"][:, None] * load + rng.normal(0, 0.3, shape), cpu)
    cpu = np.clip(cpu, 0.2, 100.0)
    spread = rng.uniform(0.1, 0.6, shape)
    quiet_peaks, busy_peaks = rng.uniform(0, 0.8, shape), rng.uniform(0, 6, shape)
    cpu_max = np.clip(
        cpu * (1 + spread)
        + np.where(idle, quiet_peaks / 4, np.where(over, quiet_peaks, busy_peaks)),
        0.0,
        100.0,
    )
    net = levels["net"][:, None] * load * rng.uniform(0.7, 1.3, shape)
    net_out = net * rng.uniform(0.3, 0.9, shape)
    mem = np.clip(levels["mem"][:, None] * (1 + rng.normal(0, 0.03, shape)), 1.0, 100.0)
    return [
        _Series("AWS/EC2", "CPUUtilization", "Average", "Percent", cpu),
        _Series("AWS/EC2", "CPUUtilization", "Maximum", "Percent", cpu_max),
        _Series("AWS/EC2", "NetworkIn", "Average", "Bytes", net),
        _Series("AWS/EC2", "NetworkIn", "Maximum", "Bytes", net * rng.uniform(1.2, 2.5, shape)),
        _Series("AWS/EC2", "NetworkOut", "Average", "Bytes", net_out),
        _Series(
            "AWS/EC2", "NetworkOut", "Maximum", "Bytes", net_out * rng.uniform(1.2, 2.5, shape)
        ),
        _Series("CWAgent", "mem_used_percent", "Average", "Percent", mem),
        _Series(
            "CWAgent",
            "mem_used_percent",
            "Maximum",
            "Percent",
            np.clip(mem * rng.uniform(1.0, 1.15, shape), 0.0, 100.0),
        ),
    ]


def _rows(resource_ids: list[str], epoch: npt.NDArray[np.int64], series: list[_Series]) -> pa.Table:
    n, hours = len(resource_ids), len(epoch)
    per_series = n * hours
    rid = pa.array(resource_ids, pa.string()).take(
        pa.array(np.tile(np.repeat(np.arange(n), hours), len(series)))
    )
    ts_text = pc.strftime(pa.array(epoch, type=pa.timestamp("s", tz="UTC")), format=TS_FORMAT)
    timestamps = ts_text.take(pa.array(np.tile(np.arange(hours), n * len(series))))

    def const(attr: str) -> pa.Array:
        names = [getattr(s, attr) for s in series]
        return pa.array(names, pa.string()).take(
            pa.array(np.repeat(np.arange(len(series)), per_series))
        )

    values = np.concatenate([s.values.reshape(-1) for s in series])
    return pa.table(
        {
            "resource_id": rid,
            "namespace": const("namespace"),
            "metric_name": const("metric"),
            "timestamp": timestamps,
            "statistic": const("statistic"),
            "value": to_decimal_strings(amounts_from_float(values), AMOUNT_DIGITS),
            "unit": const("unit"),
        }
    )


def _changed_rows(
    estate: Estate,
    instances: list[Ec2Instance],
    month: Month,
    epoch: npt.NDArray[np.int64],
    series: list[_Series],
) -> pa.Table:
    """The rows of ``instances`` as the planted applied changes leave them: no samples while an
    instance is stopped; after a resize, CPU and memory percentages scaled by old / new size."""
    ids = [i.resource_id for i in instances]
    changes = [estate.change_of(r) for r in ids]
    if not any(changes):
        return _rows(ids, epoch, series)
    days = month.first_day + np.arange(len(epoch), dtype=np.int64) // 24
    kept = np.ones((len(ids), len(epoch)), dtype=bool)
    for row, (inst, change) in enumerate(zip(instances, changes, strict=True)):
        if change is None:
            continue
        kept[row] = change.running(days)
        resized = change.resized(days)
        if change.new_type is None or not resized.any():
            continue
        old, new = inst.instance_type, change.new_type
        for s in series:
            if s.metric == "CPUUtilization":
                ratio = old.vcpu / new.vcpu
            elif s.metric == "mem_used_percent":
                ratio = float(old.memory_gib / new.memory_gib)
            else:
                continue
            s.values[row, resized] = np.clip(s.values[row, resized] * ratio, 0.0, 100.0)
    table = _rows(ids, epoch, series)
    return table.filter(pa.array(np.tile(kept.reshape(-1), len(series))))


def _month_tables(estate: Estate, month: Month) -> Iterator[pa.Table]:
    epoch, diurnal, week = _hourly(month)
    hours = len(epoch)
    if hours == 0:
        return
    rng = np.random.default_rng([estate.seed, 4, month.index])
    level_rng = np.random.default_rng([estate.seed, 5])  # per-resource levels: stable by month
    instances = [i for i in estate.ec2 if i.metrics]
    behaviours = [i.behaviour for i in instances]
    levels = {
        "cpu": np.array(
            [
                level_rng.uniform(3.0, 5.0) if b == "oversized" else level_rng.uniform(25, 55)
                for b in behaviours
            ]
        ),
        "net": np.array([1e3 if b == "idle" else level_rng.uniform(2e7, 8e7) for b in behaviours]),
        "mem": np.array(
            [
                level_rng.uniform(8, 14)
                if b in ("idle", "oversized")
                else level_rng.uniform(40, 70)
                for b in behaviours
            ]
        ),
    }
    for lo in range(0, len(instances), 20):
        chunk = slice(lo, lo + 20)
        series = _ec2_series(
            {k: v[chunk] for k, v in levels.items()}, rng, behaviours[chunk], hours, diurnal, week
        )
        yield _changed_rows(estate, instances[chunk], month, epoch, series)

    ecs = [(s.resource_id, s.behaviour) for s in estate.fargate] + [
        (s.resource_id, s.behaviour) for s in estate.ecs_ec2_services
    ]
    if ecs:
        shape = (len(ecs), hours)
        over = np.array([b == "oversized" for _, b in ecs])[:, None]
        load = (diurnal * week)[None, :]
        cpu = np.clip(np.where(over, 5.0, 45.0) * load * rng.uniform(0.8, 1.2, shape), 0.1, 100)
        mem = np.clip(np.where(over, 12.0, 60.0) * rng.uniform(0.95, 1.05, shape), 0.1, 100)
        yield _rows(
            [r for r, _ in ecs],
            epoch,
            [
                _Series("AWS/ECS", "CPUUtilization", "Average", "Percent", cpu),
                _Series(
                    "AWS/ECS",
                    "CPUUtilization",
                    "Maximum",
                    "Percent",
                    np.clip(cpu * rng.uniform(1.1, 1.8, shape), 0, 100),
                ),
                _Series("AWS/ECS", "MemoryUtilization", "Average", "Percent", mem),
                _Series(
                    "AWS/ECS",
                    "MemoryUtilization",
                    "Maximum",
                    "Percent",
                    np.clip(mem * rng.uniform(1.0, 1.2, shape), 0, 100),
                ),
            ],
        )
    if estate.lambdas:
        fns = estate.lambdas
        shape = (len(fns), hours)
        load = (diurnal * week)[None, :]
        duration = np.array([f.duration_ms for f in fns])[:, None] * rng.uniform(0.8, 1.2, shape)
        invocations = np.rint(
            np.array([f.requests_per_day for f in fns])[:, None]
            / 24.0
            * load
            * rng.uniform(0.8, 1.2, shape)
        )
        memory = np.array([f.max_memory_used_mb for f in fns])[:, None] * rng.uniform(
            0.85, 1.0, shape
        )
        yield _rows(
            [f.resource_id for f in fns],
            epoch,
            [
                _Series("AWS/Lambda", "Duration", "Average", "Milliseconds", duration),
                _Series(
                    "AWS/Lambda",
                    "Duration",
                    "Maximum",
                    "Milliseconds",
                    duration * rng.uniform(1.3, 2.5, shape),
                ),
                _Series("AWS/Lambda", "Invocations", "Sum", "Count", invocations),
                _Series(
                    "LambdaInsights", "used_memory_max", "Maximum", "Megabytes", np.rint(memory)
                ),
            ],
        )


def write_month_metrics(*, estate: Estate, month: Month, out_dir: Path) -> Path | None:
    """Write ``usage/metrics-<YYYY-MM>.csv.gz`` for ``month``; ``None`` when it has no data."""
    if month.hours == 0:
        return None
    folder = out_dir / "usage"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"metrics-{month.label}.csv.gz"
    sink = _CsvGzSink(path)
    try:
        for table in _month_tables(estate, month):
            sink.write(table)
    finally:
        sink.close()
    return path
