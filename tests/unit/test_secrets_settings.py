"""The FINOPS_VAULT_* / FINOPS_SECRETS_MANAGER_* settings: parsed without echoing values, the same
names and defaults in finops.config and finops.secrets, every one documented (no network)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import SecretStr

from finops.config import Settings
from finops.core.errors import ConfigurationError
from finops.secrets import (
    SecretResolver,
    SecretSettings,
    SecretsManagerSource,
    VaultSecretSource,
    build_resolver,
    resolver_from_env,
    secret_settings_from_env,
)
from finops.secrets.secrets_manager import region_of_arn
from finops.secrets.settings import variable_name

DOCS = Path(__file__).resolve().parents[2] / "docs" / "secrets.md"
SOURCE_PREFIXES = ("vault_", "secrets_manager_", "database_secret_")
SOURCE_SETTINGS = [name for name in SecretSettings.model_fields if name.startswith(SOURCE_PREFIXES)]


def test_every_source_setting_is_a_platform_setting_with_the_same_default() -> None:
    platform = Settings.model_fields

    for name in SOURCE_SETTINGS:
        assert name in platform, f"{variable_name(name)} is missing from finops.config.Settings"
        assert platform[name].default == SecretSettings.model_fields[name].default, name
    platform_source_settings = {n for n in platform if n.startswith(SOURCE_PREFIXES)}
    assert platform_source_settings == set(SOURCE_SETTINGS)


def test_every_source_setting_is_documented_and_no_undefined_one_is() -> None:
    text = DOCS.read_text(encoding="utf-8")
    pattern = r"FINOPS_(?:VAULT_|SECRETS_MANAGER_|DATABASE_SECRET_)[A-Z_]*[A-Z]"
    documented = set(re.findall(pattern, text))

    assert documented == {variable_name(name) for name in SOURCE_SETTINGS}


def test_values_are_parsed_and_empty_variables_count_as_unset() -> None:
    settings = secret_settings_from_env(
        {
            "FINOPS_VAULT_ADDR": "https://vault.internal:8200",
            "FINOPS_VAULT_AUTH": "approle",
            "FINOPS_VAULT_ROLE_ID": "role-123",
            "FINOPS_VAULT_SECRET_ID_FILE": "/run/secrets/finops-secret-id",
            "FINOPS_VAULT_SECRET_ID_WRAPPED": "true",
            "FINOPS_VAULT_CACHE_TTL_SECONDS": "60",
            "FINOPS_VAULT_TOKEN": "",
            "FINOPS_SECRETS_MANAGER_SECRET_ID": "finops/prod",
            "UNRELATED": "x",
        }
    )

    assert settings.vault_auth == "approle"
    assert settings.vault_role_id == SecretStr("role-123")
    assert settings.vault_secret_id_file == Path("/run/secrets/finops-secret-id")
    assert settings.vault_secret_id_wrapped is True
    assert settings.vault_cache_ttl_seconds == 60.0
    assert settings.vault_stale_grace_seconds == 900.0
    assert settings.vault_token is None
    assert settings.secrets_manager_secret_id == "finops/prod"
    assert "role-123" not in repr(settings)


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("FINOPS_VAULT_CACHE_TTL_SECONDS", "five-minutes-s3cr3t", "valid number"),
        ("FINOPS_VAULT_STALE_GRACE_SECONDS", "-7", "greater than or equal to 0"),
        ("FINOPS_VAULT_TIMEOUT_SECONDS", "-3", "greater than 0"),
        ("FINOPS_VAULT_AUTH", "kerberos-s3cr3t", "'approle'"),
        ("FINOPS_VAULT_SECRET_ID_WRAPPED", "perhaps-s3cr3t", "valid boolean"),
        ("FINOPS_SECRETS_MANAGER_CACHE_TTL_SECONDS", "soon-s3cr3t", "valid number"),
    ],
)
def test_a_malformed_setting_names_the_variable_and_never_echoes_the_value(
    variable: str, value: str, expected: str
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        resolver_from_env({variable: value})

    assert variable in caught.value.message
    assert expected in caught.value.message
    assert value not in caught.value.message
    assert value not in repr(caught.value.details)


def test_platform_settings_accept_approle_and_refuse_unknown_auth(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FINOPS_VAULT_AUTH", "approle")
    monkeypatch.setenv("FINOPS_VAULT_SECRET_ID", "sid-456")

    settings = Settings()

    assert settings.vault_auth == "approle"
    assert "sid-456" not in repr(settings)


def test_no_source_is_configured_by_default() -> None:
    resolver = resolver_from_env({})

    assert resolver.sources() == []


def test_each_source_is_built_from_its_settings() -> None:
    resolver = build_resolver(
        SecretSettings(
            vault_addr="http://vault:8200",
            vault_auth="approle",
            vault_role_id=SecretStr("r"),
            vault_secret_id=SecretStr("s"),
            vault_cache_ttl_seconds=5,
            secrets_manager_secret_id="finops/prod",
            secrets_manager_stale_grace_seconds=60,
            database_secret_arn="arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf",
        )
    )

    assert isinstance(resolver, SecretResolver)
    assert isinstance(resolver.vault, VaultSecretSource)
    assert isinstance(resolver.secrets_manager, SecretsManagerSource)
    in_order = [resolver.vault, resolver.secrets_manager, resolver.database_secret]
    assert resolver.sources() == in_order
    assert resolver.database_secret is not None
    assert resolver.database_secret.layout == "rds"
    assert resolver.database_secret.region == "eu-west-1"
    assert resolver.secrets_manager.layout == "names"
    assert resolver.vault.cache_ttl_seconds == 5
    assert resolver.secrets_manager.stale_grace_seconds == 60


@pytest.mark.parametrize(
    ("env", "region"),
    [
        ({"FINOPS_SECRETS_MANAGER_SECRET_ID": "finops/prod"}, None),
        (
            {"FINOPS_SECRETS_MANAGER_SECRET_ID": "finops/prod", "FINOPS_AWS_REGION": "eu-west-1"},
            "eu-west-1",
        ),
        (
            {
                "FINOPS_SECRETS_MANAGER_SECRET_ID": (
                    "arn:aws:secretsmanager:ap-south-1:123456789012:secret:finops-AbCdEf"
                ),
                "FINOPS_AWS_REGION": "eu-west-1",
            },
            "ap-south-1",
        ),
        (
            {
                "FINOPS_SECRETS_MANAGER_SECRET_ID": (
                    "arn:aws:secretsmanager:ap-south-1:123456789012:secret:finops-AbCdEf"
                ),
                "FINOPS_SECRETS_MANAGER_REGION": "us-west-2",
            },
            "us-west-2",
        ),
    ],
)
def test_secrets_manager_region_is_explicit_else_the_arns_else_finops_aws_region(
    env: dict[str, str], region: str | None
) -> None:
    source = resolver_from_env(env).secrets_manager

    assert source is not None
    assert source.region == region  # None: boto3's own chain decides, else us-east-1


def test_region_of_arn_reads_only_secrets_manager_arns() -> None:
    arn = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:x-AbCdEf"

    assert region_of_arn(arn) == "eu-central-1"
    assert region_of_arn("finops/prod") is None
    assert region_of_arn("arn:aws:ssm:eu-central-1:123456789012:parameter/x") is None
