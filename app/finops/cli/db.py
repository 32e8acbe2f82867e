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


@db_app.command("rebuild-rollups")
def db_rebuild_rollups() -> None:
    """Recompute every daily cost roll-up from the billing facts (one transaction)."""
    with user_errors():
        from finops.db.rollups import rebuild_rollups

        database = open_cli_database()
        with database.engine.begin() as conn:
            rows = rebuild_rollups(conn)
        typer.echo(f"roll-ups rebuilt: {rows} detailed daily rows")


@db_app.command("check-rollups")
def db_check_rollups() -> None:
    """Compare every roll-up's totals with the facts'; exit 1 listing any difference."""
    with user_errors():
        from finops.db.rollups import rollup_mismatches

        database = open_cli_database()
        with database.engine.connect() as conn:
            mismatches = rollup_mismatches(conn)
        for m in mismatches:
            typer.echo(
                f"{m.rollup} {m.scope} {m.currency}: facts {m.facts}, roll-up {m.rollup_totals}"
            )
        if mismatches:
            raise typer.Exit(1)
        typer.echo("roll-ups equal the facts")
