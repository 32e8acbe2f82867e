"""Child servers run on this machine (the demo's AWS emulator, the tests' Vault and AWS):
a free loopback port, a clean stop of the whole process group, and the log's tail for errors."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from finops.core.errors import ConfigurationError

STOP_TIMEOUT_SECONDS = 10.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listened on a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def stop_process_group(
    process: subprocess.Popen[bytes], timeout: float = STOP_TIMEOUT_SECONDS
) -> None:
    """Terminate ``process``'s group (started with ``start_new_session=True``), then kill it if
    it does not exit within ``timeout``. Safe to call when it already exited."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=timeout)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            return
        process.wait(timeout=timeout)


def log_tail(path: Path, lines: int = 20) -> str:
    """The last ``lines`` lines of a log file, or ``(no log)``."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def start_logged(args: list[str], log_path: Path, **popen: Any) -> subprocess.Popen[bytes]:
    """Start ``args`` in its own process group, stdout and stderr to ``log_path``, no stdin."""
    with log_path.open("wb") as log:
        return subprocess.Popen(
            args,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # own process group: stopping it never touches ours
            **popen,
        )


def wait_until_ready(
    process: subprocess.Popen[bytes],
    ready: Callable[[], bool],
    *,
    name: str,
    log_path: Path,
    timeout: float,
) -> None:
    """Return once ``ready()``; :class:`ConfigurationError` with the log's tail when the process
    exits first or ``timeout`` seconds pass (the caller stops the process)."""
    deadline = time.monotonic() + timeout
    while not ready():
        if process.poll() is not None:
            raise ConfigurationError(
                f"{name} exited with code {process.returncode}: {log_tail(log_path)}"
            )
        if time.monotonic() > deadline:
            raise ConfigurationError(f"{name} did not become ready: {log_tail(log_path)}")
        time.sleep(0.2)
