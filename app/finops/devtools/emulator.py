"""A local AWS: moto in server mode as a child process (the demo, the tests, ``localstack/``).

:func:`local_aws` starts ``moto_server`` on a free 127.0.0.1 port, waits until it answers, points
this process's boto3 at it (``AWS_ENDPOINT_URL`` and dummy credentials, restored afterwards)
and stops it (terminate, then kill) on exit — also when the body raised. moto cannot run Lambda
code and has no Pricing/CUR APIs (DESIGN.md §5); everything else the platform calls it emulates.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from finops.core.errors import ConfigurationError
from finops.devtools.local_processes import log_tail, stop_process_group

STARTUP_TIMEOUT_SECONDS = 30.0
REGION = "us-east-1"
DUMMY_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


@dataclass(frozen=True)
class Emulator:
    """A running emulator: where it listens and its log file."""

    endpoint_url: str
    log_path: Path
    region: str = REGION

    def reset(self) -> None:
        """Forget every resource the emulator holds (moto's reset API)."""
        request = urllib.request.Request(  # noqa: S310 - loopback URL we built
            f"{self.endpoint_url}/moto-api/reset", data=b"", method="POST"
        )
        with urllib.request.urlopen(request, timeout=10.0) as response:  # noqa: S310
            response.read()


def find_moto_server() -> str | None:
    """``moto_server`` next to the running interpreter (the venv), else on PATH."""
    beside = Path(sys.executable).parent / "moto_server"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("moto_server")


def _answers(endpoint: str) -> bool:
    try:
        with urllib.request.urlopen(f"{endpoint}/moto-api/data.json", timeout=1.0) as response:  # noqa: S310
            return int(response.status) == 200 and response.read(1) == b"{"
    except (urllib.error.URLError, OSError):
        return False


_LISTENING = re.compile(rb"Running on http://127\.0\.0\.1:(\d+)")


def _listening_port(log_path: Path) -> int | None:
    """The port the server says it bound (it picks a free one itself: no race with others)."""
    try:
        match = _LISTENING.search(log_path.read_bytes())
    except OSError:
        return None
    return int(match.group(1)) if match else None


@contextmanager
def moto_server(log_dir: Path | None = None) -> Iterator[Emulator]:
    """Run ``moto_server`` for the duration of the block (does not touch the environment).

    The server binds a free port itself (``-p 0``) and the port is read from its own log, so a
    server of someone else's that took a port meanwhile can never be mistaken for it."""
    binary = find_moto_server()
    if binary is None:
        raise ConfigurationError(
            "moto_server not found next to the interpreter or on PATH; "
            "install the dev extra: pip install 'moto[server]'"
        )
    with tempfile.TemporaryDirectory(prefix="finops-moto-") as tmp:
        log_path = (log_dir or Path(tmp)) / f"moto-{os.getpid()}-{time.monotonic_ns()}.log"
        env = {**os.environ, **DUMMY_CREDENTIALS, "AWS_DEFAULT_REGION": REGION}
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [binary, "-H", "127.0.0.1", "-p", "0"],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                start_new_session=True,  # own process group: stopping it never touches ours
            )
        try:
            deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
            endpoint: str | None = None
            while endpoint is None or not _answers(endpoint):
                if process.poll() is not None:
                    raise ConfigurationError(
                        f"moto_server exited with code {process.returncode}: {log_tail(log_path)}"
                    )
                if time.monotonic() > deadline:
                    raise ConfigurationError(f"moto_server did not answer: {log_tail(log_path)}")
                if endpoint is None:
                    port = _listening_port(log_path)
                    endpoint = None if port is None else f"http://127.0.0.1:{port}"
                time.sleep(0.1)
            yield Emulator(endpoint_url=endpoint, log_path=log_path)
        finally:
            stop_process_group(process)


@contextmanager
def local_aws(log_dir: Path | None = None) -> Iterator[Emulator]:
    """Run the emulator and point this process's boto3 at it for the block's duration."""
    names = ("AWS_ENDPOINT_URL", "AWS_DEFAULT_REGION", *DUMMY_CREDENTIALS)
    saved = {name: os.environ.get(name) for name in (*names, "AWS_PROFILE", "AWS_SESSION_TOKEN")}
    with moto_server(log_dir) as emulator:
        os.environ.update(DUMMY_CREDENTIALS)
        os.environ["AWS_ENDPOINT_URL"] = emulator.endpoint_url
        os.environ["AWS_DEFAULT_REGION"] = emulator.region
        os.environ.pop("AWS_PROFILE", None)
        os.environ.pop("AWS_SESSION_TOKEN", None)
        try:
            yield emulator
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
