"""The ``FINOPS_VAULT_*`` and ``FINOPS_SECRETS_MANAGER_*`` settings of secret resolution.

:mod:`finops.config` may not be imported from here (the two are sibling layers), so these are
parsed on their own; ``tests/unit/test_secrets_settings.py`` proves both declare the same names
and defaults. A value that cannot be parsed raises :class:`ConfigurationError` naming the
variable, never echoing the value. An empty variable counts as unset.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from finops.core.errors import ConfigurationError

ENV_PREFIX = "FINOPS_"
VaultAuth = Literal["token", "approle", "aws_iam"]

DEFAULT_VAULT_TIMEOUT_SECONDS = 5.0
DEFAULT_CACHE_TTL_SECONDS = 300.0
DEFAULT_STALE_GRACE_SECONDS = 900.0


class SecretSettings(BaseModel):
    """Where secrets come from and how long a read value is kept. ``repr`` masks credentials."""

    model_config = ConfigDict(extra="ignore", frozen=True, hide_input_in_errors=True)

    vault_addr: str | None = None
    vault_mount: str = "secret"
    vault_path: str = "finops"
    vault_auth: VaultAuth = "token"
    vault_token: SecretStr | None = None
    vault_role_id: SecretStr | None = None
    vault_secret_id: SecretStr | None = None
    vault_secret_id_file: Path | None = None
    vault_secret_id_wrapped: bool = False
    vault_role: str | None = None
    vault_auth_mount: str | None = None
    vault_iam_server_id: str | None = None
    vault_timeout_seconds: float = Field(default=DEFAULT_VAULT_TIMEOUT_SECONDS, gt=0)
    vault_cache_ttl_seconds: float = Field(default=DEFAULT_CACHE_TTL_SECONDS, ge=0)
    vault_stale_grace_seconds: float = Field(default=DEFAULT_STALE_GRACE_SECONDS, ge=0)
    secrets_manager_secret_id: str | None = None
    secrets_manager_region: str | None = None
    secrets_manager_cache_ttl_seconds: float = Field(default=DEFAULT_CACHE_TTL_SECONDS, ge=0)
    secrets_manager_stale_grace_seconds: float = Field(default=DEFAULT_STALE_GRACE_SECONDS, ge=0)
    # The RDS-generated credentials secret the CDK stack passes (serves database_url only).
    database_secret_arn: str | None = None
    # Shared with finops.aws.clients: the emulator endpoint and the default region.
    aws_endpoint_url: str | None = None
    aws_region: str | None = None


def variable_name(setting: str) -> str:
    """``vault_cache_ttl_seconds`` -> ``FINOPS_VAULT_CACHE_TTL_SECONDS``."""
    return f"{ENV_PREFIX}{setting.upper()}"


def secret_settings_from_env(environ: Mapping[str, str]) -> SecretSettings:
    """The settings the ``FINOPS_*`` variables of ``environ`` select (defaults for the rest).

    Raises :class:`ConfigurationError` naming every malformed variable and what was expected.
    """
    values = {
        setting: environ[variable_name(setting)]
        for setting in SecretSettings.model_fields
        if environ.get(variable_name(setting))
    }
    try:
        return SecretSettings.model_validate(values)
    except ValidationError as exc:
        problems = [
            f"{variable_name(str(error['loc'][0]))}: {error['msg']}" for error in exc.errors()
        ]
        raise ConfigurationError(
            "invalid secret settings: " + "; ".join(problems),
            details={"variables": [p.split(":", 1)[0] for p in problems]},
        ) from None
