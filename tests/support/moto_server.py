"""A real AWS emulator for tests: moto in server mode on a free loopback port.

``moto_server`` (session scope) starts ``moto_server -H 127.0.0.1 -p PORT`` from the venv and
stops it (terminate, then kill) at the end of the session. ``aws`` (function scope) resets the
emulator's state, points boto3 at it through the environment (``AWS_ENDPOINT_URL``, dummy
credentials, region ``us-east-1``) and yields the endpoint, so every test starts from an empty
account. Under pytest-xdist each worker runs its own server.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.openbao import _log_tail, _stop, free_port

STARTUP_TIMEOUT_SECONDS = 30.0
REGION = "us-east-1"


@dataclass(frozen=True)
class MotoServer:
    """Where the emulator listens."""

    endpoint_url: str
    region: str = REGION

    def reset(self) -> None:
        """Forget every resource the emulator holds (moto's reset API)."""
        request = urllib.request.Request(
            f"{self.endpoint_url}/moto-api/reset", data=b"", method="POST"
        )
        with urllib.request.urlopen(request, timeout=10.0) as response:
            response.read()


def _answers(endpoint: str) -> bool:
    try:
        with urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1.0) as response:
            return int(response.status) == 200
    except (urllib.error.URLError, OSError):
        return False


def find_moto_binary() -> str | None:
    beside_python = Path(sys.executable).parent / "moto_server"
    if beside_python.is_file():
        return str(beside_python)
    return None


@pytest.fixture(scope="session")
def moto_server() -> Iterator[MotoServer]:
    """A running moto server for the whole session. Skips when moto[server] is missing."""
    binary = find_moto_binary()
    if binary is None:
        pytest.skip("moto_server not found next to the interpreter; pip install 'moto[server]'")
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="moto-") as log_dir:
        log_path = Path(log_dir) / "moto.log"
        env = {
            **os.environ,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": REGION,
        }
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [binary, "-H", "127.0.0.1", "-p", str(port)],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                start_new_session=True,
            )
        try:
            deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
            while not _answers(endpoint):
                if process.poll() is not None:
                    raise RuntimeError(f"moto_server exited early:\n{_log_tail(log_path)}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"moto_server did not answer:\n{_log_tail(log_path)}")
                time.sleep(0.1)
            yield MotoServer(endpoint_url=endpoint)
        finally:
            _stop(process)


@pytest.fixture
def aws(moto_server: MotoServer, monkeypatch: pytest.MonkeyPatch) -> MotoServer:
    """An empty emulated AWS account; boto3 clients made in the test talk to it."""
    moto_server.reset()
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server.endpoint_url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", moto_server.region)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    return moto_server
