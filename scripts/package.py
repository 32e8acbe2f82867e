#!/usr/bin/env python3
"""Build every deployable artefact into ``dist/`` (``make package``; docs/decisions/0014).

``dist/`` afterwards holds:

- ``finops-lambda.zip``: the Lambda deployment package of the Chalice app (handlers
  ``app.app``, ``app.billing_events``, ``app.jobs``; Python 3.12, x86_64): ``app.py``,
  ``chalicelib/``, Chalice's runtime files, the core ``finops`` (without ``finops.cli`` and
  ``finops.devtools``, with the migrations) and the third-party packages of the ``lambda`` extra
  installed for Lambda's platform by ``pip --target`` and pruned (see :data:`PRUNED_GLOBS`);
- ``lambda-requirements.lock.txt``: the third-party versions inside it;
- ``chalice/``: the same contents as a Chalice project (``app.py``, ``chalicelib/``,
  ``.chalice/``, ``vendor/`` = the third-party packages and the core, no ``requirements.txt``),
  what the CDK API stack hands to Chalice's construct; ``chalice package`` on it yields the zip's
  contents;
- ``finops_platform-<version>-py3-none-any.whl``: the core and ``chalicelib`` with the
  migrations (and the dashboard when ``make dashboard`` built it) inside;
- ``mwaa/``: the MWAA bucket layout, ``dags/`` (the DAG files and their helper package) and
  ``requirements.txt`` (with its ``--constraint`` line);
- ``manifest.json``: every artefact with its size and sha256 (zips also unzipped), and the jobs
  image by reference to its Dockerfile.

Guarantees: the Lambda package is never written when its unzipped size exceeds Lambda's limit
(:class:`PackageError` names the size and the biggest packages) or when a shared library in it
needs a library that is neither in it nor on every Lambda host; ``functions/requirements.txt``
must equal what :func:`render_requirements_txt` makes of the ``lambda`` extra (``requirements
--check``); the wheel is refused unless it carries every migration. Slow steps are cached under
``.cache/package/`` (``FINOPS_PACKAGE_CACHE``) by a hash of their inputs, under a file lock, and
renamed into place only when complete; delete the folder to resolve newer releases.

Usage: python scripts/package.py [all|lambda|requirements] [--out DIR] [--check]
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import difflib
import fcntl
import fnmatch
import hashlib
import inspect
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import time
import tomllib
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = REPO_ROOT / "pyproject.toml"
FUNCTIONS_DIR = REPO_ROOT / "functions"
CORE_DIR = REPO_ROOT / "app" / "finops"
MIGRATIONS_DIR = REPO_ROOT / "migrations"
MWAA_DIR = REPO_ROOT / "mwaa_dags"
REQUIREMENTS_TXT = FUNCTIONS_DIR / "requirements.txt"
JOBS_DOCKERFILE = REPO_ROOT / "infra_cdk" / "images" / "finops.Dockerfile"
DEFAULT_OUT = REPO_ROOT / "dist"

LAMBDA_PYTHON = "3.12"
LAMBDA_RUNTIME = "python3.12"
LAMBDA_ARCHITECTURE = "x86_64"
# Lambda's python3.12 runs on Amazon Linux 2023 (glibc 2.34): manylinux up to 2_28 fits, and
# numpy and duckdb publish their Python 3.12 wheels for manylinux_2_27/2_28 only.
LAMBDA_PLATFORMS = (
    "manylinux_2_28_x86_64",
    "manylinux_2_27_x86_64",
    "manylinux_2_17_x86_64",
    "manylinux2014_x86_64",
)
#: Lambda's "250 MB unzipped" limit as it enforces it (the function and its layers), in bytes.
LAMBDA_UNZIPPED_LIMIT = 262_144_000
#: The handler strings Chalice deploys for functions/app.py (module.attribute).
LAMBDA_HANDLERS = ("app.app", "app.billing_events", "app.jobs")
LAMBDA_ZIP = "finops-lambda.zip"
LAMBDA_LOCK = "lambda-requirements.lock.txt"

#: Base dependencies deliberately not in the Lambda package, and why.
NOT_IN_LAMBDA = {
    "pandas": "forecasting only: the forecast stage runs in the jobs image (ECS)",
    "scipy": "statsmodels and prophet only: the jobs image",
    "statsmodels": "forecasting only: the jobs image",
    "prophet": "forecasting only (with cmdstanpy and a CmdStan build): the jobs image",
    "typer": "the CLI (finops.cli is not in the Lambda package)",
    "rich": "the CLI",
    "chalice": "the build copies Chalice's runtime files (chalice/__init__.py, chalice/app.py)",
}
#: Core subpackages left out of the Lambda package (no handler imports them).
CORE_EXCLUDED = ("cli", "devtools", "dashboard", "mcp")  # mcp: the stdio server, not a Lambda

#: Removed from the installed third-party packages: never imported by the handlers. Globs are
#: relative to the package root; a directory match removes the directory.
PRUNED_GLOBS = (
    "bin",  # console scripts pip writes next to the packages
    "**/tests",  # test suites
    "**/*.pyx",
    "**/*.pxd",
    "**/*.pxi",
    "**/*.h",
    "**/*.hpp",
    "**/*.pyi",  # sources, headers and stubs
    "pyarrow/include",
    "pyarrow/src",
    "numpy/_core/include",
    # Arrow Flight RPC, the Arrow filesystems for S3/GCS/Azure/HDFS (the core reads S3 through
    # boto3) and ORC: optional in pyarrow, which imports them only on request
    "pyarrow/_flight.*.so",
    "pyarrow/libarrow_flight.so*",
    "pyarrow/libarrow_python_flight.so*",
    "pyarrow/_s3fs.*.so",
    "pyarrow/libarrow_s3.so*",
    "pyarrow/_gcsfs.*.so",
    "pyarrow/_azurefs.*.so",
    "pyarrow/_hdfs.*.so",
    "pyarrow/_orc.*.so",
    "pyarrow/_dataset_orc.*.so",
    "pyarrow/_pyarrow_cpp_tests.*.so",
    # documentation examples of every AWS API, never loaded by a client
    "botocore/data/*/*/examples-1.json",
)
#: AWS services whose botocore models stay besides those the first-party code names: the
#: credential providers boto3 may reach for (assume-role, SSO).
BOTOCORE_ALWAYS = frozenset({"sts", "sso", "sso-oidc"})
#: How the first-party code names a service: ``aws_client("s3")``, ``calls.client("ec2", ...)``,
#: ``clients("ecs", ...)``, ``session.client("secretsmanager", ...)``.
_SERVICE_CALL = re.compile(r"""\b(?:aws_client|client|clients)\(\s*["']([a-z0-9-]+)["']""")
#: Libraries a manylinux wheel may need from the host (the auditwheel policy), all on Lambda.
SYSTEM_LIBRARIES = frozenset(
    {
        "ld-linux-x86-64.so.2",
        "libc.so.6",
        "libm.so.6",
        "libdl.so.2",
        "librt.so.1",
        "libpthread.so.0",
        "libresolv.so.2",
        "libutil.so.1",
        "libnsl.so.1",
        "libcrypt.so.1",
        "libgcc_s.so.1",
        "libstdc++.so.6",
        "libz.so.1",
    }
)

_IGNORED = ("__pycache__", "*.pyc", "*.pyo", ".pytest_cache", ".mypy_cache")
_BUILD_TIMEOUT_SECONDS = 1800
_FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


class PackageError(RuntimeError):
    """An artefact cannot be built, or is built but unfit to deploy (the message says why)."""


# ----------------------------------------------------------------------------- requirements


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement: str) -> str:
    """The normalised distribution name of a PEP 508 requirement string."""
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    if match is None:
        raise PackageError(f"not a requirement: {requirement!r}")
    return _normalise(match.group(1))


def load_pyproject(path: Path = PYPROJECT) -> dict[str, Any]:
    with path.open("rb") as handle:
        return tomllib.load(handle)


def lambda_requirements(pyproject: dict[str, Any] | None = None) -> list[str]:
    """The ``lambda`` extra of ``pyproject.toml``, in its order."""
    project = (pyproject or load_pyproject())["project"]
    extra = project.get("optional-dependencies", {}).get("lambda")
    if not extra:
        raise PackageError("pyproject.toml has no [project.optional-dependencies] lambda")
    return [str(r) for r in extra]


def lambda_extra_problems(pyproject: dict[str, Any] | None = None) -> list[str]:
    """Why the ``lambda`` extra and the base dependencies disagree (empty when they agree):
    every Lambda requirement must be a base dependency with the same specifier, and every base
    dependency must be in the extra or in :data:`NOT_IN_LAMBDA`."""
    document = pyproject or load_pyproject()
    base = {requirement_name(r): r.replace(" ", "") for r in document["project"]["dependencies"]}
    extra = {requirement_name(r): r.replace(" ", "") for r in lambda_requirements(document)}
    problems = []
    for name, spec in extra.items():
        if name not in base:
            problems.append(f"lambda extra: {name} is not a base dependency")
        elif base[name] != spec:
            problems.append(f"lambda extra: {spec!r} differs from the base {base[name]!r}")
    for name in base:
        if name not in extra and name not in NOT_IN_LAMBDA:
            problems.append(
                f"base dependency {name} is neither in the lambda extra nor in "
                "scripts/package.py NOT_IN_LAMBDA (decide where it runs)"
            )
    for name in NOT_IN_LAMBDA:
        if name in extra:
            problems.append(f"{name} is in the lambda extra and in NOT_IN_LAMBDA")
    return problems


def render_requirements_txt(pyproject: dict[str, Any] | None = None) -> str:
    """``functions/requirements.txt`` as generated from the ``lambda`` extra."""
    lines = [
        "# Generated from pyproject.toml [project.optional-dependencies] lambda by",
        "# `python scripts/package.py requirements`; do not edit (a test compares them).",
        "# The Lambda's third-party packages; the core is vendored and Chalice supplies its own",
        "# runtime files (docs/decisions/0014-lambda-package-and-jobs-image.md).",
        *lambda_requirements(pyproject),
    ]
    return "\n".join(lines) + "\n"


def requirements_drift(path: Path = REQUIREMENTS_TXT) -> str | None:
    """A unified diff from ``path`` to the generated text, or None when they are equal."""
    current = path.read_text(encoding="utf-8") if path.is_file() else ""
    fresh = render_requirements_txt()
    if current == fresh:
        return None
    return "".join(
        difflib.unified_diff(
            current.splitlines(keepends=True),
            fresh.splitlines(keepends=True),
            fromfile=path.name
            if not path.is_relative_to(REPO_ROOT)
            else str(path.relative_to(REPO_ROOT)),
            tofile="generated from pyproject.toml",
        )
    )


# ----------------------------------------------------------------------------- files, hashes


def _ignored(path: Path) -> bool:
    return any(fnmatch.fnmatch(part, pattern) for part in path.parts for pattern in _IGNORED)


def iter_files(root: Path, exclude_top: Iterable[str] = ()) -> Iterator[Path]:
    """Every file under ``root`` (sorted, relative), without caches and without the top-level
    entries named in ``exclude_top``."""
    skip = set(exclude_top)
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if relative.parts[0] in skip or _ignored(relative) or not path.is_file():
            continue
        yield relative


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _tree_digest(entries: Iterable[tuple[str, Path]]) -> str:
    digest = hashlib.sha256()
    for name, path in entries:
        digest.update(name.encode() + b"\0" + sha256_file(path).encode() + b"\n")
    return digest.hexdigest()


def tree_digest(root: Path) -> str:
    """A hash of the relative paths and contents of every file under ``root``."""
    return _tree_digest((str(p), root / p) for p in iter_files(root))


def cache_root() -> Path:
    return Path(os.environ.get("FINOPS_PACKAGE_CACHE") or REPO_ROOT / ".cache" / "package")


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _run(command: list[str], log: Path, cwd: Path | None = None) -> None:
    with log.open("a", encoding="utf-8") as out:
        out.write(f"$ {' '.join(command)}\n")
        out.flush()
        result = subprocess.run(
            command,
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=_BUILD_TIMEOUT_SECONDS,
            check=False,
            cwd=cwd,
            env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_INPUT": "1"},
        )
    if result.returncode != 0:
        tail = "\n".join(log.read_text(encoding="utf-8").splitlines()[-40:])
        raise PackageError(f"{' '.join(command[:4])} ... exited {result.returncode}:\n{tail}")


def _copy_tree(source: Path, destination: Path, exclude_top: Iterable[str] = ()) -> None:
    for relative in iter_files(source, exclude_top):
        target = destination / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source / relative, target)


