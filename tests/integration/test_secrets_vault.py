"""Secrets from real servers through finops.secrets: OpenBao (the Vault API, KV v2) with token
and AppRole auth, AWS Secrets Manager in moto's server mode, the environment as the fallback;
TTL cache, rotation, an unreachable Vault, and no value, token or id in any log, error or repr.

AWS IAM auth cannot run here (OpenBao 2.x has no AWS auth method): see
tests/unit/test_secrets_vault_auth.py.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3
import hvac
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from finops.config import Settings
from finops.core.errors import ConfigurationError, IntegrationError, NotFoundError
from finops.core.errors import FinOpsError as FinOpsErrorBase
from finops.db.database import open_database
from finops.devtools.local_processes import free_port, stop_process_group
from finops.secrets import (
    SecretResolver,
    SecretSourceRefusedError,
    SecretSourceUnavailableError,
    clear_shared_resolvers,
    resolver_from_env,
    secret_settings_from_env,
)
from tests.support.moto_server import MotoServer
from tests.support.openbao import (
    AppRole,
    OpenBaoServer,
    create_approle,
    find_bao_binary,
    generate_secret_id,
    start_openbao,
)

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


# -- AppRole ----------------------------------------------------------------------------------


def _approle_env(stored: StoredSecret, approle: AppRole, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in stored.env.items() if k != "FINOPS_VAULT_TOKEN"}
    return {
        **env,
        "FINOPS_VAULT_AUTH": "approle",
        "FINOPS_VAULT_AUTH_MOUNT": approle.mount,
        "FINOPS_VAULT_ROLE_ID": approle.role_id,
        "FINOPS_VAULT_SECRET_ID": approle.secret_id,
        **extra,
    }


@pytest.fixture
def approle(openbao: OpenBaoServer, stored: StoredSecret) -> AppRole:
    """An AppRole whose policy reads ``stored``'s KV path and nothing else."""
    return create_approle(openbao, kv_mount="secret", kv_path=stored.path)


def test_approle_login_reads_the_secret_its_policy_allows(
    openbao: OpenBaoServer, stored: StoredSecret, approle: AppRole
) -> None:
    resolver = resolver_from_env(_approle_env(stored, approle))

    database_url = resolver.require("database_url").get_secret_value()

    assert database_url == stored.fields["database_url"]
    # The token came from the AppRole login, not from the root token of the test server.
    other = _write_secret(openbao, {"database_url": "postgresql://elsewhere/db"})
    elsewhere = resolver_from_env(_approle_env(stored, approle, FINOPS_VAULT_PATH=other.path))
    with pytest.raises(SecretSourceRefusedError) as caught:
        elsewhere.get("database_url")
    assert "Forbidden" in caught.value.message
    assert other.path in caught.value.message


def test_approle_secret_id_from_a_file_is_read_at_login(
    stored: StoredSecret, approle: AppRole, tmp_path: Path
) -> None:
    secret_id_file = tmp_path / "secret-id"
    secret_id_file.write_text(approle.secret_id + "\n", encoding="utf-8")
    env = _approle_env(stored, approle, FINOPS_VAULT_SECRET_ID_FILE=str(secret_id_file))
    del env["FINOPS_VAULT_SECRET_ID"]

    webhook = resolver_from_env(env).require("slack_webhook_url").get_secret_value()

    assert webhook == stored.fields["slack_webhook_url"]


