"""``finops mcp``: the read-only MCP server on stdio, for AI assistants (docs/mcp.md)."""

from __future__ import annotations

from finops.cli.support import fail, open_cli_database, user_errors


def mcp_command() -> None:
    """Serve read-only MCP tools (costs, changes, anomalies, recommendations, forecasts,
    budgets, ask) on stdin/stdout, over the database FINOPS_DATABASE_URL selects."""
    with user_errors():
        try:
            from finops.mcp import build_server, serve_stdio
        except ModuleNotFoundError as exc:
            if exc.name != "mcp" and not (exc.name or "").startswith("mcp."):
                raise
            fail("the MCP server needs the mcp package: pip install 'finops-platform[mcp]'")
        database = open_cli_database()
        try:
            serve_stdio(build_server(database))
        finally:
            database.dispose()
