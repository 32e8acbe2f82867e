"""boto3 clients with the platform's retry policy.

Every AWS call in ``app/`` goes through :func:`aws_client`, so retries (adaptive mode, which
backs off on throttling; ``FINOPS_AWS_MAX_ATTEMPTS``, default 8), timeouts and the endpoint are
the same everywhere. The endpoint comes
from the argument, else ``FINOPS_AWS_ENDPOINT_URL``, else boto3's own ``AWS_ENDPOINT_URL``
handling (how the tests and the local stack point at moto's server); in AWS it is unset.
Credentials are boto3's default chain (the Lambda or task role in AWS): never passed in code.
"""

from __future__ import annotations

import functools
import os
from typing import Any

import boto3
from botocore.config import Config

DEFAULT_REGION = "us-east-1"
MAX_ATTEMPTS = 8


def _retry_config() -> Config:
    attempts = int(os.environ.get("FINOPS_AWS_MAX_ATTEMPTS") or MAX_ATTEMPTS)
    return Config(
        retries={"max_attempts": max(attempts, 1), "mode": "adaptive"},
        connect_timeout=10,
        read_timeout=60,
    )


def default_region() -> str:
    """``FINOPS_AWS_REGION``, else ``AWS_REGION``/``AWS_DEFAULT_REGION``, else us-east-1."""
    for name in ("FINOPS_AWS_REGION", "AWS_REGION", "AWS_DEFAULT_REGION"):
        value = os.environ.get(name)
        if value:
            return value
    return DEFAULT_REGION


def _environment_key() -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("AWS_")))


@functools.lru_cache(maxsize=8)
def _session(_key: tuple[tuple[str, str], ...]) -> boto3.session.Session:
    # Building a Session loads botocore's data files (tens of ms); one per environment suffices.
    return boto3.session.Session()


def aws_client(service: str, *, region: str | None = None, endpoint_url: str | None = None) -> Any:
    """A boto3 client for ``service`` in ``region`` with adaptive retries and timeouts."""
    endpoint = endpoint_url or os.environ.get("FINOPS_AWS_ENDPOINT_URL") or None
    return _session(_environment_key()).client(
        service,  # type: ignore[call-overload]
        region_name=region or default_region(),
        endpoint_url=endpoint,
        config=_retry_config(),
    )
