"""The Chalice project the API stack packages: ``functions/`` with the core vendored.

``make package`` writes it to ``dist/chalice`` (third-party packages installed for Lambda under
``vendor/``, no ``requirements.txt``); the API stack copies it and sets its stage. Given no built
project, :func:`stage_project` assembles the tree from the repository (``functions/`` +
``app/finops`` without ``finops.devtools``): the tests use that, with the requirements emptied,
because the templates do not depend on the vendored packages.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from finops_infra.settings import REPO_ROOT

FUNCTIONS_DIR = REPO_ROOT / "functions"
CORE_DIR = REPO_ROOT / "app" / "finops"
_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache", "deployments")


def stage_project(
    source: Path | None, destination: Path, stage: str, config: dict[str, Any]
) -> Path:
    """A Chalice project at ``destination`` whose ``.chalice/config.json`` has the stage
    ``stage`` set to ``config`` (CDK tokens allowed as values), copied from ``source`` when it is
    a built project (has ``app.py``) or assembled from the repository otherwise. Returns it."""
    if destination.exists():
        shutil.rmtree(destination)
    if source is not None and (source / "app.py").is_file():
        shutil.copytree(source, destination, ignore=_IGNORE)
    else:
        destination.mkdir(parents=True)
        shutil.copy2(FUNCTIONS_DIR / "app.py", destination / "app.py")
        shutil.copy2(FUNCTIONS_DIR / "requirements.txt", destination / "requirements.txt")
        shutil.copytree(FUNCTIONS_DIR / "chalicelib", destination / "chalicelib", ignore=_IGNORE)
        shutil.copytree(FUNCTIONS_DIR / ".chalice", destination / ".chalice", ignore=_IGNORE)
        shutil.copytree(
            CORE_DIR,
            destination / "vendor" / "finops",
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "devtools", "dashboard"),
        )
    config_path = destination / ".chalice" / "config.json"
    document = json.loads(config_path.read_text())
    document.setdefault("stages", {})[stage] = config
    config_path.write_text(json.dumps(document, indent=2))
    return destination