def _prune_old(root: Path, pattern: str, keep: Path, newest: int = 2) -> None:
    """Delete cache entries matching ``pattern`` except ``keep`` and the ``newest`` others."""
    others = sorted(
        (p for p in root.glob(pattern) if p != keep and not p.name.endswith((".lock", ".log"))),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for stale in others[newest:]:
        if stale.is_dir():
            shutil.rmtree(stale, ignore_errors=True)
        else:
            stale.unlink(missing_ok=True)


# ----------------------------------------------------------------------------- ELF


@dataclasses.dataclass(frozen=True)
class ElfInfo:
    """What the dynamic loader reads from a shared object: the libraries it needs, and whether
    it still has a static symbol table (``strip`` can remove it)."""

    needed: tuple[str, ...]
    has_symtab: bool


def is_elf(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(4) == b"\x7fELF"


def read_elf(path: Path) -> ElfInfo:
    """The DT_NEEDED entries and the ``.symtab`` presence of a 64-bit little-endian ELF file."""
    with path.open("rb") as handle:
        header = handle.read(64)
        if header[:4] != b"\x7fELF" or header[4] != 2 or header[5] != 1:
            raise PackageError(f"{path}: not a 64-bit little-endian ELF file")
        shoff = struct.unpack_from("<Q", header, 0x28)[0]
        shentsize, shnum, shstrndx = struct.unpack_from("<HHH", header, 0x3A)
        handle.seek(shoff)
        table = handle.read(shentsize * shnum)
        sections = [struct.unpack_from("<IIQQQQII", table, i * shentsize) for i in range(shnum)]

        def read(index: int) -> bytes:
            _, _, _, _, offset, size, _, _ = sections[index]
            handle.seek(offset)
            return handle.read(size)

        names = read(shstrndx) if shnum else b""

        def name_of(offset: int) -> str:
            return names[offset : names.index(b"\0", offset)].decode()

        has_symtab = any(name_of(s[0]) == ".symtab" for s in sections)
        needed: list[str] = []
        for index, section in enumerate(sections):
            if section[1] != 6:  # SHT_DYNAMIC
                continue
            strings = read(section[6])  # sh_link: its string table
            dynamic = read(index)
            for tag, value in struct.iter_unpack("<qQ", dynamic):
                if tag == 0:
                    break
                if tag == 1:  # DT_NEEDED
                    needed.append(strings[value : strings.index(b"\0", value)].decode())
    return ElfInfo(tuple(needed), has_symtab)


def shared_objects(root: Path) -> list[Path]:
    """Every ELF file under ``root`` (relative paths)."""
    return [p for p in iter_files(root) if (".so" in p.name or p.suffix == "") and is_elf(root / p)]


def missing_libraries(roots: Iterable[Path]) -> list[str]:
    """``"<file>: <library>"`` for every library an ELF file under ``roots`` needs that is
    neither a file in ``roots`` nor in :data:`SYSTEM_LIBRARIES` (empty when all load)."""
    roots = list(roots)
    objects = [(root, p) for root in roots for p in shared_objects(root)]
    present = {p.name for root in roots for p in iter_files(root)}
    missing = []
    for root, relative in objects:
        for library in read_elf(root / relative).needed:
            if library not in present and library not in SYSTEM_LIBRARIES:
                missing.append(f"{relative}: {library}")
    return missing


# ----------------------------------------------------------------------------- Lambda: deps


@dataclasses.dataclass(frozen=True)
class Removal:
    """One pruning rule's effect: how many files it removed and their bytes."""

    rule: str
    files: int
    bytes: int


def _remove(path: Path) -> tuple[int, int]:
    if path.is_dir():
        files = [p for p in path.rglob("*") if p.is_file()]
        size = sum(p.stat().st_size for p in files)
        shutil.rmtree(path)
        return len(files), size
    size = path.stat().st_size
    path.unlink()
    return 1, size


def prune(root: Path) -> list[Removal]:
    """Apply :data:`PRUNED_GLOBS`, then drop byte-identical copies of a shared library that no
    ELF file needs by that name (pyarrow ships ``libX.so``, ``libX.so.N`` and ``libX.so.N.M.K``);
    returns what each rule removed."""
    removals = []
    for rule in PRUNED_GLOBS:
        files = size = 0
        for found in sorted(root.glob(rule), key=lambda p: len(p.parts), reverse=True):
            if found.exists():
                count, freed = _remove(found)
                files, size = files + count, size + freed
        removals.append(Removal(rule, files, size))
    needed = {lib for p in shared_objects(root) for lib in read_elf(root / p).needed}
    groups: dict[tuple[Path, str], list[Path]] = {}
    for relative in shared_objects(root):
        match = re.fullmatch(r"(lib.+?\.so)(\.\d+)*", relative.name)
        if match:
            groups.setdefault((relative.parent, match.group(1)), []).append(relative)
    files = size = 0
    for copies in groups.values():
        kept = [p for p in copies if p.name in needed]
        if not kept or len(copies) < 2:
            continue
        reference = sha256_file(root / kept[0])
        for copy in copies:
            if copy.name not in needed and sha256_file(root / copy) == reference:
                count, freed = _remove(root / copy)
                files, size = files + count, size + freed
    removals.append(Removal("identical copies of a library under unused names", files, size))
    return removals


def strip_symbols(root: Path) -> Removal:
    """``strip --strip-unneeded`` every shared object that still has a static symbol table,
    except those auditwheel grafted into ``*.libs/`` (patched by patchelf, left untouched).
    The dynamic symbols the loader uses stay. A no-op without binutils' ``strip``."""
    strip = shutil.which("strip")
    files = saved = 0
    if strip is None:
        return Removal("strip --strip-unneeded (strip not found: skipped)", 0, 0)
    for relative in shared_objects(root):
        if relative.parts[0].endswith(".libs") or not read_elf(root / relative).has_symtab:
            continue
        path = root / relative
        before = path.stat().st_size
        subprocess.run([strip, "--strip-unneeded", str(path)], check=True, timeout=300)
        files, saved = files + 1, saved + before - path.stat().st_size
    return Removal("strip --strip-unneeded (static symbol tables)", files, saved)


def aws_services_used() -> frozenset[str]:
    """Every AWS service the Lambda's first-party code names literally as a client's service
    (see :data:`_SERVICE_CALL`). A service reached only through a computed name is not found:
    the code names its services literally, and the jobs image keeps every model anyway."""
    found = set()
    for _, path in [*app_files(), *core_files()]:
        if path.suffix == ".py":
            found.update(_SERVICE_CALL.findall(path.read_text(encoding="utf-8")))
    return frozenset(found)


def prune_botocore(site: Path, services: frozenset[str]) -> Removal:
    """Keep botocore's models only for ``services`` and :data:`BOTOCORE_ALWAYS`, each at its
    newest API version (the one a client loads when none is asked for; the core never asks).
    Raises :class:`PackageError` when botocore has no model for a service in ``services``."""
    data = site / "botocore" / "data"
    keep = services | BOTOCORE_ALWAYS
    unknown = sorted(s for s in keep if not (data / s).is_dir())
    if unknown:
        raise PackageError(f"botocore has no model for the services {unknown}")
    files = size = 0
    for entry in sorted(data.iterdir()):
        if not entry.is_dir():
            continue  # endpoints.json, partitions.json, ...: shared by every client
        if entry.name in keep:
            versions = sorted(v for v in entry.iterdir() if v.is_dir())
            doomed = versions[:-1]
        else:
            doomed = [entry]
        for path in doomed:
            count, freed = _remove(path)
            files, size = files + count, size + freed
    kept = ", ".join(sorted(keep))
    return Removal(f"botocore models of services other than {kept}", files, size)


@dataclasses.dataclass(frozen=True)
class LambdaDeps:
    """The Lambda's third-party packages, installed and pruned: ``site`` is the folder."""

    key: str
    site: Path
    lock: str
    removals: tuple[Removal, ...]
    built_now: bool
    seconds: float


def _lock_text(site: Path) -> str:
    versions = []
    for info in sorted(site.glob("*.dist-info")):
        name, _, version = info.name[: -len(".dist-info")].partition("-")
        versions.append(f"{_normalise(name)}=={version}")
    return "\n".join(sorted(versions)) + "\n"


def deps_key(requirements: list[str], services: frozenset[str]) -> str:
    """A hash of what decides the installed packages: the requirements, the platform, the
    Python version, the AWS services kept and this script (its pruning rules)."""
    digest = hashlib.sha256()
    for part in (*requirements, *LAMBDA_PLATFORMS, LAMBDA_PYTHON, *sorted(services)):
        digest.update(part.encode() + b"\n")
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()[:16]


def ensure_lambda_deps(cache: Path | None = None) -> LambdaDeps:
    """The cached, pruned ``pip install --target`` of the ``lambda`` extra for Lambda's platform
    (built first when missing). Raises :class:`PackageError` when pip fails or a library a kept
    shared object needs was pruned or is missing."""
    root = cache or cache_root()
    requirements = lambda_requirements()
    services = aws_services_used()
    key = deps_key(requirements, services)
    target = root / f"lambda-deps-{key}"
    with _locked(root / f"lambda-deps-{key}.lock"):
        if (target / ".complete").is_file():
            report = json.loads((target / "prune.json").read_text(encoding="utf-8"))
            return LambdaDeps(
                key,
                target / "site",
                (target / "lock.txt").read_text(encoding="utf-8"),
                tuple(Removal(**r) for r in report),
                built_now=False,
                seconds=0.0,
            )
        started = time.monotonic()
        building = root / f"lambda-deps-{key}.building"
        shutil.rmtree(building, ignore_errors=True)
        shutil.rmtree(target, ignore_errors=True)
        site = building / "site"
        site.mkdir(parents=True)
        log = root / f"lambda-deps-{key}.log"
        log.write_text("", encoding="utf-8")
        platforms = [arg for p in LAMBDA_PLATFORMS for arg in ("--platform", p)]
        _run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--no-compile",
                "--target",
                str(site),
                "--implementation",
                "cp",
                "--python-version",
                LAMBDA_PYTHON,
                "--only-binary=:all:",
                *platforms,
                *requirements,
            ],
            log,
        )
        removals = [*prune(site), prune_botocore(site, services), strip_symbols(site)]
        missing = missing_libraries([site])
        if missing:
            raise PackageError(
                "shared libraries in the Lambda package need libraries it lacks:\n  "
                + "\n  ".join(missing)
            )
        lock = _lock_text(site)
        (building / "lock.txt").write_text(lock, encoding="utf-8")
        (building / "prune.json").write_text(
            json.dumps([dataclasses.asdict(r) for r in removals], indent=2), encoding="utf-8"
        )
        building.rename(target)
        (target / ".complete").write_text(f"{time.monotonic() - started:.1f}\n", encoding="utf-8")
        _prune_old(root, "lambda-deps-*", target, newest=1)
        return LambdaDeps(
            key,
            target / "site",
            lock,
            tuple(removals),
            built_now=True,
            seconds=time.monotonic() - started,
        )


