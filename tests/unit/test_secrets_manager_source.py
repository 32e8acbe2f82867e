"""Secrets Manager source failures with botocore's Stubber and an injected clock (no network):
which failures a cached value outlives, and which end it."""

from __future__ import annotations

import json
import logging
from typing import Any

import boto3
import pytest
from botocore.exceptions import EndpointConnectionError, NoCredentialsError
from botocore.stub import Stubber
from sqlalchemy.engine import make_url

from finops.core.errors import ConfigurationError
from finops.secrets import (
    SecretsManagerSource,
    SecretSourceRefusedError,
    SecretSourceUnavailableError,
)
from finops.secrets.secrets_manager import _reading_secret

SECRET_ID = "finops/prod"
VALUE = "postgresql+psycopg2://finops:pw-a1b2c3@db:5432/finops"


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def client() -> Any:
    # A real client; the Stubber answers before anything is sent.
    return boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    ).client("secretsmanager")


def _answer(stubber: Stubber, fields: dict[str, Any]) -> None:
    stubber.add_response(
        "get_secret_value",
        {"Name": SECRET_ID, "SecretString": json.dumps(fields)},
        {"SecretId": SECRET_ID},
    )


def _source(client: Any, clock: FakeClock, **kwargs: Any) -> SecretsManagerSource:
    return SecretsManagerSource(
        secret_id=SECRET_ID, clock=clock, client_factory=lambda: client, **kwargs
    )


