"""``finops remediation ...``: policies, plans, approvals, execution and rollback.

A thin adapter over :mod:`finops.remediation`. Exit codes: 0 ok, 1 user error or an action that
ended ``failed`` / ``rollback_failed`` (one line on stderr), 2 usage error. ``--actor`` names who
acts in the audit log (default ``cli:<OS user>``); approval needs another actor than the one who
planned.
"""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from finops.cli.support import fail, open_cli_database, parse_date, print_json, user_errors

if TYPE_CHECKING:
    from finops.remediation.views import ActionView

remediation_app = typer.Typer(
    help="Policy-driven remediation: policies, plans, approvals, execution, rollback.",
    no_args_is_help=True,
)
policies_app = typer.Typer(help="Remediation policies (YAML files).", no_args_is_help=True)
actions_app = typer.Typer(help="Planned and executed remediation actions.", no_args_is_help=True)
remediation_app.add_typer(policies_app, name="policies")
remediation_app.add_typer(actions_app, name="actions")

ActorOption = Annotated[
    str | None,
    typer.Option("--actor", help="Who acts, for the audit log (default: cli:<OS user>)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]
NoteOption = Annotated[str | None, typer.Option(help="Why (audited).")]
ActionId = Annotated[int, typer.Argument(help="The action's id.", min=1)]


def _actor(given: str | None) -> str:
    if given:
        return given
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no login name (e.g. a container without a passwd entry)
        return "cli"


def _print_action(action: ActionView) -> None:
    changes = ", ".join(
        f"{c['field']} {c['from']} -> {c['to']}" for c in (action.plan or {}).get("changes", [])
    )
    saving = action.model_dump(mode="json", include={"expected_monthly_saving"})
    money = (
        f"{saving['expected_monthly_saving']} {action.billing_currency}/month"
        if action.expected_monthly_saving is not None
        else "-"
    )
    why = action.error or action.reason or ""
    typer.echo(
        f"{action.id:6} {action.status:15} {action.mode:9} {action.action:26} "
        f"{action.resource_id}  {changes or '-'}  {money}" + (f"  ({why})" if why else "")
    )


def _finish(action: ActionView, json_output: bool, bad: tuple[str, ...] = ()) -> None:
    if json_output:
        print_json(action.model_dump(mode="json"))
    else:
        _print_action(action)
    if action.status in bad:
        fail(f"remediation action {action.id} is {action.status}: {action.error}")


# --------------------------------------------------------------------------- policies


@policies_app.command("validate")
def policies_validate(
    file: Annotated[Path, typer.Argument(help="A policy YAML file.")],
    json_output: JsonOption = False,
) -> None:
    """Validate a policy file (no database, no AWS); exit 1 naming the file and field."""
    with user_errors():
        from finops.remediation import load_policy_file

        policy = load_policy_file(file)
        if json_output:
            print_json(policy.model_dump(mode="json"))
        else:
            typer.echo(f"ok: {policy.name} ({policy.mode}, {policy.action.type})")


@policies_app.command("load")
def policies_load(
    file: Annotated[Path, typer.Argument(help="A policy YAML file.")],
    actor: ActorOption = None,
    json_output: JsonOption = False,
) -> None:
    """Validate a policy file and store it (replacing the policy of the same name)."""
    with user_errors():
        from finops.remediation import load_policy_file, save_policy

        policy = load_policy_file(file)
        saved = save_policy(db=open_cli_database(), policy=policy, actor=_actor(actor))
        if json_output:
            print_json(saved.model_dump(mode="json"))
        else:
            verb = "created" if saved.created else ("updated" if saved.changed else "unchanged")
            typer.echo(f"{verb}: {saved.name} ({saved.mode})")


@policies_app.command("list")
def policies_list(json_output: JsonOption = False) -> None:
    """Stored policies."""
    with user_errors():
        from finops.remediation import list_policies

        with open_cli_database().sessions() as session:
            items = list_policies(session=session)
        if json_output:
            print_json({"items": [p.model_dump(mode="json") for p in items]})
            return
        for p in items:
            state = "enabled" if p.enabled else "disabled"
            action = p.definition["action"]["type"]
            typer.echo(f"{p.name:40} {p.mode:9} {state:9} {action}")


# --------------------------------------------------------------------------- plan & actions


@remediation_app.command("plan")
def plan(
    policy: Annotated[str, typer.Argument(help="The policy's name.")],
    as_of: Annotated[str | None, typer.Option(help="YYYY-MM-DD; default today.")] = None,
    actor: ActorOption = None,
    json_output: JsonOption = False,
) -> None:
    """Plan one run of a policy: planned or refused actions, nothing changed in AWS."""
    with user_errors():
        from finops.remediation import plan_policy

        day = parse_date(as_of, "--as-of") if as_of else None
        run = plan_policy(db=open_cli_database(), name=policy, actor=_actor(actor), as_of=day)
        if json_output:
            print_json(run.model_dump(mode="json"))
            return
        typer.echo(
            f"run {run.run_id} of {run.policy} ({run.mode}): "
            f"{run.planned} planned, {run.refused} refused, "
            f"{run.unchanged} unchanged, {run.pending} pending"
        )
        for action in run.actions:
            _print_action(action)


@actions_app.command("list")
def actions_list(
    status: Annotated[str | None, typer.Option(help="e.g. planned, approved, failed.")] = None,
    policy: Annotated[str | None, typer.Option(help="A policy's name.")] = None,
    run_id: Annotated[str | None, typer.Option("--run-id", help="One plan run.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
    json_output: JsonOption = False,
) -> None:
    """Remediation actions, newest first."""
    with user_errors():
        from finops.remediation import list_actions

        with open_cli_database().sessions() as session:
            page = list_actions(
                session=session, status=status, policy=policy, run_id=run_id, limit=limit
            )
        if json_output:
            print_json(
                {
                    "items": [a.model_dump(mode="json") for a in page.items],
                    "total": page.total,
                    "limit": page.limit,
                    "offset": page.offset,
                }
            )
            return
        for action in page.items:
            _print_action(action)


@actions_app.command("show")
def actions_show(action_id: ActionId) -> None:
    """One action as JSON: plan, decision, execution and rollback."""
    with user_errors():
        from finops.remediation import get_action

        with open_cli_database().sessions() as session:
            print_json(get_action(session=session, action_id=action_id).model_dump(mode="json"))


@remediation_app.command("approve")
def approve(
    action_id: ActionId,
    note: NoteOption = None,
    actor: ActorOption = None,
    json_output: JsonOption = False,
) -> None:
    """Approve a planned action (another operator than the one who planned it)."""
    with user_errors():
        from finops.remediation import approve_action

        approved = approve_action(
            db=open_cli_database(), action_id=action_id, actor=_actor(actor), note=note
        )
        _finish(approved, json_output)


@remediation_app.command("reject")
def reject(
    action_id: ActionId,
    note: NoteOption = None,
    actor: ActorOption = None,
    json_output: JsonOption = False,
) -> None:
    """Reject a planned action."""
    with user_errors():
        from finops.remediation import reject_action

        rejected = reject_action(
            db=open_cli_database(), action_id=action_id, actor=_actor(actor), note=note
        )
        _finish(rejected, json_output)


@remediation_app.command("execute")
def execute(
    action_id: ActionId, actor: ActorOption = None, json_output: JsonOption = False
) -> None:
    """Execute an approved action and verify it; exit 1 when it failed (original state
    restored where possible, rollback available)."""
    with user_errors():
        from finops.remediation import execute_action

        done = execute_action(db=open_cli_database(), action_id=action_id, actor=_actor(actor))
        _finish(done, json_output, bad=("failed",))


@remediation_app.command("rollback")
def rollback(
    action_id: ActionId, actor: ActorOption = None, json_output: JsonOption = False
) -> None:
    """Restore the original state of an executed action and verify it."""
    with user_errors():
        from finops.remediation import rollback_action

        rolled = rollback_action(db=open_cli_database(), action_id=action_id, actor=_actor(actor))
        _finish(rolled, json_output, bad=("rollback_failed",))
