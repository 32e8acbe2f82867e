"""The planted anomalies: their extra usage lines and their ground truth (``labels.json``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from finops.devtools.sample import prices
from finops.devtools.sample.billing import (
    DAY,
    usage_type,
)
from finops.devtools.sample.fixedpoint import (
    AMOUNT_SCALE,
    IntArray,
    quantize_cost,
)
from finops.devtools.sample.population import Anomaly, Ec2Instance, Month, Tags
from finops.devtools.sample.rows import LinesBuilder
from finops.devtools.sample.service_lines import ServiceLines


@dataclass(frozen=True)
class AnomalyTruth:
    """Ground truth of one anomaly, as written to labels.json."""

    anomaly: Anomaly
    account_id: str
    start: dt.date
    end: dt.date  # exclusive
    extra_cost_per_day: Decimal
    usage_types: tuple[str, ...]
    operation: str


class AnomalyLines(ServiceLines):
    """Adds the lines of planted anomalies and states their ground truth."""

    def _anomaly_days(self, anomaly: Anomaly, month: Month) -> IntArray:
        lo = max(anomaly.start_day, month.first_day)
        hi = min(anomaly.start_day + anomaly.days, month.first_day + month.days)
        local = np.arange(lo - month.first_day, max(hi - month.first_day, lo - month.first_day))
        return month.start_epoch + local.astype(np.int64) * DAY

    def _anomaly(self, b: LinesBuilder, anomaly: Anomaly, month: Month) -> None:
        starts = self._anomaly_days(anomaly, month)
        if len(starts) == 0:
            return
        n = len(starts)
        if anomaly.service == "AWSLambda":
            self._lambda(
                b,
                anomaly.account,
                anomaly.region,
                anomaly.resource_ids[0],
                "x86_64",
                None,
                starts,
                np.full(n, anomaly.lambda_requests * AMOUNT_SCALE, dtype=np.int64),
                np.full(n, anomaly.lambda_gb_seconds * AMOUNT_SCALE, dtype=np.int64),
            )
        elif anomaly.service == "AmazonEC2":
            assert anomaly.instance_type is not None
            for rid in anomaly.resource_ids:
                inst = Ec2Instance(
                    rid,
                    anomaly.account,
                    anomaly.region,
                    anomaly.region + "a",
                    anomaly.instance_type,
                    Tags("ml", "dev", "CC-3001"),
                    "anomaly",
                )
                self._ec2_daily(b, inst, starts)
        elif anomaly.service == "AmazonS3":
            self._s3_requests(
                b,
                anomaly.account,
                anomaly.region,
                anomaly.resource_ids[0],
                "CopyObject",
                None,
                starts,
                np.full(n, anomaly.s3_put_requests * AMOUNT_SCALE, dtype=np.int64),
            )

    def anomaly_truth(self, anomaly: Anomaly) -> AnomalyTruth:
        """Exact extra cost per day of ``anomaly`` (the same arithmetic as its line items)."""
        first = self.estate.months[0].start.date()
        if anomaly.service == "AWSLambda":
            extra = quantize_cost(prices.LAMBDA_REQUEST_USD * anomaly.lambda_requests) + (
                quantize_cost(prices.LAMBDA_GB_SECOND_USD * anomaly.lambda_gb_seconds)
            )
            types: tuple[str, ...] = (
                usage_type(anomaly.region, "Request"),
                usage_type(anomaly.region, "Lambda-GB-Second"),
            )
            operation = "Invoke"
        elif anomaly.service == "AmazonEC2":
            assert anomaly.instance_type is not None
            per = quantize_cost(anomaly.instance_type.hourly_usd * 24)
            extra = per * len(anomaly.resource_ids)
            types = (
                usage_type(anomaly.region, f"BoxUsage:{anomaly.instance_type.name}", ec2_box=True),
            )
            operation = "RunInstances"
        else:
            extra = quantize_cost(prices.S3_PUT_REQUEST_USD * anomaly.s3_put_requests)
            types = (usage_type(anomaly.region, "Requests-Tier1"),)
            operation = "CopyObject"
        start = first + dt.timedelta(days=anomaly.start_day)
        return AnomalyTruth(
            anomaly,
            self.estate.accounts[anomaly.account],
            start,
            start + dt.timedelta(days=anomaly.days),
            extra,
            types,
            operation,
        )
