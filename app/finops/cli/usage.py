"""``finops usage``: load CloudWatch-shaped utilization series (the ``ingest_usage`` stage)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from finops.cli.support import open_cli_database, print_json, user_errors

usage_app = typer.Typer(help="Utilization metrics.", no_args_is_help=True)


@usage_app.command("load")
def usage_load(
    path: Annotated[Path, typer.Argument(help="A metrics CSV(.gz) file or a folder of them.")],
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Load CloudWatch-shaped utilization series into daily per-resource statistics."""
    with user_errors():
        from finops.jobs import run_job

        counts = run_job("ingest_usage", db=open_cli_database(), path=str(path))
        if json_output:
            print_json(counts)
        else:
            typer.echo(f"usage loaded: {counts}")
