"""CDK entry point: ``cdk synth`` / ``cdk deploy`` run it from infra_cdk/ (the CLI sets
``CDK_OUTDIR``); ``make synth`` runs it directly and the templates go to ``infra_cdk/cdk.out``."""

from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from finops_infra.app import build_app  # noqa: E402

app, _ = build_app(outdir=Path(os.environ.get("CDK_OUTDIR") or HERE / "cdk.out"))
app.synth()