# ----------------------------------------------------------------------------- Lambda: core


def chalice_runtime_files() -> dict[str, Path]:
    """Chalice's runtime files as Chalice's packager adds them (from the installed chalice)."""
    import chalice
    import chalice.app

    return {
        "chalice/__init__.py": Path(inspect.getfile(chalice)),
        "chalice/app.py": Path(inspect.getfile(chalice.app)),
    }


def app_files() -> list[tuple[str, Path]]:
    """(path in the package, source) of the Chalice project's own files: the entry module and
    ``chalicelib``."""
    entries = [("app.py", FUNCTIONS_DIR / "app.py")]
    lib = FUNCTIONS_DIR / "chalicelib"
    entries += [(f"chalicelib/{p}", lib / p) for p in iter_files(lib)]
    return entries


def core_files() -> list[tuple[str, Path]]:
    """(path in the package, source) of the vendored core: ``finops`` without
    :data:`CORE_EXCLUDED`, and the migrations as ``finops/db/migrations``."""
    entries = [(f"finops/{p}", CORE_DIR / p) for p in iter_files(CORE_DIR, CORE_EXCLUDED)]
    entries += [
        (f"finops/db/migrations/{p}", MIGRATIONS_DIR / p) for p in iter_files(MIGRATIONS_DIR)
    ]
    return entries


