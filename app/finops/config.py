"""Settings from ``FINOPS_*`` environment variables.

Explicit arguments beat environment variables: every service function takes what it needs as a
parameter; only adapters call :func:`get_settings`. Secrets are never stored here in clear; they
are resolved at run time through :mod:`finops.secrets` (Vault KV v2, then AWS Secrets Manager,
then env; docs/secrets.md).
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

    environment: Literal["local", "test", "dev", "staging", "prod"] = Field(
        default="local", description="Which deployment this is: local, test, dev, staging, prod."
    )
    database_url: SecretStr | None = Field(
        default=None,
        description="SQLAlchemy URL; unset means an embedded SQLite file in the working directory.",
    )
    data_dir: Path = Field(default=Path(".finops"), description="Local working files.")
    # Secret sources (docs/secrets.md). finops.secrets parses these itself (a sibling layer);
    # tests/unit/test_secrets_settings.py proves the names and defaults agree.
    vault_addr: str | None = Field(
        default=None, description="Vault/OpenBao address; unset means Vault is not consulted."
    )
    vault_mount: str = Field(default="secret", description="KV v2 mount.")
    vault_path: str = Field(default="finops", description="Secret under the mount.")
    vault_auth: Literal["token", "approle", "aws_iam"] = Field(
        default="token", description="How to log in to Vault: token, approle or aws_iam."
    )
    vault_token: SecretStr | None = Field(default=None, description="Token auth.")
    vault_role_id: SecretStr | None = Field(default=None, description="AppRole role id.")
    vault_secret_id: SecretStr | None = Field(default=None, description="AppRole secret id.")
    vault_secret_id_file: Path | None = Field(
        default=None, description="File holding the AppRole secret id, read at each login."
    )
    vault_secret_id_wrapped: bool = Field(
        default=False, description="The secret id is a response-wrapping token (unwrapped once)."
    )
    vault_role: str | None = Field(default=None, description="Vault role of AWS IAM auth.")
    vault_auth_mount: str | None = Field(
        default=None, description="Auth method mount; default approle or aws."
    )
    vault_iam_server_id: str | None = Field(
        default=None, description="X-Vault-AWS-IAM-Server-ID header value (AWS IAM auth)."
    )
    vault_timeout_seconds: float = Field(default=5.0, gt=0, description="Vault request timeout.")
    vault_cache_ttl_seconds: float = Field(
        default=300.0, ge=0, description="How long a value read from Vault is reused."
    )
    vault_stale_grace_seconds: float = Field(
        default=900.0,
        ge=0,
        description="How long past its TTL the last good value is served while Vault is down.",
    )
    secrets_manager_secret_id: str | None = Field(
        default=None,
        description="Name or ARN of a JSON secret (secret name -> value); unset means skipped.",
    )
    secrets_manager_region: str | None = Field(
        default=None, description="Region of the Secrets Manager secret; default: the ARN's."
    )
    secrets_manager_cache_ttl_seconds: float = Field(
        default=300.0, ge=0, description="How long a value read from Secrets Manager is reused."
    )
    secrets_manager_stale_grace_seconds: float = Field(
        default=900.0,
        ge=0,
        description="How long past its TTL the last good value is served while it is unreachable.",
    )
    database_secret_arn: str | None = Field(
        default=None,
        description="RDS-generated credentials secret (username, password, host, port, dbname) "
        "that database_url is built from; set by the CDK stack.",
    )
    log_level: str = Field(default="INFO", description="Log level of the API and the jobs.")
    pushgateway_url: str | None = Field(
        default=None,
        description="Prometheus Pushgateway (http://host:9091) every job run pushes its metrics "
        "to; unset means no push (the run rows still record every run).",
    )
    api_host: str = Field(default="127.0.0.1", description="Address `finops serve` listens on.")
    api_port: int = Field(default=8000, description="Port `finops serve` listens on.")
    dashboard_dir: Path | None = Field(
        default=None,
        description="The built dashboard (frontend/dist) that `finops serve` serves at /; unset "
        "means the copy packaged with the core, else the source checkout's frontend/dist.",
    )
    assistant_engine: Literal["parser", "bedrock"] = Field(
        default="parser",
        description="What reads assistant questions: the deterministic parser (offline) or an "
        "Amazon Bedrock model (Converse with tool use; needs bedrock:InvokeModel).",
    )
    bedrock_model_id: str | None = Field(
        default=None, description="The Bedrock model the assistant uses (engine bedrock)."
    )
    holiday_country: str | None = Field(
        default="US",
        description="ISO 3166 alpha-2 country whose public holidays the anomaly baseline "
        "treats as known calendar effects; empty for none.",
    )
    ingest_engine: Literal["auto", "duckdb", "spark"] = Field(
        default="auto",
        description="What scans billing deliveries: DuckDB in-process, Spark (local mode here, "
        "EMR Serverless in AWS), or auto: Spark from ingest_spark_min_bytes up.",
    )
    ingest_spark_min_bytes: int = Field(
        default=20 * 1024**3,
        gt=0,
        description="Total delivery size (bytes) from which auto picks Spark; default 20 GiB.",
    )
    spark_scan_uri: str | None = Field(
        default=None,
        description="s3:// prefix where the Spark path of large S3 deliveries writes its scans "
        "(EMR Serverless output, loaded by the load_spark_scans job); unset: the Spark path "
        "of the billing-ingestion DAG is off.",
    )
    ingest_spark_master: str = Field(
        default="local[*]",
        description="Spark master of an in-process Spark scan (the EMR job sets its own).",
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
