"""``finops anomalies``: detect cost anomalies (the job or any series file), list them and
record feedback."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from finops.cli.jobs import run_stage
from finops.cli.support import CLI_ACTOR, open_cli_database, parse_date, print_json, user_errors

anomalies_app = typer.Typer(help="Cost anomalies.", no_args_is_help=True)


@anomalies_app.command("detect-series")
def anomalies_detect_series(
    path: Annotated[Path, typer.Argument(help="CSV with timestamp,value columns.")],
    combine: Annotated[
        str,
        typer.Option(
            help="How repeated timestamps are combined: mean (gauges such as CPU %), sum "
            "(counters such as requests or bytes), max, min, first or last."
        ),
    ] = "mean",
    sensitivity: Annotated[
        str,
        typer.Option(
            help="low, medium or high, or the score an episode's peak must reach "
            "(lower is more sensitive)."
        ),
    ] = "medium",
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Run the production detector on any series (gaps and repeated timestamps are repaired);
    print what was repaired and the anomalous episodes."""
    with user_errors():
        from finops.anomalies import detect_series_file

        result = detect_series_file(path, combine=combine, sensitivity=sensitivity)
        if json_output:
            print_json(result)
            return
        repairs = result["repairs"]
        typer.echo(
            f"step {result['step_seconds']:g} s, {repairs['input_points']} points on a grid of "
            f"{repairs['grid_points']}: {repairs['duplicates_combined']} duplicates combined "
            f"({repairs['combine']}), {repairs['snapped_to_grid']} snapped to the grid, "
            f"{repairs['gaps']} gaps ({repairs['missing_points']} points missing, not scored)"
        )
        typer.echo(
            f"{len(result['episodes'])} episodes at sensitivity {result['sensitivity']} "
            f"(peak score >= {result['alert_score']:g})"
        )
        for e in result["episodes"]:
            typer.echo(
                f"{e['start']} .. {e['end']}  detected {e['detected']}  peak {e['peak']}  "
                f"{e['direction']}  score {e['score']:.2f}"
            )


@anomalies_app.command("detect-usage")
def anomalies_detect_usage(
    metric: Annotated[str, typer.Option(help="Metric name as stored, e.g. CPUUtilization.")],
    statistic: Annotated[
        str, typer.Option(help="Daily statistic: avg, p50, p95, p99_5 or max.")
    ] = "p95",
    resource: Annotated[str | None, typer.Option(help="Only this resource id.")] = None,
    start: Annotated[str | None, typer.Option(help="First day, YYYY-MM-DD.")] = None,
    end: Annotated[str | None, typer.Option(help="End day (exclusive), YYYY-MM-DD.")] = None,
    sensitivity: Annotated[
        str, typer.Option(help="low, medium or high, or the score an episode's peak must reach.")
    ] = "medium",
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Anomalous episodes in stored utilization (CloudWatch or loaded usage files): each
    resource's daily statistic through the telemetry detector; missing days are gaps."""
    with user_errors():
        from finops.anomalies import UsageQuery, detect_usage_anomalies

        query = UsageQuery(
            metric=metric,
            statistic=statistic,
            resource_id=resource,
            start=parse_date(start, "--start") if start else None,
            end=parse_date(end, "--end") if end else None,
            sensitivity=sensitivity,
        )
        with open_cli_database().sessions() as session:
            result = detect_usage_anomalies(session=session, query=query)
        if json_output:
            print_json(result)
            return
        typer.echo(
            f"{result['metric']} {result['statistic']}: {len(result['series'])} series scored, "
            f"{len(result['skipped'])} skipped (too short), sensitivity {result['sensitivity']}"
        )
        for item in result["series"]:
            for e in item["episodes"]:
                typer.echo(
                    f"{item['resource_id']}  {e['start'][:10]} .. {e['end'][:10]}  "
                    f"{e['direction']}  peak {e['peak_value']:g} (expected "
                    f"{e['expected_at_peak']:g})  score {e['score']:.2f}"
                )


@anomalies_app.command("detect")
def anomalies_detect(
    as_of: Annotated[str | None, typer.Option(help="Last day evaluated, YYYY-MM-DD.")] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Detect cost anomalies in the stored bills (the job)."""
    run_stage("detect_cost_anomalies", as_of, json_output)


@anomalies_app.command("list")
def anomalies_list(
    status: Annotated[str | None, typer.Option()] = None,
    start: Annotated[
        str | None, typer.Option(help="Only anomalies overlapping [START, END), YYYY-MM-DD.")
    ] = None,
    end: Annotated[str | None, typer.Option(help="End of the window (exclusive).")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Anomalies, newest first, with their top root-cause contributor."""
    with user_errors():
        from finops.anomalies import list_anomalies

        start_day = parse_date(start, "--start") if start else None
        end_day = parse_date(end, "--end") if end else None
        with open_cli_database().sessions() as session:
            views = [
                v.as_json()
                for v in list_anomalies(
                    session=session, status=status, start=start_day, end=end_day, limit=limit
                )
            ]
        if json_output:
            print_json({"items": views})
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
    with user_errors():
        from finops.anomalies import set_anomaly_status

        with open_cli_database().sessions.begin() as session:
            view = set_anomaly_status(
                session=session, anomaly_id=anomaly_id, status=status, actor=CLI_ACTOR, note=note
            ).as_json()
        if json_output:
            print_json(view)
        else:
            typer.echo(f"anomaly {anomaly_id} is now {view['status']}")