def test_wrapped_secret_id_is_unwrapped_once_and_a_used_wrapping_token_is_refused(
    openbao: OpenBaoServer, stored: StoredSecret, approle: AppRole, tmp_path: Path
) -> None:
    wrapping_token = generate_secret_id(openbao, approle, wrap_ttl="120s")
    secret_id_file = tmp_path / "wrapped-secret-id"
    secret_id_file.write_text(wrapping_token, encoding="utf-8")
    env = _approle_env(
        stored,
        approle,
        FINOPS_VAULT_SECRET_ID_FILE=str(secret_id_file),
        FINOPS_VAULT_SECRET_ID_WRAPPED="true",
        FINOPS_VAULT_CACHE_TTL_SECONDS="0",
    )
    del env["FINOPS_VAULT_SECRET_ID"]
    resolver = resolver_from_env(env)

    first = resolver.require("database_url").get_secret_value()
    second = resolver.require("database_url").get_secret_value()  # no second unwrap needed

    assert first == second == stored.fields["database_url"]
    # A second process finding the same (now used) wrapping token must fail loudly.
    with pytest.raises(SecretSourceRefusedError) as caught:
        resolver_from_env(env).get("database_url")
    message = caught.value.message
    assert "unwrap" in message
    assert "intercepted" in message
    assert wrapping_token not in message


