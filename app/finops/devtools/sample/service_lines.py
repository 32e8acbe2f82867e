"""The usage lines of each simulated service (EC2 with its commitments, the Savings Plan fee,
Fargate, Lambda, S3 requests), as methods of the month renderer."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import numpy.typing as npt

from finops.devtools.sample import prices
from finops.devtools.sample.billing import (
    DAY,
    PRODUCT_NAMES,
    MonthRendering,
    money_text,
    tag_values,
    usage_type,
)
from finops.devtools.sample.fixedpoint import (
    AMOUNT_SCALE,
    IntArray,
    amounts_from_float,
    multiply,
    rate_units,
)
from finops.devtools.sample.population import Ec2Instance, Tags
from finops.devtools.sample.rows import LinesBuilder


class ServiceLines(MonthRendering):
    """Adds each service's usage lines to a :class:`LinesBuilder`."""

    def _ec2_daily(
        self, b: LinesBuilder, inst: Ec2Instance, starts: IntArray, first_day: int | None = None
    ) -> None:
        """Whole-day lines of ``inst`` on ``starts``. When ``starts`` are the consecutive days
        from day ``first_day`` of the sample, as a planted applied change (stopped, resized)
        leaves them."""
        amount = np.full(len(starts), 24 * AMOUNT_SCALE, dtype=np.int64)
        change = self.estate.change_of(inst.resource_id) if first_day is not None else None
        if change is None or first_day is None:
            self._ec2(b, inst, starts, DAY, amount)
            return
        days = first_day + np.arange(len(starts), dtype=np.int64)
        running = change.running(days)
        resized = change.resized(days)
        before = running & ~resized
        if before.any():
            self._ec2(b, inst, starts[before], DAY, amount[before])
        if change.new_type is not None and resized.any():
            smaller = replace(inst, instance_type=change.new_type)
            self._ec2(b, smaller, starts[resized], DAY, amount[resized])

    def _ec2(
        self, b: LinesBuilder, inst: Ec2Instance, starts: IntArray, length: int, amount: IntArray
    ) -> None:
        itype = inst.instance_type
        price = itype.hourly_usd
        od = multiply(rate_units(price), amount)
        usage = usage_type(inst.region, f"BoxUsage:{itype.name}", ec2_box=True)
        description = f"${money_text(price)} per On Demand Linux {itype.name} Instance Hour"
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
            **tag_values(inst.tags),
        }
        if inst.coverage == "sp":
            sp_rate = price * prices.SAVINGS_PLAN_RATE_FACTOR
            sp_cost = multiply(rate_units(sp_rate), amount)
            b.add(
                len(starts),
                line_type="SavingsPlanCoveredUsage",
                description=description,
                pricing_term="OnDemand",
                rate=money_text(price),
                public_rate=money_text(price),
                unblended=od,
                public_cost=od,
                effective=sp_cost,
                sp_effective=sp_cost,
                sp_arn=self.estate.sp_arn,
                sp_rate=money_text(sp_rate),
                **common,
            )
            b.add(
                len(starts),
                line_type="SavingsPlanNegation",
                description=(
                    f"SavingsPlanNegation used by AccountId : {self.estate.payer} and "
                    f"UsageSku : {usage}"
                ),
                rate=money_text(price),
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
                public_rate=money_text(price),
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
                rate=money_text(price),
                public_rate=money_text(price),
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
            rate=money_text(commitment),
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
                description=f"AWS Fargate - {what} hour - Linux/x86 ${money_text(rate)}",
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
