"""Units the cost arithmetic shares, so a monthly figure means the same thing everywhere."""

from __future__ import annotations

from decimal import Decimal

HOURS_PER_MONTH = Decimal(730)
"""Hours in the average month (8,760 / 12): the convention AWS pricing pages and Compute
Optimizer use to turn an hourly price into a monthly one."""
