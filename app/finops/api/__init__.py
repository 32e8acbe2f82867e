"""The REST API's contract: request/response models, the route table and the OpenAPI document.

Framework-free: the Chalice project in ``functions/`` registers these routes; nothing here
imports Chalice.
"""

from finops.api.routes import API_PREFIX, ROUTES, OperationContext, Reply, RouteSpec
from finops.core.money import MoneyStr, format_money

__all__ = [
    "API_PREFIX",
    "ROUTES",
    "MoneyStr",
    "OperationContext",
    "Reply",
    "RouteSpec",
    "format_money",
]
