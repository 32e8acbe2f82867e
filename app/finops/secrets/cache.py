"""A secret document (all fields of one Vault secret or one Secrets Manager secret) cached for a
TTL, with a bounded grace period when its source becomes unreachable.

The rule, in full:

1. A document read successfully is served from memory for ``ttl_seconds``; the first read after
   that asks the source again, so a rotated value is seen at most ``ttl_seconds`` late.
   ``ttl_seconds = 0`` asks the source on every read.
2. When that refresh fails with :class:`SecretSourceUnavailableError` (the source cannot be
   reached or failed on its side), the last good document is served for up to
   ``stale_grace_seconds`` past its expiry, with one WARNING log record per failed refresh (the
   source and the age, never a value). A failed refresh is retried at most every
   ``min(ttl_seconds, STALE_RETRY_SECONDS)``, so an outage does not add a timeout to every read.
3. After the grace period the unavailable-error is raised.
4. Any other failure (the source answered and refused: denied, not found, bad credentials, or a
   malformed document) drops the cached document at once and is raised: a revoked secret or a
   revoked policy must not live on in memory.

A document is fetched by one thread at a time (a lock), so concurrent readers do not stampede.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from finops.core.errors import ConfigurationError
from finops.secrets.exceptions import SecretSourceUnavailableError

logger = logging.getLogger(__name__)

STALE_RETRY_SECONDS = 30.0


def text_fields(document: Mapping[str, Any]) -> dict[str, str]:
    """Every field of ``document`` as text: strings as they are, anything else as JSON
    (``true``, ``5432``, ``{"a": 1}``); ``None`` fields are left out (they are "not set")."""
    return {
        str(key): value if isinstance(value, str) else json.dumps(value, sort_keys=True)
        for key, value in document.items()
        if value is not None
    }


@dataclass
class CachedDocument:
    """The fields of one secret document, read through ``fetch`` at most once per TTL.

    ``describe`` names the source for log records and must not hold a secret (e.g.
    ``"Vault secret/finops at http://vault:8200"``). ``clock`` is monotonic seconds (injectable
    for tests).
    """

    describe: str
    fetch: Callable[[], Mapping[str, str]] = field(repr=False)
    ttl_seconds: float
    stale_grace_seconds: float
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)
    _fields: Mapping[str, str] | None = field(default=None, init=False, repr=False)
    _fetched_at: float = field(default=0.0, init=False, repr=False)
    _next_refresh_at: float = field(default=0.0, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def __post_init__(self) -> None:
        for name in ("ttl_seconds", "stale_grace_seconds"):
            value = getattr(self, name)
            if not value >= 0:  # also refuses NaN
                raise ConfigurationError(
                    f"{name} of {self.describe} must be a number >= 0",
                    details={"parameter": name, "source": self.describe},
                )

    def fields(self) -> Mapping[str, str]:
        """The document's fields (read-only), fresh within the TTL or stale within the grace
        period. Raises what ``fetch`` raised when neither applies (see the module rule)."""
        with self._lock:
            now = self.clock()
            if self._fields is not None and now < self._next_refresh_at:
                return self._fields
            try:
                fresh = self.fetch()
            except SecretSourceUnavailableError as exc:
                return self._stale_or_raise(now, exc)
            except Exception:
                self._fields = None  # the source said no: nothing it served may outlive that
                raise
            self._fields = MappingProxyType(dict(fresh))
            self._fetched_at = now
            self._next_refresh_at = now + self.ttl_seconds
            return self._fields

    def _stale_or_raise(self, now: float, exc: SecretSourceUnavailableError) -> Mapping[str, str]:
        if self._fields is None:
            raise exc
        age = now - self._fetched_at
        if age >= self.ttl_seconds + self.stale_grace_seconds:
            raise SecretSourceUnavailableError(
                f"{exc.message}; the last good value (read {age:.0f}s ago) is past its TTL "
                f"({self.ttl_seconds:g}s) plus grace period ({self.stale_grace_seconds:g}s)",
                details={**exc.details, "stale_age_seconds": round(age, 1)},
            ) from None
        self._next_refresh_at = now + min(self.ttl_seconds, STALE_RETRY_SECONDS)
        logger.warning(
            "secret source unavailable; serving the last good value",
            extra={
                "secret_source": self.describe,
                "age_seconds": round(age, 1),
                "grace_seconds": self.stale_grace_seconds,
                "error": type(exc).__name__,
            },
        )
        return self._fields

    def clear(self) -> None:
        """Forget the cached document: the next :meth:`fields` asks the source."""
        with self._lock:
            self._fields = None
