"""CDK entry point (``cdk synth`` / ``cdk deploy`` run this from infra_cdk/)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from finops_infra.app import build_app

app, _ = build_app()
app.synth()
