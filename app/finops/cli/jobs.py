"""``finops jobs``: list and run the registered batch stages; ``run_stage`` is the one way every
command that triggers a stage runs it (recorded in job_runs, exit 1 when it failed)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from finops.cli.support import fail, open_cli_database, parse_date, print_json, user_errors

jobs_app = typer.Typer(help="Batch stages (the jobs registry).", no_args_is_help=True)


def run_stage(name: str, as_of: str | None, json_output: bool, **params: Any) -> None:
    """Run a registered stage (recorded in job_runs) and print what it reported.

    ``as_of`` is parsed as ``--as-of``; a stage that reports ``status: failed`` exits 1.
    """
    with user_errors():
        from finops.jobs import run_job

        if as_of:
            params["as_of"] = parse_date(as_of, "--as-of")
        counts = run_job(name, db=open_cli_database(), **params)
        if json_output:
            print_json(counts)
        else:
            typer.echo(f"{name}: {counts}")
        if counts.get("status") == "failed":
            # an ECS task (Airflow's ecs executor) sees only the exit code
            fail(f"{name} failed: {counts.get('error') or 'see job_runs'}")


@jobs_app.command("run")
def jobs_run(
    name: Annotated[str, typer.Argument(help="A stage from `finops jobs list`.")],
    as_of: Annotated[str | None, typer.Option(help="YYYY-MM-DD, for dated stages.")] = None,
    params: Annotated[
        str | None,
        typer.Option(help='Parameters as a JSON object, e.g. \'{"regions": ["us-east-1"]}\'.'),
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Run one batch stage (rightsize, track_savings, collect_usage, ...), recorded in job_runs.

    This is also the command an ECS task of the platform's image runs for an Airflow task.
    """
    extra: dict[str, Any] = {}
    if params:
        try:
            extra = json.loads(params)
        except json.JSONDecodeError as exc:
            raise typer.BadParameter(f"not JSON: {exc.msg}", param_hint="--params") from None
        if not isinstance(extra, dict):
            raise typer.BadParameter("expected a JSON object", param_hint="--params")
    run_stage(name, as_of, json_output, **extra)


@jobs_app.command("list")
def jobs_list() -> None:
    """List the registered batch stages."""
    from finops.jobs import registered_jobs

    for job in registered_jobs():
        typer.echo(f"{job.name:20} {job.description}")
