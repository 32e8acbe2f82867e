"""Track: cost queries (by period, dimension and currency) and summaries."""

from finops.costs.dimensions import Dimension, DimensionRef, parse_dimension
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
    "cost_summary",
    "parse_dimension",
    "query_costs",
]
