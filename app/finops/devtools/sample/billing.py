"""What every rendered billing line shares: the calendar shape (weekends, growth), product names
and categories, usage types, and the base of the month renderer (its days, random streams and
one on-demand usage line per day)."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import numpy.typing as npt

from finops.devtools.sample import prices
from finops.devtools.sample.fixedpoint import (
    IntArray,
    multiply,
    rate_units,
)
from finops.devtools.sample.population import Estate, Month, Tags
from finops.devtools.sample.rows import LinesBuilder, Vocabulary

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


def money_text(value: Decimal) -> str:
    """A rate or amount as the text AWS writes (plain decimal, ``0.0`` for zero)."""
    return format(value.normalize(), "f") if value != 0 else "0.0"


def tag_values(tags: Tags | None) -> dict[str, str | None]:
    """The ``team`` / ``env`` / ``cost_center`` line columns of ``tags`` (all None without)."""
    if tags is None:
        return {"team": None, "env": None, "cost_center": None}
    return {"team": tags.team, "env": tags.env, "cost_center": tags.cost_center}


class MonthRendering:
    """The base of :class:`~finops.devtools.sample.renderer.BillingRenderer`: the estate, the
    vocabulary, a month's days and random streams, and one on-demand usage line per day."""

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
            rate=money_text(rate),
            public_rate=money_text(rate),
            start=starts,
            end=starts + length,
            amount=amount,
            unblended=cost,
            public_cost=cost,
            effective=cost,
            **tag_values(tags),
        )
