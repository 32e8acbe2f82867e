"""A Python 3.12 virtual environment pinned like an Amazon MWAA image, built once and cached.

MWAA runs the DAG files on Airflow ``MWAA_AIRFLOW_VERSION`` under Python 3.12 with the packages
of ``mwaa_dags/requirements.txt`` resolved against Airflow's constraints for that version. This
module builds the same set (the constraints come from the copy in ``mwaa_dags/constraints/``,
since the official address is not reachable from tests) without this project's package, so a DAG
file that reaches for ``app`` at parse time, or for an Airflow API newer than MWAA's, fails here.

The environment lives outside the repository, under ``~/.cache/finops`` (or
``FINOPS_MWAA_VENV_CACHE``), in a folder named after a hash of everything that decides its
contents; a changed requirement or constraint builds a new one. A build runs under a file lock
and is renamed into place only when complete, so concurrent test processes (pytest-xdist) and
an interrupted build never leave a half-built environment behind.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DAGS_FOLDER = REPO_ROOT / "mwaa_dags"
REQUIREMENTS = DAGS_FOLDER / "requirements.txt"
MWAA_AIRFLOW_VERSION = "3.0.6"
PYTHON_VERSION = "3.12"
CONSTRAINTS = (
    DAGS_FOLDER / "constraints" / f"constraints-{MWAA_AIRFLOW_VERSION}-py{PYTHON_VERSION}.txt"
)
CONSTRAINT_URL = (
    "https://raw.githubusercontent.com/apache/airflow/"
    f"constraints-{MWAA_AIRFLOW_VERSION}/constraints-{PYTHON_VERSION}.txt"
)
BUILD_TIMEOUT_SECONDS = 1800
_CONSTRAINT_LINE = re.compile(r"^\s*(?:--constraint|-c)[\s=]+[\"']?(?P<target>[^\"'\s]+)[\"']?\s*$")


class ParityEnvironmentError(RuntimeError):
    """The MWAA-like environment could not be built."""


@dataclass(frozen=True)
class ParityEnvironment:
    """A built environment: its folder, its interpreter and whether this call built it."""

    path: Path
    python: Path
    built_now: bool
    build_seconds: float


def find_python312() -> str | None:
    """A working Python 3.12 interpreter: ``FINOPS_PYTHON312``, ``python3.12`` on PATH (a pyenv
    shim counts only if it runs), or a pyenv-installed 3.12; ``None`` when there is none."""
    candidates: list[str] = []
    if explicit := os.environ.get("FINOPS_PYTHON312"):
        candidates.append(explicit)
    if on_path := shutil.which(f"python{PYTHON_VERSION}"):
        candidates.append(on_path)
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates.extend(
        str(p)
        for p in sorted(
            (pyenv_root / "versions").glob(f"{PYTHON_VERSION}*/bin/python{PYTHON_VERSION}"),
            reverse=True,
        )
    )
    for candidate in candidates:
        try:
            probe = subprocess.run(
                [candidate, "-c", "import sys, venv; print('%d.%d' % sys.version_info[:2])"],
                capture_output=True,
                text=True,
                timeout=30,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            continue
        if probe.returncode == 0 and probe.stdout.strip() == PYTHON_VERSION:
            return candidate
    return None


def requirement_lines() -> tuple[str, list[str]]:
    """The ``--constraint`` target of ``requirements.txt`` and its other requirement lines."""
    constraint: str | None = None
    requirements: list[str] = []
    for raw in REQUIREMENTS.read_text(encoding="utf-8").splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if match := _CONSTRAINT_LINE.match(line):
            constraint = match.group("target")
        else:
            requirements.append(line)
    if constraint is None:
        raise ParityEnvironmentError(f"{REQUIREMENTS}: no --constraint line")
    return constraint, requirements


def constraints_origin() -> str:
    """The address the constraints copy says it was copied from (its header)."""
    for line in CONSTRAINTS.read_text(encoding="utf-8").splitlines()[:10]:
        if line.startswith("# https://"):
            return line[2:].strip()
    raise ParityEnvironmentError(f"{CONSTRAINTS}: header names no origin address")


def cache_root() -> Path:
    return Path(os.environ.get("FINOPS_MWAA_VENV_CACHE", Path.home() / ".cache" / "finops"))


def environment_key(python: str) -> str:
    """A hash of what decides the environment's contents."""
    digest = hashlib.sha256()
    digest.update(f"airflow=={MWAA_AIRFLOW_VERSION}\n".encode())
    digest.update(REQUIREMENTS.read_bytes())
    digest.update(CONSTRAINTS.read_bytes())
    version = subprocess.run(
        [python, "-c", "import sys; print(sys.version)"], capture_output=True, text=True, check=True
    ).stdout
    digest.update(version.encode())
    return digest.hexdigest()[:16]


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _run(command: list[str], log: Path) -> None:
    with log.open("a", encoding="utf-8") as out:
        out.write(f"$ {' '.join(command)}\n")
        out.flush()
        result = subprocess.run(
            command,
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=BUILD_TIMEOUT_SECONDS,
            check=False,
            env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
        )
    if result.returncode != 0:
        tail = "\n".join(log.read_text(encoding="utf-8").splitlines()[-40:])
        raise ParityEnvironmentError(f"{command[0]} exited {result.returncode}:\n{tail}")


def ensure_environment(python: str) -> ParityEnvironment:
    """The cached environment for ``python``, built first when missing."""
    root = cache_root()
    target = root / f"mwaa-py{PYTHON_VERSION.replace('.', '')}-{environment_key(python)}"
    venv_python = target / "bin" / "python"
    with _locked(root / f"{target.name}.lock"):
        if (target / ".complete").is_file():
            return ParityEnvironment(target, venv_python, built_now=False, build_seconds=0.0)
        started = time.monotonic()
        building = root / f"{target.name}.building"
        shutil.rmtree(building, ignore_errors=True)
        shutil.rmtree(target, ignore_errors=True)
        log = root / f"{target.name}.log"
        log.write_text("", encoding="utf-8")
        _, requirements = requirement_lines()
        _run([python, "-m", "venv", str(building)], log)
        pip = [str(building / "bin" / "python"), "-m", "pip"]
        # MWAA's image carries Airflow itself; requirements.txt only adds to it
        _run(
            [
                *pip,
                "install",
                "--quiet",
                "-c",
                str(CONSTRAINTS),
                f"apache-airflow=={MWAA_AIRFLOW_VERSION}",
                *requirements,
            ],
            log,
        )
        # the venv was made at a temporary path: scripts' shebangs name it, the interpreter does not
        building.rename(target)
        (target / ".complete").write_text(f"{time.monotonic() - started:.1f}\n", encoding="utf-8")
        return ParityEnvironment(
            target, venv_python, built_now=True, build_seconds=time.monotonic() - started
        )
