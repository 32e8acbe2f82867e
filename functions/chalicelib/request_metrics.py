"""API request metrics in Lambda: CloudWatch Embedded Metric Format on stdout, with the names
and dimensions ``/metrics`` uses locally (:mod:`finops.observability.names`)."""

from __future__ import annotations

import os

from aws_lambda_powertools.metrics import MetricUnit, single_metric

from finops.observability import names
from finops.observability.http import RequestObserver

METRICS_NAMESPACE = "FinOps"


class EmfRequestMetrics:
    """One EMF document per metric and request: the count (route, method, status), the
    duration in seconds (route, method) and, for error replies, the error code."""

    def __init__(self, namespace: str = METRICS_NAMESPACE) -> None:
        self.namespace = namespace

    def observe(
        self, *, route: str, method: str, status: int, seconds: float, error_code: str | None
    ) -> None:
        with single_metric(
            name=names.HTTP_REQUESTS, unit=MetricUnit.Count, value=1, namespace=self.namespace
        ) as metric:
            metric.add_dimension("route", route)
            metric.add_dimension("method", method.upper())
            metric.add_dimension("status", str(status))
        with single_metric(
            name=names.HTTP_DURATION,
            unit=MetricUnit.Seconds,
            value=max(seconds, 0.0),
            namespace=self.namespace,
        ) as metric:
            metric.add_dimension("route", route)
            metric.add_dimension("method", method.upper())
        if error_code is not None:
            with single_metric(
                name=names.HTTP_ERRORS, unit=MetricUnit.Count, value=1, namespace=self.namespace
            ) as metric:
                metric.add_dimension("code", error_code)


def lambda_request_metrics() -> RequestObserver | None:
    """EMF request metrics when running in Lambda, else None (the local server has /metrics)."""
    return EmfRequestMetrics() if os.environ.get("AWS_LAMBDA_FUNCTION_NAME") else None
