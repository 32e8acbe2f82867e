"""The route table of the REST API: every area's routes joined in one tuple, and its OpenAPI
document.

Each area module (``meta``, ``costs``, ``inventory``, ``audit``, ``budgets``, ``insights``,
``recommendations``, ``savings``, ``anomalies``, ``forecasts``, ``remediation``) declares its
:class:`~finops.api.spec.RouteSpec` tuple ``ROUTES`` with the operations and models behind it.
The OpenAPI document is generated from this table and the Chalice app registers exactly these
routes, so documentation, validation and routing share one source.
"""

from __future__ import annotations

import functools
from typing import Any

from finops.api.openapi import build_openapi
from finops.api.routes import (
    anomalies,
    assistant,
    audit,
    budgets,
    costs,
    forecasts,
    insights,
    inventory,
    meta,
    recommendations,
    remediation,
    savings,
)
from finops.api.spec import API_PREFIX, RouteSpec

__all__ = ["API_PREFIX", "FALLBACK_METHODS", "FALLBACK_PATHS", "ROUTES", "openapi_document"]


@functools.cache
def openapi_document() -> dict[str, Any]:
    """The OpenAPI document of :data:`ROUTES`, built once per process (on first request).

    Callers must not mutate it.
    """
    return build_openapi(ROUTES)


ROUTES: tuple[RouteSpec, ...] = (
    *meta.ROUTES,
    meta.openapi_route(openapi_document),
    *costs.ROUTES,
    *assistant.ROUTES,
    *inventory.ROUTES,
    *audit.ROUTES,
    *budgets.ROUTES,
    *insights.ROUTES,
    *recommendations.ROUTES,
    *savings.ROUTES,
    *anomalies.ROUTES,
    *forecasts.ROUTES,
    *remediation.ROUTES,
)
"""Every route of the API, in the order the OpenAPI document lists them."""

FALLBACK_PATHS: tuple[str, ...] = ("/{p1}", "/{p1}/{p2}", "/{p1}/{p2}/{p3}")
"""Undocumented catch-all paths under ``/api/v1`` that answer 404 in the error envelope (without
them API Gateway and Chalice answer an unknown path with 403 "Missing Authentication Token")."""
FALLBACK_METHODS: tuple[str, ...] = ("GET", "POST", "PUT", "PATCH", "DELETE")
