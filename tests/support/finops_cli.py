"""The ``finops`` CLI as a user runs it: :func:`run` starts it as a real subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

FINOPS = [sys.executable, "-m", "finops.cli"]


def run(
    args: list[str], *, url: str | None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``finops <args>`` with this interpreter and return its exit code and output.

    No ``FINOPS_*`` variable of the caller's environment reaches the child; ``url`` (when given)
    becomes its ``FINOPS_DATABASE_URL``. Times out after five minutes.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("FINOPS_")}
    if url:
        env["FINOPS_DATABASE_URL"] = url
    return subprocess.run(
        [*FINOPS, *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=300, check=False
    )
