"""Secrets from a real OpenBao (Vault API, KV v2) through finops.secrets, env as the fallback."""

from __future__ import annotations

import logging
import os
import secrets
import traceback
from collections.abc import Iterator
from dataclasses import dataclass

import hvac
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from finops.config import Settings
from finops.core.errors import ConfigurationError, IntegrationError, NotFoundError
from finops.db.database import open_database
from finops.devtools.local_processes import free_port
from finops.secrets import SecretResolver, resolver_from_env
from tests.support.openbao import OpenBaoServer

DEFAULT_PG = "postgresql+psycopg2://postgres@127.0.0.1:5432/test"


def _test_server_url() -> str:
    url = os.environ.get("FINOPS_TEST_DATABASE_URL", DEFAULT_PG)
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg2://" + url[len("postgresql://") :]
    return url


@dataclass(frozen=True)
class StoredSecret:
    """A KV v2 secret written for one test, and the env that points the resolver at it."""

    path: str
    fields: dict[str, str]
    env: dict[str, str]
    token: str


def _write_secret(server: OpenBaoServer, fields: dict[str, str]) -> StoredSecret:
    path = f"finops-test/{secrets.token_hex(6)}"
    client = hvac.Client(url=server.addr, token=server.token)
    client.secrets.kv.v2.create_or_update_secret(path=path, secret=fields, mount_point="secret")
    env = {
        "FINOPS_VAULT_ADDR": server.addr,
        "FINOPS_VAULT_TOKEN": server.token,
        "FINOPS_VAULT_MOUNT": "secret",
        "FINOPS_VAULT_PATH": path,
    }
    return StoredSecret(path=path, fields=fields, env=env, token=server.token)


@pytest.fixture
def stored(openbao: OpenBaoServer) -> Iterator[StoredSecret]:
    """A fresh secret with distinctive (random) values, so a leak is unambiguous."""
    marker = secrets.token_hex(12)
    fields = {
        "database_url": f"postgresql+psycopg2://finops:pw{marker}@db.internal:5432/finops",
        "slack_webhook_url": f"https://hooks.slack.example/services/T0/B0/wh{marker}",
    }
    secret = _write_secret(openbao, fields)
    yield secret
    client = hvac.Client(url=openbao.addr, token=openbao.token)
    client.secrets.kv.v2.delete_metadata_and_all_versions(path=secret.path, mount_point="secret")


def test_dev_server_mounts_kv_version_2_at_secret(openbao: OpenBaoServer) -> None:
    client = hvac.Client(url=openbao.addr, token=openbao.token)
    mounts = client.sys.list_mounted_secrets_engines()["data"]
    assert mounts["secret/"]["type"] == "kv"
    assert mounts["secret/"]["options"]["version"] == "2"


def test_resolver_reads_each_field_of_the_kv_v2_secret(stored: StoredSecret) -> None:
    resolver = resolver_from_env(stored.env)

    database_url = resolver.get("database_url")
    webhook = resolver.get("slack_webhook_url")

    assert database_url is not None
    assert webhook is not None
    assert database_url.get_secret_value() == stored.fields["database_url"]
    assert webhook.get_secret_value() == stored.fields["slack_webhook_url"]
    webhook_again = resolver.require("slack_webhook_url").get_secret_value()
    assert webhook_again == stored.fields["slack_webhook_url"]


def test_vault_value_beats_the_environment_variable(stored: StoredSecret) -> None:
    env = {
        **stored.env,
        "FINOPS_DATABASE_URL": "sqlite:///from-env.db",
        "FINOPS_SLACK_WEBHOOK_URL": "https://hooks.slack.example/from-env",
    }
    resolver = resolver_from_env(env)

    assert resolver.require("database_url").get_secret_value() == stored.fields["database_url"]
    webhook_again = resolver.require("slack_webhook_url").get_secret_value()
    assert webhook_again == stored.fields["slack_webhook_url"]


def test_environment_is_the_fallback_when_vault_lacks_the_field(stored: StoredSecret) -> None:
    env = {**stored.env, "FINOPS_PAGERDUTY_ROUTING_KEY": "routing-key-from-env"}
    resolver = resolver_from_env(env)

    routing_key = resolver.get("pagerduty_routing_key")

    assert routing_key is not None
    assert routing_key.get_secret_value() == "routing-key-from-env"
    assert resolver.get("not_anywhere") is None
    with pytest.raises(NotFoundError) as caught:
        resolver.require("not_anywhere")
    assert "not_anywhere" in caught.value.message
    assert "FINOPS_NOT_ANYWHERE" in caught.value.message