def first_party_files() -> list[tuple[str, Path]]:
    """Everything in the Lambda package that is not a third-party package."""
    runtime = [(name, path) for name, path in chalice_runtime_files().items()]
    return sorted([*app_files(), *runtime, *core_files()])


# ----------------------------------------------------------------------------- Lambda: size


@dataclasses.dataclass(frozen=True)
class SizeReport:
    """The unzipped size of a Lambda package and its biggest parts (distribution -> bytes)."""

    unzipped_bytes: int
    parts: tuple[tuple[str, int], ...]
    limit: int = LAMBDA_UNZIPPED_LIMIT

    @property
    def headroom(self) -> int:
        return self.limit - self.unzipped_bytes

    def biggest(self, count: int = 10) -> str:
        return ", ".join(f"{name} {size / 1e6:.1f} MB" for name, size in self.parts[:count])


def size_report(files: dict[str, int], records: dict[str, str], limit: int) -> SizeReport:
    """Sizes of ``files`` (package path -> bytes) grouped by owning distribution (``records``:
    dist-info folder -> RECORD text), else by top-level name (the core, Chalice's runtime)."""
    owner: dict[str, str] = {}
    for dist_info, text in records.items():
        name = _normalise(dist_info[: -len(".dist-info")].partition("-")[0])
        for line in text.splitlines():
            owner[line.rsplit(",", 2)[0]] = name
        owner.update({n: name for n in files if n.startswith(f"{dist_info}/")})
    labels = {
        "finops": "finops (the core)",
        "chalicelib": "chalicelib",
        "chalice": "chalice (runtime)",
    }
    totals: Counter[str] = Counter()
    for name, size in files.items():
        top = name.split("/", 1)[0]
        totals[owner.get(name) or labels.get(top, top)] += size
    return SizeReport(sum(files.values()), tuple(totals.most_common()), limit)


