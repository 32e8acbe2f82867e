"""Forecasts: ``finops forecast-series`` (any series file) and ``finops forecasts`` (the job,
stored runs, month-end projection)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from finops.cli.jobs import run_stage
from finops.cli.support import open_cli_database, parse_date, print_json, today, user_errors

forecasts_app = typer.Typer(help="Stored cost forecasts.", no_args_is_help=True)


def forecast_series_command(
    path: Annotated[Path, typer.Argument(help="CSV with timestamp,value (or ds,y) columns.")],
    horizon: Annotated[int, typer.Option(min=1, max=5000, help="Points to forecast.")],
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Forecast any regular series with the backtested model choice (80% and 95% bands)."""
    with user_errors():
        from finops.forecasting import forecast_series_file

        result = forecast_series_file(path, horizon)
        if json_output:
            print_json({"model": result["model"], "forecast": result["forecast"]})
            return
        typer.echo(f"model: {result['model']} ({result.get('frequency')})")
        for point in result["forecast"]:
            typer.echo(
                f"{point['timestamp']}  {point['yhat']:.4f}  80% [{point['lower_80']:.4f}, "
                f"{point['upper_80']:.4f}]  95% [{point['lower_95']:.4f}, "
                f"{point['upper_95']:.4f}]"
            )


@forecasts_app.command("run")
def forecasts_run(
    as_of: Annotated[str | None, typer.Option(help="First forecast day, YYYY-MM-DD.")] = None,
    horizon: Annotated[int, typer.Option(min=1, max=366)] = 90,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Forecast every scope from the stored bills (the job)."""
    run_stage("forecast_costs", as_of, json_output, horizon_days=horizon)


@forecasts_app.command("list")
def forecasts_list(
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The newest forecast run of each scope, with its model and backtest scores."""
    with user_errors():
        from finops.forecasting import list_forecasts

        with open_cli_database().sessions() as session:
            runs = [r.as_dict() for r in list_forecasts(session=session, limit=1000)]
        if json_output:
            print_json({"items": runs})
            return
        for r in runs:
            typer.echo(
                f"{r['id']:5} {r['scope_type']}:{r['scope_key']:30} {r['currency']} "
                f"{r['model']:15} as of {r['as_of']}"
            )


@forecasts_app.command("month-end")
def forecasts_month_end(
    scope_type: Annotated[str, typer.Option()] = "total",
    scope_key: Annotated[str, typer.Option()] = "total",
    currency: Annotated[str, typer.Option()] = "USD",
    as_of: Annotated[str | None, typer.Option()] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Month-to-date actual plus the forecast of the rest of the month."""
    with user_errors():
        from finops.forecasting import month_end_projection

        day = parse_date(as_of, "--as-of") if as_of else today()
        with open_cli_database().sessions() as session:
            doc = month_end_projection(
                session=session,
                scope_type=scope_type,
                scope_key=scope_key,
                currency=currency,
                as_of=day,
            ).as_dict()
        if json_output:
            print_json(doc)
        else:
            typer.echo(
                f"{doc['month_start']}..{doc['month_end']}: projected {doc['projected']} "
                f"{doc['currency']} (80% {doc['lower_80']}..{doc['upper_80']})"
            )
