"""The DAGs' shared step: the run's day, job parameters, settings, and what each executor
sends and accepts. No database, no Airflow run."""

from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace
from typing import Any

import pytest

pytest.importorskip("airflow", reason="Airflow is not installed: pip install -e '.[airflow]'")

from finops_dags import config, job_steps
from finops_usage_ingestion import usage_parameters

NOON = dt.datetime(2026, 3, 19, 12, tzinfo=dt.UTC)


def context(**values: Any) -> dict[str, Any]:
    dag_run = SimpleNamespace(conf=values.pop("conf", {}), run_after=values.pop("run_after", None))
    return {"dag_run": dag_run, "ti": SimpleNamespace(dag_id="finops_x"), **values}


# ----------------------------------------------------------------------------- the run's day


def test_the_run_day_is_the_logical_date_in_utc() -> None:
    evening_in_new_york = dt.datetime(2026, 3, 19, 21, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    assert job_steps.run_day(context(logical_date=evening_in_new_york)) == dt.date(2026, 3, 20)


def test_an_asset_triggered_run_has_no_logical_date_and_uses_when_it_was_due() -> None:
    assert job_steps.run_day(context(logical_date=None, run_after=NOON)) == dt.date(2026, 3, 19)


def test_the_run_conf_as_of_overrides_the_dates() -> None:
    ctx = context(logical_date=NOON, conf={"as_of": "2026-01-31"})
    assert job_steps.run_day(ctx) == dt.date(2026, 1, 31)


def test_a_malformed_run_conf_as_of_is_refused_by_name() -> None:
    with pytest.raises(config.DagConfigurationError, match="run conf 'as_of'"):
        job_steps.run_day(context(logical_date=NOON, conf={"as_of": "31/01/2026"}))


def test_usage_is_collected_for_yesterday_and_the_14_days_before_half_open() -> None:
    params = usage_parameters(dt.date(2026, 3, 20))
    assert (params["start"], params["end"]) == ("2026-03-05", "2026-03-20")


def test_dated_parameters_travel_as_iso_strings_and_reach_local_jobs_as_dates() -> None:
    params = job_steps.job_parameters(job_steps.as_of, context(logical_date=NOON))
    assert params == {"as_of": "2026-03-19"}
    assert job_steps.typed_parameters({**params, "regions": ["us-east-1"]}) == {
        "as_of": dt.date(2026, 3, 19),
        "regions": ["us-east-1"],
    }


# ----------------------------------------------------------------------------- settings


def test_the_environment_wins_and_blank_means_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FINOPS_BILLING_PREFIX", "  exports/  ")
    assert config.setting("FINOPS_BILLING_PREFIX") == "exports/"
    monkeypatch.setenv("FINOPS_BILLING_PREFIX", " ")
    assert config.setting("FINOPS_BILLING_PREFIX", "default") == "default"


def test_a_missing_required_setting_names_the_variable_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FINOPS_JOBS_FUNCTION", raising=False)
    with pytest.raises(config.DagConfigurationError, match="'finops_jobs_function'"):
        config.required_setting("FINOPS_JOBS_FUNCTION", "the jobs Lambda")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("us-east-1, eu-west-1", ["us-east-1", "eu-west-1"]),
        ('["us-east-1"]', ["us-east-1"]),
        (",", None),
    ],
)
def test_list_settings_take_commas_or_json(
    monkeypatch: pytest.MonkeyPatch, raw: str, expected: list[str] | None
) -> None:
    monkeypatch.setenv("FINOPS_USAGE_REGIONS", raw)
    assert config.list_setting("FINOPS_USAGE_REGIONS") == expected


