"""``finops insights``: the daily insights (top movers, new services, waste, budget risk)."""

from __future__ import annotations

from typing import Annotated

import typer

from finops.cli.support import open_cli_database, parse_date, print_json, today, user_errors


def insights(
    day: Annotated[str | None, typer.Option(help="YYYY-MM-DD; default the newest built.")] = None,
    kind: Annotated[
        str | None, typer.Option(help="top_movers, new_services, waste, budget_risk.")
    ] = None,
    build: Annotated[bool, typer.Option("--build", help="Build the day's insights first.")] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Daily insights, each with the data behind it."""
    with user_errors():
        from finops.api.routes.insights import InsightOut
        from finops.insights import list_insights
        from finops.jobs import run_job

        database = open_cli_database()
        which = parse_date(day, "--day") if day else None
        if build:
            run_job("build_insights", db=database, as_of=which or today())
        with database.sessions() as session:
            docs = [
                InsightOut.model_validate(i).model_dump(mode="json")
                for i in list_insights(session=session, day=which, kind=kind)
            ]
        if json_output:
            print_json({"items": docs})
            return
        for d in docs:
            typer.echo(f"{d['day']}  {d['kind']:13} {d['title']}")
