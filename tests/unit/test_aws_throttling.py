"""GetMetricData batches: bounded back-off on throttling and NextToken paging (no network).

The fake below stands in for a boto3 CloudWatch client: it answers ``get_metric_data`` from a
script of pages and botocore ``ClientError``s, and records what it was asked.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from finops.core.errors import IntegrationError, InvalidInputError
from finops.usage.cloudwatch import (
    BACKOFF_CAP_SECONDS,
    MAX_QUERIES_PER_CALL,
    backoff_seconds,
    fetch_metric_data,
)

START = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
END = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
QUERIES = [{"Id": "q0", "MetricStat": {}}, {"Id": "q1", "MetricStat": {}}]


def _error(code: str, message: str = "slow down") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, "GetMetricData")


def _page(results: dict[str, list[float]], token: str | None = None) -> dict[str, Any]:
    page: dict[str, Any] = {
        "MetricDataResults": [
            {
                "Id": qid,
                "Label": qid,
                "Timestamps": [START + dt.timedelta(minutes=5 * k) for k in range(len(values))],
                "Values": values,
                "StatusCode": "PartialData" if token else "Complete",
            }
            for qid, values in results.items()
        ]
    }
    if token:
        page["NextToken"] = token
    return page


class FakeCloudWatch:
    def __init__(self, script: list[Any]) -> None:
        self.script = list(script)
        self.requests: list[dict[str, Any]] = []

    def get_metric_data(self, **kwargs: Any) -> dict[str, Any]:
        self.requests.append(kwargs)
        step = self.script.pop(0)
        if isinstance(step, Exception):
            raise step
        return dict(step)


class Sleeps:
    def __init__(self) -> None:
        self.seconds: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)


def _fetch(client: FakeCloudWatch, sleep: Sleeps, **kwargs: Any) -> Any:
    return fetch_metric_data(
        client, QUERIES, start=START, end=END, region="eu-west-1", sleep=sleep, **kwargs
    )


def test_a_throttled_batch_is_retried_after_growing_pauses() -> None:
    client = FakeCloudWatch(
        [
            _error("Throttling"),
            _error("ThrottlingException"),
            _page({"q0": [1.0, 2.0], "q1": [3.0]}),
        ]
    )
    sleep = Sleeps()

    data, retries = _fetch(client, sleep)

    assert retries == 2
    assert sleep.seconds == [1.0, 2.0]
    assert data["q0"][1] == [1.0, 2.0]
    assert data["q1"][1] == [3.0]
    assert len(client.requests) == 3
    assert all("NextToken" not in r for r in client.requests)
    assert client.requests[0]["StartTime"] == START
    assert client.requests[0]["EndTime"] == END


def test_throttling_that_persists_raises_an_integration_error_after_the_bound() -> None:
    client = FakeCloudWatch([_error("Throttling", "Rate exceeded")] * 10)
    sleep = Sleeps()

    with pytest.raises(IntegrationError) as caught:
        _fetch(client, sleep, max_retries=3)

    assert len(client.requests) == 4
    assert sleep.seconds == [1.0, 2.0, 4.0]
    assert "eu-west-1" in caught.value.message
    assert "still throttled" in caught.value.message
    assert "after 4 attempts" in caught.value.message
    assert caught.value.details["attempts"] == 4
    assert isinstance(caught.value.__cause__, ClientError)


def test_other_aws_errors_are_not_retried() -> None:
    client = FakeCloudWatch([_error("AccessDenied", "not allowed: cloudwatch:GetMetricData")])
    sleep = Sleeps()

    with pytest.raises(IntegrationError, match="AccessDenied: not allowed") as caught:
        _fetch(client, sleep)

    assert sleep.seconds == []
    assert len(client.requests) == 1
    assert caught.value.details["aws_error_code"] == "AccessDenied"


def test_a_connection_failure_is_an_integration_error() -> None:
    class Unreachable(FakeCloudWatch):
        def get_metric_data(self, **kwargs: Any) -> dict[str, Any]:
            raise EndpointConnectionError(endpoint_url="https://monitoring.eu-west-1.amazonaws.com")

    with pytest.raises(IntegrationError, match="EndpointConnectionError"):
        _fetch(Unreachable([]), Sleeps())


def test_pages_are_followed_and_merged_per_query_in_order() -> None:
    client = FakeCloudWatch(
        [
            _page({"q0": [1.0, 2.0], "q1": [10.0]}, token="t1"),
            _page({"q0": [3.0]}, token="t2"),
            _page({"q1": [11.0, 12.0]}),
        ]
    )

    data, retries = _fetch(client, Sleeps())

    assert retries == 0
    assert [r.get("NextToken") for r in client.requests] == [None, "t1", "t2"]
    assert data["q0"][1] == [1.0, 2.0, 3.0]
    assert data["q1"][1] == [10.0, 11.0, 12.0]
    assert len(data["q0"][0]) == 3


def test_throttling_mid_pagination_refetches_the_whole_batch_without_duplicates() -> None:
    client = FakeCloudWatch(
        [
            _page({"q0": [1.0], "q1": [5.0]}, token="t1"),
            _error("Throttling"),
            _page({"q0": [1.0], "q1": [5.0]}, token="t1b"),
            _page({"q0": [2.0]}),
        ]
    )
    sleep = Sleeps()

    data, retries = _fetch(client, sleep)

    assert retries == 1
    assert sleep.seconds == [1.0]
    assert [r.get("NextToken") for r in client.requests] == [None, "t1", None, "t1b"]
    assert data["q0"][1] == [1.0, 2.0]
    assert data["q1"][1] == [5.0]


def test_a_forbidden_query_result_is_an_integration_error() -> None:
    page = _page({"q0": [1.0]})
    page["MetricDataResults"][0]["StatusCode"] = "Forbidden"
    page["MetricDataResults"][0]["Messages"] = [{"Code": "Forbidden", "Value": "no access"}]

    with pytest.raises(IntegrationError, match=r"q0.*Forbidden: no access"):
        _fetch(FakeCloudWatch([page]), Sleeps())


def test_backoff_doubles_and_is_capped() -> None:
    assert [backoff_seconds(k) for k in range(4)] == [1.0, 2.0, 4.0, 8.0]
    assert backoff_seconds(20) == BACKOFF_CAP_SECONDS


def test_a_batch_is_at_most_the_api_limit() -> None:
    too_many = [{"Id": f"q{k}", "MetricStat": {}} for k in range(MAX_QUERIES_PER_CALL + 1)]
    with pytest.raises(InvalidInputError, match="500"):
        fetch_metric_data(FakeCloudWatch([]), too_many, start=START, end=END, region="eu-west-1")
