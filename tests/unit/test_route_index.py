"""docs/api.md lists every route of the route table (its index is generated, never stale)."""

from __future__ import annotations

from pathlib import Path

from finops.api.route_index import replace_route_index
from finops.api.routes import ROUTES

API_DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def test_api_doc_route_index_is_current() -> None:
    current = API_DOC.read_text(encoding="utf-8")
    assert replace_route_index(current) == current, (
        "docs/api.md route index is stale: run `python scripts/gen_route_index.py` and commit"
    )


def test_index_names_every_route_with_its_role() -> None:
    text = API_DOC.read_text(encoding="utf-8")
    for spec in ROUTES:
        role = spec.min_role.value if spec.min_role is not None else "public"
        assert f"| {spec.method} | `{spec.full_path}` | {role} |" in text, spec.operation_id
