"""The resolver: Vault, then Secrets Manager, then ``FINOPS_<NAME>`` environment variables."""

from __future__ import annotations

import functools
import hashlib
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from pydantic import SecretStr

from finops.core.errors import FinOpsError, NotFoundError
from finops.secrets.secrets_manager import SecretsManagerSource, region_of_arn
from finops.secrets.settings import SecretSettings, secret_settings_from_env, variable_name
from finops.secrets.vault import VaultSecretSource

logger = logging.getLogger(__name__)

# The variables a shared resolver is built from (its cache key); AWS_* because boto3 reads them.
_CONFIGURATION_PREFIXES = (
    "FINOPS_VAULT_",
    "FINOPS_SECRETS_MANAGER_",
    "FINOPS_DATABASE_SECRET_ARN",
    "FINOPS_AWS_",
    "AWS_",
)


class SecretSource(Protocol):
    """A place secrets are read from, consulted in order by :class:`SecretResolver`."""

    kind: str

    def describe(self) -> str:
        """The source and its path or id, safe for messages."""
        ...

    def get(self, name: str) -> SecretStr | None:
        """The secret ``name``, ``None`` when this source does not hold it. Raises a
        :class:`FinOpsError` when the source is configured but cannot answer."""
        ...


def _for_secret(exc: FinOpsError, name: str) -> FinOpsError:
    """The same error (same class, same details) with the secret's name in front."""
    return type(exc)(f"secret '{name}': {exc.message}", details={**exc.details, "secret": name})


@dataclass
class SecretResolver:
    """Resolves named secrets: Vault (if configured), then the Secrets Manager JSON secret (if
    configured), then the RDS credentials secret (``database_url`` only, if configured), then
    ``FINOPS_<NAME>``. The first source holding the name wins; an empty environment variable
    counts as unset. A configured source that fails raises (its error, naming the secret): it
    is never skipped silently, so a Vault outage cannot turn into a development value from the
    environment."""

    vault: VaultSecretSource | None = None
    secrets_manager: SecretsManagerSource | None = None
    database_secret: SecretsManagerSource | None = None
    # Not in repr: the environment mapping holds FINOPS_VAULT_TOKEN and every env secret.
    # None reads os.environ at each lookup.
    environ: Mapping[str, str] | None = field(default=None, repr=False)

    def sources(self) -> list[SecretSource]:
        """The configured remote sources, in lookup order (the environment comes after)."""
        remote = (self.vault, self.secrets_manager, self.database_secret)
        return [source for source in remote if source is not None]

    def get(self, name: str) -> SecretStr | None:
        """The secret called ``name`` or ``None`` when no source holds it."""
        for source in self.sources():
            try:
                value = source.get(name)
            except FinOpsError as exc:
                raise _for_secret(exc, name) from None
            if value is not None:
                logger.debug("secret resolved", extra={"secret": name, "source": source.kind})
                return value
        env = self.environ if self.environ is not None else os.environ
        raw = env.get(variable_name(name))
        if raw:
            logger.debug("secret resolved", extra={"secret": name, "source": "env"})
            return SecretStr(raw)
        return None

    def require(self, name: str) -> SecretStr:
        """The secret called ``name``; raises :class:`NotFoundError` naming it and every place
        looked in when absent."""
        value = self.get(name)
        if value is None:
            places = [source.describe() for source in self.sources()] + [variable_name(name)]
            raise NotFoundError(
                f"secret '{name}' is not set (looked in {', '.join(places)})",
                details={"secret": name},
            )
        return value


def build_resolver(
    settings: SecretSettings, *, environ: Mapping[str, str] | None = None
) -> SecretResolver:
    """A resolver whose sources ``settings`` select: Vault when ``vault_addr`` is set, Secrets
    Manager when ``secrets_manager_secret_id`` is set, the RDS credentials secret when
    ``database_secret_arn`` is set. Nothing is contacted here."""
    vault = None
    if settings.vault_addr:
        vault = VaultSecretSource(
            addr=settings.vault_addr,
            mount=settings.vault_mount,
            path=settings.vault_path,
            auth=settings.vault_auth,
            token=settings.vault_token,
            role_id=settings.vault_role_id,
            secret_id=settings.vault_secret_id,
            secret_id_file=settings.vault_secret_id_file,
            secret_id_wrapped=settings.vault_secret_id_wrapped,
            role=settings.vault_role,
            auth_mount=settings.vault_auth_mount,
            iam_server_id=settings.vault_iam_server_id,
            timeout=settings.vault_timeout_seconds,
            cache_ttl_seconds=settings.vault_cache_ttl_seconds,
            stale_grace_seconds=settings.vault_stale_grace_seconds,
        )
    secrets_manager = None
    if settings.secrets_manager_secret_id:
        secrets_manager = SecretsManagerSource(
            secret_id=settings.secrets_manager_secret_id,
            region=(
                settings.secrets_manager_region
                or region_of_arn(settings.secrets_manager_secret_id)
                or settings.aws_region
            ),
            endpoint_url=settings.aws_endpoint_url,
            cache_ttl_seconds=settings.secrets_manager_cache_ttl_seconds,
            stale_grace_seconds=settings.secrets_manager_stale_grace_seconds,
        )
    database_secret = None
    if settings.database_secret_arn:
        database_secret = SecretsManagerSource(
            secret_id=settings.database_secret_arn,
            layout="rds",
            region=region_of_arn(settings.database_secret_arn) or settings.aws_region,
            endpoint_url=settings.aws_endpoint_url,
            cache_ttl_seconds=settings.secrets_manager_cache_ttl_seconds,
            stale_grace_seconds=settings.secrets_manager_stale_grace_seconds,
        )
    return SecretResolver(
        vault=vault,
        secrets_manager=secrets_manager,
        database_secret=database_secret,
        environ=environ,
    )


def resolver_from_env(environ: Mapping[str, str] | None = None) -> SecretResolver:
    """A resolver configured from the ``FINOPS_VAULT_*`` / ``FINOPS_SECRETS_MANAGER_*`` variables.

    With ``environ`` given: a new resolver over that mapping (its cache is its own). Without:
    the process's shared resolver for the current configuration, so every caller shares one
    Vault login and one TTL cache (one per distinct configuration, at most 8 kept); it reads
    ``FINOPS_<NAME>`` from ``os.environ`` at each lookup. Raises :class:`ConfigurationError` for
    a malformed setting; a missing credential is reported at the first read instead.
    """
    if environ is not None:
        return build_resolver(secret_settings_from_env(environ), environ=dict(environ))
    return _shared_resolver(_configuration_key(os.environ))


def _configuration_key(environ: Mapping[str, str]) -> str:
    # A digest, so the cache key does not keep a second copy of a token in memory.
    items = sorted((k, v) for k, v in environ.items() if k.startswith(_CONFIGURATION_PREFIXES))
    return hashlib.sha256(repr(items).encode("utf-8")).hexdigest()


@functools.lru_cache(maxsize=8)
def _shared_resolver(_key: str) -> SecretResolver:
    return build_resolver(secret_settings_from_env(os.environ), environ=None)


def clear_shared_resolvers() -> None:
    """Forget the shared resolvers (and so their logins and cached values); for tests."""
    _shared_resolver.cache_clear()
