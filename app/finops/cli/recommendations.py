"""Rightsizing: ``finops rightsize-instance`` (the rule on one instance), ``finops
recommendations`` (list, accept, dismiss, apply) and ``finops savings`` (estimated vs realized)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from finops.cli.support import (
    CLI_ACTOR,
    open_cli_database,
    parse_date,
    print_json,
    today,
    user_errors,
)
from finops.cli.views import print_recommendation

recs_app = typer.Typer(help="Rightsizing and idle recommendations.", no_args_is_help=True)


def rightsize_instance_command(
    instance_type: Annotated[
        str, typer.Option("--type", help="EC2 instance type, e.g. m5.2xlarge.")
    ],
    cpu_max: Annotated[float, typer.Option(help="Maximum CPU utilization, percent.")],
    cpu_p99: Annotated[float | None, typer.Option(help="P99(.5) CPU utilization, percent.")] = None,
    mem_max: Annotated[float | None, typer.Option(help="Maximum memory used, percent.")] = None,
    network_max: Annotated[
        float | None, typer.Option("--network-max", help="Maximum network, KiB/s.")
    ] = None,
    days_observed: Annotated[
        float | None,
        typer.Option(help="Days of metrics behind the statistics (terminate needs 14)."),
    ] = None,
    region: Annotated[str, typer.Option()] = "us-east-1",
    os_name: Annotated[str, typer.Option("--os")] = "Linux",
    hours: Annotated[
        float, typer.Option(help="Hours a month the instance runs (fractions accepted).")
    ] = 730.0,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Apply the EC2 rightsizing rule to one instance's summary statistics."""
    with user_errors():
        from finops.rightsizing import rightsize_instance

        result = rightsize_instance(
            instance_type=instance_type,
            cpu_max=cpu_max,
            cpu_p99=cpu_p99,
            mem_max=mem_max,
            network_max_kibps=network_max,
            days_observed=days_observed,
            region=region,
            os=os_name,
            hours=hours,
        )
        if json_output:
            print_json(result)
        else:
            target = result["recommended_type"] or "-"
            typer.echo(
                f"{result['action']}: {instance_type} -> {target}, saving "
                f"{result['monthly_saving']} USD/month"
            )


@recs_app.command("list")
def recommendations_list(
    status: Annotated[str | None, typer.Option()] = None,
    kind: Annotated[str | None, typer.Option()] = None,
    account: Annotated[str | None, typer.Option()] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Recommendations, largest estimated monthly saving first."""
    with user_errors():
        from finops.rightsizing import list_recommendations

        with open_cli_database().sessions() as session:
            page = list_recommendations(
                session=session, status=status, kind=kind, account_id=account, limit=limit
            )
        if json_output:
            print_json(
                {
                    "items": [view.model_dump(mode="json") for view in page.items],
                    "total": page.total,
                    "limit": page.limit,
                    "offset": page.offset,
                }
            )
            return
        for view in page.items:
            print_recommendation(view)


def _recommendation_change(
    action: str, recommendation_id: int, note: str | None, applied_on: str | None, json_output: bool
) -> None:
    with user_errors():
        from finops import rightsizing

        with open_cli_database().sessions.begin() as session:
            if action == "apply":
                day = parse_date(applied_on, "--applied-on") if applied_on else today()
                view = rightsizing.mark_recommendation_applied(
                    session=session,
                    recommendation_id=recommendation_id,
                    actor=CLI_ACTOR,
                    applied_on=day,
                    note=note,
                )
            elif action == "accept":
                view = rightsizing.accept_recommendation(
                    session=session, recommendation_id=recommendation_id, actor=CLI_ACTOR, note=note
                )
            else:
                view = rightsizing.dismiss_recommendation(
                    session=session, recommendation_id=recommendation_id, actor=CLI_ACTOR, note=note
                )
        if json_output:
            print_json(view.model_dump(mode="json"))
        else:
            print_recommendation(view)


@recs_app.command("accept")
def recommendations_accept(
    recommendation_id: Annotated[int, typer.Argument()],
    note: Annotated[str | None, typer.Option()] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Accept a recommendation."""
    _recommendation_change("accept", recommendation_id, note, None, json_output)


@recs_app.command("dismiss")
def recommendations_dismiss(
    recommendation_id: Annotated[int, typer.Argument()],
    note: Annotated[str | None, typer.Option()] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Dismiss a recommendation (it is not raised again)."""
    _recommendation_change("dismiss", recommendation_id, note, None, json_output)


@recs_app.command("apply")
def recommendations_apply(
    recommendation_id: Annotated[int, typer.Argument()],
    applied_on: Annotated[str | None, typer.Option(help="YYYY-MM-DD; default today.")] = None,
    note: Annotated[str | None, typer.Option()] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Mark a recommendation applied; records the savings baseline."""
    _recommendation_change("apply", recommendation_id, note, applied_on, json_output)


def savings(
    account: Annotated[str | None, typer.Option()] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Estimated vs realized savings per recommendation, account and currency."""
    with user_errors():
        from finops.savings import savings_summary

        with open_cli_database().sessions() as session:
            summary = savings_summary(session=session, account_id=account)
        if json_output:
            print_json(summary.model_dump(mode="json"))
            return
        for total in summary.totals:
            typer.echo(json.dumps(total.model_dump(mode="json")))
