"""The JSON log format: fields, context and secret masking (secrets made up for the test)."""

from __future__ import annotations

import io
import json
import logging

import pytest

from finops.observability.logs import JsonFormatter, log_context, redact

API_KEY = "fo_" + "A" * 16 + "b_9-" * 4  # the platform's key shape: fo_ + 32 URL-safe chars
SECRETS = [
    API_KEY,
    "s3cr3t-pa55",  # in a database URL
    "hvs.CAESIJx0tokenvaluexxxxxxxxxx",  # a Vault token
    "eyJhbGciOiJIUzI1NiJ9.payload.sig",  # a bearer token
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",  # an AWS secret key (AWS's documented example)
    "hunter2",
]


def _line(logger: logging.Logger, stream: io.StringIO) -> dict[str, object]:
    lines = stream.getvalue().splitlines()
    assert lines
    document: dict[str, object] = json.loads(lines[-1])
    return document


@pytest.fixture
def captured() -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("finops.test_json_logs")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False
    return logger, stream


def test_a_line_has_the_fields_and_the_context(
    captured: tuple[logging.Logger, io.StringIO],
) -> None:
    logger, stream = captured
    with log_context(request_id="req-1", route="/api/v1/costs"), log_context(run_id=7):
        logger.info("answered %s", "ok", extra={"rows": 3})
    line = _line(logger, stream)
    assert line["level"] == "INFO"
    assert line["logger"] == "finops.test_json_logs"
    assert line["message"] == "answered ok"
    assert (line["request_id"], line["route"], line["run_id"], line["rows"]) == (
        "req-1",
        "/api/v1/costs",
        7,
        3,
    )
    assert str(line["timestamp"]).endswith("+00:00")
    logger.info("outside")
    assert "request_id" not in _line(logger, stream)


def test_no_secret_reaches_a_line(captured: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = captured
    logger.warning(
        "connecting to postgresql+psycopg2://finops:s3cr3t-pa55@db:5432/finops with key %s",
        API_KEY,
        extra={
            "headers": {"Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig"},
            "vault": "token=hvs.CAESIJx0tokenvaluexxxxxxxxxx",
            "aws": "AKIAIOSFODNN7EXAMPLE wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "form": "user=alice&password=hunter2",
        },
    )
    try:
        raise ValueError(f"bad key {API_KEY}")
    except ValueError:
        logger.exception("failed")
    text = stream.getvalue()
    for secret in SECRETS:
        assert secret not in text, secret
    first = json.loads(text.splitlines()[0])
    assert first["message"] == (
        "connecting to postgresql+psycopg2://finops:***@db:5432/finops with key fo_***"
    )
    assert first["form"] == "user=alice&password=***"


def test_redact_leaves_ordinary_text_alone_and_is_idempotent() -> None:
    text = "ingested 1,281 rows from s3://bucket/cur/2023-11.csv for account 123456789012"
    assert redact(text) == text
    once = redact(f"password={SECRETS[5]}")
    assert redact(once) == once == "password=***"
