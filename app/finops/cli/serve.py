"""``finops serve`` (the REST API and dashboard on this machine) and ``finops demo`` (sample
data, every stage, the local AWS scene, then serve); where the dashboard build is found."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Annotated

import typer

from finops.cli.support import open_cli_database, print_json, user_errors
from finops.core.errors import InvalidInputError

PACKAGED_DASHBOARD = Path(__file__).resolve().parents[1] / "dashboard"
CHECKOUT_DASHBOARD = Path(__file__).resolve().parents[3] / "frontend" / "dist"


def _dashboard_dir() -> Path | None:
    """The built dashboard to serve: ``FINOPS_DASHBOARD_DIR``, else the copy packaged with the
    core (``make build``), else a source checkout's ``frontend/dist``; ``None`` serves the API only.
    """
    from finops.config import get_settings

    configured = get_settings().dashboard_dir
    if configured is not None:
        if not (configured / "index.html").is_file():
            raise InvalidInputError(
                f"FINOPS_DASHBOARD_DIR={configured}: no index.html there (expected a dashboard "
                "build, `npm run build` in frontend/)",
                details={"parameter": "FINOPS_DASHBOARD_DIR"},
            )
        return configured
    for candidate in (PACKAGED_DASHBOARD, CHECKOUT_DASHBOARD):
        if (candidate / "index.html").is_file():
            return candidate
    return None


def _serve_api(*, host: str, port: int) -> None:
    """Run the Chalice app locally (the same routes the Lambda serves), plus the dashboard."""
    from chalicelib.local_server import serve as serve_local

    static = _dashboard_dir()
    typer.echo(f"serving http://{host}:{port}/api/v1 (Ctrl-C to stop)", err=True)
    typer.echo(
        f"Prometheus metrics at http://{host}:{port}/metrics "
        "(scrape config: monitoring/prometheus/prometheus.yml)",
        err=True,
    )
    serve_local(host=host, port=port, static_dir=static)


def serve(
    host: Annotated[str, typer.Option(envvar="FINOPS_API_HOST")] = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar="FINOPS_API_PORT")] = 8000,
) -> None:
    """Serve the REST API (and the dashboard build, when present) on HOST:PORT."""
    with user_errors():
        open_cli_database()
        _serve_api(host=host, port=port)


def demo(
    out: Annotated[Path, typer.Option(help="Where the sample data goes.")] = Path(".finops/demo"),
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="Run the stages, do not serve.")
    ] = False,
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
    months: Annotated[int, typer.Option(min=1, max=24)] = 6,
    accounts: Annotated[int, typer.Option(min=1, max=100)] = 4,
    local_aws: Annotated[
        bool,
        typer.Option(
            "--local-aws/--no-local-aws",
            help="Also run the AWS scene (billing events, inventory, a remediation awaiting "
            "approval) on a local moto server, kept running while serving.",
        ),
    ] = True,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Generate sample data, run every stage, then serve the API and dashboard."""
    with user_errors(), contextlib.ExitStack() as stack:
        from finops.devtools.demo import run_demo
        from finops.devtools.emulator import find_moto_server
        from finops.devtools.emulator import local_aws as run_local_aws
        from finops.devtools.prometheus import find_prometheus, local_prometheus

        database = open_cli_database()
        echo = None if json_output else typer.echo
        summary = run_demo(db=database, out=out, months=months, accounts=accounts, echo=echo)
        if local_aws and find_moto_server() is not None:
            from finops.devtools.demo_aws import seed_demo_aws

            emulator = stack.enter_context(run_local_aws(log_dir=out))
            summary["aws"] = {
                "endpoint": emulator.endpoint_url,
                **seed_demo_aws(db=database, say=echo or _quiet),
            }
        if not no_serve and find_prometheus() is not None:
            running = stack.enter_context(
                local_prometheus({"finops_api": f"{host}:{port}"}, work_dir=out / "prometheus")
            )
            summary["prometheus"] = running.url
            if echo:
                echo(f"Prometheus (alert rules loaded) at {running.url}, scraping the API")
        if json_output:
            print_json(summary)
        if not no_serve:
            _serve_api(host=host, port=port)


def _quiet(_message: str) -> None:
    return None
