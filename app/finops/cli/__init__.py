"""The ``finops`` command line: a thin adapter over the service layer.

Exit codes: 0 ok, 1 user error (one line on stderr), 2 usage error (bad flags, from Click).
``FINOPS_DATABASE_URL`` selects the database; unset, a SQLite file in the working directory.
With ``--json`` the command prints one JSON document on stdout and nothing else.

This module builds the root app from the command modules beside it (one per command group);
``finops.cli.support`` holds what they share and ``finops.cli.views`` what they print.
"""

from __future__ import annotations

import logging
import sys
from typing import Annotated

import typer

from finops.cli import (
    anomalies,
    apikey,
    ask,
    audit,
    billing,
    budgets,
    db,
    events,
    forecasts,
    insights,
    jobs,
    mcp,
    recommendations,
    remediation,
    serve,
    usage,
)

app = typer.Typer(
    name="finops",
    help="Open-source FinOps platform: ingest AWS billing, query exact costs, run every stage.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Registration order is the order `finops --help` lists them: commands first, then groups.
app.command("ingest")(billing.ingest)
app.command("costs")(billing.costs)
app.command("cost-changes")(billing.cost_changes_command)
app.command("ask")(ask.ask_command)
app.command("sample")(billing.sample)
app.command("forecast-series")(forecasts.forecast_series_command)
app.command("rightsize-instance")(recommendations.rightsize_instance_command)
app.command("savings")(recommendations.savings)
app.command("insights")(insights.insights)
app.command("audit")(audit.audit)
app.command("serve")(serve.serve)
app.command("demo")(serve.demo)
app.command("mcp")(mcp.mcp_command)

app.add_typer(db.db_app, name="db")
app.add_typer(billing.export_app, name="export")
app.add_typer(apikey.apikey_app, name="apikey")
app.add_typer(usage.usage_app, name="usage")
app.add_typer(jobs.jobs_app, name="jobs")
app.add_typer(budgets.budgets_app, name="budgets")
app.add_typer(recommendations.recs_app, name="recommendations")
app.add_typer(anomalies.anomalies_app, name="anomalies")
app.add_typer(forecasts.forecasts_app, name="forecasts")
app.add_typer(events.events_app, name="events")
app.add_typer(remediation.remediation_app, name="remediation")


@app.callback()
def _main(
    log_level: Annotated[str, typer.Option(envvar="FINOPS_LOG_LEVEL", help="Log level.")] = "ERROR",
    log_json: Annotated[
        bool, typer.Option("--log-json", help="Log JSON lines (secrets masked) to stderr.")
    ] = False,
    pushgateway_url: Annotated[
        str | None,
        typer.Option(
            envvar="FINOPS_PUSHGATEWAY_URL",
            help="Prometheus Pushgateway every job run pushes its metrics to.",
        ),
    ] = None,
) -> None:
    from finops.jobs.registry import push_run_metrics_to
    from finops.observability.logs import configure_json_logging

    push_run_metrics_to(pushgateway_url)
    if log_json:
        configure_json_logging(log_level)
        return
    logging.basicConfig(
        level=log_level.upper(),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )


def main() -> None:
    """Console-script entry point: run the root app (exits with the command's code)."""
    app()
