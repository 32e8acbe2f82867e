"""Render the simulated estate as canonical billing line items, one billing month at a time.

Usage is daily per resource (hourly for the benchmark fleet), shaped by weekly seasonality
(weekends lower), monthly growth and a little noise; commitments produce the CUR line types
AWS writes for them (SavingsPlanCoveredUsage + SavingsPlanNegation + SavingsPlanRecurringFee,
DiscountedUsage + RIFee); each month closes with credits, a refund (first month) and tax.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt

from finops.devtools.sample import prices
from finops.devtools.sample.fixedpoint import (
    AMOUNT_SCALE,
    IntArray,
    amounts_from_float,
    multiply,
    quantize_cost,
    rate_units,
)
from finops.devtools.sample.population import Anomaly, Ec2Instance, Estate, Month, Tags
from finops.devtools.sample.rows import Lines, LinesBuilder, Vocabulary

DAY = 86_400
HOUR = 3_600
WEEKEND_FACTOR = 0.65
MONTHLY_GROWTH = 1.04
TAX_RATE_PERCENT = 6
FLEET_BATCH_LINES = 100_000

PRODUCT_NAMES = {
    "AmazonEC2": "Amazon Elastic Compute Cloud",
    "AmazonECS": "Amazon Elastic Container Service",
    "AmazonEKS": "Amazon Elastic Kubernetes Service",
    "AWSLambda": "AWS Lambda",
    "AmazonS3": "Amazon Simple Storage Service",
    "AmazonRDS": "Amazon Relational Database Service",
    "ComputeSavingsPlans": "Savings Plans for AWS Compute usage",
}
SERVICE_CATEGORIES = {
    "AmazonEC2": "Compute",
    "AmazonECS": "Compute",
    "AmazonEKS": "Compute",
    "AWSLambda": "Compute",
    "AmazonS3": "Storage",
    "AmazonRDS": "Databases",
    "ComputeSavingsPlans": "Compute",
}


def usage_type(region: str, suffix: str, *, ec2_box: bool = False) -> str:
    """The usage type AWS writes: region prefix + suffix (none for us-east-1 EC2 box usage)."""
    if ec2_box and region == "us-east-1":
        return suffix
    return prices.USAGE_TYPE_PREFIX[region] + suffix


def _money(value: Decimal) -> str:
    return format(value.normalize(), "f") if value != 0 else "0.0"


def _tag_values(tags: Tags | None) -> dict[str, str | None]:
    if tags is None:
        return {"team": None, "env": None, "cost_center": None}
    return {"team": tags.team, "env": tags.env, "cost_center": tags.cost_center}


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


class BillingRenderer:
    """Produces the canonical lines of each month of an estate (deterministic per seed)."""

    def __init__(self, estate: Estate, vocabulary: Vocabulary) -> None:
        self.estate = estate
        self.vocab = vocabulary
        self.accounts = vocabulary.ids(estate.accounts)
        self.payer = vocabulary.id(estate.payer)

    # ------------------------------------------------------------------ calendar helpers

    def _days(self, month: Month) -> tuple[IntArray, npt.NDArray[np.float64]]:
        """Start epochs of the month's data days and their seasonality x growth factor."""
        n = month.days
        starts = month.start_epoch + np.arange(n, dtype=np.int64) * DAY
        weekday = ((starts // DAY) + 3) % 7  # 1970-01-01 was a Thursday; 0 = Monday
        season = np.where(weekday >= 5, WEEKEND_FACTOR, 1.0)
        growth = MONTHLY_GROWTH ** ((month.first_day + np.arange(n)) / 30.0)
        return starts, season * growth

    def _rng(self, month: Month, stream: int) -> np.random.Generator:
        return np.random.default_rng([self.estate.seed, 3, month.index, stream])

    # ------------------------------------------------------------------ base usage

    def base_lines(self, month: Month) -> Lines | None:
        """All daily usage and commitment lines of ``month`` except the fleet and closing lines."""
        b = LinesBuilder(self.vocab)
        if month.days == 0:
            return None
        starts, factor = self._days(month)
        rng = self._rng(month, 0)
        for inst in self.estate.ec2:
            if not inst.hourly:
                self._ec2_daily(b, inst, starts)
        self._savings_plan_fee(b, starts)
        for svc in self.estate.fargate:
            self._fargate(b, svc, starts, factor * rng.uniform(0.9, 1.1, size=len(starts)))
        for cluster in self.estate.eks:
            self._add_usage(
                b,
                starts,
                DAY,
                account=cluster.account,
                region=cluster.region,
                az=None,
                product_code="AmazonEKS",
                usage=usage_type(cluster.region, "AmazonEKS-Hours:perCluster"),
                operation="CreateOperation",
                resource=cluster.resource_id,
                amount=np.full(len(starts), 24 * AMOUNT_SCALE, dtype=np.int64),
                rate=prices.EKS_CLUSTER_HOUR_USD,
                unit="Hours",
                family="Compute",
                description=f"${_money(prices.EKS_CLUSTER_HOUR_USD)} per hour per Amazon EKS "
                "cluster",
                tags=cluster.tags,
            )
        for fn in self.estate.lambdas:
            noise = rng.uniform(0.85, 1.15, size=len(starts))
            requests = np.rint(fn.requests_per_day * factor * noise)
            gb_seconds = requests * fn.duration_ms / 1000.0 * fn.memory_mb / 1024.0
            self._lambda(
                b,
                fn.account,
                fn.region,
                fn.resource_id,
                fn.arch,
                fn.tags,
                starts,
                amounts_from_float(requests),
                amounts_from_float(gb_seconds),
            )
        for bucket in self.estate.buckets:
            full_days = (month.end - month.start).days
            gb_month = bucket.gigabytes * factor / factor.mean() / full_days
            gb_month = gb_month * MONTHLY_GROWTH ** (month.index)
            self._add_usage(
                b,
                starts,
                DAY,
                account=bucket.account,
                region=bucket.region,
                az=None,
                product_code="AmazonS3",
                usage=usage_type(bucket.region, "TimedStorage-ByteHrs"),
                operation="StandardStorage",
                resource=bucket.resource_id,
                amount=amounts_from_float(np.full(len(starts), gb_month.mean())),
                rate=prices.S3_STANDARD_GB_MONTH_USD,
                unit="GB-Mo",
                family="Storage",
                description=f"${_money(prices.S3_STANDARD_GB_MONTH_USD)} per GB - first 50 TB "
                "/ month of storage used",
                tags=bucket.tags,
            )
            puts = np.rint(bucket.puts_per_day * factor * rng.uniform(0.8, 1.2, len(starts)))
            self._s3_requests(
                b,
                bucket.account,
                bucket.region,
                bucket.resource_id,
                "PutObject",
                bucket.tags,
                starts,
                amounts_from_float(puts),
            )
        for db in self.estate.rds:
            price = prices.RDS_HOURLY_USD[db.db_class]
            self._add_usage(
                b,
                starts,
                DAY,
                account=db.account,
                region=db.region,
                az=db.az,
                product_code="AmazonRDS",
                usage=usage_type(db.region, f"InstanceUsage:{db.db_class}"),
                operation="CreateDBInstance:0002",
                resource=db.resource_id,
                amount=np.full(len(starts), 24 * AMOUNT_SCALE, dtype=np.int64),
                rate=price,
                unit="Hrs",
                family="Database Instance",
                instance_type=db.db_class,
                description=f"${_money(price)} per RDS {db.db_class} Single-AZ instance hour "
                "(or partial hour) running MySQL",
                tags=db.tags,
            )
        for a in range(len(self.estate.accounts)):
            first_app = next(i for i in self.estate.ec2 if i.account == a and i.role == "app")
            gb = np.rint(rng.uniform(50, 300) * factor * rng.uniform(0.8, 1.2, len(starts)))
            self._add_usage(
                b,
                starts,
                DAY,
                account=a,
                region="us-east-1",
                az=None,
                product_code="AmazonEC2",
                usage=usage_type("us-east-1", "DataTransfer-Out-Bytes"),
                operation="RunInstances",
                resource=first_app.resource_id,
                amount=amounts_from_float(gb),
                rate=prices.DATA_TRANSFER_OUT_GB_USD,
                unit="GB",
                family="Data Transfer",
                servicecode="AWSDataTransfer",
                description=f"${_money(prices.DATA_TRANSFER_OUT_GB_USD)} per GB - first 10 TB "
                "/ month data transfer out beyond the global free tier",
                tags=first_app.tags,
            )
        for anomaly in self.estate.anomalies:
            self._anomaly(b, anomaly, month)
        return b.build()

    def _add_usage(
        self,
        b: LinesBuilder,
        starts: IntArray,
        length: int,
        *,
        account: int,
        region: str,
        az: str | None,
        product_code: str,
        usage: str,
        operation: str,
        resource: str,
        amount: IntArray,
        rate: Decimal,
        unit: str,
        family: str,
        description: str,
        tags: Tags | None,
        instance_type: str | None = None,
        servicecode: str | None = None,
    ) -> None:
        cost = multiply(rate_units(rate), amount)
        b.add(
            len(starts),
            account=int(self.accounts[account]),
            line_type="Usage",
            bill_type="Anniversary",
            product_code=product_code,
            usage_type=usage,
            operation=operation,
            az=az,
            resource=resource,
            description=description,
            product_name=PRODUCT_NAMES[product_code],
            region=region,
            instance_type=instance_type,
            product_family=family,
            servicecode=servicecode or product_code,
            pricing_term="OnDemand",
            pricing_unit=unit,
            rate=_money(rate),
            public_rate=_money(rate),
            start=starts,
            end=starts + length,
            amount=amount,
            unblended=cost,
            public_cost=cost,
            effective=cost,
            **_tag_values(tags),
        )

    def _ec2_daily(self, b: LinesBuilder, inst: Ec2Instance, starts: IntArray) -> None:
        amount = np.full(len(starts), 24 * AMOUNT_SCALE, dtype=np.int64)
        self._ec2(b, inst, starts, DAY, amount)

    def _ec2(
        self, b: LinesBuilder, inst: Ec2Instance, starts: IntArray, length: int, amount: IntArray
    ) -> None:
        itype = inst.instance_type
        price = itype.hourly_usd
        od = multiply(rate_units(price), amount)
        usage = usage_type(inst.region, f"BoxUsage:{itype.name}", ec2_box=True)
        description = f"${_money(price)} per On Demand Linux {itype.name} Instance Hour"
        common: dict[str, Any] = {
            "account": int(self.accounts[inst.account]),
            "bill_type": "Anniversary",
            "product_code": "AmazonEC2",
            "usage_type": usage,
            "operation": "RunInstances",
            "az": inst.az,
            "resource": inst.resource_id,
            "product_name": PRODUCT_NAMES["AmazonEC2"],
            "region": inst.region,
            "instance_type": itype.name,
            "product_family": "Compute Instance",
            "servicecode": "AmazonEC2",
            "pricing_unit": "Hrs",
            "start": starts,
            "end": starts + length,
            "amount": amount,
            **_tag_values(inst.tags),
        }
        if inst.coverage == "sp":
            sp_rate = price * prices.SAVINGS_PLAN_RATE_FACTOR
            sp_cost = multiply(rate_units(sp_rate), amount)
            b.add(
                len(starts),
                line_type="SavingsPlanCoveredUsage",
                description=description,
                pricing_term="OnDemand",
                rate=_money(price),
                public_rate=_money(price),
                unblended=od,
                public_cost=od,
                effective=sp_cost,
                sp_effective=sp_cost,
                sp_arn=self.estate.sp_arn,
                sp_rate=_money(sp_rate),
                **common,
            )
            b.add(
                len(starts),
                line_type="SavingsPlanNegation",
                description=(
                    f"SavingsPlanNegation used by AccountId : {self.estate.payer} and "
                    f"UsageSku : {usage}"
                ),
                rate=_money(price),
                unblended=-od,
                sp_arn=self.estate.sp_arn,
                **common,
            )
        elif inst.coverage == "ri":
            ri_rate = price * prices.RESERVED_RATE_FACTOR
            ri_cost = multiply(rate_units(ri_rate), amount)
            b.add(
                len(starts),
                line_type="DiscountedUsage",
                description=(
                    f"USD 0.0 hourly fee per Linux/UNIX (Amazon VPC), {itype.name} instance"
                ),
                pricing_term="Reserved",
                rate="0.0",
                public_rate=_money(price),
                unblended=np.zeros(len(starts), dtype=np.int64),
                public_cost=od,
                effective=ri_cost,
                ri_effective=ri_cost,
                ri_arn=self.estate.ri_arn,
                **common,
            )
        else:
            b.add(
                len(starts),
                line_type="Usage",
                description=description,
                pricing_term="OnDemand",
                rate=_money(price),
                public_rate=_money(price),
                unblended=od,
                public_cost=od,
                effective=od,
                **common,
            )

    def sp_daily_used_units(self) -> int:
        """SP effective cost the covered instances use per whole day (1e-10 USD)."""
        day = np.array([24 * AMOUNT_SCALE], dtype=np.int64)
        return sum(
            int(
                multiply(
                    rate_units(i.instance_type.hourly_usd * prices.SAVINGS_PLAN_RATE_FACTOR), day
                )[0]
            )
            for i in self.estate.ec2
            if i.coverage == "sp"
        )

    def _savings_plan_fee(self, b: LinesBuilder, starts: IntArray) -> None:
        commitment = self.estate.sp_hourly_commitment
        daily = rate_units(commitment) * 24
        used = self.sp_daily_used_units()
        b.add(
            len(starts),
            account=self.payer,
            line_type="SavingsPlanRecurringFee",
            bill_type="Anniversary",
            product_code="ComputeSavingsPlans",
            usage_type="ComputeSP:1yrNoUpfront",
            operation="None",
            resource=self.estate.sp_arn,
            description="1 year No Upfront Compute Savings Plan",
            product_name=PRODUCT_NAMES["ComputeSavingsPlans"],
            product_family="Savings Plan",
            servicecode="ComputeSavingsPlans",
            pricing_unit="Hrs",
            rate=_money(commitment),
            start=starts,
            end=starts + DAY,
            amount=24 * AMOUNT_SCALE,
            unblended=daily,
            effective=daily - used,
            sp_arn=self.estate.sp_arn,
            sp_commitment=daily,
            sp_used=used,
        )

    def _fargate(
        self, b: LinesBuilder, svc: object, starts: IntArray, factor: npt.NDArray[np.float64]
    ) -> None:
        from finops.devtools.sample.population import FargateService

        assert isinstance(svc, FargateService)
        tasks = svc.base_tasks * factor
        vcpu_hours = amounts_from_float(tasks * 24 * float(svc.vcpu))
        gb_hours = amounts_from_float(tasks * 24 * float(svc.memory_gb))
        for amount, suffix, rate, unit, what in (
            (
                vcpu_hours,
                "Fargate-vCPU-Hours:perCPU",
                prices.FARGATE_VCPU_HOUR_USD,
                "hours",
                "per vCPU",
            ),
            (gb_hours, "Fargate-GB-Hours", prices.FARGATE_GB_HOUR_USD, "GB-Hours", "per GB"),
        ):
            self._add_usage(
                b,
                starts,
                DAY,
                account=svc.account,
                region=svc.region,
                az=None,
                product_code="AmazonECS",
                usage=usage_type(svc.region, suffix),
                operation="FargateTask",
                resource=svc.resource_id,
                amount=amount,
                rate=rate,
                unit=unit,
                family="Compute",
                description=f"AWS Fargate - {what} hour - Linux/x86 ${_money(rate)}",
                tags=svc.tags,
            )

    def _lambda(
        self,
        b: LinesBuilder,
        account: int,
        region: str,
        resource: str,
        arch: str,
        tags: Tags | None,
        starts: IntArray,
        requests: IntArray,
        gb_seconds: IntArray,
    ) -> None:
        self._add_usage(
            b,
            starts,
            DAY,
            account=account,
            region=region,
            az=None,
            product_code="AWSLambda",
            usage=usage_type(region, "Request"),
            operation="Invoke",
            resource=resource,
            amount=requests,
            rate=prices.LAMBDA_REQUEST_USD,
            unit="Requests",
            family="Serverless",
            description="AWS Lambda - Total Requests",
            tags=tags,
        )
        arm = arch == "arm64"
        rate = prices.LAMBDA_GB_SECOND_ARM_USD if arm else prices.LAMBDA_GB_SECOND_USD
        self._add_usage(
            b,
            starts,
            DAY,
            account=account,
            region=region,
            az=None,
            product_code="AWSLambda",
            usage=usage_type(region, "Lambda-GB-Second-ARM" if arm else "Lambda-GB-Second"),
            operation="Invoke",
            resource=resource,
            amount=gb_seconds,
            rate=rate,
            unit="Lambda-GB-Second",
            family="Serverless",
            description="AWS Lambda - Total Compute" + (" (ARM)" if arm else ""),
            tags=tags,
        )

    def _s3_requests(
        self,
        b: LinesBuilder,
        account: int,
        region: str,
        resource: str,
        operation: str,
        tags: Tags | None,
        starts: IntArray,
        amount: IntArray,
    ) -> None:
        self._add_usage(
            b,
            starts,
            DAY,
            account=account,
            region=region,
            az=None,
            product_code="AmazonS3",
            usage=usage_type(region, "Requests-Tier1"),
            operation=operation,
            resource=resource,
            amount=amount,
            rate=prices.S3_PUT_REQUEST_USD,
            unit="Requests",
            family="API Request",
            description="$0.005 per 1,000 PUT, COPY, POST, or LIST requests",
            tags=tags,
        )

    # ------------------------------------------------------------------ anomalies

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

    # ------------------------------------------------------------------ fleet

    def fleet_lines(self, month: Month) -> Iterator[Lines]:
        """Hourly on-demand lines of the benchmark fleet, in batches of bounded size."""
        fleet = [i for i in self.estate.ec2 if i.hourly]
        if not fleet or month.hours == 0:
            return
        per_batch = max(1, FLEET_BATCH_LINES // month.hours)
        hours = np.arange(month.hours, dtype=np.int64)
        month_first_hour = month.first_day * 24
        for lo in range(0, len(fleet), per_batch):
            b = LinesBuilder(self.vocab)
            for inst in fleet[lo : lo + per_batch]:
                active = hours[(hours + month_first_hour) >= inst.first_hour]
                if len(active) == 0:
                    continue
                starts = month.start_epoch + active * HOUR
                amount = np.full(len(active), AMOUNT_SCALE, dtype=np.int64)
                self._ec2(b, inst, starts, HOUR, amount)
            lines = b.build()
            if lines is not None:
                yield lines

    # ------------------------------------------------------------------ month close

    def closing_lines(self, month: Month, taxable: dict[tuple[int, int], int]) -> Lines | None:
        """RIFee, credits, the refund (first month only) and tax for ``month``.

        ``taxable`` maps (account vocab id, product code vocab id) to the month's net charges in
        1e-10 USD; tax is 6% of each positive amount, rounded half-up to 10 decimals.
        """
        if month.days == 0:
            return None
        b = LinesBuilder(self.vocab)
        period_start = np.array([month.start_epoch], dtype=np.int64)
        period_end = int(month.end.timestamp())
        estate = self.estate
        itype = estate.ri_instance_type
        if itype is not None and estate.ri_count:
            ri_rate = itype.hourly_usd * prices.RESERVED_RATE_FACTOR
            amount = np.array([month.period_hours * estate.ri_count * AMOUNT_SCALE], np.int64)
            fee = multiply(rate_units(ri_rate), amount)
            covered = [i for i in estate.ec2 if i.coverage == "ri"]
            used = (
                sum(
                    int(
                        multiply(
                            rate_units(ri_rate), np.array([24 * AMOUNT_SCALE], dtype=np.int64)
                        )[0]
                    )
                    for _ in covered
                )
                * month.days
            )
            unused = fee - used
            b.add(
                1,
                account=int(self.accounts[estate.ri_account]),
                line_type="RIFee",
                bill_type="Anniversary",
                product_code="AmazonEC2",
                usage_type=usage_type(estate.ri_region, f"HeavyUsage:{itype.name}"),
                operation="RunInstances",
                resource=None,
                description=(
                    f"USD {_money(ri_rate)} hourly fee per Linux/UNIX (Amazon VPC), "
                    f"{itype.name} instance"
                ),
                product_name=PRODUCT_NAMES["AmazonEC2"],
                region=estate.ri_region,
                instance_type=itype.name,
                product_family="Compute Instance",
                servicecode="AmazonEC2",
                pricing_term="Reserved",
                pricing_unit="Hrs",
                rate=_money(ri_rate),
                start=period_start,
                end=period_end,
                amount=amount,
                unblended=fee,
                effective=unused,
                ri_unused_recurring=unused,
                ri_unused_upfront=0,
                ri_arn=estate.ri_arn,
            )
            key = (int(self.accounts[estate.ri_account]), self.vocab.id("AmazonEC2"))
            taxable[key] = taxable.get(key, 0) + int(fee[0])
        for a in range(len(estate.accounts)):
            credit = -rate_units(Decimal(25) * (1 + a % 3))
            b.add(
                1,
                account=int(self.accounts[a]),
                line_type="Credit",
                bill_type="Anniversary",
                product_code="AmazonEC2",
                usage_type=None,
                operation=None,
                resource=None,
                description="AWS Activate Credits",
                product_name=PRODUCT_NAMES["AmazonEC2"],
                servicecode="AmazonEC2",
                start=period_start,
                end=period_end,
                amount=0,
                unblended=credit,
                effective=credit,
            )
        if month.index == 0:
            refund = -rate_units(Decimal("12.3456"))
            b.add(
                1,
                account=int(self.accounts[0]),
                line_type="Refund",
                bill_type="Refund",
                product_code="AmazonS3",
                description="Refund: S3 service level agreement credit",
                product_name=PRODUCT_NAMES["AmazonS3"],
                servicecode="AmazonS3",
                start=period_start,
                end=period_end,
                amount=0,
                unblended=refund,
                effective=refund,
            )
        for (account, product), net in sorted(taxable.items()):
            if net <= 0:
                continue
            tax = (net * TAX_RATE_PERCENT + 50) // 100
            code = self.vocab.value(product) or ""
            b.add(
                1,
                account=account,
                line_type="Tax",
                bill_type="Anniversary",
                product_code=code,
                description=f"Tax for product code {code}",
                tax_type="Sales Tax",
                product_name=PRODUCT_NAMES.get(code, code),
                servicecode=code,
                start=period_start,
                end=period_end,
                amount=1 * AMOUNT_SCALE,
                unblended=tax,
                public_cost=tax,
                effective=tax,
            )
        return b.build()
