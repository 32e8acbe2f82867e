"""The deployable artefacts of ``make package`` (scripts/package.py; docs/decisions/0014).

The Lambda package is built (or reused from ``.cache/package``, keyed by a hash of its inputs),
unpacked into an empty folder made read-only like ``/var/task``, and run by a clean Python 3.12
(``-I -S``: no site-packages, no ``PYTHON*`` variables) whose ``sys.path`` is that folder and
the standard library only. There it migrates a fresh PostgreSQL database with the migrations it
carries, resolves every handler Chalice deploys and answers a real SQS event carrying the
EventBridge "Object Created" messages moto's server delivered for a dropped CUR file, API Gateway
REST proxy events (the health route, a cost query with a real API key) and a jobs event; the
assertions read the replies, the EMF metrics on stdout, the queues and the database rows.

Also here: the unzipped size against Lambda's limit (and the check's failure), the shared
libraries' dependencies, ``functions/requirements.txt`` against the ``lambda`` extra, the wheel
(migrations inside; ``finops db upgrade`` from it), the jobs image's wheel stage and the MWAA
bundle.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import stat
import subprocess
import sys
import sysconfig
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from finops.auth import create_api_key
from finops.aws.pipeline import ensure_billing_pipeline
from finops.db import migrate
from finops.db.database import open_database
from finops.db.engine import session_scope
from finops.db.models import BillingFact, IngestionRun, JobRun
from finops.devtools.emulator import DUMMY_CREDENTIALS
from tests.dags.mwaa_parity_env import find_python312
from tests.support.billing_files import CUR_LEGACY_SAMPLE, read_rows, sum_by, write_rows
from tests.support.moto_server import MotoServer

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_PG = "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
BUCKET = "finops-billing-drop"
GOOD_KEY = "drops/2023-11/cur.csv"
POISON_KEY = "drops/broken.csv"
AFTER_DELIVERY = {"detect_cost_anomalies", "track_savings", "evaluate_budgets", "build_insights"}
FORECASTING_STACK = ("pandas", "scipy", "statsmodels", "prophet", "cmdstanpy", "matplotlib")


def _load_package_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "finops_package_script", ROOT / "scripts" / "package.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


package = _load_package_script()


# ----------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def python312() -> str:
    found = find_python312()
    if found is None:
        pytest.skip("no Python 3.12 interpreter (Lambda's runtime) on this machine")
    return found


@pytest.fixture(scope="session")
def lambda_build() -> Any:
    """The Lambda zip for the current sources (built once per input hash, then reused)."""
    return package.build_lambda()


def _writable(root: Path, writable: bool) -> None:
    for path in [root, *root.rglob("*")]:
        mode = path.stat().st_mode
        if writable:
            path.chmod(mode | stat.S_IWUSR)
        else:
            path.chmod(mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


@pytest.fixture(scope="session")
def unpacked(lambda_build: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The zip unpacked into an empty folder with the modes it records, then made read-only
    (Lambda's ``/var/task`` is)."""
    root = tmp_path_factory.mktemp("var-task")
    assert list(root.iterdir()) == []
    with zipfile.ZipFile(lambda_build.zip_path) as archive:
        for info in archive.infolist():
            archive.extract(info, root)
            (root / info.filename).chmod((info.external_attr >> 16) & 0o777)
    _writable(root, writable=False)
    try:
        yield root
    finally:
        _writable(root, writable=True)


