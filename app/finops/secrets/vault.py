"""Vault (HashiCorp Vault or OpenBao) KV v2 as a secret source, through hvac.

Authentication (``auth``):

- ``token``: a token given as configuration (``FINOPS_VAULT_TOKEN``); used as it is.
- ``approle``: ``role_id`` plus a secret id, given inline or read from ``secret_id_file`` at each
  login (a file an orchestrator may rotate). With ``secret_id_wrapped`` the secret id is a
  response-wrapping token, unwrapped once (``sys/wrapping/unwrap``) and the secret id inside kept
  in memory for later logins.
- ``aws_iam``: a ``sts:GetCallerIdentity`` request signed (SigV4) with the boto3 credential chain
  (the Lambda's role) and sent to ``auth/<mount>/login``. HashiCorp Vault only: OpenBao 2.x has no
  AWS auth method.

Guarantees:

- A token obtained by logging in is renewed once two thirds of its TTL have passed; when renewal
  fails or would give less than a third of the original TTL (its max TTL is near) the source logs
  in again. A read refused with 403 after a login is retried once after a fresh login (a token
  revoked or expired early). So reads keep working past a token's max TTL.
- The fields are cached per :mod:`finops.secrets.cache` (TTL, then a bounded grace period while
  Vault is unreachable).
- Errors name the Vault address, the auth method and mount and the KV path, and the hvac/requests
  error type. Never a token, a role id, a secret id, a wrapping token or a field value (Vault's own
  error text is left out too: it is not ours to vouch for).
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr

from finops.core.errors import ConfigurationError, IntegrationError
from finops.secrets.cache import CachedDocument, text_fields
from finops.secrets.exceptions import SecretSourceRefusedError, SecretSourceUnavailableError
from finops.secrets.settings import (
    DEFAULT_CACHE_TTL_SECONDS,
    DEFAULT_STALE_GRACE_SECONDS,
    DEFAULT_VAULT_TIMEOUT_SECONDS,
)

if TYPE_CHECKING:
    import requests

logger = logging.getLogger(__name__)

AUTH_METHODS = ("token", "approle", "aws_iam")
DEFAULT_AUTH_MOUNTS = {"approle": "approle", "aws_iam": "aws"}
RENEW_AFTER_FRACTION = 2 / 3
MIN_RENEWED_FRACTION = 1 / 3


def _is_transient(exc: BaseException) -> bool:
    """True when Vault could not be reached or failed on its side; False when it answered and
    refused (400, 401, 403, 404, 405, 412), which no retry or older value should paper over."""
    import hvac.exceptions as vault_errors
    import requests

    refused = (
        vault_errors.InvalidRequest,
        vault_errors.Unauthorized,
        vault_errors.Forbidden,
        vault_errors.InvalidPath,
        vault_errors.UnsupportedOperation,
        vault_errors.PreconditionFailed,
        vault_errors.ParamValidationError,
    )
    if isinstance(exc, refused):
        return False
    return isinstance(exc, vault_errors.VaultError | requests.exceptions.RequestException)


def _is_forbidden(exc: BaseException) -> bool:
    import hvac.exceptions as vault_errors

    return isinstance(exc, vault_errors.Forbidden)


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


@dataclass
class _Lease:
    """When the current login token was obtained, for how long, and whether it renews."""

    obtained_at: float
    seconds: float  # 0: the token does not expire
    renewable: bool
    original_seconds: float

    def due(self, now: float) -> bool:
        return self.seconds > 0 and now >= self.obtained_at + self.seconds * RENEW_AFTER_FRACTION

    def alive(self, now: float) -> bool:
        return self.seconds <= 0 or now < self.obtained_at + self.seconds


@dataclass(kw_only=True)
class VaultSecretSource:
    """Reads the fields of one KV v2 secret at ``mount/path``. Nothing is contacted until the
    first :meth:`get`; configuration errors (a missing token, role id or secret id) are raised
    then, before any request. ``http_session`` (a ``requests.Session``) lets tests replace the
    transport; ``clock`` (monotonic seconds) lets them move time."""

    addr: str
    mount: str = "secret"
    path: str = "finops"
    auth: str = "token"
    token: SecretStr | None = None
    role_id: SecretStr | None = None
    secret_id: SecretStr | None = None
    secret_id_file: Path | None = None
    secret_id_wrapped: bool = False
    role: str | None = None
    auth_mount: str | None = None
    iam_server_id: str | None = None
    timeout: float = DEFAULT_VAULT_TIMEOUT_SECONDS
    cache_ttl_seconds: float = DEFAULT_CACHE_TTL_SECONDS
    stale_grace_seconds: float = DEFAULT_STALE_GRACE_SECONDS
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)
    http_session: requests.Session | None = field(default=None, repr=False)
    _client: Any = field(default=None, init=False, repr=False)
    _lease: _Lease | None = field(default=None, init=False, repr=False)
    _unwrapped: tuple[str, SecretStr] | None = field(default=None, init=False, repr=False)
    _document: CachedDocument = field(init=False, repr=False)

    kind = "vault"

    def __post_init__(self) -> None:
        if self.auth not in AUTH_METHODS:
            raise ConfigurationError(
                f"FINOPS_VAULT_AUTH must be one of {', '.join(AUTH_METHODS)}",
                details={"parameter": "FINOPS_VAULT_AUTH"},
            )
        self._document = CachedDocument(
            describe=f"Vault {self.kv_path} at {self.addr}",
            fetch=self._fetch,
            ttl_seconds=self.cache_ttl_seconds,
            stale_grace_seconds=self.stale_grace_seconds,
            clock=self.clock,
        )

    @property
    def kv_path(self) -> str:
        return f"{self.mount}/{self.path}"

    @property
    def login_path(self) -> str:
        """``auth/<mount>/login`` of the configured auth method (``-`` for token auth)."""
        if self.auth == "token":
            return "-"
        return f"auth/{self.auth_mount or DEFAULT_AUTH_MOUNTS[self.auth]}/login"

    def describe(self) -> str:
        """What an error or log record may say about this source."""
        return f"Vault {self.kv_path}"

    def read_all(self) -> Mapping[str, str]:
        """All fields of the secret (read-only), cached per :mod:`finops.secrets.cache`."""
        return self._document.fields()

    def get(self, name: str) -> SecretStr | None:
        """Field ``name`` of the secret, or ``None`` when the secret has no such field."""
        value = self.read_all().get(name)
        return None if value is None else SecretStr(value)

    def __repr__(self) -> str:
        return (
            f"VaultSecretSource(addr={self.addr!r}, mount={self.mount!r}, path={self.path!r}, "
            f"auth={self.auth!r})"
        )

    # -- reading -----------------------------------------------------------------------------

    def _fetch(self) -> dict[str, str]:
        client = self._authenticated_client()
        try:
            response = self._read(client)
        except Exception as exc:
            if not (_is_forbidden(exc) and self.auth != "token"):
                raise self._read_error(exc) from None
            # A login token revoked or expired before its lease said: one fresh login, one retry.
            self._login(client)
            try:
                response = self._read(client)
            except Exception as retry_exc:
                raise self._read_error(retry_exc) from None
        try:
            data = response["data"]["data"]
        except (KeyError, TypeError):
            raise SecretSourceRefusedError(
                f"Vault {self.kv_path} at {self.addr} is not a KV v2 secret (no data.data)",
                details=self._details(),
            ) from None
        return text_fields(data)

    def _read(self, client: Any) -> Any:
        return client.secrets.kv.v2.read_secret_version(
            path=self.path, mount_point=self.mount, raise_on_deleted_version=True
        )

    def _read_error(self, exc: Exception) -> IntegrationError:
        error = SecretSourceUnavailableError if _is_transient(exc) else SecretSourceRefusedError
        return error(
            f"could not read Vault secret {self.kv_path} at {self.addr}: {type(exc).__name__}",
            details=self._details(),
        )

    def _details(self) -> dict[str, str]:
        return {"vault_addr": self.addr, "vault_path": self.kv_path, "vault_auth": self.auth}

    # -- authentication ----------------------------------------------------------------------

    def _new_client(self) -> Any:
        import hvac

        # token="" (not None): hvac would otherwise pick up VAULT_TOKEN or ~/.vault-token.
        return hvac.Client(url=self.addr, token="", timeout=self.timeout, session=self.http_session)

    def _authenticated_client(self) -> Any:
        if self._client is None:
            client = self._new_client()
            if self.auth == "token":
                if self.token is None:
                    raise ConfigurationError(
                        "FINOPS_VAULT_ADDR is set but FINOPS_VAULT_TOKEN is not (token auth)",
                        details=self._details(),
                    )
                client.token = self.token.get_secret_value()
            else:
                self._login(client)
            self._client = client
            return client
        lease = self._lease
        if lease is not None and lease.due(self.clock()) and not self._renew(self._client, lease):
            self._login(self._client)
        return self._client

    def _renew(self, client: Any, lease: _Lease) -> bool:
        now = self.clock()
        if not (lease.renewable and lease.alive(now)):
            return False
        try:
            auth = client.auth.token.renew_self()["auth"]
            seconds = float(auth["lease_duration"])
        except Exception as exc:
            logger.info(
                "Vault token renewal failed; logging in again",
                extra={"vault_addr": self.addr, "error": type(exc).__name__},
            )
            return False
        if seconds < lease.original_seconds * MIN_RENEWED_FRACTION:
            return False  # near its max TTL: a renewal buys too little
        self._lease = _Lease(now, seconds, bool(auth.get("renewable")), lease.original_seconds)
        return True

    def _login(self, client: Any) -> None:
        now = self.clock()
        if self.auth == "approle":
            role_id, secret_id = self._approle_credentials()
            login = self._attempt_login(
                lambda: client.auth.approle.login(
                    role_id=role_id, secret_id=secret_id, mount_point=self._mount_of_auth()
                )
            )
        else:
            access_key, secret_key, session_token = self._aws_credentials()
            login = self._attempt_login(
                lambda: client.auth.aws.iam_login(
                    access_key,
                    secret_key,
                    session_token,
                    header_value=self.iam_server_id,
                    role=self.role,
                    mount_point=self._mount_of_auth(),
                )
            )
        try:
            auth = login["auth"]
            client.token = auth["client_token"]
            seconds = float(auth.get("lease_duration") or 0)
        except (KeyError, TypeError):
            raise SecretSourceRefusedError(
                f"Vault {self.auth} login at {self.addr} ({self.login_path}) returned no token",
                details=self._details(),
            ) from None
        self._lease = _Lease(now, seconds, bool(auth.get("renewable")), seconds)
        logger.debug(
            "Vault login",
            extra={"vault_addr": self.addr, "vault_auth": self.auth, "ttl_seconds": seconds},
        )

    def _attempt_login(self, call: Callable[[], Any]) -> Any:
        try:
            return call()
        except Exception as exc:
            error = SecretSourceUnavailableError if _is_transient(exc) else SecretSourceRefusedError
            raise error(
                f"could not log in to Vault at {self.addr} with {self.auth} auth "
                f"({self.login_path}) to read {self.kv_path}: {type(exc).__name__}",
                details={**self._details(), "vault_login_path": self.login_path},
            ) from None

    def _mount_of_auth(self) -> str:
        return self.auth_mount or DEFAULT_AUTH_MOUNTS[self.auth]

    def _approle_credentials(self) -> tuple[str, str]:
        if self.role_id is None:
            raise ConfigurationError(
                "FINOPS_VAULT_AUTH=approle needs FINOPS_VAULT_ROLE_ID", details=self._details()
            )
        if (self.secret_id is None) == (self.secret_id_file is None):
            raise ConfigurationError(
                "FINOPS_VAULT_AUTH=approle needs exactly one of FINOPS_VAULT_SECRET_ID and "
                "FINOPS_VAULT_SECRET_ID_FILE",
                details=self._details(),
            )
        if self.secret_id is not None:
            given = self.secret_id.get_secret_value()
        else:
            given = self._read_secret_id_file()
        secret_id = self._unwrap(given) if self.secret_id_wrapped else given
        return self.role_id.get_secret_value(), secret_id

    def _read_secret_id_file(self) -> str:
        assert self.secret_id_file is not None
        try:
            text = self.secret_id_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigurationError(
                f"FINOPS_VAULT_SECRET_ID_FILE {self.secret_id_file} cannot be read: "
                f"{type(exc).__name__}",
                details={**self._details(), "file": str(self.secret_id_file)},
            ) from None
        if not text:
            raise ConfigurationError(
                f"FINOPS_VAULT_SECRET_ID_FILE {self.secret_id_file} is empty",
                details={**self._details(), "file": str(self.secret_id_file)},
            )
        return text

    def _unwrap(self, wrapping_token: str) -> str:
        """The secret id inside ``wrapping_token``. A wrapping token works once, so the result is
        kept; a new token (a rotated file) is unwrapped again."""
        digest = _digest(wrapping_token)
        if self._unwrapped is not None and self._unwrapped[0] == digest:
            return self._unwrapped[1].get_secret_value()
        try:
            # The wrapping token is the request's own token: no other token is needed or used.
            unwrapping = self._new_client()
            unwrapping.token = wrapping_token
            response = unwrapping.sys.unwrap()
            secret_id = str(response["data"]["secret_id"])
        except Exception as exc:
            transient = _is_transient(exc)
            error = SecretSourceUnavailableError if transient else SecretSourceRefusedError
            hint = (
                ""
                if transient
                else "; a wrapping token works once: if this process did not use it, "
                "treat it as intercepted"
            )
            raise error(
                f"could not unwrap the AppRole secret id (FINOPS_VAULT_SECRET_ID_WRAPPED) at "
                f"{self.addr}: {type(exc).__name__}{hint}",
                details=self._details(),
            ) from None
        self._unwrapped = (digest, SecretStr(secret_id))
        return secret_id

    def _aws_credentials(self) -> tuple[str, str, str | None]:
        import boto3

        # A new session per login: the role's temporary credentials rotate under a long process.
        credentials = boto3.session.Session().get_credentials()
        if credentials is None:
            raise ConfigurationError(
                "Vault AWS IAM auth needs AWS credentials (the boto3 chain found none)",
                details=self._details(),
            )
        frozen = credentials.get_frozen_credentials()
        if not (frozen.access_key and frozen.secret_key):
            raise ConfigurationError(
                "Vault AWS IAM auth needs an AWS access key and secret key (the boto3 chain "
                "found an incomplete pair)",
                details=self._details(),
            )
        return frozen.access_key, frozen.secret_key, frozen.token
