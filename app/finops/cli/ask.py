"""``finops ask``: a plain-language cost question, answered with the rows behind it."""

from __future__ import annotations

from typing import Annotated

import typer

from finops.cli.support import open_cli_database, parse_date, print_json, user_errors


def ask_command(
    question: Annotated[str, typer.Argument(help="A question about your costs, in words.")],
    as_of: Annotated[
        str | None,
        typer.Option(help="The day the question is asked, YYYY-MM-DD (default: today, UTC)."),
    ] = None,
    actor: Annotated[str, typer.Option(help="Who asks (recorded in the audit log).")] = "cli",
    engine: Annotated[
        str | None,
        typer.Option(
            help="parser (offline, default) or bedrock; default: FINOPS_ASSISTANT_ENGINE.",
        ),
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Answer a cost question: the plan, the figures, and the command that reproduces them."""
    with user_errors():
        from finops.assistant.engines import build_reader
        from finops.assistant.service import ask
        from finops.config import get_settings

        settings = get_settings()
        reader = build_reader(engine or settings.assistant_engine, settings.bedrock_model_id)
        day = parse_date(as_of, "--as-of") if as_of else None
        database = open_cli_database()
        with database.sessions.begin() as session:
            result = ask(session=session, question=question, actor=actor, as_of=day, reader=reader)
            document = result.as_json()
        if json_output:
            print_json(document)
            return
        typer.echo(document["message"])
        for row in document["answer"]["rows"]:
            typer.echo(f"  {row['group']:<48} {row['value']:>16} {row['currency']}")
        for option in document["options"]:
            typer.echo(f"  - {option}")
        if document["cli"]:
            typer.echo(f"reproduce: {document['cli']}")