_RUNNER = r"""
import importlib, json, os, sys, sysconfig
request = json.loads(sys.stdin.read())
root = request["package"]
sys.path.insert(0, root)
out = {"sys_path": list(sys.path)}

class Context:
    function_name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:" + function_name
    memory_limit_in_mb = 2048
    aws_request_id = "c6af9ac6-7b61-11e6-9a41-93e812345678"
    log_group_name = "/aws/lambda/" + function_name
    log_stream_name = "2026/01/01/[$LATEST]abcdef"
    def get_remaining_time_in_millis(self):
        return 600000

if request["step"] == "migrate":
    from finops.db import migrate
    from finops.db.database import open_database
    database = open_database(os.environ["FINOPS_DATABASE_URL"])
    migrate.upgrade(database.engine)
    out["migrations_dir"] = str(migrate.MIGRATIONS_DIR)
    out["revision"] = migrate.current_revision(database.engine)
    database.dispose()
else:
    module = importlib.import_module("app")
    chalice_app = module.app
    deployed = ["app.app"]
    deployed += [e.handler_string for e in chalice_app.event_sources]
    deployed += [f.handler_string for f in chalice_app.pure_lambda_functions]
    out["deployed"] = deployed
    handlers, resolution = {}, {}
    for handler in deployed:
        module_name, _, attribute = handler.rpartition(".")
        owner = importlib.import_module(module_name)
        if hasattr(owner, attribute):
            handlers[attribute] = getattr(owner, attribute)
            resolution[handler] = "module attribute"
        else:  # what Chalice registered under that name, to go on checking the rest
            handlers[attribute] = chalice_app.handler_map[attribute]
            resolution[handler] = "missing from the module"
    out["resolution"] = resolution
    context = Context()
    out["billing_events"] = handlers["billing_events"](request["sqs_event"], context)
    out["api"] = {
        name: handlers["app"](event, context) for name, event in request["api_events"].items()
    }
    out["jobs"] = handlers["jobs"](request["jobs_event"], context)
    out["forecast_job"] = handlers["jobs"](request["forecast_event"], context)
    import boto3
    session = boto3.session.Session()
    out["clients"] = {
        service: session.client(service, region_name="us-east-1").meta.service_model.service_name
        for service in request["services"]
    }
    try:
        import finops.forecasting
        out["forecasting"] = "imported"
    except ModuleNotFoundError as exc:
        out["forecasting"] = exc.name
stdlib = {sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["platstdlib"]}
out["outside"] = sorted(
    name
    for name, m in list(sys.modules.items())
    if getattr(m, "__file__", None)
    and not m.__file__.startswith(root)
    and not any(m.__file__.startswith(p) for p in stdlib)
)
print("RESULT:" + json.dumps(out, default=str))
"""


@dataclass(frozen=True)
class Run:
    """One run of the clean interpreter: its result document and its other stdout lines."""

    result: dict[str, Any]
    lines: list[str]


def _run_in_package(python: str, root: Path, env: dict[str, str], request: dict[str, Any]) -> Run:
    completed = subprocess.run(
        [python, "-I", "-S", "-c", _RUNNER],
        input=json.dumps({"package": str(root), **request}),
        capture_output=True,
        text=True,
        cwd=root,
        env=env,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-4000:]
    lines = completed.stdout.splitlines()
    [result] = [json.loads(line[len("RESULT:") :]) for line in lines if line.startswith("RESULT:")]
    return Run(result, [line for line in lines if not line.startswith("RESULT:")])


def _admin_url() -> str:
    url = os.environ.get("FINOPS_TEST_DATABASE_URL", DEFAULT_PG)
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg2://" + url[len("postgresql://") :]
    return url


@pytest.fixture(scope="module")
def database_url() -> Iterator[str]:
    """A new, empty PostgreSQL database (no schema: the package migrates it)."""
    admin_url = make_url(_admin_url())
    name = f"finops_lambda_{uuid.uuid4().hex[:10]}"
    admin = open_database(admin_url.render_as_string(hide_password=False))
    with admin.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _rest_event(path: str, query: dict[str, str] | None = None, key: str | None = None) -> Any:
    """An API Gateway REST API proxy event as the ``api`` stage delivers it to Chalice."""
    headers = {"Host": "abcdef1234.execute-api.us-east-1.amazonaws.com", "Accept": "*/*"}
    if key is not None:
        headers["X-API-Key"] = key
    return {
        "resource": path,
        "path": path,
        "httpMethod": "GET",
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": path,
            "httpMethod": "GET",
            "path": f"/api{path}",
            "stage": "api",
            "accountId": "123456789012",
            "apiId": "abcdef1234",
            "requestId": str(uuid.uuid4()),
            "protocol": "HTTP/1.1",
            "requestTimeEpoch": 1_767_225_600_000,
            "domainName": "abcdef1234.execute-api.us-east-1.amazonaws.com",
            "identity": {"sourceIp": "203.0.113.7", "userAgent": "pytest"},
        },
        "body": None,
        "isBase64Encoded": False,
    }


