"""A real AWS emulator for tests: moto in server mode on a free loopback port.

``moto_server`` (session scope) runs :func:`finops.devtools.emulator.moto_server` for the whole
session.
``aws`` (function scope) resets the emulator's state, points boto3 at it through the environment
(``AWS_ENDPOINT_URL``, dummy credentials, region ``us-east-1``) and returns it, so every test
starts from an empty account. This module is a pytest plugin (``pytest_plugins`` in
``tests/conftest.py``), so the server starts once per session; under pytest-xdist once per worker.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from finops.devtools.emulator import DUMMY_CREDENTIALS, Emulator, find_moto_server
from finops.devtools.emulator import moto_server as run_moto_server

MotoServer = Emulator
REGION = "us-east-1"


@pytest.fixture(scope="session")
def moto_server() -> Iterator[MotoServer]:
    """A running moto server for the whole session. Skips when moto[server] is missing."""
    if find_moto_server() is None:
        pytest.skip("moto_server not found next to the interpreter; pip install 'moto[server]'")
    with run_moto_server() as emulator:
        yield emulator


@pytest.fixture
def aws(moto_server: MotoServer, monkeypatch: pytest.MonkeyPatch) -> MotoServer:
    """An empty emulated AWS account; boto3 clients made in the test talk to it."""
    moto_server.reset()
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server.endpoint_url)
    for name, value in DUMMY_CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_DEFAULT_REGION", moto_server.region)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    return moto_server
