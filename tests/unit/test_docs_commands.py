"""Every command the documentation series shows is checked against the code: a `make` target
exists, a `finops` command and each of its options exist (its real --help is asked), a script
exists. Commands that need an AWS account or Docker are named in NOT_RUN_HERE, with the reason."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted((ROOT / "docs").glob("0[1-9]-*.md"))
NOT_RUN_HERE = {
    "npx": "the AWS CDK CLI deploys to a real account (no account here); `make synth` is tested",
    "docker": "no Docker engine here; the compose file is validated by the real Compose binary",
    "helm": "no Kubernetes here; the chart is linted and rendered by the Helm SDK in the tests",
    "aws": "the AWS CLI against a real account",
    "git": "repository operations",
    "cd": "changes directory",
    "pre-commit": "installs a git hook",
    "pip": "installs packages",
    "source": "shell set-up",
    "export": "shell set-up",
    "eval": "shell set-up",
}


def _commands() -> list[tuple[str, str]]:
    found = []
    for page in PAGES:
        for block in re.findall(r"```(?:bash|sh|shell)\n(.*?)```", page.read_text(), re.S):
            for raw in block.splitlines():
                line = raw.split(" #", 1)[0].strip()
                if not line or line.startswith("#"):
                    continue
                for part in re.split(r"\s*&&\s*", line):
                    found.append((page.name, part))
    return found


@cache
def _help(command: tuple[str, ...]) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "finops.cli", *command, "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={"PATH": "/usr/bin:/bin", "COLUMNS": "200"},
    )
    assert done.returncode == 0, (command, done.stderr[-500:])
    return done.stdout


def _check_finops(words: list[str]) -> None:
    path: list[str] = []
    for word in words:
        if word.startswith("-"):
            break
        if word in _help(tuple(path)):
            path.append(word)
        else:
            break
    assert path, words
    text = _help(tuple(path))
    rest = [w for w in words[len(path) :] if not w.startswith("-")]
    if rest and "Commands" in text:  # a sub-command was named, and it is not one of these
        pytest.fail(f"finops {' '.join(path)} has no command {rest[0]!r}")
    for word in words:
        if word.startswith("--"):
            option = word.split("=", 1)[0]
            assert option in text, f"finops {' '.join(path)} has no option {option}"


def test_the_series_shows_commands() -> None:
    assert len(PAGES) >= 3
    assert len(_commands()) >= 2


@pytest.mark.parametrize(("page", "command"), _commands())
def test_every_command_shown_exists(page: str, command: str) -> None:
    words = shlex.split(command)
    head = words[0]
    if head in NOT_RUN_HERE:
        return
    if head == "make":
        makefile = (ROOT / "Makefile").read_text()
        for target in words[1:]:
            assert re.search(rf"^{re.escape(target)}:", makefile, re.M), (page, target)
        return
    if head.endswith("finops"):
        _check_finops(words[1:])
        return
    if head.endswith("python") or head.endswith("python3") or head == ".venv/bin/python":
        script = next((w for w in words[1:] if w.endswith(".py")), None)
        if script is not None:
            assert (ROOT / script).is_file(), (page, script)
            if script == "scripts/gen_docs_pages.py" and "--check" in words:
                assert subprocess.run(words, cwd=ROOT, check=False).returncode == 0
        return
    if head == "bash":
        assert (ROOT / words[1]).is_file(), (page, words[1])
        return
    pytest.fail(f"{page}: unknown command {command!r}: check it here or add it to NOT_RUN_HERE")


def _inline_finops() -> list[tuple[str, str]]:
    """`finops ...` commands written inline in the pages' prose and tables."""
    found = []
    for page in PAGES:
        for span in re.findall(r"`(finops [^`]+)`", page.read_text()):
            found.append((page.name, span))
    return found


@pytest.mark.parametrize(("page", "command"), _inline_finops())
def test_every_inline_finops_command_exists(page: str, command: str) -> None:
    words = [w for w in re.split(r"\s+", command) if w]
    # keep the command words and --options; drop placeholders like NAME, [--x Y], '{...}'
    kept = [w.strip("[]") for w in words[1:] if re.fullmatch(r"\[?(--[a-z-]+|[a-z][a-z-]*)\]?", w)]
    _check_finops(kept)