@dataclass(frozen=True)
class Scenario:
    """What the package did, and what it left in PostgreSQL and the queues."""

    migrated: dict[str, Any]
    run: Run
    expected_by_service: dict[str, Decimal]
    expected_total: Decimal
    ingestion_runs: dict[str, tuple[str, str]]
    fact_total: Decimal
    stage_runs: dict[str, str]
    lambda_job_runs: list[tuple[str, str, str]]
    queue_depth: int
    dead_letters: list[str]
    head_revision: str


def _queue_depth(sqs: Any, url: str) -> int:
    attributes = sqs.get_queue_attributes(
        QueueUrl=url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )


@pytest.fixture(scope="module")
def scenario(
    unpacked: Path,
    python312: str,
    moto_server: MotoServer,
    database_url: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Scenario:
    moto_server.reset()
    aws_env = {
        **DUMMY_CREDENTIALS,
        "AWS_ENDPOINT_URL": moto_server.endpoint_url,
        "AWS_DEFAULT_REGION": moto_server.region,
        "AWS_REGION": moto_server.region,
    }
    env = {
        "PATH": "/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "TZ": "UTC",
        "LAMBDA_TASK_ROOT": str(unpacked),
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{package.LAMBDA_RUNTIME}",
        "AWS_LAMBDA_FUNCTION_NAME": "finops-api-dev",
        "FINOPS_ENVIRONMENT": "dev",
        "FINOPS_DATABASE_URL": database_url,
        **aws_env,
    }
    migrated = _run_in_package(python312, unpacked, env, {"step": "migrate"}).result

    database = open_database(database_url)
    with session_scope(database.sessions) as session:
        viewer_key, _ = create_api_key(session=session, name="lambda-viewer", role="viewer")

    header, rows = read_rows(CUR_LEGACY_SAMPLE)
    by_service = sum_by(
        rows,
        lambda r: r["product/ProductName"] or r["lineItem/ProductCode"],
        "lineItem/UnblendedCost",
    )
    poison = [dict(r) for r in rows[:50]]
    poison[17]["lineItem/UnblendedCost"] = "twelve dollars"
    broken = write_rows(tmp_path_factory.mktemp("poison") / "broken.csv", header, poison)

    with pytest.MonkeyPatch.context() as patch:
        for name, value in aws_env.items():
            patch.setenv(name, value)
        patch.delenv("AWS_PROFILE", raising=False)
        pipeline = ensure_billing_pipeline(bucket=BUCKET)
        s3, sqs = boto3.client("s3"), boto3.client("sqs")
        s3.upload_file(str(CUR_LEGACY_SAMPLE), BUCKET, GOOD_KEY)
        s3.upload_file(str(broken), BUCKET, POISON_KEY)
        received = sqs.receive_message(
            QueueUrl=pipeline.queue_url, MaxNumberOfMessages=10, AttributeNames=["All"]
        )["Messages"]
        assert len(received) == 2  # delivered by S3 -> EventBridge -> SQS
        sqs_event = {
            "Records": [
                {
                    "messageId": m["MessageId"],
                    "receiptHandle": m["ReceiptHandle"],
                    "body": m["Body"],
                    "attributes": m.get("Attributes", {}),
                    "messageAttributes": {},
                    "md5OfBody": m["MD5OfBody"],
                    "eventSource": "aws:sqs",
                    "eventSourceARN": pipeline.queue_arn,
                    "awsRegion": "us-east-1",
                }
                for m in received
            ]
        }
        costs = {"start": "2023-11-01", "end": "2023-12-01", "group_by": "service"}
        run = _run_in_package(
            python312,
            unpacked,
            env,
            {
                "step": "handlers",
                "sqs_event": sqs_event,
                "api_events": {
                    "health": _rest_event("/api/v1/health"),
                    "costs": _rest_event(
                        "/api/v1/costs", {**costs, "metric": "billed"}, viewer_key
                    ),
                    "costs_without_key": _rest_event("/api/v1/costs", costs),
                },
                "jobs_event": {"job": "build_insights", "parameters": {"as_of": "2023-12-01"}},
                "forecast_event": {"job": "forecast_costs", "parameters": {}},
                "services": sorted(package.aws_services_used()),
            },
        )
        depth = _queue_depth(sqs, pipeline.queue_url)
        dead = sqs.receive_message(
            QueueUrl=pipeline.dead_letter_queue_url,
            MaxNumberOfMessages=10,
            MessageAttributeNames=["All"],
        ).get("Messages", [])

    with database.sessions() as session:
        ingestion = {r.source: (r.status, r.trigger) for r in session.scalars(select(IngestionRun))}
        total = session.scalar(select(func.sum(BillingFact.billed_cost))) or Decimal(0)
        job_runs = list(session.scalars(select(JobRun)))
    database.dispose()
    head = ScriptDirectory(str(ROOT / "migrations")).get_current_head()
    assert head is not None
    return Scenario(
        migrated=migrated,
        run=run,
        expected_by_service={str(k): v for k, v in by_service.items()},
        expected_total=sum(by_service.values(), Decimal(0)),
        ingestion_runs=ingestion,
        fact_total=Decimal(total),
        stage_runs={r.job_name: r.status for r in job_runs if r.triggered_by == "s3-event"},
        lambda_job_runs=[
            (r.job_name, r.status, r.job_key) for r in job_runs if r.triggered_by == "lambda"
        ],
        queue_depth=depth,
        dead_letters=[m["MessageAttributes"]["finops_error"]["StringValue"] for m in dead],
        head_revision=head,
    )


# ----------------------------------------------------------------------------- in the package


def test_the_interpreter_sees_only_the_package_and_the_standard_library(
    scenario: Scenario, unpacked: Path
) -> None:
    run = scenario.run.result
    assert run["sys_path"][0] == str(unpacked)
    assert not [p for p in run["sys_path"] if "site-packages" in p or "dist-packages" in p]
    assert run["outside"] == []  # every module loaded came from the package or the stdlib
    assert scenario.migrated["outside"] == []


def test_the_migrations_shipped_inside_migrate_an_empty_database(
    scenario: Scenario, unpacked: Path
) -> None:
    assert scenario.migrated["migrations_dir"] == str(unpacked / "finops" / "db" / "migrations")
    assert scenario.migrated["revision"] == scenario.head_revision


def test_the_sqs_handler_ingests_the_delivered_file_and_runs_the_stages_after_it(
    scenario: Scenario,
) -> None:
    reply = scenario.run.result["billing_events"]
    assert reply["counts"] == {"ingested": 1, "poison": 1}
    assert set(reply["downstream"]) == AFTER_DELIVERY
    assert scenario.ingestion_runs == {
        f"s3://{BUCKET}/{GOOD_KEY}": ("succeeded", "s3-event"),
        f"s3://{BUCKET}/{POISON_KEY}": ("failed", "s3-event"),
    }
    assert scenario.fact_total == scenario.expected_total
    assert scenario.stage_runs == dict.fromkeys(AFTER_DELIVERY, "succeeded")
    assert scenario.queue_depth == 0  # settled messages deleted through the package's boto3
    [error] = scenario.dead_letters
    assert error.startswith(f"s3://{BUCKET}/{POISON_KEY}: row 18 (line 19)")
    emf = [json.loads(line) for line in scenario.run.lines if '"Messages_ingested"' in line]
    [document] = emf
    assert (document["Messages_ingested"], document["Messages_poison"]) == ([1.0], [1.0])
    assert document["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "FinOps"


def test_the_api_handler_answers_health_with_the_schema_revision(scenario: Scenario) -> None:
    reply = scenario.run.result["api"]["health"]
    assert reply["statusCode"] == 200, reply
    body = json.loads(reply["body"])
    assert body["status"] == "ok"
    assert body["database"] == {
        "reachable": True,
        "dialect": "postgresql",
        "schema_revision": scenario.head_revision,
    }


def test_the_api_handler_shows_the_ingested_costs_to_a_key_and_refuses_without_one(
    scenario: Scenario,
) -> None:
    reply = scenario.run.result["api"]["costs"]
    assert reply["statusCode"] == 200, reply
    body = json.loads(reply["body"])
    shown = {r["keys"]["service"]: Decimal(r["billed"]) for r in body["rows"]}
    assert shown == scenario.expected_by_service
    assert Decimal(body["totals"][0]["billed"]) == scenario.expected_total
    refused = scenario.run.result["api"]["costs_without_key"]
    assert refused["statusCode"] == 401
    assert json.loads(refused["body"])["error"]["code"] == "unauthenticated"
    request_metrics = [json.loads(line) for line in scenario.run.lines if "http_requests" in line]
    assert {d.get("route") for d in request_metrics} >= {"/api/v1/health", "/api/v1/costs"}


def test_the_jobs_handler_runs_a_stage(scenario: Scenario) -> None:
    reply = scenario.run.result["jobs"]
    assert (reply["job"], reply["status"]) == ("build_insights", "succeeded")
    # the refused forecast is recorded as a failed run too
    assert sorted(scenario.lambda_job_runs) == [
        ("build_insights", "succeeded", "2023-12-01"),
        ("forecast_costs", "failed", ""),
    ]


def test_a_stage_the_lambda_cannot_run_is_a_failed_reply_naming_where_it_runs(
    scenario: Scenario,
) -> None:
    reply = scenario.run.result["forecast_job"]
    assert (reply["job"], reply["status"]) == ("forecast_costs", "failed")
    assert "'pandas'" in reply["error"]
    assert "jobs image" in reply["error"]


def test_every_aws_service_the_code_names_has_a_client(scenario: Scenario) -> None:
    used = package.aws_services_used()
    assert {"s3", "sqs", "ec2", "secretsmanager"} <= used
    clients = scenario.run.result["clients"]
    assert set(clients) == used
    assert all(clients[name] for name in used)


def test_the_forecasting_stack_is_not_in_the_package(scenario: Scenario, unpacked: Path) -> None:
    assert scenario.run.result["forecasting"] == "pandas"
    assert [name for name in FORECASTING_STACK if (unpacked / name).exists()] == []


def test_every_handler_chalice_deploys_is_an_attribute_of_its_module(scenario: Scenario) -> None:
    result = scenario.run.result
    assert result["deployed"] == list(package.LAMBDA_HANDLERS)
    assert result["resolution"] == dict.fromkeys(package.LAMBDA_HANDLERS, "module attribute")


def test_chalice_deploys_exactly_the_handlers_the_manifest_names(scenario: Scenario) -> None:
    assert scenario.run.result["deployed"] == list(package.LAMBDA_HANDLERS)


# ----------------------------------------------------------------------------- size, libraries


def test_the_package_fits_lambdas_unzipped_limit_and_the_check_fails_beyond_it(
    lambda_build: Any,
) -> None:
    report = package.zip_size_report(lambda_build.zip_path)
    with zipfile.ZipFile(lambda_build.zip_path) as archive:
        assert report.unzipped_bytes == sum(i.file_size for i in archive.infolist())
    assert report.limit == 262_144_000  # "250 MB" as Lambda counts it
    assert report.unzipped_bytes <= report.limit
    package.check_lambda_size(report)  # returns: it fits
    names = [name for name, _ in report.parts]
    assert names[:3] == ["pyarrow", "duckdb", "numpy"]
    assert "finops (the core)" in names
    too_small = package.SizeReport(report.unzipped_bytes, report.parts, report.unzipped_bytes - 1)
    with pytest.raises(package.PackageError) as raised:
        package.check_lambda_size(too_small)
    message = str(raised.value)
    assert f"{report.unzipped_bytes / 1e6:.1f} MB unzipped" in message
    assert "over Lambda's limit" in message
    assert re.search(r"biggest: pyarrow \d+\.\d MB, duckdb \d+\.\d MB, numpy", message)


def test_every_shared_library_in_the_package_finds_what_it_needs(unpacked: Path) -> None:
    objects = package.shared_objects(unpacked)
    assert len(objects) > 20
    assert package.missing_libraries([unpacked]) == []


def test_the_missing_library_check_sees_a_pruned_library(tmp_path: Path, unpacked: Path) -> None:
    [lib] = list((unpacked / "pyarrow").glob("lib.cpython-312-*.so"))
    copy = tmp_path / "pyarrow"
    copy.mkdir()
    (copy / lib.name).write_bytes(lib.read_bytes())
    needed = package.read_elf(copy / lib.name).needed
    assert any(name.startswith("libarrow.so.") for name in needed)
    expected = [
        f"pyarrow/{lib.name}: {name}" for name in needed if name not in package.SYSTEM_LIBRARIES
    ]
    assert package.missing_libraries([tmp_path]) == expected


def test_the_zip_is_byte_for_byte_reproducible(tmp_path: Path) -> None:
    touched = tmp_path / "touched.py"
    touched.write_text("x = 1\n")
    entries = [*package.first_party_files(), ("touched.py", touched)]
    first, second = tmp_path / "first.zip", tmp_path / "second.zip"
    package.write_zip(entries, first)
    os.utime(touched, (0, 0))
    package.write_zip(reversed(entries), second)  # another order, another file time
    assert package.sha256_file(first) == package.sha256_file(second)
    with zipfile.ZipFile(first) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert archive.namelist() == sorted(archive.namelist())


# ----------------------------------------------------------------------------- requirements


def test_functions_requirements_txt_is_generated_from_the_lambda_extra() -> None:
    assert package.requirements_drift() is None
    assert package.lambda_extra_problems() == []
    listed = [
        line
        for line in (ROOT / "functions" / "requirements.txt").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    assert listed == package.lambda_requirements()


def test_the_extra_check_catches_drift_and_undecided_dependencies() -> None:
    document = package.load_pyproject()
    project = document["project"]
    changed = {
        **document,
        "project": {
            **project,
            "dependencies": [*project["dependencies"], "left-pad>=1"],
            "optional-dependencies": {
                **project["optional-dependencies"],
                "lambda": [
                    "numpy>=2" if r.startswith("numpy") else r
                    for r in project["optional-dependencies"]["lambda"]
                ],
            },
        },
    }
    problems = package.lambda_extra_problems(changed)
    assert any("left-pad" in p and "NOT_IN_LAMBDA" in p for p in problems)
    assert any("'numpy>=2' differs from the base 'numpy>=1.26'" in p for p in problems)


def test_a_stale_requirements_txt_is_reported_with_a_diff(tmp_path: Path) -> None:
    stale = tmp_path / "requirements.txt"
    stale.write_text(package.render_requirements_txt().replace("duckdb>=1.3\n", ""))
    drift = package.requirements_drift(stale)
    assert drift is not None
    assert "+duckdb>=1.3" in drift


# ----------------------------------------------------------------------------- migrations


def test_a_checkout_uses_its_migrations_folder_and_an_install_its_packaged_copy(
    tmp_path: Path,
) -> None:
    assert migrate.MIGRATIONS_DIR == ROOT / "migrations"
    checkout = tmp_path / "checkout"
    (checkout / "migrations").mkdir(parents=True)
    (checkout / "migrations" / "env.py").write_text("")
    (checkout / "alembic.ini").write_text("")
    module = checkout / "app" / "finops" / "db" / "migrate.py"
    assert migrate.find_migrations_dir(module) == checkout / "migrations"
    installed = tmp_path / "site-packages" / "finops" / "db" / "migrate.py"
    assert migrate.find_migrations_dir(installed) == installed.parent / "migrations"
    assert migrate.find_migrations_dir(Path("/finops/db/migrate.py")) == Path(
        "/finops/db/migrations"
    )


def test_alembic_config_names_the_folder_when_the_scripts_are_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(migrate, "MIGRATIONS_DIR", tmp_path / "nowhere")
    engine = open_database(f"sqlite:///{tmp_path / 'x.db'}").engine
    with pytest.raises(FileNotFoundError, match="nowhere"):
        migrate.alembic_config(engine)


def test_finops_db_upgrade_runs_from_the_wheel(tmp_path: Path) -> None:
    wheel = package.build_wheel()
    assert package.wheel_missing_migrations(wheel) == []
    installed = tmp_path / "installed"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(installed)
    site = sysconfig.get_paths()["purelib"]
    url = f"sqlite:///{tmp_path / 'finops.db'}"
    code = (
        "import sys; sys.path[:0] = [sys.argv[1], sys.argv[2]]; sys.argv = ['finops', 'db', "
        "'upgrade']; from finops.db import migrate; print('DIR', migrate.MIGRATIONS_DIR); "
        "from finops.cli import main; main()"
    )
    completed = subprocess.run(
        [sys.executable, "-I", "-S", "-c", code, str(installed), site],
        capture_output=True,
        text=True,
        env={"PATH": os.environ.get("PATH", ""), "FINOPS_DATABASE_URL": url, "HOME": str(tmp_path)},
        cwd=tmp_path,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    head = ScriptDirectory(str(ROOT / "migrations")).get_current_head()
    assert f"DIR {installed / 'finops' / 'db' / 'migrations'}" in completed.stdout
    assert f"database at revision {head}" in completed.stdout


# ----------------------------------------------------------------------------- image, MWAA


def _wheel_stage_copies() -> list[tuple[str, str]]:
    """(source, destination) of every build-context COPY in the Dockerfile's wheel stage."""
    dockerfile = package.JOBS_DOCKERFILE.read_text()
    stage = dockerfile.split(" AS wheel", 1)[1].split("\nFROM ", 1)[0]
    copies = []
    for line in re.findall(r"^COPY (?!--)(.+)$", stage, re.MULTILINE):
        *sources, destination = line.split()
        copies += [(source, destination) for source in sources]
    return copies


def _placed(relative: str, source: str, destination: str) -> str | None:
    """Where ``COPY source destination`` puts the context file ``relative`` (None: not it)."""
    if source.endswith("/"):
        if not relative.startswith(source):
            return None
        return destination.rstrip("/") + "/" + relative[len(source) :]
    if relative != source:
        return None
    if destination.endswith("/"):
        return (
            destination.rstrip("/") + "/" + Path(relative).name if destination != "./" else relative
        )
    return destination


def test_the_jobs_image_builds_the_wheel_from_the_same_tree_and_installs_it() -> None:
    copies = _wheel_stage_copies()
    assert copies
    for name, source in package.wheel_inputs():
        relative = source.relative_to(ROOT).as_posix()
        placed = [p for src, dst in copies if (p := _placed(relative, src, dst)) is not None]
        if name.startswith("app/finops/dashboard/"):
            continue  # the image builds the dashboard in its own stage
        assert placed == [name], (name, placed)
    dockerfile = package.JOBS_DOCKERFILE.read_text()
    assert "pip install -e" not in dockerfile
    assert re.search(r"^RUN pip install /tmp/wheels/\*\.whl", dockerfile, re.MULTILINE)


def test_the_mwaa_bundle_is_the_bucket_layout_mwaa_syncs(tmp_path: Path) -> None:
    written = {p.as_posix() for p in package.build_mwaa(tmp_path / "mwaa")}
    dags = {p.name for p in (ROOT / "mwaa_dags").glob("*.py")}
    assert {f"dags/{name}" for name in dags} <= written
    assert "dags/finops_dags/job_steps.py" in written
    assert "requirements.txt" in written
    assert not [p for p in written if "constraints" in p or p == "dags/requirements.txt"]
    requirements = (tmp_path / "mwaa" / "requirements.txt").read_text()
    assert requirements == (ROOT / "mwaa_dags" / "requirements.txt").read_text()
    assert re.search(r"^--constraint \S+constraints-3\.0\.6/constraints-3\.12\.txt", requirements)


def test_the_mwaa_bundle_is_refused_without_a_constraint_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "mwaa_dags"
    fake.mkdir()
    (fake / "requirements.txt").write_text("apache-airflow-providers-amazon\n")
    monkeypatch.setattr(package, "MWAA_DIR", fake)
    with pytest.raises(package.PackageError, match="no --constraint line"):
        package.build_mwaa(tmp_path / "out")
