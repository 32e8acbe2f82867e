"""One offline synthesis of the whole CDK app per test session (about 20 s)."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra_cdk"


@dataclass(frozen=True)
class Synthesis:
    """The cloud assembly directory and each stack's template by short name."""

    outdir: Path
    templates: dict[str, dict[str, Any]]

    def resources(self, stack: str, kind: str) -> dict[str, dict[str, Any]]:
        return {
            name: resource
            for name, resource in self.templates[stack]["Resources"].items()
            if resource["Type"] == kind
        }


@pytest.fixture(scope="session")
def infra_path() -> Iterator[None]:
    sys.path.insert(0, str(INFRA))
    os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
    return


@pytest.fixture(scope="session")
def synthesis(infra_path: None, tmp_path_factory: pytest.TempPathFactory) -> Synthesis:
    pytest.importorskip("aws_cdk")
    from finops_infra.app import build_app
    from finops_infra.chalice_project import stage_project

    work = tmp_path_factory.mktemp("cdk")
    dashboard = work / "dashboard"
    dashboard.mkdir()
    (dashboard / "index.html").write_text("<!doctype html><title>FinOps</title>")
    # The Chalice project without third-party requirements: the templates do not depend on
    # them, and installing them for Lambda is the packaging test's job (tests/deploy).
    project = work / "chalice-project"
    stage_project(None, project, "unused", {})
    (project / "requirements.txt").write_text("# installed by make package\n")
    here = Path.cwd()
    os.chdir(work)  # Chalice's construct writes chalice.out/ in the working directory
    try:
        app, stacks = build_app(
            outdir=work / "cdk.out",
            context={
                "finops:dashboard_dir": str(dashboard),
                "finops:chalice_project_dir": str(project),
                # always the bundle assembled from mwaa_dags/, whether or not dist/ exists
                "finops:mwaa_bundle_dir": str(work / "no-built-bundle"),
            },
            staging_dir=work / "staging",
        )
        app.synth()
    finally:
        os.chdir(here)
    templates = {
        short: json.loads((work / "cdk.out" / f"{stack.stack_name}.template.json").read_text())
        for short, stack in stacks.items()
    }
    return Synthesis(work / "cdk.out", templates)
