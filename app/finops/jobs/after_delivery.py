"""The stages that run after a billing delivery was ingested from an S3 event."""

from __future__ import annotations

from finops.core.errors import FinOpsError
from finops.db.database import Database
from finops.jobs.graph import after_delivery_stages
from finops.jobs.registry import run_job

S3_EVENT_TRIGGER = "s3-event"


def run_after_delivery(db: Database, *, triggered_by: str = S3_EVENT_TRIGGER) -> dict[str, str]:
    """Run :func:`~finops.jobs.graph.after_delivery_stages` in order, each a recorded job run;
    returns each stage's status. A failing stage is recorded and reported (``failed: ...``) and
    does not stop the next one: the billing facts are in, and the DAG retries the stage."""
    results: dict[str, str] = {}
    for name in after_delivery_stages():
        try:
            result = run_job(name, db=db, triggered_by=triggered_by)
            results[name] = str(result.get("status", "succeeded"))
        except FinOpsError as exc:
            results[name] = f"failed: {exc.message}"
    return results
