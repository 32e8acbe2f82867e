"""Chalice entry module (handler ``app.app``) that doubles as the core ``app`` package.

Chalice requires this module to be called ``app``; the platform's core package is called ``app``
too. Wherever this file is imported as top-level ``app`` (the Lambda package, ``chalice local``,
a process started in ``functions/``), it makes itself a package whose ``__path__`` is the core
package's directory and runs the core ``__init__``, so ``import app.costs`` keeps working next to
``app.app`` (the Chalice app, built on first access). See
docs/decisions/0003-chalice-entry-module-name.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

_HERE = Path(__file__).resolve().parent
# Lambda package: the build vendors the core to functions/vendor/finops_core/app, which Chalice
# copies to finops_core/app at the package root. It must not sit at ./app: a directory package
# beats a module of the same name, and the handler would import the core instead of this file.
# Repository: ../app. The repository copy wins over a possibly stale vendored one.
VENDORED_CORE = Path("finops_core") / "app"
_CANDIDATES = (_HERE / VENDORED_CORE, _HERE.parent / "app", _HERE / "vendor" / VENDORED_CORE)


def _core_package_dir() -> Path:
    for candidate in _CANDIDATES:
        if (candidate / "__init__.py").is_file():
            return candidate
    searched = ", ".join(str(c) for c in _CANDIDATES)
    raise ImportError(f"core package 'app' not found (searched {searched})")


if __name__ == "app":
    _core_dir = _core_package_dir()
    __path__ = [str(_core_dir)]
    if __spec__ is not None:
        __spec__.submodule_search_locations = __path__
    _core_init = _core_dir / "__init__.py"
    exec(compile(_core_init.read_text(encoding="utf-8"), str(_core_init), "exec"))  # noqa: S102

_chalice_app: Any = None


def __getattr__(name: str) -> Any:
    # ``app`` is built on first access (the Lambda runtime and the Chalice CLI both getattr it),
    # not at import: chalicelib imports the core through this very module, so building it here
    # at import time would be circular when chalicelib is imported first.
    global _chalice_app
    if name != "app":
        raise AttributeError(f"module 'app' has no attribute {name!r}")
    if _chalice_app is None:
        from chalicelib import create_app

        _chalice_app = create_app()
    return _chalice_app
