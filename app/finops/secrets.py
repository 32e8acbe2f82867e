"""Run-time secret resolution: Vault (KV v2, via hvac) when configured, else environment.

Guarantees:
- A resolved secret is returned as :class:`pydantic.SecretStr`; its ``repr``/``str`` is masked.
- No secret value is ever logged or put into an exception message; errors name the secret's
  *name* and the Vault path only.
- Lookup order for a name such as ``database_url``: Vault ``<mount>/<path>`` field
  ``database_url`` (when ``FINOPS_VAULT_ADDR`` is set), then the environment variable
  ``FINOPS_DATABASE_URL``.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from typing import Any

from pydantic import SecretStr

from finops.core.errors import ConfigurationError, IntegrationError, NotFoundError

logger = logging.getLogger(__name__)


@dataclass
class VaultSecretSource:
    """Reads fields of one KV v2 secret. The client is built lazily, on first use."""

    addr: str
    mount: str = "secret"
    path: str = "finops"
    token: SecretStr | None = None
    auth: str = "token"
    role: str | None = None
    timeout: float = 5.0
    _cache: dict[str, Any] | None = field(default=None, init=False, repr=False)

    def _client(self) -> Any:
        import hvac

        client = hvac.Client(url=self.addr, timeout=self.timeout)
        if self.auth == "aws_iam":
            import boto3

            creds = boto3.Session().get_credentials()
            if creds is None:
                raise ConfigurationError("Vault AWS IAM auth needs AWS credentials; none found")
            frozen = creds.get_frozen_credentials()
            client.auth.aws.iam_login(
                frozen.access_key, frozen.secret_key, frozen.token, role=self.role
            )
        else:
            if self.token is None:
                raise ConfigurationError(
                    "FINOPS_VAULT_ADDR is set but FINOPS_VAULT_TOKEN is not (token auth)"
                )
            client.token = self.token.get_secret_value()
        return client

    def read_all(self) -> dict[str, Any]:
        """All fields of the secret at ``mount/path`` (cached for the life of this source)."""
        if self._cache is None:
            try:
                response = self._client().secrets.kv.v2.read_secret_version(
                    path=self.path, mount_point=self.mount, raise_on_deleted_version=True
                )
            except ConfigurationError:
                raise
            except Exception as exc:  # hvac raises many types; none may leak a token
                raise IntegrationError(
                    f"could not read Vault secret {self.mount}/{self.path} at {self.addr}: "
                    f"{type(exc).__name__}",
                    details={"vault_path": f"{self.mount}/{self.path}"},
                ) from None
            self._cache = dict(response["data"]["data"])
        return self._cache

    def get(self, name: str) -> SecretStr | None:
        value = self.read_all().get(name)
        return None if value is None else SecretStr(str(value))

    def __repr__(self) -> str:
        return f"VaultSecretSource(addr={self.addr!r}, mount={self.mount!r}, path={self.path!r})"


@dataclass
class SecretResolver:
    """Resolves named secrets from Vault first (if configured), then ``FINOPS_<NAME>`` env vars."""

    vault: VaultSecretSource | None = None
    # Not in repr: the environment mapping holds FINOPS_VAULT_TOKEN and every env secret.
    environ: dict[str, str] | None = field(default=None, repr=False)

    def get(self, name: str) -> SecretStr | None:
        """The secret called ``name`` or ``None`` when no source holds it."""
        if self.vault is not None:
            value = self.vault.get(name)
            if value is not None:
                logger.debug("secret resolved", extra={"secret": name, "source": "vault"})
                return value
        env = self.environ if self.environ is not None else os.environ
        raw = env.get(f"FINOPS_{name.upper()}")
        if raw:
            logger.debug("secret resolved", extra={"secret": name, "source": "env"})
            return SecretStr(raw)
        return None

    def require(self, name: str) -> SecretStr:
        """The secret called ``name``; raises :class:`NotFoundError` naming it when absent."""
        value = self.get(name)
        if value is None:
            where = "Vault or " if self.vault is not None else ""
            raise NotFoundError(
                f"secret '{name}' is not set (looked in {where}FINOPS_{name.upper()})",
                details={"secret": name},
            )
        return value


def resolver_from_env(environ: dict[str, str] | None = None) -> SecretResolver:
    """A resolver configured from ``FINOPS_VAULT_*`` variables (Vault only when ADDR is set)."""
    env = environ if environ is not None else dict(os.environ)
    addr = env.get("FINOPS_VAULT_ADDR")
    vault = None
    if addr:
        token = env.get("FINOPS_VAULT_TOKEN")
        vault = VaultSecretSource(
            addr=addr,
            mount=env.get("FINOPS_VAULT_MOUNT", "secret"),
            path=env.get("FINOPS_VAULT_PATH", "finops"),
            token=SecretStr(token) if token else None,
            auth=env.get("FINOPS_VAULT_AUTH", "token"),
            role=env.get("FINOPS_VAULT_ROLE"),
        )
    return SecretResolver(vault=vault, environ=env)
