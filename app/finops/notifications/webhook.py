"""Webhook delivery (Slack-compatible JSON), with retries; URLs come from the secret store.

Guarantees: the webhook URL is resolved at send time through :class:`finops.secrets.SecretResolver`
(Vault KV v2 or ``FINOPS_<NAME>``) and never logged or stored; an error message names the secret,
never its value. Each attempt is counted; the caller records the outcome.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from finops.secrets import SecretResolver

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeliveryResult:
    delivered: bool
    attempts: int
    error: str | None


def post_json(url: str, document: dict[str, Any], *, timeout: float = 5.0) -> int:
    """POST ``document`` as JSON; returns the HTTP status (raises for connection errors)."""
    request = urllib.request.Request(  # noqa: S310 - the URL is operator-configured, http(s) only
        url,
        data=json.dumps(document).encode("utf-8"),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    if not url.startswith(("http://", "https://")):
        raise ValueError("webhook URL must be http(s)")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def deliver_webhook(
    *,
    resolver: SecretResolver,
    secret_name: str,
    document: dict[str, Any],
    attempts: int = 3,
    backoff_seconds: float = 0.5,
    sleep: Callable[[float], None] = time.sleep,
) -> DeliveryResult:
    """Send ``document`` to the webhook stored under ``secret_name``, retrying with backoff on a
    connection error or a 5xx/429 answer. A 4xx answer other than 429 is not retried."""
    secret = resolver.get(secret_name)
    if secret is None:
        return DeliveryResult(False, 0, f"webhook secret '{secret_name}' is not set")
    url = secret.get_secret_value()
    error: str | None = None
    for attempt in range(1, attempts + 1):
        try:
            status = post_json(url, document)
        except (OSError, ValueError) as exc:
            error = f"attempt {attempt}: {type(exc).__name__}"
        else:
            if 200 <= status < 300:
                return DeliveryResult(True, attempt, None)
            error = f"attempt {attempt}: HTTP {status}"
            if 400 <= status < 500 and status != 429:
                return DeliveryResult(False, attempt, error)
        if attempt < attempts:
            sleep(backoff_seconds * 2 ** (attempt - 1))
    logger.warning("webhook delivery failed", extra={"secret": secret_name})
    return DeliveryResult(False, attempts, error)
