"""API request metrics: one registry per serving process; labels bounded by the route table."""

from __future__ import annotations

from typing import Protocol

from prometheus_client import CollectorRegistry, Counter, Histogram

from finops.observability import names

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
UNMATCHED_ROUTE = "unmatched"


class RequestObserver(Protocol):
    """Records one answered API request (Prometheus here, CloudWatch EMF in Lambda)."""

    def observe(
        self, *, route: str, method: str, status: int, seconds: float, error_code: str | None
    ) -> None: ...


class HttpMetrics:
    """Counters and a latency histogram for answered API requests.

    ``route`` must be a route template (``/api/v1/anomalies/{anomaly_id}``) or
    :data:`UNMATCHED_ROUTE`, never a raw path, so the number of series stays bounded.
    """

    def __init__(self, registry: CollectorRegistry) -> None:
        self.requests = Counter(
            names.HTTP_REQUESTS.removesuffix("_total"),
            names.HTTP_REQUESTS_HELP,
            ["route", "method", "status"],
            registry=registry,
        )
        self.duration = Histogram(
            names.HTTP_DURATION,
            names.HTTP_DURATION_HELP,
            ["route", "method"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.errors = Counter(
            names.HTTP_ERRORS.removesuffix("_total"),
            names.HTTP_ERRORS_HELP,
            ["code"],
            registry=registry,
        )

    def observe(
        self, *, route: str, method: str, status: int, seconds: float, error_code: str | None
    ) -> None:
        """Record one answered request (``error_code`` from the error envelope, if any)."""
        self.requests.labels(route=route, method=method.upper(), status=str(status)).inc()
        self.duration.labels(route=route, method=method.upper()).observe(max(seconds, 0.0))
        if error_code is not None:
            self.errors.labels(code=error_code).inc()
