"""The ``finops`` command line: a thin adapter over the service layer.

Exit codes: 0 ok, 1 user error (one line on stderr), 2 usage error (bad flags, from Click).
``FINOPS_DATABASE_URL`` selects the database; unset, a SQLite file in the working directory.
With ``--json`` the command prints one JSON document on stdout and nothing else.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, cast

import typer

from finops.cli_events import events_app
from finops.cli_remediation import remediation_app
from finops.cli_support import (
    CLI_ACTOR,
    fail,
    json_default,
    open_cli_database,
    parse_date,
    print_json,
    user_errors,
)
from finops.core.errors import InvalidInputError

app = typer.Typer(
    name="finops",
    help="Open-source FinOps platform: ingest AWS billing, query exact costs, run every stage.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)
export_app = typer.Typer(help="Export stored data.", no_args_is_help=True)
apikey_app = typer.Typer(help="API keys for the REST API.", no_args_is_help=True)
usage_app = typer.Typer(help="Utilization metrics.", no_args_is_help=True)
jobs_app = typer.Typer(help="Batch stages (the jobs registry).", no_args_is_help=True)
budgets_app = typer.Typer(help="Budgets and their alerts.", no_args_is_help=True)
recs_app = typer.Typer(help="Rightsizing and idle recommendations.", no_args_is_help=True)
anomalies_app = typer.Typer(help="Cost anomalies.", no_args_is_help=True)
forecasts_app = typer.Typer(help="Stored cost forecasts.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(export_app, name="export")
app.add_typer(apikey_app, name="apikey")
app.add_typer(usage_app, name="usage")
app.add_typer(jobs_app, name="jobs")
app.add_typer(budgets_app, name="budgets")
app.add_typer(recs_app, name="recommendations")
app.add_typer(anomalies_app, name="anomalies")
app.add_typer(forecasts_app, name="forecasts")
app.add_typer(events_app, name="events")
app.add_typer(remediation_app, name="remediation")

logger = logging.getLogger("finops.cli")

_fail = fail
_user_errors = user_errors
_database = open_cli_database
_print_json = print_json
_json_default = json_default
_parse_date = parse_date


# ----------------------------------------------------------------------------- plumbing


def _progress_enabled(json_output: bool) -> bool:
    return not json_output and sys.stderr.isatty()


@contextmanager
def _progress(label: str, enabled: bool) -> Iterator[Callable[[str, int, int], None]]:
    """A progress callback ``(item, done, total)``: a bar on a terminal, silence otherwise."""
    if not enabled:
        yield lambda _item, _done, _total: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[item]}"),
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=None, item="")

        def update(item: str, done: int, total: int) -> None:
            bar.update(task, completed=done, total=total or None, item=Path(item).name)

        yield update


@app.callback()
def _main(
    log_level: Annotated[str, typer.Option(envvar="FINOPS_LOG_LEVEL", help="Log level.")] = "ERROR",
) -> None:
    logging.basicConfig(
        level=log_level.upper(),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )


# ----------------------------------------------------------------------------- db


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head")) -> None:
    """Upgrade the schema (default: to the newest revision)."""
    with _user_errors():
        from finops.db import migrate

        database = _database(migrate=False)
        migrate.upgrade(database.engine, revision)
        typer.echo(f"database at revision {migrate.current_revision(database.engine)}")


@db_app.command("downgrade")
def db_downgrade(revision: str = typer.Argument(..., help="Target revision, or 'base'.")) -> None:
    """Downgrade the schema to REVISION ('base' removes every table)."""
    with _user_errors():
        from finops.db import migrate

        database = _database(migrate=False)
        migrate.downgrade(database.engine, revision)
        typer.echo(f"database at revision {migrate.current_revision(database.engine)}")


@db_app.command("current")
def db_current() -> None:
    """Print the schema revision of the database."""
    with _user_errors():
        from finops.db import migrate

        typer.echo(migrate.current_revision(_database(migrate=False).engine) or "none")


# ----------------------------------------------------------------------------- ingest


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Billing files, manifests or folders.")],
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    delivered_at: Annotated[
        str | None, typer.Option(help="Delivery time (ISO 8601, UTC) instead of file mtime.")
    ] = None,
) -> None:
    """Ingest billing files: legacy CUR CSV, CUR 2.0 Parquet, FOCUS 1.0-1.2 (CSV or Parquet)."""
    with _user_errors():
        from finops.ingest.service import ingest_paths

        when = None
        if delivered_at:
            try:
                when = dt.datetime.fromisoformat(delivered_at.replace("Z", "+00:00"))
            except ValueError:
                raise typer.BadParameter(
                    "expected an ISO 8601 time", param_hint="--delivered-at"
                ) from None
            if when.tzinfo is None:
                when = when.replace(tzinfo=dt.UTC)
        database = _database()
        with _progress("ingesting", _progress_enabled(json_output)) as progress:
            outcomes = ingest_paths(db=database, paths=paths, delivered_at=when, progress=progress)
        failed = [o for o in outcomes if o.status == "failed"]
        if json_output:
            _print_json({"deliveries": [o.__dict__ for o in outcomes]})
        else:
            for o in outcomes:
                if o.status == "failed":
                    continue
                totals = ", ".join(
                    f"{cur} billed {m['billed_cost']} effective {m['effective_cost']}"
                    for cur, m in o.totals.items()
                )
                typer.echo(
                    f"{o.status}: {o.source} ({o.rows_read} lines -> {o.rows_written} "
                    f"facts{'; ' + totals if totals else ''})"
                )
        for o in failed:
            typer.echo(f"error: {o.error}", err=True)
        if failed:
            raise typer.Exit(1)


# ----------------------------------------------------------------------------- costs


def _default_range(today: dt.date) -> tuple[dt.date, dt.date]:
    """The last six calendar months including the current one, through today."""
    month = today.replace(day=1)
    for _ in range(5):
        month = (month - dt.timedelta(days=1)).replace(day=1)
    return month, today + dt.timedelta(days=1)


@app.command()
def costs(
    start: Annotated[
        str | None,
        typer.Option(
            help="First day, YYYY-MM-DD (inclusive); default: 1st of the month, five months ago."
        ),
    ] = None,
    end: Annotated[
        str | None,
        typer.Option(help="Last day, YYYY-MM-DD (exclusive); default: tomorrow (UTC)."),
    ] = None,
    group_by: Annotated[
        list[str] | None,
        typer.Option(
            "--group-by",
            help="service, account, region, resource, charge_category, provider, usage_type, "
            "service_category, pricing_category, billing_account, currency or tag:KEY "
            "(repeatable).",
        ),
    ] = None,
    granularity: Annotated[
        str | None, typer.Option(help="day or month; omitted, one total for the range.")
    ] = None,
    metric: Annotated[str, typer.Option(help="Sort by billed, effective or list.")] = "effective",
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Costs for [START, END), optionally grouped; exact decimals, one currency per row."""
    with _user_errors():
        from finops.costs.cli_view import costs_document, render_costs_table

        default_start, default_end = _default_range(dt.datetime.now(dt.UTC).date())
        start_day = _parse_date(start, "--start") if start else default_start
        end_day = _parse_date(end, "--end") if end else default_end
        database = _database()
        with database.sessions() as session:
            document = costs_document(
                session=session,
                start=start_day,
                end=end_day,
                group_by=group_by or [],
                granularity=granularity,
                metric=metric,
            )
        if json_output:
            _print_json(document)
        else:
            typer.echo(render_costs_table(document))


