"""``finops db``: the database schema (Alembic migrations): upgrade, downgrade, current."""

from __future__ import annotations

import typer

from finops.cli.support import open_cli_database, user_errors

db_app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head")) -> None:
    """Upgrade the schema (default: to the newest revision)."""
    with user_errors():
        from finops.db import migrate

        database = open_cli_database(migrate=False)
        migrate.upgrade(database.engine, revision)
        typer.echo(f"database at revision {migrate.current_revision(database.engine)}")


@db_app.command("downgrade")
def db_downgrade(revision: str = typer.Argument(..., help="Target revision, or 'base'.")) -> None:
    """Downgrade the schema to REVISION ('base' removes every table)."""
    with user_errors():
        from finops.db import migrate

        database = open_cli_database(migrate=False)
        migrate.downgrade(database.engine, revision)
        typer.echo(f"database at revision {migrate.current_revision(database.engine)}")


@db_app.command("current")
def db_current() -> None:
    """Print the schema revision of the database."""
    with user_errors():
        from finops.db import migrate

        typer.echo(migrate.current_revision(open_cli_database(migrate=False).engine) or "none")