def zip_size_report(path: Path, limit: int = LAMBDA_UNZIPPED_LIMIT) -> SizeReport:
    """:func:`size_report` of a built zip (Lambda counts the entries' uncompressed sizes)."""
    with zipfile.ZipFile(path) as archive:
        files = {i.filename: i.file_size for i in archive.infolist() if not i.is_dir()}
        records = {
            n.split("/", 1)[0]: archive.read(n).decode()
            for n in files
            if re.fullmatch(r"[^/]+\.dist-info/RECORD", n)
        }
    return size_report(files, records, limit)


def check_lambda_size(report: SizeReport) -> None:
    """Raise :class:`PackageError` with the size and the biggest parts when ``report`` exceeds
    its limit; otherwise return."""
    if report.unzipped_bytes <= report.limit:
        return
    raise PackageError(
        f"the Lambda package is {report.unzipped_bytes / 1e6:.1f} MB unzipped, over Lambda's "
        f"limit of {report.limit / 1e6:.1f} MB by {-report.headroom / 1e6:.1f} MB; biggest: "
        f"{report.biggest()}. Move a handler's heavy dependency to the jobs image or prune it "
        "(scripts/package.py PRUNED_GLOBS; docs/decisions/0014)."
    )


# ----------------------------------------------------------------------------- Lambda: zip


