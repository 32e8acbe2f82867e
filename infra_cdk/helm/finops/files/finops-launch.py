"""finops-launch: runs one platform command in a pod of the Helm chart (the API, a batch stage).

Mounted from a ConfigMap and run with the image's own Python (no extra packages). What it
guarantees:

- COMMAND runs as a child process; every line it writes (stdout and stderr merged) is copied to
  this process's stdout, so ``kubectl logs`` shows it, and, with ``--log-file``, appended to that
  file, which the Promtail sidecar tails (monitoring/promtail/promtail.yml: /var/log/finops/*.log).
  The file is renamed to FILE.1 (replacing an older one) once it reaches ``--max-bytes``, so an
  emptyDir never fills up; FILE.1 no longer matches Promtail's ``*.log``.
- SIGTERM and SIGINT are passed on to the child: the pod stops when the platform stops.
- The exit status is the child's (128 + N when signal N ended it; 127 when it cannot start).
- ``--params JSON`` (an object) is appended to COMMAND as ``--params JSON``; ``--window-days N``
  adds ``"start"`` (today minus N days) and ``"end"`` (today), both UTC ISO dates, to it: the
  rolling window of ``collect_usage`` that the MWAA DAG computes per run.
- ``--linger SECONDS``: with ``--log-file``, wait that long after the child exits, so the
  sidecar reads and pushes the last lines before the pod ends.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from typing import IO, Any


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="finops-launch", description=__doc__.splitlines()[0])
    parser.add_argument("--log-file", help="Also append every output line to this file.")
    parser.add_argument("--max-bytes", type=int, default=50 * 1024 * 1024)
    parser.add_argument("--linger", type=float, default=0.0)
    parser.add_argument("--params", help="A JSON object passed to COMMAND as --params.")
    parser.add_argument("--window-days", type=int, help="Add start/end (UTC dates) to params.")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    if args.command[:1] == ["--"]:
        args.command = args.command[1:]
    if not args.command:
        parser.error("no COMMAND given (finops-launch [options] -- COMMAND ...)")
    if args.max_bytes < 1:
        parser.error("--max-bytes must be at least 1")
    return args


def _stage_parameters(params: str | None, window_days: int | None) -> dict[str, Any] | None:
    if params is None and window_days is None:
        return None
    document = json.loads(params) if params else {}
    if not isinstance(document, dict):
        raise SystemExit("finops-launch: --params must be a JSON object")
    if window_days is not None:
        today = dt.datetime.now(dt.UTC).date()
        document["start"] = (today - dt.timedelta(days=window_days)).isoformat()
        document["end"] = today.isoformat()
    return document


class _RotatingFile:
    """Appends lines to ``path``; renames it to ``path.1`` once it holds ``max_bytes``."""

    def __init__(self, path: str, max_bytes: int) -> None:
        self.path = path
        self.max_bytes = max_bytes
        self.handle: IO[bytes] = open(path, "ab")  # noqa: SIM115 - closed in close()

    def write(self, line: bytes) -> None:
        self.handle.write(line)
        self.handle.flush()
        if self.handle.tell() >= self.max_bytes:
            self.handle.close()
            os.replace(self.path, self.path + ".1")
            self.handle = open(self.path, "ab")  # noqa: SIM115

    def close(self) -> None:
        self.handle.close()


def main(argv: list[str]) -> int:
    """Run the command as described in the module docstring; returns its exit status."""
    args = _arguments(argv)
    command = list(args.command)
    parameters = _stage_parameters(args.params, args.window_days)
    if parameters is not None:
        command += ["--params", json.dumps(parameters, separators=(",", ":"))]
    try:
        child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    except OSError as exc:
        sys.stderr.write(f"finops-launch: cannot start {command[0]}: {exc.strerror}\n")
        return 127

    def forward(signum: int, _frame: object) -> None:
        child.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    log = _RotatingFile(args.log_file, args.max_bytes) if args.log_file else None
    out = sys.stdout.buffer
    assert child.stdout is not None
    for line in child.stdout:
        out.write(line)
        out.flush()
        if log is not None:
            log.write(line)
    status = child.wait()
    if log is not None:
        log.close()
        time.sleep(args.linger)
    return 128 - status if status < 0 else status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
