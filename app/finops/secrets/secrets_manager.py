"""AWS Secrets Manager as a secret source, in one of two layouts.

- ``names`` (``FINOPS_SECRETS_MANAGER_SECRET_ID``): a JSON object whose keys are the secret
  names. ``{"database_url": "postgresql+psycopg2://...", "webhook_budgets": "https://..."}``
  serves ``database_url`` and ``webhook_budgets``.
- ``rds`` (``FINOPS_DATABASE_SECRET_ARN``, what the CDK stack sets): the credentials secret RDS
  generates and rotates (``username``, ``password``, ``host``, ``port``, ``dbname``,
  ``engine``). It serves one name, ``database_url``, built from those fields (PostgreSQL only).

The version read is ``AWSCURRENT``, so a rotation (``put_secret_value``, or a rotation Lambda)
is seen once the cached copy's TTL has passed.

Guarantees: the boto3 client is built on first use from the default credential chain; the region
is the explicit one, else the ARN's, else ``FINOPS_AWS_REGION``, else boto3's own (``AWS_REGION``
...), else us-east-1; ``FINOPS_AWS_ENDPOINT_URL`` (or boto3's ``AWS_ENDPOINT_URL``) points it at
an emulator. Errors name the secret id, the region and the AWS error code; never a value.
botocore logs every response body at DEBUG, ``GetSecretValue``'s too: while this module reads a
secret, those records are dropped (a filter on the ``botocore.parsers`` logger), so even a root
logger at DEBUG never receives a value.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import SecretStr

from finops.core.errors import ConfigurationError, IntegrationError
from finops.secrets.cache import CachedDocument, text_fields
from finops.secrets.exceptions import SecretSourceRefusedError, SecretSourceUnavailableError
from finops.secrets.settings import DEFAULT_CACHE_TTL_SECONDS, DEFAULT_STALE_GRACE_SECONDS

DEFAULT_REGION = "us-east-1"
Layout = Literal["names", "rds"]
POSTGRES_ENGINES = frozenset({"postgres", "postgresql", "aurora-postgresql"})
TIMEOUT_SECONDS = 5.0
# Codes meaning "the service failed or throttled", not "the service said no".
TRANSIENT_CODES = frozenset(
    {
        "InternalServiceError",
        "InternalFailure",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "ThrottlingException",
        "Throttling",
        "RequestTimeout",
        "RequestTimeoutException",
    }
)


_READING_SECRET: ContextVar[bool] = ContextVar("finops_reading_secret", default=False)
BOTOCORE_BODY_LOGGERS = ("botocore.parsers",)


class _DropRecordsWhileReadingASecret(logging.Filter):
    """Drops every record of the logger it is attached to while this thread (or task) is inside
    :func:`_reading_secret`; other records pass untouched."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not _READING_SECRET.get()


_DROP_WHILE_READING = _DropRecordsWhileReadingASecret()


@contextmanager
def _reading_secret() -> Iterator[None]:
    for name in BOTOCORE_BODY_LOGGERS:
        logger = logging.getLogger(name)
        if _DROP_WHILE_READING not in logger.filters:
            logger.addFilter(_DROP_WHILE_READING)
    token = _READING_SECRET.set(True)
    try:
        yield
    finally:
        _READING_SECRET.reset(token)


def region_of_arn(secret_id: str) -> str | None:
    """``us-west-2`` for ``arn:aws:secretsmanager:us-west-2:123456789012:secret:x``; else None."""
    parts = secret_id.split(":")
    if len(parts) >= 6 and parts[0] == "arn" and parts[2] == "secretsmanager" and parts[3]:
        return parts[3]
    return None


def _classify(exc: Exception) -> tuple[bool, str]:
    """(transient?, the name an error message may show) for a boto3 failure."""
    from botocore.exceptions import ClientError, HTTPClientError
    from botocore.exceptions import ConnectionError as BotoConnectionError

    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code") or "ClientError")
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
        return code in TRANSIENT_CODES or status >= 500, code
    return isinstance(exc, BotoConnectionError | HTTPClientError), type(exc).__name__


