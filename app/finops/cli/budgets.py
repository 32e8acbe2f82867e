"""``finops budgets``: list, create and delete budgets, and evaluate their alerts."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from finops.cli.jobs import run_stage
from finops.cli.support import (
    CLI_ACTOR,
    open_cli_database,
    parse_date,
    print_json,
    today,
    user_errors,
)

budgets_app = typer.Typer(help="Budgets and their alerts.", no_args_is_help=True)


@budgets_app.command("list")
def budgets_list(
    as_of: Annotated[str | None, typer.Option(help="Evaluate as of YYYY-MM-DD.")] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Budgets with actual and forecast spend against their amount."""
    with user_errors():
        from finops.api.routes.budgets import budget_status_document
        from finops.budgets import list_budgets

        day = parse_date(as_of, "--as-of") if as_of else today()
        database = open_cli_database()
        with database.sessions() as session:
            docs = [
                budget_status_document(session=session, budget=b, as_of=day)
                for b in list_budgets(session=session)
            ]
        if json_output:
            print_json({"items": [d.model_dump(mode="json") for d in docs]})
            return
        for d in docs:
            b = d.budget
            typer.echo(
                f"{b.id:4} {b.name:24} {b.scope_type}:{b.scope_key or '-':20} "
                f"actual {d.actual:>14.2f} ({d.actual_percent}%)  forecast {d.forecast:>14.2f} "
                f"({d.forecast_percent}%) of {b.amount} {b.currency}"
            )


@budgets_app.command("create")
def budgets_create(
    name: Annotated[str, typer.Option(help="Unique name.")],
    amount: Annotated[str, typer.Option(help="Amount per period, e.g. 1500.00.")],
    scope_type: Annotated[
        str, typer.Option(help="total, account, service, region or tag.")
    ] = "total",
    scope_key: Annotated[
        str | None, typer.Option(help="Account id, service, region, or KEY=VALUE for tag.")
    ] = None,
    period: Annotated[str, typer.Option(help="monthly or quarterly.")] = "monthly",
    currency: Annotated[str, typer.Option()] = "USD",
    metric: Annotated[str, typer.Option(help="billed, effective or list.")] = "effective",
    threshold: Annotated[
        list[str] | None,
        typer.Option(help="KIND:PERCENT, e.g. actual:80 or forecast:100 (repeatable)."),
    ] = None,
    webhook_secret: Annotated[
        str | None, typer.Option(help="Secret name holding the webhook URL (Vault or env).")
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Create a budget."""
    with user_errors():
        from finops.api.routes.budgets import budget_status_document
        from finops.budgets import BudgetSpec, create_budget

        values: dict[str, Any] = {
            "name": name,
            "amount": amount,
            "scope_type": scope_type,
            "scope_key": scope_key,
            "period": period,
            "currency": currency,
            "metric": metric,
            "webhook_secret_name": webhook_secret,
        }
        if threshold:
            parsed = []
            for item in threshold:
                kind, _, percent = item.partition(":")
                if not percent:
                    raise typer.BadParameter(
                        f"expected KIND:PERCENT, got {item!r}", param_hint="--threshold"
                    )
                parsed.append({"kind": kind, "percent": percent})
            values["thresholds"] = parsed
        spec = BudgetSpec.model_validate(values)
        database = open_cli_database()
        with database.sessions.begin() as session:
            budget = create_budget(session=session, spec=spec, actor=CLI_ACTOR)
            doc = budget_status_document(session=session, budget=budget, as_of=today())
        if json_output:
            print_json(doc.model_dump(mode="json"))
        else:
            typer.echo(f"created budget {doc.budget.id} ({doc.budget.name})")


@budgets_app.command("delete")
def budgets_delete(budget_id: Annotated[int, typer.Argument(help="The budget's id.")]) -> None:
    """Delete a budget and its alerts (the audit log keeps their history)."""
    with user_errors():
        from finops.budgets import delete_budget

        database = open_cli_database()
        with database.sessions.begin() as session:
            delete_budget(session=session, budget_id=budget_id, actor=CLI_ACTOR)
        typer.echo(f"deleted budget {budget_id}")


@budgets_app.command("evaluate")
def budgets_evaluate(
    as_of: Annotated[str | None, typer.Option(help="Evaluate as of YYYY-MM-DD.")] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Raise new budget alerts and deliver pending ones to their webhooks."""
    run_stage("evaluate_budgets", as_of, json_output)
