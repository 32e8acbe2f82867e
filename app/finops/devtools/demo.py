"""The local demo: sample data in, every stage run, a summary out (``finops demo``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from finops.db.database import Database
from finops.jobs import analysis_stages, registered_jobs, run_job


def run_demo(
    *,
    db: Database,
    out: Path,
    months: int = 6,
    accounts: int = 4,
    seed: int = 7,
    end: dt.date | None = None,
    echo: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Generate deterministic sample data under ``out`` and run every stage that exists.

    The sample carries two recommendations applied weeks before ``end`` (one by remediation,
    one by hand), replayed through the platform before the stages run as of ``end``
    (:mod:`finops.devtools.demo_history`), so the savings ledger has estimated vs realized.
    Safe to run again: the sample is regenerated identically, ingestion is idempotent and the
    replayed history is recorded once.
    Returns what each stage reported, plus the demo API key (admin role), which is also written
    to ``out/api-key`` (mode 0600) so the dashboard and scripts can use it.
    """
    from finops.auth import create_api_key
    from finops.devtools.demo_history import replay_applied_changes
    from finops.devtools.sample import generate_sample

    say = echo or (lambda _msg: None)
    out.mkdir(parents=True, exist_ok=True)
    sample = generate_sample(
        out_dir=out,
        months=months,
        accounts=accounts,
        seed=seed,
        fmt="cur2",
        end=end,
        applied_changes=True,
    )
    files = len(sample.billing_files)
    say(f"sample: {files} billing files, {sample.line_count} line items in {out}")
    summary: dict[str, Any] = {
        "sample": {"files": len(sample.billing_files), "lines": sample.line_count}
    }
    billing = run_job("ingest_billing", db=db, paths=[str(out / "billing")], trigger="demo")
    say(f"ingest_billing: {billing}")
    summary["ingest_billing"] = billing
    usage_dir = out / "usage"
    if usage_dir.is_dir():
        usage = run_job("ingest_usage", db=db, path=str(usage_dir))
        say(f"ingest_usage: {usage}")
        summary["ingest_usage"] = usage
    _ensure_demo_budget(db, say)
    history = replay_applied_changes(db=db, labels_path=sample.labels_path, say=say)
    if history:
        summary["history"] = history
    today = end or dt.datetime.now(dt.UTC).date()
    registered = {job.name for job in registered_jobs()}
    for stage in analysis_stages():
        if stage not in registered:
            continue
        counts = run_job(stage, db=db, as_of=today, triggered_by="demo")
        say(f"{stage}: {counts}")
        summary[stage] = counts
    key_file = out / "api-key"
    if not _key_still_valid(db, key_file):
        with db.sessions.begin() as session:
            key, _record = create_api_key(session=session, name="demo", role="admin")
        key_file.write_text(key + "\n", encoding="utf-8")
        key_file.chmod(0o600)
    summary["api_key_file"] = str(key_file)
    say(f"API key (admin) in {key_file}")
    return summary


def _key_still_valid(db: Database, key_file: Path) -> bool:
    """True when ``key_file`` holds a key this database accepts (it may be from another DB)."""
    from finops.auth import authenticate
    from finops.core.errors import PermissionDeniedError

    if not key_file.is_file():
        return False
    with db.sessions.begin() as session:
        try:
            authenticate(session=session, presented=key_file.read_text(encoding="utf-8").strip())
        except PermissionDeniedError:
            return False
    return True


def _ensure_demo_budget(db: Database, say: Callable[[str], None]) -> None:
    """A monthly budget on total spend, sized from last month, so budget stages have work."""
    from finops.budgets import BudgetSpec, create_budget, list_budgets

    with db.sessions.begin() as session:
        if list_budgets(session=session):
            return
        create_budget(
            session=session,
            spec=BudgetSpec.model_validate({"name": "demo: total monthly", "amount": "15000"}),
            actor="demo",
        )
    say("created budget 'demo: total monthly' (15,000 USD)")
