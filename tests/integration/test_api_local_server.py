"""The API over real HTTP (chalicelib.local_server) and the ``app`` entry-module name clash."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import requests

from chalicelib.local_server import start_server_thread
from finops.api.routes import API_PREFIX
from finops.auth import create_api_key
from finops.db.database import Database
from finops.db.engine import session_scope
from tests.support.facts import add_facts

REPO_ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS_DIR = REPO_ROOT / "functions"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_up(url: str, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited early: {process.stderr.read()!r}")  # type: ignore[union-attr]
        try:
            requests.get(url, timeout=1)
            return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise AssertionError(f"server at {url} did not start")


@pytest.mark.smoke
def test_serve_answers_over_http_with_static_files(
    db: Database, db_url: str, tmp_path: Path
) -> None:
    with session_scope(db.sessions) as session:
        add_facts(session, [{"day": "2024-05-01", "service": "AmazonEC2", "billed": "1.5"}])
        key, _ = create_api_key(session=session, name="http", role="viewer")
    static = tmp_path / "dist"
    static.mkdir()
    (static / "index.html").write_text("<h1>dashboard</h1>", encoding="utf-8")
    (static / "assets").mkdir()
    (static / "assets" / "index-3f9a1c.js").write_text("export {};", encoding="utf-8")
    port = _free_port()
    # ``serve`` blocks, so it runs in its own interpreter started in functions/, where the
    # entry module ``app.py`` shadows the core package name (the clash it must survive).
    script = (
        "from pathlib import Path; from chalicelib.local_server import serve; "
        f"serve(host='127.0.0.1', port={port}, database_url={db_url!r}, "
        f"static_dir=Path({str(static)!r}))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("FINOPS_")}
    process = subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=FUNCTIONS_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(f"{base}/", process)
        response = requests.get(
            f"{base}{API_PREFIX}/costs",
            params={"start": "2024-05-01", "end": "2024-05-02", "group_by": "service"},
            headers={"X-API-Key": key},
            timeout=10,
        )
        assert response.status_code == 200, response.text
        assert response.headers["Content-Type"].startswith("application/json")
        assert response.json()["rows"][0]["billed"] == "1.50"
        assert response.json()["rows"][0]["keys"] == {"service": "AmazonEC2"}
        unauthenticated = requests.get(f"{base}{API_PREFIX}/accounts", timeout=10)
        assert unauthenticated.status_code == 401
        assert unauthenticated.json()["error"]["code"] == "unauthenticated"
        assert requests.get(f"{base}{API_PREFIX}/health", timeout=10).json()["status"] == "ok"
        page = requests.get(f"{base}/", timeout=10)
        assert page.status_code == 200
        assert page.text == "<h1>dashboard</h1>"
        assert page.headers["Cache-Control"] == "no-cache"  # always the newest build's page
        asset = requests.get(f"{base}/assets/index-3f9a1c.js", timeout=10)
        assert asset.status_code == 200
        assert asset.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert requests.get(f"{base}/costs/by-service", timeout=10).text == "<h1>dashboard</h1>"
        assert requests.get(f"{base}/missing.js", timeout=10).status_code == 404
        deep = requests.get(f"{base}/api/v2/x/y/z/w", timeout=10)
        assert deep.status_code == 404
        assert deep.json()["error"]["code"] == "not_found"
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stderr is not None:
            process.stderr.close()


def test_server_thread_starts_on_a_free_port_and_stops(db_url: str) -> None:
    server = start_server_thread(port=0, database_url=db_url)
    try:
        assert not server.url.endswith(":0")
        response = requests.get(f"{server.url}{API_PREFIX}/openapi.json", timeout=10)
        assert response.status_code == 200
        assert response.json()["openapi"].startswith("3.1")
        assert requests.get(f"{server.url}/", timeout=10).status_code == 404
    finally:
        server.stop()


ENTRY_CHECK = textwrap.dedent(
    """
    import json, sys
    sys.path.insert(0, sys.argv[1])
    import app
    import finops
    import finops.costs
    from chalice import Chalice
    print(json.dumps({
        "entry": app.__file__,
        "entry_is_package": hasattr(app, "__path__"),
        "is_chalice": isinstance(app.app, Chalice),
        "routes": sorted(app.app.routes),
        "core": finops.costs.__file__,
        "version": finops.__version__,
    }))
    """
)


def _check_entry(path_first: Path, cwd: Path) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FINOPS_")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    completed = subprocess.run(
        [sys.executable, "-c", ENTRY_CHECK, str(path_first)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    result: dict[str, object] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


def test_entry_module_is_a_plain_chalice_module_beside_the_core(tmp_path: Path) -> None:
    result = _check_entry(FUNCTIONS_DIR, tmp_path)
    assert result["entry"] == str(FUNCTIONS_DIR / "app.py")
    assert result["entry_is_package"] is False
    assert result["is_chalice"] is True
    assert f"{API_PREFIX}/costs" in result["routes"]  # type: ignore[operator]
    assert result["core"] == str(REPO_ROOT / "app" / "finops" / "costs" / "__init__.py")
    assert result["version"]


def test_entry_module_imports_the_core_vendored_in_a_lambda_package(tmp_path: Path) -> None:
    # The layout `chalice package` produces once `make build` vendored the core to
    # functions/vendor/finops: app.py, chalicelib/ and finops/ at the package root.
    package = tmp_path / "lambda"
    package.mkdir()
    shutil.copy2(FUNCTIONS_DIR / "app.py", package / "app.py")
    shutil.copytree(FUNCTIONS_DIR / "chalicelib", package / "chalicelib",
                    ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
    shutil.copytree(REPO_ROOT / "app" / "finops", package / "finops",
                    ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
    result = _check_entry(package, package)
    assert result["entry"] == str(package / "app.py")
    assert result["entry_is_package"] is False
    assert result["is_chalice"] is True
    assert result["core"] == str(package / "finops" / "costs" / "__init__.py")
