"""``finops remediation ...``: policies, plans, approvals, execution and rollback.

A thin adapter over :mod:`finops.remediation`. Exit codes: 0 ok, 1 user error or an action that
ended ``failed`` / ``rollback_failed`` (one line on stderr), 2 usage error. ``--actor`` names who
acts in the audit log (default ``cli:<OS user>``); approval needs another actor than the one who
planned.
"""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated, Any

import typer

from finops.cli.support import fail, open_cli_database, parse_date, print_json, user_errors

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


def _print_action(doc: dict[str, Any]) -> None:
    changes = ", ".join(
        f"{c['field']} {c['from']} -> {c['to']}" for c in (doc.get("plan") or {}).get("changes", [])
    )
    saving = doc["expected_monthly_saving"]
    money = f"{saving} {doc['billing_currency']}/month" if saving is not None else "-"
    why = doc.get("error") or doc.get("reason") or ""
    typer.echo(
        f"{doc['id']:6} {doc['status']:15} {doc['mode']:9} {doc['action']:26} "
        f"{doc['resource_id']}  {changes or '-'}  {money}" + (f"  ({why})" if why else "")
    )


def _finish(doc: dict[str, Any], json_output: bool, bad: tuple[str, ...] = ()) -> None:
    if json_output:
        print_json(doc)
    else:
        _print_action(doc)
    if doc["status"] in bad:
        fail(f"remediation action {doc['id']} is {doc['status']}: {doc.get('error')}")


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
        doc = save_policy(db=open_cli_database(), policy=policy, actor=_actor(actor))
        if json_output:
            print_json(doc)
        else:
            verb = "created" if doc["created"] else ("updated" if doc["changed"] else "unchanged")
            typer.echo(f"{verb}: {doc['name']} ({doc['mode']})")


@policies_app.command("list")
def policies_list(json_output: JsonOption = False) -> None:
    """Stored policies."""
    with user_errors():
        from finops.remediation import list_policies

        with open_cli_database().sessions() as session:
            items = list_policies(session=session)
        if json_output:
            print_json({"items": items})
            return
        for doc in items:
            state = "enabled" if doc["enabled"] else "disabled"
            action = doc["definition"]["action"]["type"]
            typer.echo(f"{doc['name']:40} {doc['mode']:9} {state:9} {action}")


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
        summary = plan_policy(db=open_cli_database(), name=policy, actor=_actor(actor), as_of=day)
        if json_output:
            print_json(summary)
            return
        typer.echo(
            f"run {summary['run_id']} of {summary['policy']} ({summary['mode']}): "
            f"{summary['planned']} planned, {summary['refused']} refused, "
            f"{summary['unchanged']} unchanged, {summary['pending']} pending"
        )
        for doc in summary["actions"]:
            _print_action(doc)


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
            print_json(page)
            return
        for doc in page["items"]:
            _print_action(doc)


@actions_app.command("show")
def actions_show(action_id: ActionId) -> None:
    """One action as JSON: plan, decision, execution and rollback."""
    with user_errors():
        from finops.remediation import get_action

        with open_cli_database().sessions() as session:
            print_json(get_action(session=session, action_id=action_id))


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

        doc = approve_action(
            db=open_cli_database(), action_id=action_id, actor=_actor(actor), note=note
        )
        _finish(doc, json_output)


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

        doc = reject_action(
            db=open_cli_database(), action_id=action_id, actor=_actor(actor), note=note
        )
        _finish(doc, json_output)


@remediation_app.command("execute")
def execute(
    action_id: ActionId, actor: ActorOption = None, json_output: JsonOption = False
) -> None:
    """Execute an approved action and verify it; exit 1 when it failed (original state
    restored where possible, rollback available)."""
    with user_errors():
        from finops.remediation import execute_action

        doc = execute_action(db=open_cli_database(), action_id=action_id, actor=_actor(actor))
        _finish(doc, json_output, bad=("failed",))


@remediation_app.command("rollback")
def rollback(
    action_id: ActionId, actor: ActorOption = None, json_output: JsonOption = False
) -> None:
    """Restore the original state of an executed action and verify it."""
    with user_errors():
        from finops.remediation import rollback_action

        doc = rollback_action(db=open_cli_database(), action_id=action_id, actor=_actor(actor))
        _finish(doc, json_output, bad=("rollback_failed",))
