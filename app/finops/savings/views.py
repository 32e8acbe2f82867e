"""The savings documents the API returns and the CLI prints: a recommendation's baseline, its
estimate vs realized to date, the totals per account and per currency, and one day's savings."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from finops.core.models import ViewModel
from finops.core.money import DecimalStr


class SavingsBaselineView(ViewModel):
    """What an applied recommendation is measured against (built from a ``SavingsBaseline``)."""

    recommendation_id: int
    resource_id: str
    account_id: str | None
    applied_on: dt.date
    baseline_start: dt.date
    baseline_end: dt.date
    baseline_days: int = Field(description="Days of the baseline window that carried cost.")
    billing_currency: str
    baseline_daily_cost: DecimalStr
    estimated_monthly_saving: DecimalStr
    estimated_daily_saving: DecimalStr


class RecommendationSavingsView(SavingsBaselineView):
    """One applied recommendation: its baseline, estimated vs realized to date, and the rate."""

    kind: str
    action: str
    days_tracked: int
    last_day: dt.date | None = Field(description="The last day accrued; null before the first.")
    estimated_to_date: DecimalStr
    realized_to_date: DecimalStr
    realization_rate: DecimalStr | None = Field(
        description="Realized / estimated to date; null when nothing was estimated."
    )


class AccountSavingsView(ViewModel):
    """The applied recommendations of one account in one currency, summed."""

    account_id: str | None
    billing_currency: str
    recommendations: int
    estimated_monthly_saving: DecimalStr
    estimated_to_date: DecimalStr
    realized_to_date: DecimalStr
    realization_rate: DecimalStr | None


class CurrencySavingsView(ViewModel):
    """The applied recommendations billed in one currency, summed (never added across)."""

    billing_currency: str
    recommendations: int
    estimated_monthly_saving: DecimalStr
    estimated_to_date: DecimalStr
    realized_to_date: DecimalStr
    realization_rate: DecimalStr | None


class SavingsSummaryView(ViewModel):
    """Estimated vs realized savings per recommendation, per account and per currency."""

    recommendations: list[RecommendationSavingsView] = Field(
        description="Per applied recommendation: baseline, estimate, realized to date, rate."
    )
    accounts: list[AccountSavingsView] = Field(description="Per account and currency.")
    totals: list[CurrencySavingsView] = Field(description="Per currency (never added across).")


class SavingsDayView(ViewModel):
    """Estimated vs realized saving of one day in one currency, summed exactly."""

    day: dt.date
    currency: str
    recommendations: int = Field(description="Applied recommendations tracked that day.")
    billed: int = Field(description="Of those, how many have that day's bill in.")
    estimated: DecimalStr
    realized: DecimalStr
