"""``finops audit``: the append-only audit log, newest first."""

from __future__ import annotations

from typing import Annotated

import typer

from finops.cli.support import open_cli_database, print_json, user_errors


def audit(
    entity_type: Annotated[str | None, typer.Option(help="e.g. budget, recommendation.")] = None,
    entity_id: Annotated[str | None, typer.Option()] = None,
    actor: Annotated[str | None, typer.Option()] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The append-only audit log, newest first."""
    with user_errors():
        from finops.api.routes.audit import AuditEntryOut
        from finops.audit import list_audit

        database = open_cli_database()
        with database.sessions() as session:
            entries = list_audit(
                session=session,
                entity_type=entity_type,
                entity_id=entity_id,
                actor=actor,
                limit=limit,
            )
        docs = [AuditEntryOut.model_validate(e).model_dump(mode="json") for e in entries]
        if json_output:
            print_json({"items": docs})
            return
        for d in docs:
            typer.echo(
                f"{d['occurred_at']}  {d['actor']:24} {d['action']:16} "
                f"{d['entity_type']}/{d['entity_id']}"
            )
