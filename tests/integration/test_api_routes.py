"""The Chalice app through ``chalice.test.Client`` on a real database."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
from chalice.test import Client

from chalicelib import create_app
from finops.api.openapi import build_openapi
from finops.api.routes import API_PREFIX, FALLBACK_PATHS, ROUTES
from finops.auth import create_api_key, revoke_api_key
from finops.db.database import Database, open_database
from finops.db.engine import session_scope
from tests.support.facts import add_facts

FACTS: list[dict[str, object]] = [
    {"day": "2024-05-01", "service": "AmazonEC2", "account": "111", "billed": "100.125",
     "tags": {"team": "web"}},
    {"day": "2024-05-02", "service": "AmazonEC2", "account": "111", "billed": "-0.125",
     "charge_category": "Credit", "tags": {"team": "web"}},
    {"day": "2024-05-02", "service": "AmazonS3", "account": "222", "billed": "0.0000012"},
    {"day": "2024-05-02", "service": "AmazonEC2", "account": "333", "billed": "9.99",
     "currency": "EUR"},
    {"day": "2024-06-01", "service": "AmazonEC2", "account": "111", "billed": "500"},
]  # fmt: skip


@pytest.fixture
def api(db: Database) -> Iterator[tuple[Client, dict[str, str]]]:
    with session_scope(db.sessions) as session:
        add_facts(session, FACTS)
        viewer, _ = create_api_key(session=session, name="viewer", role="viewer")
        revoked, record = create_api_key(session=session, name="gone", role="admin")
        revoke_api_key(session=session, key_id=record.id)
    with Client(create_app(database_factory=lambda: db)) as client:
        yield client, {"viewer": viewer, "revoked": revoked}


def _get(client: Client, path: str, key: str | None = None, **headers: str) -> tuple[int, Any]:
    if key is not None:
        headers["X-API-Key"] = key
    response = client.http.get(path, headers=headers)
    return response.status_code, json.loads(response.body) if response.body else None


def _assert_envelope(body: Any, code: str) -> None:
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]


@pytest.mark.smoke
def test_viewer_gets_exact_costs_as_decimal_strings(api: tuple[Client, dict[str, str]]) -> None:
    client, keys = api
    status, body = _get(
        client,
        f"{API_PREFIX}/costs?start=2024-05-01&end=2024-06-01&group_by=service&metric=billed",
        keys["viewer"],
    )
    assert status == 200, body
    rows = [(r["keys"]["service"], r["currency"], r["billed"]) for r in body["rows"]]
    # EC2 USD: 100.125 - 0.125 = 100 -> "100.00"; EC2 EUR 9.99; S3 USD 0.0000012; June excluded
    assert rows == [
        ("AmazonEC2", "USD", "100.00"),
        ("AmazonEC2", "EUR", "9.99"),
        ("AmazonS3", "USD", "0.0000012"),
    ]
    totals = {t["currency"]: t["billed"] for t in body["totals"]}
    assert totals == {"USD": "100.0000012", "EUR": "9.99"}
    assert body["fact_count"] == 4
    assert body["query"]["group_by"] == ["service"]


def test_filters_by_tag_with_bearer_key_and_daily_buckets(
    api: tuple[Client, dict[str, str]],
) -> None:
    client, keys = api
    status, body = _get(
        client,
        f"{API_PREFIX}/costs?start=2024-05-01&end=2024-05-03&granularity=day"
        "&group_by=tag:team,account&filter[currency]=USD&filter[tag:team]=web,null",
        Authorization=f"Bearer {keys['viewer']}",
    )
    assert status == 200, body
    rows = [(r["period_start"], r["keys"], r["billed"]) for r in body["rows"]]
    assert rows == [
        ("2024-05-01", {"tag:team": "web", "account": "111"}, "100.125"),
        ("2024-05-02", {"tag:team": None, "account": "222"}, "0.0000012"),
        ("2024-05-02", {"tag:team": "web", "account": "111"}, "-0.125"),
    ]


def test_summary_and_listings_answer_viewers(api: tuple[Client, dict[str, str]]) -> None:
    client, keys = api
    status, body = _get(
        client, f"{API_PREFIX}/costs/summary?today=2024-06-02&metric=billed", keys["viewer"]
    )
    assert status == 200, body
    usd = next(c for c in body["currencies"] if c["currency"] == "USD")
    # MTD [06-01, 06-02) = 500; same span [05-01, 05-02) = 100.125; May = 100.0000012
    assert (usd["month_to_date"], usd["previous_same_span"], usd["previous_month"]) == (
        "500.00",
        "100.125",
        "100.0000012",
    )
    assert usd["change"] == "399.875"
    assert usd["change_percent"] == "399.38"  # 399.875 / 100.125 * 100 = 399.3757...
    for path in ("accounts", "resources", "ingestions", "usage?start=2024-05-01&end=2024-06-01"):
        status, body = _get(client, f"{API_PREFIX}/{path}", keys["viewer"])
        assert status == 200, (path, body)
        assert {"items", "total", "limit", "offset", "next_offset"} <= set(body)
    status, body = _get(client, f"{API_PREFIX}/ingestions?limit=1", keys["viewer"])
    assert body["total"] == 1
    assert body["items"][0]["files"][0]["key"] == "test.csv"
    assert body["items"][0]["status"] == "succeeded"
    status, body = _get(client, f"{API_PREFIX}/ingestions?status=ok", keys["viewer"])
    assert status == 400
    assert body["error"]["message"] == (
        "parameter 'status': Input should be 'running', 'succeeded', 'failed', 'duplicate' "
        "or 'superseded' (got 'ok')"
    )


def test_health_and_openapi_need_no_key(api: tuple[Client, dict[str, str]]) -> None:
    client, _ = api
    status, body = _get(client, f"{API_PREFIX}/health")
    assert status == 200
    assert body["status"] == "ok"
    assert body["database"]["reachable"] is True
    assert body["database"]["schema_revision"]
    status, body = _get(client, f"{API_PREFIX}/openapi.json")
    assert status == 200
    assert body == json.loads(json.dumps(build_openapi(ROUTES)))


@pytest.mark.parametrize(
    ("key_name", "code"),
    [(None, "unauthenticated"), ("revoked", "unauthenticated"), ("bogus", "unauthenticated")],
)
def test_missing_bad_or_revoked_key_is_401_in_the_envelope(
    api: tuple[Client, dict[str, str]], key_name: str | None, code: str
) -> None:
    client, keys = api
    key = None if key_name is None else keys.get(key_name, "fo_" + "x" * 32)
    status, body = _get(client, f"{API_PREFIX}/costs?start=2024-05-01&end=2024-06-01", key)
    assert status == 401
    _assert_envelope(body, code)
    if key is not None:
        assert key not in json.dumps(body)


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("start=2024-05-01&end=2024-06-01&group_by=colour", "group_by"),
        ("start=2024-05-01&end=2024-06-01&filter[colour]=red", "filters"),
        ("start=2024-05-01&end=2024-05-01", "end"),
        ("start=2024-05-01&end=2024-04-01", "end"),
        ("start=May&end=2024-06-01", "start"),
        ("start=2024-05-01", "end"),
        ("start=2024-05-01&end=2024-06-01&granularity=hour", "granularity"),
        ("start=2024-05-01&end=2024-06-01&limit=-1", "limit"),
        ("start=2024-05-01&end=2024-06-01&colour=red", "colour"),
        ("start=2024-05-01&start=2024-05-02&end=2024-06-01", "start"),
    ],
)
def test_bad_parameters_are_400_naming_the_parameter_never_500(
    api: tuple[Client, dict[str, str]], query: str, parameter: str
) -> None:
    client, keys = api
    status, body = _get(client, f"{API_PREFIX}/costs?{query}", keys["viewer"])
    assert status == 400, body
    _assert_envelope(body, "invalid_input")
    assert body["error"]["details"]["parameter"] == parameter


def test_unknown_route_and_method_answer_in_the_envelope(
    api: tuple[Client, dict[str, str]],
) -> None:
    client, keys = api
    for path in ("nope", "costs/nope", "a/b/c"):
        status, body = _get(client, f"{API_PREFIX}/{path}", keys["viewer"])
        assert status == 404, path
        _assert_envelope(body, "not_found")
    response = client.http.post(f"{API_PREFIX}/costs", headers={"X-API-Key": keys["viewer"]})
    assert response.status_code == 405
    _assert_envelope(json.loads(response.body), "method_not_allowed")


def test_an_unexpected_error_is_a_generic_500(db: Database) -> None:
    def broken_database() -> Database:
        raise RuntimeError("secret-host:5432 password=hunter2")

    with Client(create_app(database_factory=broken_database)) as client:
        status, body = _get(client, f"{API_PREFIX}/accounts", "fo_" + "x" * 32)
    assert status == 500
    _assert_envelope(body, "internal_error")
    assert "hunter2" not in json.dumps(body)
    assert "Traceback" not in json.dumps(body)


def test_openapi_lists_exactly_the_routes_of_the_chalice_app() -> None:
    app = create_app(database_factory=lambda: pytest.fail("no database needed"))
    chalice_routes = {(method, path) for path, methods in app.routes.items() for method in methods}
    fallbacks = {
        (method, path)
        for method, path in chalice_routes
        if path in {API_PREFIX + f for f in FALLBACK_PATHS}
    }
    document = build_openapi(ROUTES)
    documented = {
        (method.upper(), path) for path, item in document["paths"].items() for method in item
    }
    assert chalice_routes - fallbacks == documented
    assert documented == {(r.method, r.full_path) for r in ROUTES}
    assert {path for _, path in fallbacks} == {API_PREFIX + f for f in FALLBACK_PATHS}


def test_the_database_is_not_opened_at_app_creation() -> None:
    opened: list[dt.datetime] = []

    def factory() -> Database:
        opened.append(dt.datetime.now(dt.UTC))
        raise RuntimeError("should not be called")

    create_app(database_factory=factory)
    assert opened == []


def test_an_unreachable_database_is_503_not_500() -> None:

    unreachable = open_database("postgresql+psycopg2://nobody@127.0.0.1:1/none")
    with Client(create_app(database_factory=lambda: unreachable)) as client:
        status, body = _get(client, f"{API_PREFIX}/health")
        assert status == 503
        assert body["status"] == "degraded"
        assert body["database"]["reachable"] is False
        status, body = _get(client, f"{API_PREFIX}/accounts", "fo_" + "x" * 32)
        assert status == 503
        _assert_envelope(body, "database_unavailable")
        assert "127.0.0.1" not in json.dumps(body)


def test_in_lambda_each_request_emits_emf_with_the_prometheus_names(
    db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    from chalicelib.request_metrics import EmfRequestMetrics
    from finops.observability import names

    with Client(create_app(database_factory=lambda: db, metrics=EmfRequestMetrics())) as client:
        capsys.readouterr()
        assert client.http.get("/api/v1/health").status_code == 200
        assert client.http.get("/api/v1/anomalies").status_code == 401
    documents = [
        json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line
    ]
    counts = [d for d in documents if names.HTTP_REQUESTS in d]
    assert [(d["route"], d["method"], d["status"]) for d in counts] == [
        ("/api/v1/health", "GET", "200"),
        ("/api/v1/anomalies", "GET", "401"),
    ]
    assert all(d["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "FinOps" for d in documents)
    durations = [d for d in documents if names.HTTP_DURATION in d]
    assert len(durations) == 2
    assert all(d[names.HTTP_DURATION][0] >= 0 for d in durations)
    errors = [d for d in documents if names.HTTP_ERRORS in d]
    assert [d["code"] for d in errors] == ["unauthenticated"]  # no API key presented


def test_in_lambda_log_lines_are_the_platform_json_through_powertools() -> None:
    """Powertools' Logger writes the platform's fields (level, logger, message, request id,
    route) for a request's log lines, and masks the database password an error carries."""
    import io
    import logging

    from chalicelib.lambda_logging import PLATFORM_LOGGERS, configure_lambda_logging
    from finops.observability.logs import log_context

    saved = {name: logging.getLogger(name).__dict__.copy() for name in PLATFORM_LOGGERS}
    stream = io.StringIO()
    password = "pw-" + "q" * 20
    try:
        configure_lambda_logging(service="finops-api-test", level="INFO", stream=stream)

        def unreachable() -> Database:
            return open_database(f"postgresql+psycopg2://finops:{password}@127.0.0.1:1/none")

        with Client(create_app(database_factory=unreachable)) as client:
            status, _ = _get(client, f"{API_PREFIX}/accounts", "fo_" + "x" * 32)
        assert status == 503
        with log_context(job="rightsize", run_id=7):
            logging.getLogger("finops.jobs.example").warning(
                "connecting to postgresql://finops:%s@db/finops", password
            )
    finally:
        for name, state in saved.items():
            logging.getLogger(name).__dict__.update(state)
    output = stream.getvalue()
    assert password not in output
    lines = [json.loads(line) for line in output.splitlines()]
    errors = [line for line in lines if line["level"] == "ERROR"]
    assert errors, output
    line = errors[0]
    assert line["service"] == "finops-api-test"
    assert line["logger"] == "finops.api"
    assert line["route"] == f"{API_PREFIX}/accounts"
    assert "request_id" in line
    assert line["timestamp"].endswith("+00:00") or line["timestamp"].endswith("Z")
    assert "database unavailable" in line["message"]
    (job_line,) = [line for line in lines if line["logger"] == "finops.jobs.example"]
    assert (job_line["level"], job_line["job"], job_line["run_id"]) == ("WARNING", "rightsize", 7)
    assert job_line["message"] == "connecting to postgresql://finops:***@db/finops"