@dataclasses.dataclass(frozen=True)
class LambdaBuild:
    """A built Lambda package: the zip in the cache and what went into it."""

    zip_path: Path
    key: str
    deps: LambdaDeps
    report: SizeReport
    built_now: bool
    seconds: float


def _package_entries(deps: LambdaDeps) -> list[tuple[str, Path]]:
    third_party = [(str(p), deps.site / p) for p in iter_files(deps.site)]
    entries = sorted([*third_party, *first_party_files()])
    names = [name for name, _ in entries]
    clashes = [n for n, count in Counter(names).items() if count > 1]
    if clashes:
        raise PackageError(f"paths both vendored and installed: {clashes[:5]}")
    return entries


def write_zip(entries: Iterable[tuple[str, Path]], destination: Path) -> None:
    """A deterministic zip of ``entries`` (same inputs, same bytes): sorted names, a fixed
    timestamp, mode 0755 for executables and 0644 otherwise, deflated."""
    temporary = destination.with_name(destination.name + ".part")
    with zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for name, source in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=_FIXED_ZIP_TIME)
            executable = os.access(source, os.X_OK)
            info.external_attr = ((0o100755 if executable else 0o100644) & 0xFFFF) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            with source.open("rb") as src, archive.open(info, "w") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
    temporary.replace(destination)


def build_lambda(cache: Path | None = None) -> LambdaBuild:
    """The Lambda zip for the current sources, from the cache when built before. Raises
    :class:`PackageError` (nothing written) when it would exceed :data:`LAMBDA_UNZIPPED_LIMIT`."""
    root = cache or cache_root()
    started = time.monotonic()
    deps = ensure_lambda_deps(root)
    first_party = first_party_files()
    key = hashlib.sha256((deps.key + _tree_digest(first_party)).encode()).hexdigest()[:16]
    zip_path = root / f"finops-lambda-{key}.zip"
    with _locked(root / f"finops-lambda-{key}.lock"):
        if zip_path.is_file():
            return LambdaBuild(
                zip_path, key, deps, zip_size_report(zip_path), built_now=False, seconds=0.0
            )
        entries = _package_entries(deps)
        files = {name: path.stat().st_size for name, path in entries}
        records = {
            name.split("/", 1)[0]: path.read_text(encoding="utf-8")
            for name, path in entries
            if re.fullmatch(r"[^/]+\.dist-info/RECORD", name)
        }
        check_lambda_size(size_report(files, records, LAMBDA_UNZIPPED_LIMIT))
        write_zip(entries, zip_path)
        report = zip_size_report(zip_path)
        check_lambda_size(report)
    _prune_old(root, "finops-lambda-*.zip", zip_path)
    return LambdaBuild(
        zip_path, key, deps, report, built_now=True, seconds=time.monotonic() - started
    )


def write_chalice_project(deps: LambdaDeps, destination: Path) -> None:
    """The Lambda package's contents as a Chalice project at ``destination`` (replaced):
    ``app.py``, ``chalicelib/``, ``.chalice/config.json``, and ``vendor/`` with the third-party
    packages and the core. No ``requirements.txt``: Chalice's packager installs nothing and
    adds its runtime files, so ``chalice package`` yields the zip's contents."""
    shutil.rmtree(destination, ignore_errors=True)
    for name, source in app_files():
        (destination / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, destination / name)
    (destination / ".chalice").mkdir(parents=True)
    shutil.copy2(
        FUNCTIONS_DIR / ".chalice" / "config.json", destination / ".chalice" / "config.json"
    )
    vendor = destination / "vendor"
    shutil.copytree(deps.site, vendor, ignore=shutil.ignore_patterns(*_IGNORED))
    for name, source in core_files():
        (vendor / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, vendor / name)


