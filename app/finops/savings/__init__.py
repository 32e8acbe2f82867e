"""Savings ledger: the baseline of an applied recommendation and the savings realized against it,
day by day, from later bills (estimated vs realized, per recommendation, account and total)."""

from finops.savings.ledger import DailySaving, accrue_daily_savings, realization_rate
from finops.savings.service import record_baseline, savings_daily, savings_summary, track_savings
from finops.savings.views import (
    AccountSavingsView,
    CurrencySavingsView,
    RecommendationSavingsView,
    SavingsBaselineView,
    SavingsDayView,
    SavingsSummaryView,
)

__all__ = [
    "AccountSavingsView",
    "CurrencySavingsView",
    "DailySaving",
    "RecommendationSavingsView",
    "SavingsBaselineView",
    "SavingsDayView",
    "SavingsSummaryView",
    "accrue_daily_savings",
    "realization_rate",
    "record_baseline",
    "savings_daily",
    "savings_summary",
    "track_savings",
]