@dataclass(kw_only=True)
class SecretsManagerSource:
    """Reads the JSON object stored in the Secrets Manager secret ``secret_id`` (cached per
    :mod:`finops.secrets.cache`). ``client_factory`` (returning a boto3 ``secretsmanager``
    client) lets tests replace the client; ``clock`` lets them move time."""

    secret_id: str
    layout: Layout = "names"
    region: str | None = None
    endpoint_url: str | None = None
    cache_ttl_seconds: float = DEFAULT_CACHE_TTL_SECONDS
    stale_grace_seconds: float = DEFAULT_STALE_GRACE_SECONDS
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)
    client_factory: Callable[[], Any] | None = field(default=None, repr=False)
    _client: Any = field(default=None, init=False, repr=False)
    _document: CachedDocument = field(init=False, repr=False)

    kind = "secrets_manager"

    def __post_init__(self) -> None:
        self._document = CachedDocument(
            describe=f"Secrets Manager {self.secret_id}",
            fetch=self._fetch,
            ttl_seconds=self.cache_ttl_seconds,
            stale_grace_seconds=self.stale_grace_seconds,
            clock=self.clock,
        )

    def describe(self) -> str:
        """What an error or log record may say about this source."""
        return f"Secrets Manager {self.secret_id}"

    def read_all(self) -> Mapping[str, str]:
        """All keys of the secret's JSON object (read-only), cached."""
        return self._document.fields()

    def get(self, name: str) -> SecretStr | None:
        """Key ``name`` of the secret's JSON object, or ``None`` when it has no such key. The
        ``rds`` layout holds ``database_url`` only: any other name is ``None`` without a call."""
        if self.layout == "rds" and name != "database_url":
            return None
        value = self.read_all().get(name)
        return None if value is None else SecretStr(value)

    def __repr__(self) -> str:
        return (
            f"SecretsManagerSource(secret_id={self.secret_id!r}, layout={self.layout!r}, "
            f"region={self.region!r})"
        )

    def _client_or_new(self) -> Any:
        if self._client is None:
            self._client = (self.client_factory or self._boto3_client)()
        return self._client

    def _boto3_client(self) -> Any:
        import boto3
        from botocore.config import Config

        session = boto3.session.Session()
        self.region = (
            self.region or region_of_arn(self.secret_id) or session.region_name or DEFAULT_REGION
        )
        return session.client(
            "secretsmanager",
            region_name=self.region,
            endpoint_url=self.endpoint_url or None,
            config=Config(
                retries={"max_attempts": 2, "mode": "standard"},
                connect_timeout=TIMEOUT_SECONDS,
                read_timeout=TIMEOUT_SECONDS,
            ),
        )

    def _fetch(self) -> dict[str, str]:
        try:
            client = self._client_or_new()
            with _reading_secret():
                response = client.get_secret_value(SecretId=self.secret_id)
        except Exception as exc:
            raise self._error(exc) from None
        text = response.get("SecretString")
        if not isinstance(text, str):
            raise ConfigurationError(
                f"Secrets Manager secret {self.secret_id} holds no SecretString; store a JSON "
                "object of secret name -> value",
                details=self._details(),
            )
        try:
            document = json.loads(text)
        except ValueError:
            document = None
        if not isinstance(document, dict):
            raise ConfigurationError(
                f"Secrets Manager secret {self.secret_id} is not a JSON object of secret "
                "name -> value",
                details=self._details(),
            )
        if self.layout == "rds":
            return {"database_url": self._rds_database_url(document)}
        return text_fields(document)

    def _rds_database_url(self, document: Mapping[str, Any]) -> str:
        """The SQLAlchemy URL of an RDS credentials secret (the password URL-escaped)."""
        from sqlalchemy.engine import URL

        engine = str(document.get("engine") or "postgres")
        if engine not in POSTGRES_ENGINES:
            raise ConfigurationError(
                f"Secrets Manager secret {self.secret_id} is for engine {engine!r}; the platform "
                "needs PostgreSQL",
                details=self._details(),
            )
        missing = [key for key in ("username", "password", "host") if not document.get(key)]
        try:
            port = int(document.get("port") or 5432)
        except (TypeError, ValueError):
            missing.append("port (a number)")
        if missing:
            raise ConfigurationError(
                f"Secrets Manager secret {self.secret_id} is not an RDS credentials secret: "
                f"no {', '.join(missing)}",
                details=self._details(),
            )
        url = URL.create(
            "postgresql+psycopg2",
            username=str(document["username"]),
            password=str(document["password"]),
            host=str(document["host"]),
            port=port,
            database=str(document.get("dbname") or "postgres"),
        )
        return url.render_as_string(hide_password=False)

    def _error(self, exc: Exception) -> IntegrationError | ConfigurationError:
        from botocore.exceptions import NoCredentialsError, PartialCredentialsError

        if isinstance(exc, NoCredentialsError | PartialCredentialsError):
            return ConfigurationError(
                f"Secrets Manager secret {self.secret_id} needs AWS credentials (the boto3 "
                f"chain found none): {type(exc).__name__}",
                details=self._details(),
            )
        transient, name = _classify(exc)
        error = SecretSourceUnavailableError if transient else SecretSourceRefusedError
        return error(
            f"could not read Secrets Manager secret {self.secret_id} in "
            f"{self.region or 'the default region'}: {name}",
            details=self._details(),
        )

    def _details(self) -> dict[str, str]:
        return {"secrets_manager_secret_id": self.secret_id, "region": self.region or ""}
