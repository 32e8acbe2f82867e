"""Local HTTP server: Chalice's LocalDevServer for ``/api/*`` plus static files at ``/``.

``serve()`` blocks; ``start_server_thread()`` runs the same server in a daemon thread (tests,
the demo). Run from the command line with ``python -m chalicelib.local_server`` in
``functions/`` (see ``--help``).
"""

from __future__ import annotations

import argparse
import functools
import json
import mimetypes
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from chalice.app import Chalice
from chalice.config import Config
from chalice.local import (
    ChaliceRequestHandler,
    ForbiddenError,
    LocalDevServer,
    LocalGatewayException,
    create_local_server,
)
from prometheus_client import CollectorRegistry

from chalicelib.factory import DatabaseFactory, LazyDatabase, create_app
from finops.api.errors import error_envelope
from finops.db.database import Database, database_from_env, open_database
from finops.observability.exposition import render
from finops.observability.freshness import FreshnessCollector
from finops.observability.http import HttpMetrics

API_PATH_PREFIX = "/api/"
METRICS_PATH = "/metrics"
# Vite names built assets by content hash: cache them for good; always revalidate the page.
HASHED_ASSETS_PREFIX = "/assets/"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"


def cache_control_for(path: str) -> str:
    """``Cache-Control`` of a static path (the same rules CloudFront applies in AWS)."""
    return IMMUTABLE if path.startswith(HASHED_ASSETS_PREFIX) else REVALIDATE


class ApiAndStaticHandler(ChaliceRequestHandler):
    """``/api/...`` goes to Chalice; anything else is a file under ``static_dir`` (single-page
    apps: unknown paths fall back to ``index.html``)."""

    def __init__(
        self,
        *args: Any,
        static_dir: Path | None = None,
        metrics_registry: CollectorRegistry | None = None,
        **kwargs: Any,
    ) -> None:
        self.static_dir = static_dir.resolve() if static_dir is not None else None
        self.metrics_registry = metrics_registry
        super().__init__(*args, **kwargs)

    def _route(self) -> None:
        path = urlsplit(self.path).path
        if path.startswith(API_PATH_PREFIX) or path == API_PATH_PREFIX.rstrip("/"):
            self._generic_handle()
        elif path == METRICS_PATH and self.metrics_registry is not None and self.command == "GET":
            body, content_type = render(self.metrics_registry)
            self._send_http_response(200, {"Content-Type": content_type}, body)
        elif self.command in ("GET", "HEAD"):
            self._serve_static(path)
        else:
            self._send_json(405, error_envelope("method_not_allowed", "static files are read-only"))

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        # Prometheus scrapes every few seconds: keep those out of the request log.
        if urlsplit(self.path).path != METRICS_PATH:
            super().log_request(code, size)

    # http.server dispatches on these names.
    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = do_PATCH = do_OPTIONS = _route  # noqa: N815

    def _send_error_response(self, error: LocalGatewayException) -> None:
        # The gateway answers a path without a route like API Gateway does (403 "Missing
        # Authentication Token"); locally we say what it is.
        if isinstance(error, ForbiddenError) and b"Missing Authentication Token" in (
            error.body or b""
        ):
            path = urlsplit(self.path).path
            self._send_json(404, error_envelope("not_found", f"no route {path}", {"path": path}))
            return
        super()._send_error_response(error)

    def _send_json(self, status: int, body: dict[str, Any]) -> None:
        self._send_http_response(status, {"Content-Type": "application/json"}, json.dumps(body))

    def _serve_static(self, path: str) -> None:
        target = self._static_target(path)
        if target is None:
            self._send_json(404, error_envelope("not_found", f"no file {path}", {"path": path}))
            return
        content_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        body = target.read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", cache_control_for(path))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _static_target(self, path: str) -> Path | None:
        if self.static_dir is None:
            return None
        candidate = (self.static_dir / unquote(path).lstrip("/")).resolve()
        if not candidate.is_relative_to(self.static_dir):
            return None
        if candidate.is_dir():
            candidate = candidate / "index.html"
        if candidate.is_file():
            return candidate
        index = self.static_dir / "index.html"
        # Only extension-less paths are client-side routes; a missing asset is a real 404.
        return index if index.is_file() and "." not in Path(path).name else None


def _factory_for(database_url: str | None) -> DatabaseFactory | None:
    if database_url is None:
        return None

    def factory() -> Database:
        return open_database(database_url)

    return factory


def build_server(
    *,
    host: str,
    port: int,
    database_url: str | None = None,
    static_dir: Path | None = None,
    app: Chalice | None = None,
) -> LocalDevServer:
    """A bound (not yet serving) LocalDevServer; ``port=0`` picks a free port.

    Besides the API and the dashboard it answers ``GET /metrics`` (Prometheus text format): the
    API's request metrics and the freshness gauges read from the same database at each scrape.
    """
    registry = CollectorRegistry()
    database = LazyDatabase(_factory_for(database_url) or database_from_env)
    registry.register(FreshnessCollector(database.get))
    chalice_app = app or create_app(database_factory=database.get, metrics=HttpMetrics(registry))
    config = Config.create(chalice_stage="local", app_name=chalice_app.app_name)
    server = create_local_server(chalice_app, config, host, port)
    server.server.RequestHandlerClass = functools.partial(
        ApiAndStaticHandler,
        app_object=server.app_object,
        config=config,
        static_dir=static_dir,
        metrics_registry=registry,
    )
    server.port = server.server.server_address[1]
    return server


def serve(
    *, host: str, port: int, database_url: str | None = None, static_dir: Path | None = None
) -> None:
    """Serve the API (and ``static_dir`` at ``/``) until interrupted. Blocks."""
    server = build_server(host=host, port=port, database_url=database_url, static_dir=static_dir)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server.server_close()


@dataclass
class RunningServer:
    """A server running in a daemon thread; ``stop()`` shuts it down and frees the port."""

    server: LocalDevServer
    thread: threading.Thread

    @property
    def url(self) -> str:
        host, port = self.server.server.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)
        self.server.server.server_close()


def start_server_thread(
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    database_url: str | None = None,
    static_dir: Path | None = None,
    app: Chalice | None = None,
) -> RunningServer:
    """Start the server in a daemon thread and return once it accepts connections."""
    server = build_server(
        host=host, port=port, database_url=database_url, static_dir=static_dir, app=app
    )
    thread = threading.Thread(
        target=server.server.serve_forever, name="finops-local-api", daemon=True
    )
    thread.start()
    return RunningServer(server=server, thread=thread)


def main(argv: list[str] | None = None) -> None:
    """``python -m chalicelib.local_server [--host H] [--port P] [--static DIR]``."""
    parser = argparse.ArgumentParser(description="FinOps API + dashboard, locally.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--database-url", default=None, help="default: FINOPS_DATABASE_URL")
    parser.add_argument("--static", type=Path, default=None, help="dashboard build directory")
    args = parser.parse_args(argv)
    serve(host=args.host, port=args.port, database_url=args.database_url, static_dir=args.static)


if __name__ == "__main__":
    main()