# ----------------------------------------------------------------------------- export


@export_app.command("focus")
def export_focus_command(
    start: Annotated[str, typer.Option(help="First day, YYYY-MM-DD (inclusive).")],
    end: Annotated[str, typer.Option(help="Last day, YYYY-MM-DD (exclusive).")],
    out: Annotated[Path, typer.Option(help="Output file: .csv, .csv.gz or .parquet.")],
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Write the stored facts of [START, END) as a FOCUS 1.2 dataset."""
    with _user_errors():
        from finops.export import export_focus

        database = _database()
        with database.sessions() as session:
            result = export_focus(
                session=session,
                start=_parse_date(start, "--start"),
                end=_parse_date(end, "--end"),
                out=out,
            )
        document = {
            "path": str(result.path),
            "rows": result.rows,
            "totals": dict(result.totals.items()),
        }
        if json_output:
            _print_json(document)
        else:
            typer.echo(f"wrote {result.rows} rows to {result.path}")


# ----------------------------------------------------------------------------- sample


@app.command()
def sample(
    out: Annotated[Path, typer.Option(help="Output folder.")],
    months: Annotated[int, typer.Option(min=1, max=36)] = 3,
    accounts: Annotated[int, typer.Option(min=1, max=500)] = 3,
    seed: Annotated[int, typer.Option()] = 7,
    lines: Annotated[int | None, typer.Option(min=100, help="Approximate line items.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="cur2, cur-legacy or focus.")] = "cur2",
    end: Annotated[str | None, typer.Option(help="End day (exclusive), default today.")] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Write realistic, deterministic sample billing files, labels and utilization series."""
    with _user_errors():
        from finops.sample import SampleFormat, generate_sample

        if fmt not in ("cur2", "cur-legacy", "focus"):
            raise typer.BadParameter("expected cur2, cur-legacy or focus", param_hint="--format")
        end_day = _parse_date(end, "--end") if end else None
        with _progress("generating", _progress_enabled(json_output)) as progress:
            result = generate_sample(
                out_dir=out,
                months=months,
                accounts=accounts,
                seed=seed,
                lines=lines,
                fmt=cast("SampleFormat", fmt),
                end=end_day,
                progress=lambda done, total: progress("lines", done, total),
            )
        document = _jsonable_result(result)
        if json_output:
            _print_json(document)
        else:
            files = len(result.billing_files)
            typer.echo(f"wrote {files} billing files ({result.line_count} lines) to {out}")


def _jsonable_result(result: Any) -> Any:
    import dataclasses

    if dataclasses.is_dataclass(result) and not isinstance(result, type):
        return {
            f.name: _jsonable_result(getattr(result, f.name)) for f in dataclasses.fields(result)
        }
    if isinstance(result, dict):
        return {str(k): _jsonable_result(v) for k, v in result.items()}
    if isinstance(result, list | tuple):
        return [_jsonable_result(v) for v in result]
    if isinstance(result, Decimal | Path | dt.date):
        return _json_default(result)
    return result


# ----------------------------------------------------------------------------- usage


@usage_app.command("load")
def usage_load(
    path: Annotated[Path, typer.Argument(help="A metrics CSV(.gz) file or a folder of them.")],
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Load CloudWatch-shaped utilization series into daily per-resource statistics."""
    with _user_errors():
        from finops.jobs import run_job

        counts = run_job("ingest_usage", db=_database(), path=str(path))
        if json_output:
            _print_json(counts)
        else:
            typer.echo(f"usage loaded: {counts}")


# ----------------------------------------------------------------------------- jobs


@jobs_app.command("run")
def jobs_run(
    name: Annotated[str, typer.Argument(help="A stage from `finops jobs list`.")],
    as_of: Annotated[str | None, typer.Option(help="YYYY-MM-DD, for dated stages.")] = None,
    params: Annotated[
        str | None,
        typer.Option(help='Parameters as a JSON object, e.g. \'{"regions": ["us-east-1"]}\'.'),
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Run one batch stage (rightsize, track_savings, collect_usage, ...), recorded in job_runs.

    This is also the command an ECS task of the platform's image runs for an Airflow task.
    """
    extra: dict[str, Any] = {}
    if params:
        try:
            extra = json.loads(params)
        except json.JSONDecodeError as exc:
            raise typer.BadParameter(f"not JSON: {exc.msg}", param_hint="--params") from None
        if not isinstance(extra, dict):
            raise typer.BadParameter("expected a JSON object", param_hint="--params")
    _run_stage(name, as_of, json_output, **extra)


@jobs_app.command("list")
def jobs_list() -> None:
    """List the registered batch stages."""
    from finops.jobs import registered_jobs

    for job in registered_jobs():
        typer.echo(f"{job.name:20} {job.description}")


# ----------------------------------------------------------------------------- budgets


def _run_stage(name: str, as_of: str | None, json_output: bool, **params: Any) -> None:
    """Run a registered stage (recorded in job_runs) and print what it reported."""
    with _user_errors():
        from finops.jobs import run_job

        if as_of:
            params["as_of"] = _parse_date(as_of, "--as-of")
        counts = run_job(name, db=_database(), **params)
        if json_output:
            _print_json(counts)
        else:
            typer.echo(f"{name}: {counts}")
        if counts.get("status") == "failed":
            # an ECS task (Airflow's ecs executor) sees only the exit code
            _fail(f"{name} failed: {counts.get('error') or 'see job_runs'}")


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


@budgets_app.command("list")
def budgets_list(
    as_of: Annotated[str | None, typer.Option(help="Evaluate as of YYYY-MM-DD.")] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Budgets with actual and forecast spend against their amount."""
    with _user_errors():
        from finops.api.routes.budgets import budget_status_document
        from finops.budgets import list_budgets

        day = _parse_date(as_of, "--as-of") if as_of else _today()
        database = _database()
        with database.sessions() as session:
            docs = [
                budget_status_document(session=session, budget=b, as_of=day)
                for b in list_budgets(session=session)
            ]
        if json_output:
            _print_json({"items": [d.model_dump(mode="json") for d in docs]})
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
    with _user_errors():
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
        database = _database()
        with database.sessions.begin() as session:
            budget = create_budget(session=session, spec=spec, actor=CLI_ACTOR)
            doc = budget_status_document(session=session, budget=budget, as_of=_today())
        if json_output:
            _print_json(doc.model_dump(mode="json"))
        else:
            typer.echo(f"created budget {doc.budget.id} ({doc.budget.name})")


@budgets_app.command("delete")
def budgets_delete(budget_id: Annotated[int, typer.Argument(help="The budget's id.")]) -> None:
    """Delete a budget and its alerts (the audit log keeps their history)."""
    with _user_errors():
        from finops.budgets import delete_budget

        database = _database()
        with database.sessions.begin() as session:
            delete_budget(session=session, budget_id=budget_id, actor=CLI_ACTOR)
        typer.echo(f"deleted budget {budget_id}")


@budgets_app.command("evaluate")
def budgets_evaluate(
    as_of: Annotated[str | None, typer.Option(help="Evaluate as of YYYY-MM-DD.")] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Raise new budget alerts and deliver pending ones to their webhooks."""
    _run_stage("evaluate_budgets", as_of, json_output)


# ----------------------------------------------------------------------------- anomalies


@anomalies_app.command("detect-series")
def anomalies_detect_series(
    path: Annotated[Path, typer.Argument(help="CSV with timestamp,value columns.")],
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Run the production detector on any regular series; print the flagged timestamps."""
    with _user_errors():
        from finops.anomalies import detect_series_file

        result = detect_series_file(path)
        if json_output:
            _print_json(result)
            return
        for item in result["anomalies"]:
            typer.echo(f"{item['timestamp']}  score {item['score']:.2f}")


@anomalies_app.command("detect")
def anomalies_detect(
    as_of: Annotated[str | None, typer.Option(help="Last day evaluated, YYYY-MM-DD.")] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Detect cost anomalies in the stored bills (the job)."""
    _run_stage("detect_cost_anomalies", as_of, json_output)


@anomalies_app.command("list")
def anomalies_list(
    status: Annotated[str | None, typer.Option()] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Anomalies, newest first, with their top root-cause contributor."""
    with _user_errors():
        from finops.anomalies import list_anomalies

        with _database().sessions() as session:
            views = [
                v.as_json() for v in list_anomalies(session=session, status=status, limit=limit)
            ]
        if json_output:
            _print_json({"items": views})
            return
        for v in views:
            top = v["root_cause"][0] if v["root_cause"] else {}
            typer.echo(
                f"{v['id']:5} {v['start_day']} {v['days']}d {v['severity']:8} "
                f"{v['status']:16} {v['scope_type']}:{v['scope_key']:30} +{v['impact']} "
                f"{v['currency']}  top: {top.get('resource') or top.get('service')}"
            )


@anomalies_app.command("feedback")
def anomalies_feedback(
    anomaly_id: Annotated[int, typer.Argument()],
    status: Annotated[
        str, typer.Option(help="acknowledged, resolved, not_an_anomaly, planned_activity or open.")
    ],
    note: Annotated[str | None, typer.Option()] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Record feedback on an anomaly (planned activity is not flagged again)."""
    with _user_errors():
        from finops.anomalies import set_anomaly_status

        with _database().sessions.begin() as session:
            view = set_anomaly_status(
                session=session, anomaly_id=anomaly_id, status=status, actor=CLI_ACTOR, note=note
            ).as_json()
        if json_output:
            _print_json(view)
        else:
            typer.echo(f"anomaly {anomaly_id} is now {view['status']}")


# ----------------------------------------------------------------------------- forecasts


@app.command("forecast-series")
def forecast_series_command(
    path: Annotated[Path, typer.Argument(help="CSV with timestamp,value (or ds,y) columns.")],
    horizon: Annotated[int, typer.Option(min=1, max=5000, help="Points to forecast.")],
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Forecast any regular series with the backtested model choice (80% and 95% bands)."""
    with _user_errors():
        from finops.forecasting import forecast_series_file

        result = forecast_series_file(path, horizon)
        if json_output:
            _print_json({"model": result["model"], "forecast": result["forecast"]})
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
    _run_stage("forecast_costs", as_of, json_output, horizon_days=horizon)


@forecasts_app.command("list")
def forecasts_list(
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The newest forecast run of each scope, with its model and backtest scores."""
    with _user_errors():
        from finops.forecasting import list_forecasts

        with _database().sessions() as session:
            runs = [r.as_dict() for r in list_forecasts(session=session, limit=1000)]
        if json_output:
            _print_json({"items": runs})
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
    with _user_errors():
        from finops.forecasting import month_end_projection

        day = _parse_date(as_of, "--as-of") if as_of else _today()
        with _database().sessions() as session:
            doc = month_end_projection(
                session=session,
                scope_type=scope_type,
                scope_key=scope_key,
                currency=currency,
                as_of=day,
            ).as_dict()
        if json_output:
            _print_json(doc)
        else:
            typer.echo(
                f"{doc['month_start']}..{doc['month_end']}: projected {doc['projected']} "
                f"{doc['currency']} (80% {doc['lower_80']}..{doc['upper_80']})"
            )


# ----------------------------------------------------------------------------- rightsizing


@app.command("rightsize-instance")
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
    region: Annotated[str, typer.Option()] = "us-east-1",
    os_name: Annotated[str, typer.Option("--os")] = "Linux",
    hours: Annotated[int, typer.Option(help="Hours a month the instance runs.")] = 730,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Apply the EC2 rightsizing rule to one instance's summary statistics."""
    with _user_errors():
        from finops.rightsizing import rightsize_instance

        result = rightsize_instance(
            instance_type=instance_type,
            cpu_max=cpu_max,
            cpu_p99=cpu_p99,
            mem_max=mem_max,
            network_max_kibps=network_max,
            region=region,
            os=os_name,
            hours=hours,
        )
        if json_output:
            _print_json(result)
        else:
            target = result["recommended_type"] or "-"
            typer.echo(
                f"{result['action']}: {instance_type} -> {target}, saving "
                f"{result['monthly_saving']} USD/month"
            )


def _print_recommendation(doc: dict[str, Any]) -> None:
    typer.echo(
        f"{doc['id']:6} {doc['status']:10} {doc['kind']:20} {doc['action']:10} "
        f"{doc['estimated_monthly_saving']:>12} {doc['billing_currency']}  "
        f"{doc['resource_id']}"
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
    with _user_errors():
        from finops.rightsizing import list_recommendations

        with _database().sessions() as session:
            page = list_recommendations(
                session=session, status=status, kind=kind, account_id=account, limit=limit
            )
        if json_output:
            _print_json(page)
            return
        for doc in page["items"]:
            _print_recommendation(doc)


def _recommendation_change(
    action: str, recommendation_id: int, note: str | None, applied_on: str | None, json_output: bool
) -> None:
    with _user_errors():
        from finops import rightsizing

        with _database().sessions.begin() as session:
            if action == "apply":
                day = _parse_date(applied_on, "--applied-on") if applied_on else _today()
                doc = rightsizing.mark_recommendation_applied(
                    session=session,
                    recommendation_id=recommendation_id,
                    actor=CLI_ACTOR,
                    applied_on=day,
                    note=note,
                )
            elif action == "accept":
                doc = rightsizing.accept_recommendation(
                    session=session, recommendation_id=recommendation_id, actor=CLI_ACTOR, note=note
                )
            else:
                doc = rightsizing.dismiss_recommendation(
                    session=session, recommendation_id=recommendation_id, actor=CLI_ACTOR, note=note
                )
        if json_output:
            _print_json(doc)
        else:
            _print_recommendation(doc)


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


@app.command()
def savings(
    account: Annotated[str | None, typer.Option()] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Estimated vs realized savings per recommendation, account and currency."""
    with _user_errors():
        from finops.savings import savings_summary

        with _database().sessions() as session:
            summary = savings_summary(session=session, account_id=account)
        if json_output:
            _print_json(summary)
            return
        for total in summary["totals"]:
            typer.echo(json.dumps(total))


# ----------------------------------------------------------------------------- insights


@app.command()
def insights(
    day: Annotated[str | None, typer.Option(help="YYYY-MM-DD; default the newest built.")] = None,
    kind: Annotated[
        str | None, typer.Option(help="top_movers, new_services, waste, budget_risk.")
    ] = None,
    build: Annotated[bool, typer.Option("--build", help="Build the day's insights first.")] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Daily insights, each with the data behind it."""
    with _user_errors():
        from finops.api.routes.insights import InsightOut
        from finops.insights import list_insights
        from finops.jobs import run_job

        database = _database()
        which = _parse_date(day, "--day") if day else None
        if build:
            run_job("build_insights", db=database, as_of=which or _today())
        with database.sessions() as session:
            docs = [
                InsightOut.model_validate(i).model_dump(mode="json")
                for i in list_insights(session=session, day=which, kind=kind)
            ]
        if json_output:
            _print_json({"items": docs})
            return
        for d in docs:
            typer.echo(f"{d['day']}  {d['kind']:13} {d['title']}")


# ----------------------------------------------------------------------------- audit


@app.command()
def audit(
    entity_type: Annotated[str | None, typer.Option(help="e.g. budget, recommendation.")] = None,
    entity_id: Annotated[str | None, typer.Option()] = None,
    actor: Annotated[str | None, typer.Option()] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The append-only audit log, newest first."""
    with _user_errors():
        from finops.api.routes.audit import AuditEntryOut
        from finops.audit import list_audit

        database = _database()
        with database.sessions() as session:
            entries = list_audit(
                session=session,
                entity_type=entity_type,
                entity_id=entity_id,
                actor=actor,
                limit=limit,
            )
        docs = [AuditEntryOut.model_validate(e).model_dump(mode="json") for e in entries]
        if json_output:
            _print_json({"items": docs})
            return
        for d in docs:
            typer.echo(
                f"{d['occurred_at']}  {d['actor']:24} {d['action']:16} "
                f"{d['entity_type']}/{d['entity_id']}"
            )


# ----------------------------------------------------------------------------- api keys


@apikey_app.command("create")
def apikey_create(
    name: Annotated[str, typer.Option(help="Who or what the key is for.")],
    role: Annotated[str, typer.Option(help="viewer, operator or admin.")] = "viewer",
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Create an API key; the key is printed once and only its hash is stored."""
    with _user_errors():
        from finops.auth import create_api_key

        database = _database()
        with database.sessions.begin() as session:
            key, record = create_api_key(session=session, name=name, role=role)
            document = {"id": record.id, "name": record.name, "role": record.role, "key": key}
        if json_output:
            _print_json(document)
        else:
            typer.echo(key)


@apikey_app.command("list")
def apikey_list() -> None:
    """List API keys (prefix, name, role; never the key)."""
    with _user_errors():
        from finops.auth import list_api_keys

        database = _database()
        with database.sessions() as session:
            for record in list_api_keys(session=session):
                state = "revoked" if record.revoked_at else "active"
                typer.echo(
                    f"{record.id:5} {record.prefix:12} {record.role:9} {state:8} {record.name}"
                )


@apikey_app.command("revoke")
def apikey_revoke(
    key_id: Annotated[int, typer.Argument(help="Key id from `apikey list`.")],
) -> None:
    """Revoke an API key."""
    with _user_errors():
        from finops.auth import revoke_api_key

        database = _database()
        with database.sessions.begin() as session:
            revoke_api_key(session=session, key_id=key_id)
        typer.echo(f"revoked key {key_id}")


# ----------------------------------------------------------------------------- serve & demo

PACKAGED_DASHBOARD = Path(__file__).resolve().parent / "dashboard"
CHECKOUT_DASHBOARD = Path(__file__).resolve().parents[2] / "frontend" / "dist"


def _dashboard_dir() -> Path | None:
    """The built dashboard to serve: ``FINOPS_DASHBOARD_DIR``, else the copy packaged with the
    core (``make build``), else a source checkout's ``frontend/dist``; ``None`` serves the API only.
    """
    from finops.config import get_settings

    configured = get_settings().dashboard_dir
    if configured is not None:
        if not (configured / "index.html").is_file():
            raise InvalidInputError(
                f"FINOPS_DASHBOARD_DIR={configured}: no index.html there (expected a dashboard "
                "build, `npm run build` in frontend/)",
                details={"parameter": "FINOPS_DASHBOARD_DIR"},
            )
        return configured
    for candidate in (PACKAGED_DASHBOARD, CHECKOUT_DASHBOARD):
        if (candidate / "index.html").is_file():
            return candidate
    return None


def _serve_api(*, host: str, port: int) -> None:
    """Run the Chalice app locally (the same routes the Lambda serves), plus the dashboard."""
    from chalicelib.local_server import serve as serve_local

    static = _dashboard_dir()
    typer.echo(f"serving http://{host}:{port}/api/v1 (Ctrl-C to stop)", err=True)
    serve_local(host=host, port=port, static_dir=static)


@app.command()
def serve(
    host: Annotated[str, typer.Option(envvar="FINOPS_API_HOST")] = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar="FINOPS_API_PORT")] = 8000,
) -> None:
    """Serve the REST API (and the dashboard build, when present) on HOST:PORT."""
    with _user_errors():
        _database()
        _serve_api(host=host, port=port)


@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="Where the sample data goes.")] = Path(".finops/demo"),
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="Run the stages, do not serve.")
    ] = False,
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
    months: Annotated[int, typer.Option(min=1, max=24)] = 6,
    accounts: Annotated[int, typer.Option(min=1, max=100)] = 4,
    local_aws: Annotated[
        bool,
        typer.Option(
            "--local-aws/--no-local-aws",
            help="Also run the AWS scene (billing events, inventory, a remediation awaiting "
            "approval) on a local moto server, kept running while serving.",
        ),
    ] = True,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Generate sample data, run every stage, then serve the API and dashboard."""
    with _user_errors(), contextlib.ExitStack() as stack:
        from finops.aws.emulator import find_moto_server
        from finops.aws.emulator import local_aws as run_local_aws
        from finops.demo import run_demo

        database = _database()
        echo = None if json_output else typer.echo
        summary = run_demo(db=database, out=out, months=months, accounts=accounts, echo=echo)
        if local_aws and find_moto_server() is not None:
            from finops.demo_aws import seed_demo_aws

            emulator = stack.enter_context(run_local_aws(log_dir=out))
            summary["aws"] = {
                "endpoint": emulator.endpoint_url,
                **seed_demo_aws(db=database, say=echo or _quiet),
            }
        if json_output:
            _print_json(summary)
        if not no_serve:
            _serve_api(host=host, port=port)


def _quiet(_message: str) -> None:
    return None


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
