"""The ``finops`` CLI as a user runs it: a real subprocess, real database, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from finops.db.database import Database
from tests.support.billing_files import CUR_LEGACY_SAMPLE, read_rows, sum_by, write_rows
from tests.support.finops_cli import FINOPS, run


def test_ingest_then_costs_json_gives_exact_totals(db: Database, db_url: str) -> None:
    done = run(["ingest", str(CUR_LEGACY_SAMPLE)], url=db_url)
    assert done.returncode == 0, done.stderr
    assert "succeeded" in done.stdout
    _, rows = read_rows(CUR_LEGACY_SAMPLE)
    expected = sum_by(
        rows,
        lambda r: r["product/ProductName"] or r["lineItem/ProductCode"],
        "lineItem/UnblendedCost",
    )
    done = run(
        [
            "costs",
            "--start",
            "2023-11-01",
            "--end",
            "2023-12-01",
            "--group-by",
            "service",
            "--json",
        ],
        url=db_url,
    )
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    got = {row["group"]: Decimal(row["billed_cost"]) for row in document["rows"]}
    assert got == expected
    assert {row["currency"] for row in document["rows"]} == {"USD"}
    assert document["total"]["currency"] == "USD"
    assert Decimal(document["total"]["billed_cost"]) == Decimal("1.6823086974")
    assert isinstance(document["total"]["billed_cost"], str)


def test_costs_end_is_exclusive(db: Database, db_url: str) -> None:
    run(["ingest", str(CUR_LEGACY_SAMPLE)], url=db_url)
    _, rows = read_rows(CUR_LEGACY_SAMPLE)
    first_week = [r for r in rows if r["lineItem/UsageStartDate"] < "2023-11-08"]
    expected = sum_by(first_week, lambda r: "t", "lineItem/UnblendedCost")["t"]
    done = run(["costs", "--start", "2023-11-01", "--end", "2023-11-08", "--json"], url=db_url)
    assert done.returncode == 0, done.stderr
    assert Decimal(json.loads(done.stdout)["total"]["billed_cost"]) == expected


def test_malformed_file_exits_1_with_one_line(db: Database, db_url: str, tmp_path: Path) -> None:
    header, rows = read_rows(CUR_LEGACY_SAMPLE)
    rows[7]["lineItem/UsageAmount"] = "lots"
    bad = write_rows(tmp_path / "bad.csv", header, rows)
    done = run(["ingest", str(bad)], url=db_url)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: ")
    assert "bad.csv" in lines[0]
    assert "row 8" in lines[0]
    assert "lineItem/UsageAmount" in lines[0]
    assert "Traceback" not in done.stderr


def test_bad_parameter_is_a_user_error_and_bad_flag_a_usage_error(db_url: str) -> None:
    done = run(["costs", "--start", "2023-11-10", "--end", "2023-11-01"], url=db_url)
    assert done.returncode == 1
    assert "end" in done.stderr
    done = run(
        ["costs", "--start", "2023-11-01", "--end", "2023-12-01", "--group-by", "colour"],
        url=db_url,
    )
    assert done.returncode == 1
    assert "colour" in done.stderr
    done = run(["costs", "--start", "yesterday", "--end", "2023-12-01"], url=db_url)
    assert done.returncode == 2
    done = run(["ingest", "--no-such-flag"], url=db_url)
    assert done.returncode == 2


def test_missing_path_is_a_user_error(db_url: str, tmp_path: Path) -> None:
    done = run(["ingest", str(tmp_path / "nope.csv")], url=db_url)
    assert done.returncode == 1
    assert "nope.csv" in done.stderr


def test_json_output_is_only_json(db: Database, db_url: str) -> None:
    done = run(["ingest", "--json", str(CUR_LEGACY_SAMPLE)], url=db_url)
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    [delivery] = document["deliveries"]
    assert delivery["status"] == "succeeded"
    assert delivery["totals"]["USD"]["billed_cost"] == "1.6823086974"


@pytest.mark.smoke
def test_embedded_sqlite_default_lives_in_the_working_directory(tmp_path: Path) -> None:
    done = run(["ingest", str(CUR_LEGACY_SAMPLE)], url=None, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "finops.db").is_file()
    done = run(
        ["costs", "--start", "2023-11-01", "--end", "2023-12-01", "--json"], url=None, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["total"]["billed_cost"] == "1.6823086974"


def test_budget_commands_round_trip(db: Database, db_url: str) -> None:
    done = run(["ingest", str(CUR_LEGACY_SAMPLE)], url=db_url)
    assert done.returncode == 0, done.stderr
    done = run(
        [
            "budgets",
            "create",
            "--name",
            "nov",
            "--amount",
            "2.00",
            "--threshold",
            "actual:50",
            "--json",
        ],
        url=db_url,
    )
    assert done.returncode == 0, done.stderr
    budget_id = json.loads(done.stdout)["budget"]["id"]
    done = run(["budgets", "list", "--as-of", "2023-12-01", "--json"], url=db_url)
    [item] = json.loads(done.stdout)["items"]
    # The whole of November 2023 (the sample's month) counts by 1 December.
    assert Decimal(item["actual"]) == Decimal("1.6823086974")
    assert item["crossed"] == [{"kind": "actual", "percent": "50.00"}]
    done = run(["budgets", "evaluate", "--as-of", "2023-12-01", "--json"], url=db_url)
    assert json.loads(done.stdout)["alerts_raised"] == 1
    done = run(["audit", "--entity-type", "budget", "--json"], url=db_url)
    assert [e["action"] for e in json.loads(done.stdout)["items"]] == ["created"]
    done = run(["budgets", "create", "--name", "bad", "--amount", "-3"], url=db_url)
    assert done.returncode == 1
    assert "amount" in done.stderr
    done = run(["budgets", "delete", str(budget_id)], url=db_url)
    assert done.returncode == 0, done.stderr


def test_rightsize_instance_json_matches_the_catalogue(db_url: str) -> None:
    done = run(
        [
            "rightsize-instance",
            "--type",
            "m5.xlarge",
            "--cpu-max",
            "0.4",
            "--network-max",
            "0.05",
            "--days-observed",
            "14",
            "--json",
        ],
        url=db_url,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    # Idle over the whole lookback (CPU peak <= 1%, network < 5 MB a day): terminate, saving the
    # whole on-demand price (0.192 USD/h in the shipped catalogue).
    assert result["action"] == "terminate"
    assert result["recommended_type"] is None
    assert Decimal(result["monthly_saving"]) == Decimal("0.192") * 730
    done = run(["rightsize-instance", "--type", "m5.xlarge", "--cpu-max", "101"], url=db_url)
    assert done.returncode == 1
    assert "cpu_max" in done.stderr
    done = run(
        ["rightsize-instance", "--type", "m5.xlarge", "--cpu-max", "0.5", "--days-observed", "-3"],
        url=db_url,
    )
    assert done.returncode == 1
    assert "parameter 'days_observed': expected a finite number >= 0, got -3.0" in done.stderr
    assert "Traceback" not in done.stderr


def test_rightsize_instance_downsizes_a_working_small_machine_with_fractional_hours(
    db_url: str,
) -> None:
    """The issue's case: 2.88% peak CPU and 0.43 KiB/s of traffic is a working server (AWS says
    t2.small -> t2.micro); 285.63 running hours as the export gives them."""
    args = ["--type", "t2.small", "--cpu-max", "2.88", "--network-max", "0.43"]
    done = run(["rightsize-instance", *args, "--hours", "285.63", "--json"], url=db_url)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["action"] == "modify"
    assert result["recommended_type"] != "t2.small"
    assert result["hours"] == "285.63"
    # The shipped catalogue: t2.small 0.023 USD/h; the cheapest x86 burstable type with >= 1 vCPU
    # and >= 0.5 GiB (a quarter of 2 GiB, memory unreported) is t3a.nano at 0.0047:
    # 285.63 x (0.023 - 0.0047) = 5.227029
    assert result["recommended_type"] == "t3a.nano"
    assert Decimal(result["monthly_saving"]) == Decimal("5.227029")


def test_insights_and_savings_commands(db: Database, db_url: str) -> None:
    assert run(["ingest", str(CUR_LEGACY_SAMPLE)], url=db_url).returncode == 0
    done = run(["insights", "--build", "--day", "2023-12-01", "--json"], url=db_url)
    assert done.returncode == 0, done.stderr
    kinds = {item["kind"] for item in json.loads(done.stdout)["items"]}
    assert "top_movers" in kinds
    done = run(["savings", "--json"], url=db_url)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"recommendations": [], "accounts": [], "totals": []}


def test_serve_refuses_a_dashboard_folder_without_a_build(db_url: str, tmp_path: Path) -> None:
    empty = tmp_path / "not-a-build"
    empty.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FINOPS_")}
    env |= {"FINOPS_DATABASE_URL": db_url, "FINOPS_DASHBOARD_DIR": str(empty)}
    done = subprocess.run(
        [*FINOPS, "serve", "--port", "0"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == (
        f"error: FINOPS_DASHBOARD_DIR={empty}: no index.html there (expected a dashboard "
        "build, `npm run build` in frontend/)"
    )
    assert "Traceback" not in done.stderr


def test_log_json_lines_carry_the_run_and_never_the_database_password(db_url: str) -> None:
    parts = urlsplit(db_url)
    if not parts.scheme.startswith("postgresql"):
        pytest.skip("needs the PostgreSQL server (trust auth ignores the password)")
    password = "pw-must-not-leak-42"
    netloc = f"{parts.username or 'postgres'}:{password}@{parts.hostname}:{parts.port or 5432}"
    url = urlunsplit(parts._replace(netloc=netloc))
    done = run(["--log-json", "--log-level", "DEBUG", "jobs", "run", "build_insights"], url=url)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
    started = [line for line in lines if line["logger"] == "finops.jobs.registry"]
    assert started, done.stderr
    assert started[0]["job"] == "build_insights"
    assert isinstance(started[0]["run_id"], int)
    assert started[0]["level"] == "INFO"
    assert password not in done.stderr
    assert password not in done.stdout
