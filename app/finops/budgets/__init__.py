"""Govern: budgets on any scope with alerts on actual and forecast spend, sent to webhooks."""

from finops.budgets.service import (
    BudgetSpec,
    BudgetStatus,
    ThresholdSpec,
    budget_status,
    create_budget,
    delete_budget,
    evaluate_budgets,
    get_budget,
    list_alerts,
    list_budgets,
    update_budget,
)

__all__ = [
    "BudgetSpec",
    "BudgetStatus",
    "ThresholdSpec",
    "budget_status",
    "create_budget",
    "delete_budget",
    "evaluate_budgets",
    "get_budget",
    "list_alerts",
    "list_budgets",
    "update_budget",
]