def test_open_database_connects_to_the_url_read_from_vault(openbao: OpenBaoServer) -> None:
    server_url = _test_server_url()
    secret = _write_secret(openbao, {"database_url": server_url})
    # The environment names a different (SQLite) database: only Vault leads to PostgreSQL.
    env = {**secret.env, "FINOPS_DATABASE_URL": "sqlite:///must-not-be-used.db"}

    database = open_database(resolver=resolver_from_env(env))
    try:
        with database.engine.connect() as conn:
            current = conn.execute(text("select current_database()")).scalar_one()
            answer = conn.execute(text("select 41 + 1")).scalar_one()
    finally:
        database.dispose()

    assert database.dialect == "postgresql"
    assert current == make_url(server_url).database
    assert answer == 42


def _no_leak(text_: str, *values: str) -> None:
    for value in values:
        assert value not in text_, "a secret value leaked"


def test_wrong_token_raises_integration_error_that_hides_the_token(
    stored: StoredSecret,
) -> None:
    wrong_token = f"wrong-{secrets.token_hex(16)}"
    resolver = resolver_from_env({**stored.env, "FINOPS_VAULT_TOKEN": wrong_token})

    with pytest.raises(IntegrationError) as caught:
        resolver.get("database_url")

    error = caught.value
    assert stored.path in error.message
    assert stored.env["FINOPS_VAULT_ADDR"] in error.message
    rendered = "".join(traceback.format_exception(error))
    for shown in (str(error), repr(error), repr(error.details), rendered):
        _no_leak(shown, wrong_token, stored.token, stored.fields["database_url"])


def test_vault_configured_without_token_is_a_configuration_error(
    stored: StoredSecret,
) -> None:
    env = {k: v for k, v in stored.env.items() if k != "FINOPS_VAULT_TOKEN"}

    with pytest.raises(ConfigurationError) as caught:
        resolver_from_env(env).get("database_url")

    assert "FINOPS_VAULT_TOKEN" in caught.value.message


def test_unreachable_vault_raises_integration_error_naming_the_address() -> None:
    addr = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    resolver = resolver_from_env({"FINOPS_VAULT_ADDR": addr, "FINOPS_VAULT_TOKEN": "t0ken-x"})

    with pytest.raises(IntegrationError) as caught:
        resolver.get("database_url")

    assert addr in caught.value.message
    _no_leak(str(caught.value) + repr(caught.value), "t0ken-x")


def test_secret_values_never_appear_in_reprs_logs_or_errors(
    stored: StoredSecret, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.DEBUG)  # root logger: hvac, urllib3 and app.* all captured
    env = {**stored.env, "FINOPS_AWS_SECRET_ACCESS_KEY": f"aws{secrets.token_hex(10)}"}
    leaks = [
        stored.token,
        stored.fields["database_url"],
        stored.fields["slack_webhook_url"],
        env["FINOPS_AWS_SECRET_ACCESS_KEY"],
    ]
    # The password part alone must not leak either (e.g. a URL rendered with "***" elsewhere).
    leaks.append(make_url(stored.fields["database_url"]).password or "")

    resolver = resolver_from_env(env)
    database_url = resolver.require("database_url")
    webhook = resolver.require("slack_webhook_url")
    aws_key = resolver.require("aws_secret_access_key")
    with pytest.raises(NotFoundError) as missing:
        resolver.require("absent_secret")

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("FINOPS_DATABASE_URL", database_url.get_secret_value())
    settings = Settings()
    assert settings.vault_token is not None
    assert settings.vault_token.get_secret_value() == stored.token

    shown = [
        repr(database_url),
        str(database_url),
        repr(webhook),
        str(webhook),
        repr(aws_key),
        repr(settings),
        str(settings),
        repr(settings.model_dump()),
        repr(resolver),
        str(resolver),
        repr(resolver.vault),
        str(missing.value),
        repr(missing.value),
    ]
    assert caplog.records, "expected the resolver to log at DEBUG"
    for record in caplog.records:
        shown.append(record.getMessage())
        shown.append(repr(record.__dict__))
    shown.append(caplog.text)

    for item in shown:
        for value in leaks:
            assert value not in item, f"secret value leaked into: {item[:200]!r}"


def test_resolver_without_vault_address_never_contacts_vault() -> None:
    resolver = resolver_from_env({"FINOPS_DATABASE_URL": "sqlite:///x.db"})

    assert isinstance(resolver, SecretResolver)
    assert resolver.vault is None
    value = resolver.get("database_url")
    assert value is not None
    assert value.get_secret_value() == "sqlite:///x.db"
