"""What the AWS adapters share: clients per (service, region) that count their API calls, and
the one translation of botocore failures into :class:`~finops.core.errors.IntegrationError`.

Counting hooks botocore's ``before-call`` event, which fires once per operation invoked (a
paginator's every page included, the client's own retries of one call not), so the counts a job
reports are the calls it made, whatever made them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from finops.aws.clients import aws_client
from finops.core.errors import IntegrationError

THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestLimitExceeded",
        "TooManyRequestsException",
        "RequestThrottled",
        "RequestThrottledException",
    }
)


def error_code(exc: ClientError) -> str:
    """The AWS error code of a ``ClientError`` (empty when the response has none)."""
    return str(exc.response.get("Error", {}).get("Code", ""))


def is_throttling(exc: BaseException) -> bool:
    """Whether ``exc`` is AWS refusing a call for its rate (worth retrying after a pause)."""
    return isinstance(exc, ClientError) and error_code(exc) in THROTTLING_CODES


class AwsCalls:
    """Clients made through :func:`~finops.aws.clients.aws_client`, one per (service, region),
    each counting the operations it invokes into :attr:`counts` (``"service:Operation"``)."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self._clients: dict[tuple[str, str], Any] = {}

    def client(self, service: str, region: str) -> Any:
        key = (service, region)
        if key not in self._clients:
            client = aws_client(service, region=region)
            client.meta.events.register("before-call", self._count)
            self._clients[key] = client
        return self._clients[key]

    def _count(self, model: Any, **_: Any) -> None:
        self.counts[f"{model.service_model.service_name}:{model.name}"] += 1

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@contextmanager
def translated_errors(what: str, *, region: str) -> Iterator[None]:
    """Re-raise a botocore failure inside the block as :class:`IntegrationError` naming
    ``what`` was being done, the region, and AWS's error code and message."""
    try:
        yield
    except ClientError as exc:
        code = error_code(exc)
        message = str(exc.response.get("Error", {}).get("Message", "")) or str(exc)
        raise IntegrationError(
            f"AWS {what} in {region} failed: {code or 'error'}: {message}",
            details={"region": region, "operation": what, "aws_error_code": code},
        ) from exc
    except BotoCoreError as exc:
        raise IntegrationError(
            f"AWS {what} in {region} failed: {type(exc).__name__}: {exc}",
            details={"region": region, "operation": what},
        ) from exc