def test_wrong_secret_id_names_the_auth_method_and_path_but_not_the_ids(
    stored: StoredSecret, approle: AppRole, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong_secret_id = f"wrong-{secrets.token_hex(16)}"
    resolver = resolver_from_env(
        _approle_env(stored, approle, FINOPS_VAULT_SECRET_ID=wrong_secret_id)
    )

    with pytest.raises(SecretSourceRefusedError) as caught:
        resolver.get("database_url")

    error = caught.value
    assert "approle" in error.message
    assert f"auth/{approle.mount}/login" in error.message
    assert f"secret/{stored.path}" in error.message
    assert "'database_url'" in error.message
    assert isinstance(error, IntegrationError)
    rendered = "".join(traceback.format_exception(error))
    shown = [str(error), repr(error), repr(error.details), rendered, repr(resolver), caplog.text]
    shown += [repr(record.__dict__) for record in caplog.records]
    for item in shown:
        _no_leak(item, wrong_secret_id, approle.role_id, approle.secret_id, stored.token)


def test_approle_without_a_secret_id_is_a_configuration_error_before_any_request(
    stored: StoredSecret, approle: AppRole
) -> None:
    env = _approle_env(stored, approle)
    del env["FINOPS_VAULT_SECRET_ID"]

    with pytest.raises(ConfigurationError) as caught:
        resolver_from_env(env).get("database_url")

    assert "FINOPS_VAULT_SECRET_ID" in caught.value.message


def test_reads_keep_working_after_the_approle_token_passes_its_max_ttl(
    openbao: OpenBaoServer, stored: StoredSecret
) -> None:
    short = create_approle(
        openbao, kv_mount="secret", kv_path=stored.path, token_ttl="2s", token_max_ttl="4s"
    )
    # TTL 0: every read goes to Vault, so every read needs a live token.
    resolver = resolver_from_env(_approle_env(stored, short, FINOPS_VAULT_CACHE_TTL_SECONDS="0"))
    started = time.monotonic()

    values = []
    while time.monotonic() - started < 6.5:
        values.append(resolver.require("database_url").get_secret_value())
        time.sleep(0.4)

    # 6.5 s > the 4 s max TTL: the first token is dead, so a new one was obtained.
    assert len(values) >= 10
    assert set(values) == {stored.fields["database_url"]}


# -- TTL cache, rotation, an unreachable Vault -------------------------------------------------


def test_rotated_secret_is_seen_after_the_cache_ttl_without_a_restart(
    openbao: OpenBaoServer, stored: StoredSecret
) -> None:
    resolver = resolver_from_env({**stored.env, "FINOPS_VAULT_CACHE_TTL_SECONDS": "1"})
    before = resolver.require("slack_webhook_url").get_secret_value()
    rotated = f"https://hooks.slack.example/services/T0/B0/rotated{secrets.token_hex(6)}"
    root = hvac.Client(url=openbao.addr, token=openbao.token)
    root.secrets.kv.v2.create_or_update_secret(
        path=stored.path,
        secret={**stored.fields, "slack_webhook_url": rotated},
        mount_point="secret",
    )

    cached = resolver.require("slack_webhook_url").get_secret_value()
    time.sleep(1.2)
    after = resolver.require("slack_webhook_url").get_secret_value()

    assert before == cached == stored.fields["slack_webhook_url"]  # within the TTL: cached
    assert after == rotated  # past the TTL: the new KV version


def _sleep_until(deadline: float) -> None:
    time.sleep(max(0.0, deadline - time.monotonic()))


def test_unreachable_vault_serves_the_last_good_value_for_the_grace_period_then_fails(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    binary = find_bao_binary()
    if binary is None:
        pytest.skip("OpenBao binary 'bao' not found")
    ttl, grace = 0.5, 3.0
    running = start_openbao(binary, tmp_path)  # its own server: this test stops it
    try:
        secret = _write_secret(
            running.server, {"webhook_budgets": f"https://h.example/{secrets.token_hex(8)}"}
        )
        env = {
            **secret.env,
            "FINOPS_VAULT_CACHE_TTL_SECONDS": str(ttl),
            "FINOPS_VAULT_STALE_GRACE_SECONDS": str(grace),
            "FINOPS_VAULT_TIMEOUT_SECONDS": "1",
        }
        resolver = resolver_from_env(env)
        good = resolver.require("webhook_budgets").get_secret_value()
        read_at = time.monotonic()
    finally:
        stop_process_group(running.process)
    caplog.set_level(logging.WARNING, logger="finops.secrets")

    _sleep_until(read_at + ttl + 0.2)  # past the TTL, within the grace period
    stale = resolver.require("webhook_budgets").get_secret_value()
    stale_age = time.monotonic() - read_at
    _sleep_until(read_at + ttl + grace + 0.2)  # past TTL + grace
    with pytest.raises(SecretSourceUnavailableError) as caught:
        resolver.require("webhook_budgets")

    assert stale_age < ttl + grace, "the machine was too slow for this test's timing"
    assert stale == good == secret.fields["webhook_budgets"]
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings, "serving a stale value must log a warning"
    assert getattr(warnings[0], "secret_source", "").startswith(f"Vault secret/{secret.path}")
    for record in warnings:
        _no_leak(record.getMessage() + repr(record.__dict__), good, running.server.token)
    assert running.server.addr in caught.value.message
    assert "grace period" in caught.value.message
    _no_leak(str(caught.value) + repr(caught.value), good, running.server.token)


# -- AWS Secrets Manager (moto server) and the order of the sources ----------------------------


def _create_json_secret(fields: dict[str, object]) -> str:
    name = f"finops/test-{secrets.token_hex(6)}"
    boto3.client("secretsmanager").create_secret(Name=name, SecretString=json.dumps(fields))
    return name


def test_secrets_manager_json_secret_is_resolved_and_rotation_seen_after_the_ttl(
    aws: MotoServer,
) -> None:
    first = f"postgresql+psycopg2://finops:pw{secrets.token_hex(8)}@db:5432/finops"
    name = _create_json_secret({"database_url": first, "port": 5432})
    resolver = resolver_from_env(
        {"FINOPS_SECRETS_MANAGER_SECRET_ID": name, "FINOPS_SECRETS_MANAGER_CACHE_TTL_SECONDS": "1"}
    )

    assert resolver.vault is None
    assert resolver.require("database_url").get_secret_value() == first
    assert resolver.require("port").get_secret_value() == "5432"  # non-strings as JSON text

    second = f"postgresql+psycopg2://finops:pw{secrets.token_hex(8)}@db:5432/finops"
    boto3.client("secretsmanager").put_secret_value(
        SecretId=name, SecretString=json.dumps({"database_url": second})
    )
    cached = resolver.require("database_url").get_secret_value()
    time.sleep(1.2)
    rotated = resolver.require("database_url").get_secret_value()

    assert cached == first
    assert rotated == second


def test_missing_secrets_manager_secret_is_refused_naming_the_id(aws: MotoServer) -> None:
    resolver = resolver_from_env({"FINOPS_SECRETS_MANAGER_SECRET_ID": "finops/not-there"})

    with pytest.raises(SecretSourceRefusedError) as caught:
        resolver.get("database_url")

    assert "finops/not-there" in caught.value.message
    assert "ResourceNotFoundException" in caught.value.message
    assert "'database_url'" in caught.value.message


def test_secrets_manager_secret_that_is_not_a_json_object_is_a_configuration_error(
    aws: MotoServer,
) -> None:
    name = f"finops/plain-{secrets.token_hex(4)}"
    plain = f"just-a-password-{secrets.token_hex(6)}"
    boto3.client("secretsmanager").create_secret(Name=name, SecretString=plain)

    with pytest.raises(ConfigurationError) as caught:
        resolver_from_env({"FINOPS_SECRETS_MANAGER_SECRET_ID": name}).get("database_url")

    assert name in caught.value.message
    assert "JSON object" in caught.value.message
    _no_leak("".join(traceback.format_exception(caught.value)), plain)


def test_order_is_vault_then_secrets_manager_then_environment(
    stored: StoredSecret, aws: MotoServer
) -> None:
    name = _create_json_secret(
        {
            "database_url": "postgresql://from-secrets-manager/db",
            "webhook_budgets": "https://from-secrets-manager.example/hook",
        }
    )
    env = {
        **stored.env,
        "FINOPS_SECRETS_MANAGER_SECRET_ID": name,
        "FINOPS_DATABASE_URL": "sqlite:///from-env.db",
        "FINOPS_WEBHOOK_BUDGETS": "https://from-env.example/hook",
        "FINOPS_WEBHOOK_DEFAULT": "https://from-env.example/default",
    }
    resolver = resolver_from_env(env)

    assert resolver.require("database_url").get_secret_value() == stored.fields["database_url"]
    budgets = resolver.require("webhook_budgets").get_secret_value()
    assert budgets == "https://from-secrets-manager.example/hook"
    default = resolver.require("webhook_default").get_secret_value()
    assert default == "https://from-env.example/default"
    with pytest.raises(NotFoundError) as caught:
        resolver.require("webhook_approvals")
    assert f"Vault secret/{stored.path}" in caught.value.message
    assert f"Secrets Manager {name}" in caught.value.message
    assert "FINOPS_WEBHOOK_APPROVALS" in caught.value.message


def test_shared_resolver_is_one_per_configuration_and_reads_env_live(
    stored: StoredSecret, monkeypatch: pytest.MonkeyPatch
) -> None:
    clear_shared_resolvers()
    for name, value in stored.env.items():
        monkeypatch.setenv(name, value)

    first = resolver_from_env()
    monkeypatch.setenv("FINOPS_WEBHOOK_DEFAULT", "https://from-env.example/later")
    again = resolver_from_env()
    monkeypatch.setenv("FINOPS_VAULT_PATH", "finops-test/another")
    other = resolver_from_env()

    assert again is first  # one login and one cache for every caller
    assert other is not first  # a new configuration, a new resolver
    assert first.require("database_url").get_secret_value() == stored.fields["database_url"]
    default = again.require("webhook_default").get_secret_value()
    assert default == "https://from-env.example/later"
    clear_shared_resolvers()


def test_no_value_token_or_id_of_any_source_appears_in_logs_errors_or_reprs(
    openbao: OpenBaoServer,
    stored: StoredSecret,
    approle: AppRole,
    aws: MotoServer,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    sm_value = f"https://hooks.slack.example/services/T0/B0/sm{secrets.token_hex(12)}"
    sm_name = _create_json_secret({"webhook_approvals": sm_value})
    wrapping_token = generate_secret_id(openbao, approle, wrap_ttl="120s")
    wrapped_file = tmp_path / "wrapped"
    wrapped_file.write_text(wrapping_token, encoding="utf-8")
    # From here on only finops.secrets talks to the servers (the set-up above logged its own
    # requests); the root logger at DEBUG captures hvac, urllib3, botocore and finops.*.
    caplog.set_level(logging.DEBUG)
    caplog.clear()
    wrong_secret_id = f"wrong-{secrets.token_hex(16)}"
    env = _approle_env(stored, approle, FINOPS_SECRETS_MANAGER_SECRET_ID=sm_name)
    errors: list[BaseException] = []

    resolver = resolver_from_env(env)
    values = [
        resolver.require("database_url"),
        resolver.require("slack_webhook_url"),
        resolver.require("webhook_approvals"),
    ]
    assert resolver.vault is not None
    login_token = str(resolver.vault._client.token)  # the token AppRole issued, to look for
    wrapped_env = {
        **{k: v for k, v in env.items() if k != "FINOPS_VAULT_SECRET_ID"},
        "FINOPS_VAULT_SECRET_ID_FILE": str(wrapped_file),
        "FINOPS_VAULT_SECRET_ID_WRAPPED": "true",
    }
    wrapped = resolver_from_env(wrapped_env)
    values.append(wrapped.require("database_url"))
    for failing_env, name in [
        ({**env, "FINOPS_VAULT_SECRET_ID": wrong_secret_id}, "database_url"),
        (wrapped_env, "database_url"),  # the wrapping token is used up now
        (env, "absent_secret"),
        ({**env, "FINOPS_VAULT_PATH": "finops-test/forbidden"}, "database_url"),
        ({"FINOPS_SECRETS_MANAGER_SECRET_ID": "finops/absent"}, "webhook_approvals"),
    ]:
        failing = resolver_from_env(failing_env)
        with pytest.raises(FinOpsErrorBase) as caught:
            failing.require(name)
        errors.append(caught.value)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = Settings()

    leaks = [
        stored.token,
        login_token,
        approle.role_id,
        approle.secret_id,
        wrong_secret_id,
        wrapping_token,
        sm_value,
        stored.fields["database_url"],
        stored.fields["slack_webhook_url"],
        make_url(stored.fields["database_url"]).password or "",
    ]
    assert all(leaks)
    assert values[0].get_secret_value() == stored.fields["database_url"]
    assert values[2].get_secret_value() == sm_value
    shown = [repr(v) + str(v) for v in values]
    shown += [
        repr(x) + str(x) for x in (resolver, wrapped, resolver.vault, resolver.secrets_manager)
    ]
    shown += [repr(settings), str(settings), repr(settings.model_dump())]
    shown += [repr(secret_settings_from_env(env))]
    for error in errors:
        shown += [str(error), repr(error), repr(getattr(error, "details", {}))]
        shown.append("".join(traceback.format_exception(error)))
    assert caplog.records, "expected DEBUG records from the resolver and the HTTP clients"
    for record in caplog.records:
        shown += [record.getMessage(), repr(record.__dict__)]
    shown.append(caplog.text)

    for item in shown:
        for value in leaks:
            assert value not in item, f"a secret leaked into: {item[:200]!r}"


def test_open_database_connects_with_the_rds_credentials_secret_the_stack_passes(
    aws: MotoServer,
) -> None:
    # The CDK stack passes FINOPS_DATABASE_SECRET_ARN: the secret RDS generates and rotates.
    server = make_url(_test_server_url())
    created = boto3.client("secretsmanager").create_secret(
        Name=f"finops-database-admin-{secrets.token_hex(4)}",
        SecretString=json.dumps(
            {
                "engine": "postgres",
                "host": server.host,
                "port": server.port or 5432,
                "dbname": server.database,
                "username": server.username,
                # the local server trusts loopback connections; a real one checks this
                "password": server.password or f"unused-{secrets.token_hex(4)}",
            }
        ),
    )
    env = {"FINOPS_DATABASE_SECRET_ARN": created["ARN"], "FINOPS_DATABASE_URL": "sqlite:///no.db"}

    database = open_database(resolver=resolver_from_env(env))
    try:
        with database.engine.connect() as conn:
            current = conn.execute(text("select current_database()")).scalar_one()
    finally:
        database.dispose()

    assert database.dialect == "postgresql"
    assert current == server.database
