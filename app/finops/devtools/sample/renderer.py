"""Render the simulated estate as canonical billing line items, one billing month at a time.

Usage is daily per resource (hourly for the benchmark fleet), shaped by weekly seasonality
(weekends lower), monthly growth and a little noise; commitments produce the CUR line types
AWS writes for them (SavingsPlanCoveredUsage + SavingsPlanNegation + SavingsPlanRecurringFee,
DiscountedUsage + RIFee); each month closes with credits, a refund (first month) and tax.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import numpy as np

from finops.devtools.sample import prices
from finops.devtools.sample.anomaly_lines import AnomalyLines
from finops.devtools.sample.billing import (
    DAY,
    FLEET_BATCH_LINES,
    HOUR,
    MONTHLY_GROWTH,
    PRODUCT_NAMES,
    TAX_RATE_PERCENT,
    money_text,
    usage_type,
)
from finops.devtools.sample.fixedpoint import (
    AMOUNT_SCALE,
    amounts_from_float,
    multiply,
    rate_units,
)
from finops.devtools.sample.population import Month
from finops.devtools.sample.rows import Lines, LinesBuilder


class BillingRenderer(AnomalyLines):
    """Produces the canonical lines of each month of an estate (deterministic per seed)."""

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
                self._ec2_daily(b, inst, starts, month.first_day)
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
                description=f"${money_text(prices.EKS_CLUSTER_HOUR_USD)} per hour per Amazon EKS "
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
                description=f"${money_text(prices.S3_STANDARD_GB_MONTH_USD)} per GB - first 50 TB "
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
                description=f"${money_text(price)} per RDS {db.db_class} Single-AZ instance hour "
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
                description=f"${money_text(prices.DATA_TRANSFER_OUT_GB_USD)} per GB - first 10 TB "
                "/ month data transfer out beyond the global free tier",
                tags=first_app.tags,
            )
        for anomaly in self.estate.anomalies:
            self._anomaly(b, anomaly, month)
        return b.build()

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
                    f"USD {money_text(ri_rate)} hourly fee per Linux/UNIX (Amazon VPC), "
                    f"{itype.name} instance"
                ),
                product_name=PRODUCT_NAMES["AmazonEC2"],
                region=estate.ri_region,
                instance_type=itype.name,
                product_family="Compute Instance",
                servicecode="AmazonEC2",
                pricing_term="Reserved",
                pricing_unit="Hrs",
                rate=money_text(ri_rate),
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
