"""The ``remediate`` job: plan every enabled policy, then execute the planned actions of the
auto-mode (allow-listed) ones."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy import select

from finops.core.errors import ConflictError, FinOpsError
from finops.db.database import Database
from finops.db.models import RemediationPolicy
from finops.remediation.actions.base import ClientFactory, WaitPolicy
from finops.remediation.execution import execute_action
from finops.remediation.kinds import PolicyMode
from finops.remediation.lifecycle import ActionStatus
from finops.remediation.planning import plan_policy
from finops.remediation.policy import DEFAULT_AUTO_ALLOW_LIST, AutoAllowList
from finops.remediation.views import ActionView

logger = logging.getLogger(__name__)

JOB_ACTOR = "job:remediate"


def run_policies(
    *,
    db: Database,
    actor: str = JOB_ACTOR,
    as_of: dt.date | None = None,
    clients: ClientFactory | None = None,
    wait: WaitPolicy | None = None,
    allow_list: AutoAllowList = DEFAULT_AUTO_ALLOW_LIST,
) -> dict[str, Any]:
    """The ``remediate`` job: plan every enabled policy, then execute the planned actions of the
    auto-mode (allow-listed) ones.

    Guarantees: a policy that cannot be planned (invalid against the allow-list, unreadable)
    is reported under ``errors`` and the others still run; a retried run plans nothing twice
    (see :func:`plan_policy`) and re-executes nothing that succeeded. Approval-mode actions only
    wait (and are announced); dry-run ones only record the plan.
    """
    with db.sessions() as session:
        names = list(
            session.scalars(
                select(RemediationPolicy.name)
                .where(RemediationPolicy.enabled.is_(True))
                .order_by(RemediationPolicy.name)
            )
        )
    totals = {"planned": 0, "refused": 0, "executed": 0, "succeeded": 0, "failed": 0}
    per_policy: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name in names:
        try:
            summary = plan_policy(
                db=db, name=name, actor=actor, as_of=as_of, clients=clients, allow_list=allow_list
            )
        except FinOpsError as exc:
            logger.error(
                "remediation policy not planned", extra={"policy": name, "error": str(exc)}
            )
            errors[name] = exc.message
            continue
        executed: list[ActionView] = []
        if summary.mode == PolicyMode.AUTO:
            for item in summary.actions:
                if item.status != ActionStatus.PLANNED:
                    continue
                try:
                    executed.append(
                        execute_action(
                            db=db,
                            action_id=item.id,
                            actor=actor,
                            clients=clients,
                            wait=wait,
                            allow_list=allow_list,
                        )
                    )
                except ConflictError as exc:  # another runner took it
                    errors[f"{name}#{item.id}"] = exc.message
        outcome: dict[str, Any] = {
            "run_id": summary.run_id,
            "mode": summary.mode.value,
            "planned": summary.planned,
            "refused": summary.refused,
            "unchanged": summary.unchanged,
            "pending": summary.pending,
            "executed": len(executed),
            "succeeded": sum(1 for a in executed if a.status == ActionStatus.SUCCEEDED),
            "failed": sum(1 for a in executed if a.status == ActionStatus.FAILED),
        }
        per_policy[name] = outcome
        for key in totals:
            totals[key] += outcome[key]
    result = {
        "as_of": (as_of or dt.datetime.now(dt.UTC).date()).isoformat(),
        "policies": per_policy,
        **totals,
        "errors": errors,
    }
    logger.info("remediate finished", extra={"counts": result})
    return result