def test_throttling_or_a_5xx_serves_the_last_good_value_within_the_grace_period(
    client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    clock = FakeClock()
    source = _source(client, clock, cache_ttl_seconds=60, stale_grace_seconds=120)
    with Stubber(client) as stubber:
        _answer(stubber, {"database_url": VALUE})
        stubber.add_client_error("get_secret_value", "ThrottlingException", http_status_code=400)
        stubber.add_client_error("get_secret_value", "InternalServiceError", http_status_code=500)
        stubber.add_client_error("get_secret_value", "ServiceUnavailable", http_status_code=503)
        first = source.get("database_url")
        clock.advance(61)
        throttled = source.get("database_url")
        clock.advance(30)
        failed = source.get("database_url")
        clock.advance(100)  # 191 s > 60 + 120
        with pytest.raises(SecretSourceUnavailableError) as caught:
            source.get("database_url")

    assert first is not None
    assert throttled is not None
    assert failed is not None
    assert first.get_secret_value() == throttled.get_secret_value() == VALUE
    assert failed.get_secret_value() == VALUE
    assert SECRET_ID in caught.value.message
    assert "ServiceUnavailable" in caught.value.message
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2
    assert VALUE not in caplog.text
    assert "pw-a1b2c3" not in "".join(repr(r.__dict__) for r in caplog.records)


def test_access_denied_ends_the_cached_value_at_once(client: Any) -> None:
    clock = FakeClock()
    source = _source(client, clock, cache_ttl_seconds=60, stale_grace_seconds=600)
    with Stubber(client) as stubber:
        _answer(stubber, {"database_url": VALUE})
        stubber.add_client_error("get_secret_value", "AccessDeniedException", http_status_code=400)
        stubber.add_client_error("get_secret_value", "ServiceUnavailable", http_status_code=503)
        source.get("database_url")
        clock.advance(61)
        with pytest.raises(SecretSourceRefusedError) as denied:
            source.get("database_url")
        with pytest.raises(SecretSourceUnavailableError):
            source.get("database_url")  # the denied value is gone, not served as stale

    assert "AccessDeniedException" in denied.value.message
    assert VALUE not in str(denied.value) + repr(denied.value)


def test_connection_failure_is_transient(client: Any) -> None:
    def broken() -> Any:
        class Broken:
            def get_secret_value(self, **_: Any) -> Any:
                raise EndpointConnectionError(endpoint_url="https://secretsmanager.test")

        return Broken()

    source = SecretsManagerSource(secret_id=SECRET_ID, client_factory=broken)

    with pytest.raises(SecretSourceUnavailableError) as caught:
        source.get("database_url")

    assert "EndpointConnectionError" in caught.value.message


def test_missing_credentials_is_a_configuration_error() -> None:
    class NoCredentials:
        def get_secret_value(self, **_: Any) -> Any:
            raise NoCredentialsError()

    source = SecretsManagerSource(secret_id=SECRET_ID, client_factory=NoCredentials)

    with pytest.raises(ConfigurationError) as caught:
        source.get("database_url")

    assert "needs AWS credentials" in caught.value.message
    assert SECRET_ID in caught.value.message


@pytest.mark.parametrize(
    "answer",
    [
        {"Name": SECRET_ID, "SecretString": '["a", "list"]'},
        {"Name": SECRET_ID, "SecretString": "not json at all pw-a1b2c3"},
        {"Name": SECRET_ID, "SecretBinary": b"\x00\x01"},
    ],
)
def test_a_secret_that_is_not_a_json_object_is_refused_without_showing_it(
    client: Any, answer: dict[str, Any]
) -> None:
    source = _source(client, FakeClock())
    with Stubber(client) as stubber:
        stubber.add_response("get_secret_value", answer, {"SecretId": SECRET_ID})
        with pytest.raises(ConfigurationError) as caught:
            source.get("database_url")

    assert SECRET_ID in caught.value.message
    assert "JSON object" in caught.value.message
    assert "pw-a1b2c3" not in caught.value.message


def test_repr_names_the_secret_id_only(client: Any) -> None:
    source = _source(client, FakeClock(), region="eu-west-1")

    assert repr(source) == (
        "SecretsManagerSource(secret_id='finops/prod', layout='names', region='eu-west-1')"
    )


def test_botocore_body_records_are_dropped_only_while_a_secret_is_read(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="botocore.parsers")
    parsers = logging.getLogger("botocore.parsers")

    with _reading_secret():
        parsers.debug("Response body:\n%r", b'{"SecretString": "pw-a1b2c3"}')
    parsers.debug("Response body:\n%r", b'{"Buckets": []}')

    assert "pw-a1b2c3" not in caplog.text
    assert "Buckets" in caplog.text  # other botocore debugging is untouched


# -- the RDS credentials layout (FINOPS_DATABASE_SECRET_ARN) ------------------------------------

RDS_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:finops-database-admin-AbCdEf"


def _rds_source(client: Any) -> SecretsManagerSource:
    return SecretsManagerSource(
        secret_id=RDS_ARN, layout="rds", clock=FakeClock(), client_factory=lambda: client
    )


def test_rds_credentials_become_a_database_url_with_the_password_escaped(client: Any) -> None:
    password = "p@ss:w/rd%?#-a1b2c3"
    source = _rds_source(client)
    with Stubber(client) as stubber:
        stubber.add_response(
            "get_secret_value",
            {
                "Name": "finops-database-admin",
                "SecretString": json.dumps(
                    {
                        "engine": "postgres",
                        "host": "finops.abc123.us-east-1.rds.amazonaws.com",
                        "port": 5432,
                        "dbname": "finops",
                        "username": "finops_admin",
                        "password": password,
                        "dbInstanceIdentifier": "finops",
                    }
                ),
            },
            {"SecretId": RDS_ARN},
        )
        value = source.get("database_url")

    assert value is not None
    url = make_url(value.get_secret_value())
    assert url.drivername == "postgresql+psycopg2"
    assert (url.username, url.password) == ("finops_admin", password)
    assert (url.host, url.port, url.database) == (
        "finops.abc123.us-east-1.rds.amazonaws.com",
        5432,
        "finops",
    )
    assert password not in repr(value)


def test_rds_layout_serves_only_database_url_and_asks_nothing_for_other_names(
    client: Any,
) -> None:
    source = _rds_source(client)
    with Stubber(client):  # no answer queued: any call would raise
        assert source.get("webhook_budgets") is None


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"engine": "mysql", "host": "h", "username": "u", "password": "pw-a1b2c3"}, "'mysql'"),
        ({"engine": "postgres", "host": "h", "username": "u"}, "no password"),
        ({"host": "h", "username": "u", "password": "pw-a1b2c3", "port": "x"}, "port"),
    ],
)
def test_rds_secret_that_cannot_make_a_postgresql_url_is_refused_without_the_password(
    client: Any, fields: dict[str, Any], expected: str
) -> None:
    source = _rds_source(client)
    with Stubber(client) as stubber:
        stubber.add_response(
            "get_secret_value",
            {"Name": "x", "SecretString": json.dumps(fields)},
            {"SecretId": RDS_ARN},
        )
        with pytest.raises(ConfigurationError) as caught:
            source.get("database_url")

    assert expected in caught.value.message
    assert RDS_ARN in caught.value.message
    assert "pw-a1b2c3" not in caught.value.message
