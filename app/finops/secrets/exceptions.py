"""Errors of secret resolution. Both are :class:`finops.core.errors.IntegrationError` subclasses,
so an adapter that maps ``IntegrationError`` maps them too.

Messages name the secret, the source and its path or id only: never a value, a token, a role id
or a secret id (not even a part of one).
"""

from __future__ import annotations

from finops.core.errors import IntegrationError


class SecretSourceUnavailableError(IntegrationError):
    """A secret source could not be reached or failed on its side (connection refused, timeout,
    5xx, sealed, throttled). The only failure a cached value outlives: see
    :class:`finops.secrets.cache.CachedDocument`."""


class SecretSourceRefusedError(IntegrationError):
    """A secret source answered and refused (denied, not found, bad credentials, malformed
    request). Definitive: the cached value of that source is dropped at once, so a revocation
    takes effect on the next read."""
