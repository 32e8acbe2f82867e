"""Billing data in and out: ``finops ingest``, ``finops costs``, ``finops export focus`` and
``finops sample`` (deterministic sample billing files, from the dev tools)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, cast

import typer

from finops.cli.support import (
    open_cli_database,
    parse_date,
    parse_filters,
    print_json,
    progress,
    progress_enabled,
    user_errors,
)

export_app = typer.Typer(help="Export stored data.", no_args_is_help=True)


def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Billing files, manifests or folders.")],
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    delivered_at: Annotated[
        str | None, typer.Option(help="Delivery time (ISO 8601, UTC) instead of file mtime.")
    ] = None,
) -> None:
    """Ingest billing files: legacy CUR CSV, CUR 2.0 Parquet, FOCUS 1.0-1.2 (CSV or Parquet)."""
    with user_errors():
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
        database = open_cli_database()
        with progress("ingesting", progress_enabled(json_output)) as report:
            outcomes = ingest_paths(db=database, paths=paths, delivered_at=when, progress=report)
        failed = [o for o in outcomes if o.status == "failed"]
        if json_output:
            print_json({"deliveries": [o.__dict__ for o in outcomes]})
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


def _default_range(today: dt.date) -> tuple[dt.date, dt.date]:
    """The last six calendar months including the current one, through today."""
    month = today.replace(day=1)
    for _ in range(5):
        month = (month - dt.timedelta(days=1)).replace(day=1)
    return month, today + dt.timedelta(days=1)


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
    filter_: Annotated[
        list[str] | None,
        typer.Option(
            "--filter",
            help="DIMENSION=VALUE keeps facts whose dimension has that value (repeatable; "
            "values of one dimension are alternatives).",
        ),
    ] = None,
    limit: Annotated[
        int | None, typer.Option(help="Top N groups per period and currency; the rest folded.")
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Costs for [START, END), optionally grouped; exact decimals, one currency per row."""
    with user_errors():
        from finops.cli.views import costs_document, render_costs_table

        default_start, default_end = _default_range(dt.datetime.now(dt.UTC).date())
        start_day = parse_date(start, "--start") if start else default_start
        end_day = parse_date(end, "--end") if end else default_end
        database = open_cli_database()
        with database.sessions() as session:
            document = costs_document(
                session=session,
                start=start_day,
                end=end_day,
                group_by=group_by or [],
                granularity=granularity,
                metric=metric,
                filters=parse_filters(filter_ or []),
                limit=limit,
            )
        if json_output:
            print_json(document)
        else:
            typer.echo(render_costs_table(document))


def cost_changes_command(
    start: Annotated[str, typer.Option(help="First day of the window, YYYY-MM-DD.")],
    end: Annotated[str, typer.Option(help="First day after the window, YYYY-MM-DD (exclusive).")],
    previous_start: Annotated[
        str | None, typer.Option(help="First day of the base window; default: same length before.")
    ] = None,
    previous_end: Annotated[
        str | None, typer.Option(help="First day after the base window (exclusive).")
    ] = None,
    group_by: Annotated[str, typer.Option(help="One dimension: service, account, tag:KEY...")] = (
        "service"
    ),
    direction: Annotated[str, typer.Option(help="rising, falling or all.")] = "all",
    limit: Annotated[int | None, typer.Option(help="Keep the first N groups.")] = None,
    filter_: Annotated[
        list[str] | None, typer.Option("--filter", help="DIMENSION=VALUE (repeatable).")
    ] = None,
    metric: Annotated[str, typer.Option(help="billed, effective or list.")] = "effective",
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """How each group's cost changed from the base window to [START, END): exact dollars."""
    with user_errors():
        from finops.cli.views import cost_changes_document

        values: dict[str, object] = {
            "start": parse_date(start, "--start"),
            "end": parse_date(end, "--end"),
            "previous_start": parse_date(previous_start, "--previous-start")
            if previous_start
            else None,
            "previous_end": parse_date(previous_end, "--previous-end") if previous_end else None,
            "group_by": group_by,
            "direction": direction,
            "limit": limit,
            "filters": parse_filters(filter_ or []),
            "metric": metric,
        }
        database = open_cli_database()
        with database.sessions() as session:
            document = cost_changes_document(session=session, values=values)
        if json_output:
            print_json(document)
        else:
            for row in document["rows"]:
                typer.echo(
                    f"{row['group'] or '(none)':<48} {row['currency']} {row['previous']:>14} -> "
                    f"{row['current']:>14}  {row['change']:>14}"
                )


@export_app.command("focus")
def export_focus_command(
    start: Annotated[str, typer.Option(help="First day, YYYY-MM-DD (inclusive).")],
    end: Annotated[str, typer.Option(help="Last day, YYYY-MM-DD (exclusive).")],
    out: Annotated[Path, typer.Option(help="Output file: .csv, .csv.gz or .parquet.")],
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Write the stored facts of [START, END) as a FOCUS 1.2 dataset."""
    with user_errors():
        from finops.export import export_focus

        database = open_cli_database()
        with database.sessions() as session:
            result = export_focus(
                session=session,
                start=parse_date(start, "--start"),
                end=parse_date(end, "--end"),
                out=out,
            )
        document = {
            "path": str(result.path),
            "rows": result.rows,
            "totals": dict(result.totals.items()),
        }
        if json_output:
            print_json(document)
        else:
            typer.echo(f"wrote {result.rows} rows to {result.path}")


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
    with user_errors():
        from finops.cli.views import jsonable_result
        from finops.devtools.sample import SampleFormat, generate_sample

        if fmt not in ("cur2", "cur-legacy", "focus"):
            raise typer.BadParameter("expected cur2, cur-legacy or focus", param_hint="--format")
        end_day = parse_date(end, "--end") if end else None
        with progress("generating", progress_enabled(json_output)) as report:
            result = generate_sample(
                out_dir=out,
                months=months,
                accounts=accounts,
                seed=seed,
                lines=lines,
                fmt=cast("SampleFormat", fmt),
                end=end_day,
                progress=lambda done, total: report("lines", done, total),
            )
        document = jsonable_result(result)
        if json_output:
            print_json(document)
        else:
            files = len(result.billing_files)
            typer.echo(f"wrote {files} billing files ({result.line_count} lines) to {out}")