# ----------------------------------------------------------------------------- wheel


def wheel_inputs() -> list[tuple[str, Path]]:
    """(path in the build tree, source) of what the wheel is built from: the project files, the
    core (with the dashboard when built), ``chalicelib`` and the migrations copied into
    ``app/finops/db/migrations`` (package data, pyproject.toml)."""
    entries = [("pyproject.toml", PYPROJECT), ("README.md", REPO_ROOT / "README.md")]
    entries += [(f"app/finops/{p}", CORE_DIR / p) for p in iter_files(CORE_DIR)]
    lib = FUNCTIONS_DIR / "chalicelib"
    entries += [(f"functions/chalicelib/{p}", lib / p) for p in iter_files(lib)]
    entries += [
        (f"app/finops/db/migrations/{p}", MIGRATIONS_DIR / p) for p in iter_files(MIGRATIONS_DIR)
    ]
    return sorted(entries)


def wheel_missing_migrations(wheel: Path) -> list[str]:
    """The migration files (``migrations/**``) absent from ``wheel`` as
    ``finops/db/migrations/...`` (empty when it carries them all)."""
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    wanted = [f"finops/db/migrations/{p}" for p in iter_files(MIGRATIONS_DIR)]
    return [name for name in wanted if name not in names]


def build_wheel(cache: Path | None = None) -> Path:
    """The project's wheel for the current sources (cached), built by ``pip wheel`` from a tree
    with the migrations inside the package. Raises :class:`PackageError` when a migration is
    missing from it."""
    root = cache or cache_root()
    inputs = wheel_inputs()
    key = _tree_digest(inputs)[:16]
    target = root / f"wheel-{key}"
    with _locked(root / f"wheel-{key}.lock"):
        found = sorted(target.glob("*.whl"))
        if (target / ".complete").is_file() and found:
            return found[0]
        building = root / f"wheel-{key}.building"
        shutil.rmtree(building, ignore_errors=True)
        shutil.rmtree(target, ignore_errors=True)
        tree = building / "src"
        for name, source in inputs:
            (tree / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, tree / name)
        log = root / f"wheel-{key}.log"
        log.write_text("", encoding="utf-8")
        out = building / "out"
        _run(
            [
                sys.executable,
                "-m",
                "pip",
                "wheel",
                "--quiet",
                "--no-deps",
                "-w",
                str(out),
                str(tree),
            ],
            log,
        )
        [wheel] = sorted(out.glob("*.whl"))
        missing = wheel_missing_migrations(wheel)
        if missing:
            raise PackageError(f"the wheel lacks migrations: {missing[:5]}")
        target.mkdir(parents=True)
        shutil.move(str(wheel), target / wheel.name)
        (target / ".complete").write_text("", encoding="utf-8")
        shutil.rmtree(building, ignore_errors=True)
    _prune_old(root, "wheel-*", target)
    return target / wheel.name


# ----------------------------------------------------------------------------- MWAA


_CONSTRAINT_LINE = re.compile(r"^\s*(?:--constraint|-c)[\s=]+\S+")


def build_mwaa(destination: Path) -> list[Path]:
    """The MWAA bucket layout at ``destination`` (replaced): ``dags/`` = ``mwaa_dags/`` without
    the requirements, the constraints copy and caches; ``requirements.txt`` as is. MWAA syncs
    ``dags/`` to every scheduler and worker (its folder is on ``sys.path``, so the helper
    package ``finops_dags`` imports) and installs ``requirements.txt``; no plugins are needed.
    Raises :class:`PackageError` when the requirements lack the ``--constraint`` line MWAA
    requires. Returns the files written (relative)."""
    requirements = MWAA_DIR / "requirements.txt"
    text = requirements.read_text(encoding="utf-8")
    if not any(_CONSTRAINT_LINE.match(line) for line in text.splitlines()):
        raise PackageError(f"{requirements}: no --constraint line (MWAA requires one)")
    shutil.rmtree(destination, ignore_errors=True)
    dags = destination / "dags"
    _copy_tree(MWAA_DIR, dags, exclude_top=("constraints", "requirements.txt"))
    shutil.copy2(requirements, destination / "requirements.txt")
    return list(iter_files(destination))


# ----------------------------------------------------------------------------- manifest


def _file_entry(name: str, path: Path, out: Path, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "path": str(path.relative_to(out)),
        "bytes": path.stat().st_size,
        "sha256": sha256_file(path),
        **extra,
    }


def _tree_entry(name: str, root: Path, out: Path, **extra: Any) -> dict[str, Any]:
    files = list(iter_files(root))
    return {
        "name": name,
        "path": str(root.relative_to(out)) + "/",
        "files": len(files),
        "bytes": sum((root / p).stat().st_size for p in files),
        "sha256": tree_digest(root),
        **extra,
    }


