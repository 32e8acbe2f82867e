"""CUR and Data Exports manifests: the files one delivery consists of."""

from __future__ import annotations

import json
from pathlib import Path

from finops.ingest.exceptions import ManifestError


def read_manifest(path: Path) -> tuple[Path, ...]:
    """The local files a legacy CUR (``reportKeys``) or Data Exports (``dataFiles``) manifest
    lists, resolved relative to the manifest's folder."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ManifestError(
            f"{path}: unreadable manifest: {exc}", details={"file": str(path)}
        ) from exc
    keys = document.get("reportKeys") or document.get("dataFiles")
    if not isinstance(keys, list) or not keys:
        raise ManifestError(
            f"{path}: manifest lists no files; expected a non-empty 'reportKeys' or 'dataFiles'",
            details={"file": str(path)},
        )
    resolved: list[Path] = []
    for key in keys:
        if isinstance(key, dict):
            key = key.get("key") or key.get("path") or ""
        name = str(key).split("/")[-1]
        candidates = [path.parent / str(key), path.parent / name]
        candidates += sorted(path.parent.rglob(name))
        found = next((c for c in candidates if c.is_file()), None)
        if found is None:
            raise ManifestError(
                f"{path}: manifest lists {key}, which is not in {path.parent}",
                details={"file": str(path), "missing": str(key)},
            )
        resolved.append(found)
    return tuple(resolved)
