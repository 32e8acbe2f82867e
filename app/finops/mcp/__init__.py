"""A door for AI assistants: read-only MCP tools over the service layer (``finops mcp``).

- :mod:`finops.mcp.models` — each tool's input model (schema and validator) and output model.
- :mod:`finops.mcp.tools` — the tools: one service call each, and the :data:`TOOLS` table.
- :mod:`finops.mcp.server` — the SDK server (stdio), sessions per call, errors as tool errors.

See ``docs/mcp.md`` and decision 0016.
"""

from finops.mcp.server import build_server, run_tool, serve_stdio
from finops.mcp.tools import MCP_ACTOR, TOOLS, ToolSpec

__all__ = ["MCP_ACTOR", "TOOLS", "ToolSpec", "build_server", "run_tool", "serve_stdio"]
