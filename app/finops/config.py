"""Settings from ``FINOPS_*`` environment variables.

Explicit arguments beat environment variables: every service function takes what it needs as a
parameter; only adapters call :func:`get_settings`. Secrets are never stored here in clear; they
are resolved at run time through :mod:`finops.secrets` (Vault KV v2 when configured, else env).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SQLITE_FILE = "finops.db"


class Settings(BaseSettings):
    """Platform settings. ``repr`` and logs never show secret values (they are ``SecretStr``)."""

    # hide_input_in_errors: a validation error must not echo a URL that carries a password.
    model_config = SettingsConfigDict(
        env_prefix="FINOPS_", extra="ignore", hide_input_in_errors=True
    )

    environment: Literal["local", "test", "dev", "staging", "prod"] = "local"
    database_url: SecretStr | None = Field(
        default=None,
        description="SQLAlchemy URL; unset means an embedded SQLite file in the working directory.",
    )
    data_dir: Path = Field(default=Path(".finops"), description="Local working files.")
    vault_addr: str | None = None
    vault_token: SecretStr | None = None
    vault_mount: str = "secret"
    vault_path: str = "finops"
    vault_auth: Literal["token", "aws_iam"] = "token"
    vault_role: str | None = None
    log_level: str = "INFO"
    pushgateway_url: str | None = Field(
        default=None,
        description="Prometheus Pushgateway (http://host:9091) every job run pushes its metrics "
        "to; unset means no push (the run rows still record every run).",
    )
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    dashboard_dir: Path | None = Field(
        default=None,
        description="The built dashboard (frontend/dist) that `finops serve` serves at /; unset "
        "means the copy packaged with the core, else the source checkout's frontend/dist.",
    )
    holiday_country: str | None = Field(
        default="US",
        description="ISO 3166 alpha-2 country whose public holidays the anomaly baseline "
        "treats as known calendar effects; empty for none.",
    )

    @field_validator("database_url")
    @classmethod
    def _refuse_placeholder(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and "changeme" in value.get_secret_value().lower():
            raise ValueError("FINOPS_DATABASE_URL holds a placeholder password ('changeme')")
        return value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings read once per process from the environment."""
    return Settings()


def default_sqlite_url(cwd: Path | None = None) -> str:
    """The embedded default database: a SQLite file under the working directory."""
    base = cwd or Path.cwd()
    return f"sqlite:///{(base / DEFAULT_SQLITE_FILE).resolve()}"
