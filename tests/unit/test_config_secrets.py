"""Settings from FINOPS_* variables and secret resolution from the environment (no network)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from finops.config import DEFAULT_SQLITE_FILE, Settings, default_sqlite_url, get_settings
from finops.core.errors import ConfigurationError, NotFoundError
from finops.db.database import resolve_database_url
from finops.secrets import SecretResolver, VaultSecretSource, resolver_from_env


@pytest.fixture(autouse=True)
def clean_finops_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No FINOPS_* variable of the developer's shell leaks into these tests."""
    for name in list(os.environ):
        if name.startswith("FINOPS_"):
            monkeypatch.delenv(name)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.smoke
def test_settings_are_read_from_finops_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FINOPS_ENVIRONMENT", "staging")
    monkeypatch.setenv("FINOPS_DATABASE_URL", "postgresql+psycopg2://app:s3cr3t@db:5432/finops")
    monkeypatch.setenv("FINOPS_DATA_DIR", "/var/lib/finops")
    monkeypatch.setenv("FINOPS_VAULT_ADDR", "http://vault.internal:8200")
    monkeypatch.setenv("FINOPS_VAULT_TOKEN", "hvs.token-value")
    monkeypatch.setenv("FINOPS_VAULT_PATH", "finops/staging")
    monkeypatch.setenv("FINOPS_API_PORT", "9100")
    monkeypatch.setenv("UNRELATED_API_PORT", "1")  # no prefix: ignored

    settings = get_settings()

    assert settings.environment == "staging"
    assert settings.database_url is not None
    assert settings.database_url.get_secret_value() == (
        "postgresql+psycopg2://app:s3cr3t@db:5432/finops"
    )
    assert settings.data_dir == Path("/var/lib/finops")
    assert settings.vault_addr == "http://vault.internal:8200"
    assert settings.vault_token is not None
    assert settings.vault_token.get_secret_value() == "hvs.token-value"
    assert settings.vault_path == "finops/staging"
    assert settings.vault_mount == "secret"  # default kept
    assert settings.api_port == 9100
    assert get_settings() is settings  # read once per process
    assert "s3cr3t" not in repr(settings)
    assert "hvs.token-value" not in repr(settings)


@pytest.mark.smoke
def test_settings_defaults_without_any_variable() -> None:
    settings = Settings()

    assert settings.environment == "local"
    assert settings.database_url is None
    assert settings.vault_addr is None
    assert settings.vault_auth == "token"
    assert settings.api_host == "127.0.0.1"


@pytest.mark.smoke
def test_unknown_environment_name_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FINOPS_ENVIRONMENT", "production")

    with pytest.raises(ValidationError) as caught:
        Settings()

    assert "environment" in str(caught.value)


@pytest.mark.smoke
@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg2://finops:changeme@db.internal:5432/finops",
        "postgresql+psycopg2://finops:CHANGEME@db.internal:5432/finops",
    ],
)
def test_placeholder_password_is_refused_without_echoing_the_url(
    monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    monkeypatch.setenv("FINOPS_DATABASE_URL", url)

    with pytest.raises(ValidationError) as caught:
        Settings()

    message = str(caught.value)
    assert "placeholder" in message
    assert "FINOPS_DATABASE_URL" in message
    assert "db.internal" not in message  # the input (a URL with credentials) is not shown


@pytest.mark.smoke
def test_real_password_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FINOPS_DATABASE_URL", "postgresql+psycopg2://finops:Xq9-pass@db/finops")

    settings = Settings()

    assert settings.database_url == SecretStr("postgresql+psycopg2://finops:Xq9-pass@db/finops")


@pytest.mark.smoke
def test_default_sqlite_url_is_a_file_under_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    expected = f"sqlite:///{tmp_path.resolve()}/{DEFAULT_SQLITE_FILE}"

    assert default_sqlite_url() == expected
    assert default_sqlite_url(tmp_path / "elsewhere") == (
        f"sqlite:///{tmp_path.resolve()}/elsewhere/{DEFAULT_SQLITE_FILE}"
    )
    # With no Vault and no FINOPS_DATABASE_URL the platform falls back to that file.
    assert resolve_database_url(SecretResolver(environ={})) == expected


@pytest.mark.smoke
def test_environment_resolver_reads_finops_variables_and_ignores_empty_ones() -> None:
    resolver = resolver_from_env(
        {"FINOPS_SLACK_WEBHOOK_URL": "https://hooks.example/abc", "FINOPS_DATABASE_URL": ""}
    )

    assert resolver.vault is None
    webhook = resolver.get("slack_webhook_url")
    assert webhook is not None
    assert webhook.get_secret_value() == "https://hooks.example/abc"
    assert resolver.get("database_url") is None
    with pytest.raises(NotFoundError) as caught:
        resolver.require("database_url")
    assert "FINOPS_DATABASE_URL" in caught.value.message
    assert "Vault" not in caught.value.message  # Vault was not configured, so not consulted


@pytest.mark.smoke
def test_vault_settings_come_from_finops_vault_variables() -> None:
    resolver = resolver_from_env(
        {
            "FINOPS_VAULT_ADDR": "http://vault.internal:8200",
            "FINOPS_VAULT_TOKEN": "tok-123456",
            "FINOPS_VAULT_MOUNT": "kv",
            "FINOPS_VAULT_PATH": "apps/finops",
        }
    )

    assert isinstance(resolver.vault, VaultSecretSource)
    assert resolver.vault.addr == "http://vault.internal:8200"
    assert resolver.vault.mount == "kv"
    assert resolver.vault.path == "apps/finops"
    assert resolver.vault.token == SecretStr("tok-123456")
    assert "tok-123456" not in repr(resolver)
    assert "tok-123456" not in repr(resolver.vault)


@pytest.mark.smoke
def test_vault_address_without_token_is_a_configuration_error_before_any_request() -> None:
    # Port 9 (discard) on a TEST-NET address: if a request were made, it would hang or fail
    # differently; the ConfigurationError proves the check happens first.
    resolver = resolver_from_env({"FINOPS_VAULT_ADDR": "http://192.0.2.1:9"})

    with pytest.raises(ConfigurationError) as caught:
        resolver.get("database_url")

    assert "FINOPS_VAULT_TOKEN" in caught.value.message
