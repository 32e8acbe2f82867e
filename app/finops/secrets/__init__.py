"""Run-time secret resolution: Vault (KV v2, via hvac), then AWS Secrets Manager, then the
environment. The full rules, every setting and the operator's steps are in ``docs/secrets.md``.

Guarantees:

- Lookup order for a name such as ``database_url``: the Vault secret ``<mount>/<path>``, field
  ``database_url`` (when ``FINOPS_VAULT_ADDR`` is set); then key ``database_url`` of the JSON
  secret ``FINOPS_SECRETS_MANAGER_SECRET_ID`` (when set); then ``FINOPS_DATABASE_URL``. A
  configured source that fails raises; it is not skipped.
- A resolved secret is a :class:`pydantic.SecretStr`; its ``repr``/``str`` is masked.
- No secret value, token, role id or secret id is ever logged, put into an exception message or
  shown by a ``repr``; errors name the secret, the source and its path or id only.
- A value read from Vault or Secrets Manager is cached for its source's TTL (default 300 s), so
  a rotation is seen without a restart; while a source is unreachable the last good value is
  served for a bounded grace period (default 900 s) with a warning (:mod:`finops.secrets.cache`).
- Vault auth: ``token``, ``approle`` (the token is renewed, or re-obtained by logging in again)
  or ``aws_iam`` (HashiCorp Vault, e.g. from Lambda).
"""

from __future__ import annotations

from finops.secrets.cache import CachedDocument
from finops.secrets.exceptions import SecretSourceRefusedError, SecretSourceUnavailableError
from finops.secrets.resolver import (
    SecretResolver,
    SecretSource,
    build_resolver,
    clear_shared_resolvers,
    resolver_from_env,
)
from finops.secrets.secrets_manager import SecretsManagerSource
from finops.secrets.settings import SecretSettings, secret_settings_from_env
from finops.secrets.vault import VaultSecretSource

__all__ = [
    "CachedDocument",
    "SecretResolver",
    "SecretSettings",
    "SecretSource",
    "SecretSourceRefusedError",
    "SecretSourceUnavailableError",
    "SecretsManagerSource",
    "VaultSecretSource",
    "build_resolver",
    "clear_shared_resolvers",
    "resolver_from_env",
    "secret_settings_from_env",
]
