"""Track: cost queries (by period, dimension and currency), summaries and listings."""

from finops.costs.dimensions import Dimension, DimensionRef, parse_dimension
from finops.costs.inventory import (
    IngestionRunWithFiles,
    list_accounts,
    list_ingestions,
    list_resources,
    list_usage,
)
from finops.costs.query import (
    CostAmounts,
    CostQuery,
    CostResult,
    CostRow,
    CostTotal,
    query_costs,
)
from finops.costs.summary import CostSummary, CurrencySummary, cost_summary

__all__ = [
    "CostAmounts",
    "CostQuery",
    "CostResult",
    "CostRow",
    "CostSummary",
    "CostTotal",
    "CurrencySummary",
    "Dimension",
    "DimensionRef",
    "IngestionRunWithFiles",
    "cost_summary",
    "list_accounts",
    "list_ingestions",
    "list_resources",
    "list_usage",
    "parse_dimension",
    "query_costs",
]