def _git_revision() -> dict[str, Any]:
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()

    try:
        return {"commit": git("rev-parse", "HEAD"), "dirty": bool(git("status", "--porcelain"))}
    except (OSError, subprocess.CalledProcessError):
        return {"commit": None, "dirty": None}


def build_all(out: Path = DEFAULT_OUT, cache: Path | None = None) -> dict[str, Any]:
    """Every artefact into ``out`` and ``out/manifest.json`` (returned). Raises
    :class:`PackageError` when ``functions/requirements.txt`` is stale, the ``lambda`` extra
    disagrees with the base dependencies, or an artefact is unfit (see the module's
    guarantees)."""
    problems = lambda_extra_problems()
    if problems:
        raise PackageError("pyproject.toml: " + "; ".join(problems))
    drift = requirements_drift()
    if drift:
        raise PackageError(
            "functions/requirements.txt is stale: run python scripts/package.py requirements\n"
            + drift
        )
    out.mkdir(parents=True, exist_ok=True)
    timings: dict[str, float] = {}

    started = time.monotonic()
    lambda_build = build_lambda(cache)
    shutil.copy2(lambda_build.zip_path, out / LAMBDA_ZIP)
    (out / LAMBDA_LOCK).write_text(lambda_build.deps.lock, encoding="utf-8")
    write_chalice_project(lambda_build.deps, out / "chalice")
    timings["lambda"] = time.monotonic() - started

    started = time.monotonic()
    wheel = build_wheel(cache)
    for stale in out.glob("finops_platform-*.whl"):
        stale.unlink()
    shutil.copy2(wheel, out / wheel.name)
    timings["wheel"] = time.monotonic() - started

    started = time.monotonic()
    build_mwaa(out / "mwaa")
    timings["mwaa"] = time.monotonic() - started

    report = lambda_build.report
    manifest = {
        "version": load_pyproject()["project"]["version"],
        "source": _git_revision(),
        "artefacts": [
            _file_entry(
                "lambda",
                out / LAMBDA_ZIP,
                out,
                unzipped_bytes=report.unzipped_bytes,
                unzipped_limit_bytes=report.limit,
                runtime=LAMBDA_RUNTIME,
                architecture=LAMBDA_ARCHITECTURE,
                handlers=list(LAMBDA_HANDLERS),
                biggest=dict(report.parts[:10]),
            ),
            _file_entry("lambda-requirements-lock", out / LAMBDA_LOCK, out),
            _tree_entry(
                "chalice-project",
                out / "chalice",
                out,
                note="the Lambda zip's contents as a Chalice project (vendor/ installed)",
            ),
            _file_entry("wheel", out / wheel.name, out, contains_migrations=True),
            _tree_entry("mwaa-dags", out / "mwaa" / "dags", out, s3_prefix="dags/"),
            _file_entry(
                "mwaa-requirements",
                out / "mwaa" / "requirements.txt",
                out,
                s3_key="requirements.txt",
            ),
            {
                "name": "jobs-image",
                "kind": "container image definition (built by CDK or docker, not here)",
                "dockerfile": str(JOBS_DOCKERFILE.relative_to(REPO_ROOT)),
                "bytes": JOBS_DOCKERFILE.stat().st_size,
                "sha256": sha256_file(JOBS_DOCKERFILE),
                "build": f"docker build -f {JOBS_DOCKERFILE.relative_to(REPO_ROOT)} -t finops .",
            },
        ],
        "seconds": {k: round(v, 1) for k, v in timings.items()},
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


# ----------------------------------------------------------------------------- CLI


def _summary(manifest: dict[str, Any]) -> str:
    lines = []
    for artefact in manifest["artefacts"]:
        where = artefact.get("path") or artefact.get("dockerfile")
        size = f"{artefact['bytes'] / 1e6:9.2f} MB"
        unzipped = artefact.get("unzipped_bytes")
        extra = f"  (unzipped {unzipped / 1e6:.1f} MB)" if unzipped else ""
        lines.append(f"{artefact['name']:<26}{size}  {where}{extra}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the deployable artefacts into dist/.")
    parser.add_argument("what", nargs="?", default="all", choices=["all", "lambda", "requirements"])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (dist/)")
    parser.add_argument(
        "--check", action="store_true", help="requirements: exit 1 if stale; write nothing"
    )
    args = parser.parse_args(argv)
    try:
        if args.what == "requirements":
            drift = requirements_drift()
            if args.check:
                if drift:
                    print(f"functions/requirements.txt is stale:\n{drift}")
                    return 1
                return 0
            REQUIREMENTS_TXT.write_text(render_requirements_txt(), encoding="utf-8")
            return 0
        if args.what == "lambda":
            build = build_lambda()
            args.out.mkdir(parents=True, exist_ok=True)
            shutil.copy2(build.zip_path, args.out / LAMBDA_ZIP)
            print(
                f"{args.out / LAMBDA_ZIP}: {build.zip_path.stat().st_size / 1e6:.1f} MB, "
                f"unzipped {build.report.unzipped_bytes / 1e6:.1f} MB of "
                f"{build.report.limit / 1e6:.1f} MB; biggest: {build.report.biggest(6)}"
            )
            return 0
        manifest = build_all(args.out)
    except PackageError as exc:
        print(f"package: {exc}", file=sys.stderr)
        return 1
    print(_summary(manifest))
    return 0


if __name__ == "__main__":
    sys.exit(main())
