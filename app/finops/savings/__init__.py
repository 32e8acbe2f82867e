"""Savings ledger: the baseline of an applied recommendation and the savings realized against it,
day by day, from later bills (estimated vs realized, per recommendation, account and total)."""

from finops.savings.ledger import DailySaving, accrue_daily_savings, realization_rate
from finops.savings.service import record_baseline, savings_daily, savings_summary, track_savings

__all__ = [
    "DailySaving",
    "accrue_daily_savings",
    "realization_rate",
    "record_baseline",
    "savings_daily",
    "savings_summary",
    "track_savings",
]
