"""The MCP server: the tools of :mod:`finops.mcp.tools` on the SDK's low-level ``Server``.

Guarantees:

- one database for the server (opened by the caller), one session per tool call, run on a worker
  thread so the protocol keeps answering while a query runs;
- read-only: a tool's transaction is rolled back, and on PostgreSQL it is ``READ ONLY`` (a write
  would fail); only ``ask`` commits, and it writes nothing but its log entries;
- a bad argument or any platform error is a tool error (``isError``) whose text is the
  platform's message naming the parameter; anything else is logged on stderr and answered
  with a one-line ``internal error``, never a traceback;
- a result carries its structured content (the tool's output schema, validated before it is
  sent) and the same document as JSON text for clients that read only text.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

import anyio
import anyio.to_thread
from mcp import types
from mcp.server.lowlevel import Server
from mcp.shared.exceptions import MCPError
from sqlalchemy import text
from sqlalchemy.orm import Session

from finops import __version__
from finops.core.errors import FinOpsError
from finops.db.database import Database
from finops.db.engine import session_scope
from finops.mcp.tools import MCP_ACTOR, TOOLS, ToolContext, ToolSpec

logger = logging.getLogger("finops.mcp")

SERVER_NAME = "finops"
INSTRUCTIONS = (
    "Read-only tools over a FinOps platform's billing data and analyses: cost sums (costs), "
    "changes between windows (cost_changes, top_movers), anomalies, rightsizing and idle "
    "recommendations, forecasts, budgets, and a plain-language question (ask). Every window "
    "is half-open [start, end): end is the first day excluded, in UTC days. Money is exact "
    "decimal text; amounts in different currencies are never added. Nothing is changed by any "
    "tool; ask records the question in the query and audit logs."
)


def tool_definition(spec: ToolSpec) -> types.Tool:
    """The ``tools/list`` entry of ``spec``: input and output schemas from its models."""
    return types.Tool(
        name=spec.name,
        title=spec.title,
        description=spec.description,
        input_schema=spec.input_model.model_json_schema(),
        output_schema=spec.output_model.model_json_schema(mode="serialization"),
        annotations=types.ToolAnnotations(
            title=spec.title,
            read_only_hint=True,
            destructive_hint=False,
            idempotent_hint=not spec.logs,
            open_world_hint=False,
        ),
    )


def error_result(message: str) -> types.CallToolResult:
    """A tool error the model reads: ``message`` on one line."""
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=" ".join(message.split()))], is_error=True
    )


@contextmanager
def tool_session(database: Database, *, commit: bool) -> Iterator[Session]:
    """The session of one tool call. ``commit=False``: a transaction that is always rolled back,
    declared ``READ ONLY`` on PostgreSQL so that no statement can write."""
    if commit:
        with session_scope(database.sessions) as session:
            yield session
        return
    session = database.sessions()
    try:
        if database.dialect == "postgresql":
            session.execute(text("SET TRANSACTION READ ONLY"))
        yield session
    finally:
        session.rollback()
        session.close()


def run_tool(
    database: Database,
    spec: ToolSpec,
    arguments: dict[str, Any],
    *,
    actor: str = MCP_ACTOR,
    today: dt.date | None = None,
) -> types.CallToolResult:
    """Validate ``arguments``, run ``spec`` in its own session and shape the result (see the
    module guarantees). Blocking: the server calls it on a worker thread."""
    try:
        params = spec.input_model.model_validate(arguments)
        with tool_session(database, commit=spec.logs) as session:
            context = ToolContext(
                session=session, actor=actor, today=today or dt.datetime.now(dt.UTC).date()
            )
            output = spec.operation(context, params)
            document = output.model_dump(mode="json")
    except FinOpsError as exc:
        logger.info("tool %s refused: %s", spec.name, exc.message)
        return error_result(exc.message)
    except Exception as exc:
        logger.error("tool %s failed", spec.name, exc_info=True)
        return error_result(
            f"internal error ({type(exc).__name__}); the server's log on stderr has the details"
        )
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=json.dumps(document, ensure_ascii=False))],
        structured_content=document,
    )


def build_server(database: Database, *, actor: str = MCP_ACTOR) -> Server[Any]:
    """An MCP server exposing :data:`~finops.mcp.tools.TOOLS` over ``database``."""
    specs = {spec.name: spec for spec in TOOLS}
    listing = types.ListToolsResult(tools=[tool_definition(spec) for spec in TOOLS])

    async def list_tools(
        _ctx: Any, _params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return listing

    async def call_tool(_ctx: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
        spec = specs.get(params.name)
        if spec is None:
            raise MCPError(
                code=types.INVALID_PARAMS,
                message=f"unknown tool {params.name!r}; expected one of {', '.join(specs)}",
            )
        return await anyio.to_thread.run_sync(
            partial(run_tool, database, spec, dict(params.arguments or {}), actor=actor)
        )

    return Server(
        SERVER_NAME,
        version=__version__,
        title="FinOps platform",
        instructions=INSTRUCTIONS,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
    )


async def serve_stdio_async(server: Server[Any]) -> None:
    """Serve ``server`` on this process's stdin and stdout until stdin closes."""
    from mcp.server.stdio import stdio_server

    async with stdio_server() as (read_stream, write_stream):
        await server.run(read_stream, write_stream, server.create_initialization_options())


def serve_stdio(server: Server[Any]) -> None:
    """Blocking :func:`serve_stdio_async` (the ``finops mcp`` command)."""
    anyio.run(serve_stdio_async, server)