def test_the_executor_defaults_to_local_and_refuses_unknown_values(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("FINOPS_DAG_EXECUTOR", raising=False)
    assert config.executor() == "local"  # no Variable store reachable here: the default
    monkeypatch.setenv("FINOPS_DAG_EXECUTOR", "ECS")
    assert config.executor() == "ecs"
    monkeypatch.setenv("FINOPS_DAG_EXECUTOR", "batch")
    with pytest.raises(config.DagConfigurationError, match="FINOPS_DAG_EXECUTOR"):
        config.executor()


# ----------------------------------------------------------------------------- replies


def test_a_succeeded_reply_is_returned_json_shaped() -> None:
    reply = {"job_run_id": 7, "status": "succeeded", "as_of": dt.date(2026, 3, 19)}
    assert job_steps.checked_reply("rightsize", reply) == {
        "job_run_id": 7,
        "status": "succeeded",
        "as_of": "2026-03-19",
    }


@pytest.mark.parametrize(
    "reply",
    [{"job_run_id": 8, "status": "failed", "error": "boom"}, {"errorMessage": "Task timed out"}],
)
def test_anything_but_succeeded_fails_the_task(reply: dict[str, Any]) -> None:
    with pytest.raises(job_steps.JobFailedError, match="'rightsize'"):
        job_steps.checked_reply("rightsize", reply)


class _Payload:
    def __init__(self, text: str) -> None:
        self.text = text

    def read(self) -> bytes:
        return self.text.encode()


@pytest.mark.parametrize(
    ("response", "message"),
    [
        (
            {"FunctionError": "Unhandled", "Payload": _Payload('{"errorMessage": "boom"}')},
            "raised \\(Unhandled\\)",
        ),
        ({"Payload": _Payload("not json")}, "no JSON document"),
        ({"Payload": _Payload('{"job_run_id": 3, "status": "failed"}')}, "finished 'failed'"),
    ],
)
def test_a_lambda_function_error_or_failed_reply_fails_the_task(
    monkeypatch: pytest.MonkeyPatch, response: dict[str, Any], message: str
) -> None:
    from airflow.providers.amazon.aws.hooks.lambda_function import LambdaHook

    sent: list[dict[str, Any]] = []

    def invoke_lambda(self: LambdaHook, **kwargs: Any) -> dict[str, Any]:
        sent.append(kwargs)
        return response

    monkeypatch.setattr(LambdaHook, "invoke_lambda", invoke_lambda)
    monkeypatch.setenv(
        "FINOPS_JOBS_FUNCTION", "arn:aws:lambda:us-east-1:123456789012:function:jobs"
    )
    with pytest.raises(job_steps.JobFailedError, match=message):
        job_steps.invoke_jobs_lambda("track_savings", {"as_of": "2026-03-19"}, triggered_by="x")
    [call] = sent
    assert call["function_name"].endswith(":function:jobs")
    assert json.loads(call["payload"]) == {
        "job": "track_savings",
        "parameters": {"as_of": "2026-03-19"},
    }


# ----------------------------------------------------------------------------- ECS


def test_the_ecs_request_runs_the_cli_with_the_parameters_as_json(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in {
        "FINOPS_ECS_CLUSTER": "finops",
        "FINOPS_ECS_TASK_DEFINITION": "finops-jobs:7",
        "FINOPS_ECS_CONTAINER": "jobs",
        "FINOPS_ECS_SUBNETS": "subnet-a,subnet-b",
        "FINOPS_ECS_SECURITY_GROUPS": '["sg-1"]',
        "FINOPS_ECS_LOG_GROUP": "/finops/jobs",
        "FINOPS_ECS_LOG_STREAM_PREFIX": "jobs",
    }.items():
        monkeypatch.setenv(name, value)
    params = {"start": "2026-03-05", "end": "2026-03-20", "regions": None}

    request = job_steps.ecs_run_task_request(
        "collect_usage", params, config.EcsSettings.from_settings()
    )

    assert request == {
        "cluster": "finops",
        "task_definition": "finops-jobs:7",
        "overrides": {
            "containerOverrides": [
                {
                    "name": "jobs",
                    "command": [
                        "finops",
                        "jobs",
                        "run",
                        "collect_usage",
                        "--params",
                        '{"end":"2026-03-20","regions":null,"start":"2026-03-05"}',
                    ],
                }
            ]
        },
        "network_configuration": {
            "awsvpcConfiguration": {
                "subnets": ["subnet-a", "subnet-b"],
                "securityGroups": ["sg-1"],
                "assignPublicIp": "DISABLED",
            }
        },
        "awslogs_group": "/finops/jobs",
        "awslogs_stream_prefix": "jobs",
    }
    assert json.loads(request["overrides"]["containerOverrides"][0]["command"][-1]) == params


def test_ecs_settings_without_subnets_are_refused_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FINOPS_ECS_CLUSTER", "finops")
    monkeypatch.delenv("FINOPS_ECS_SUBNETS", raising=False)
    with pytest.raises(config.DagConfigurationError, match="FINOPS_ECS_SUBNETS"):
        config.EcsSettings.from_settings()
