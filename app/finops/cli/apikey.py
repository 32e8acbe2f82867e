"""``finops apikey``: create, list and revoke API keys for the REST API."""

from __future__ import annotations

from typing import Annotated

import typer

from finops.cli.support import open_cli_database, print_json, user_errors

apikey_app = typer.Typer(help="API keys for the REST API.", no_args_is_help=True)


@apikey_app.command("create")
def apikey_create(
    name: Annotated[str, typer.Option(help="Who or what the key is for.")],
    role: Annotated[str, typer.Option(help="viewer, operator or admin.")] = "viewer",
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Create an API key; the key is printed once and only its hash is stored."""
    with user_errors():
        from finops.auth import create_api_key

        database = open_cli_database()
        with database.sessions.begin() as session:
            key, record = create_api_key(session=session, name=name, role=role)
            document = {"id": record.id, "name": record.name, "role": record.role, "key": key}
        if json_output:
            print_json(document)
        else:
            typer.echo(key)


@apikey_app.command("list")
def apikey_list() -> None:
    """List API keys (prefix, name, role; never the key)."""
    with user_errors():
        from finops.auth import list_api_keys

        database = open_cli_database()
        with database.sessions() as session:
            for record in list_api_keys(session=session):
                state = "revoked" if record.revoked_at else "active"
                typer.echo(
                    f"{record.id:5} {record.prefix:12} {record.role:9} {state:8} {record.name}"
                )


@apikey_app.command("revoke")
def apikey_revoke(
    key_id: Annotated[int, typer.Argument(help="Key id from `apikey list`.")],
) -> None:
    """Revoke an API key."""
    with user_errors():
        from finops.auth import revoke_api_key

        database = open_cli_database()
        with database.sessions.begin() as session:
            revoke_api_key(session=session, key_id=key_id)
        typer.echo(f"revoked key {key_id}")
