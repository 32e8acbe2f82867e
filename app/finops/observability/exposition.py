"""The metrics text a scrape of the serving process returns."""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest


def render(registry: CollectorRegistry) -> tuple[bytes, str]:
    """``(body, content type)`` in the Prometheus text format."""
    return generate_latest(registry), CONTENT_TYPE_LATEST
