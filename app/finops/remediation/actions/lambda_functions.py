"""Lambda function actions: change the memory size, change the architecture (the same code
package uploaded again)."""

from __future__ import annotations

import urllib.request
from typing import Any

from finops.remediation.actions.base import (
    ActionHandler,
    ClientFactory,
    Observation,
    Target,
    WaitPolicy,
    wait_until,
)
from finops.remediation.exceptions import ActionFailedError, PlanRefusalError

MAX_LAMBDA_ZIP_BYTES = 50 * 1024 * 1024  # the direct-upload limit of UpdateFunctionCode

KIND = "lambda_function"


def observe_function(clients: ClientFactory, target: Target) -> Observation:
    """The live state and tags of the Lambda function ``target`` (boto3 errors propagate;
    :func:`~finops.remediation.actions.base.observe` translates them)."""
    client = clients("lambda", target.region)
    config = client.get_function_configuration(FunctionName=target.name)
    tags = client.list_tags(Resource=config["FunctionArn"]).get("Tags", {})
    return Observation(
        state={
            "memory_mb": int(config["MemorySize"]),
            "architecture": (config.get("Architectures") or ["x86_64"])[0],
            "package_type": config.get("PackageType", "Zip"),
            "state": config.get("State"),
            "last_update_status": config.get("LastUpdateStatus"),
        },
        tags=dict(tags),
    )


def _lambda_ready(state: dict[str, Any]) -> bool:
    return state.get("state") in ("Active", None) and state.get("last_update_status") in (
        "Successful",
        None,
    )


def _lambda_broken(state: dict[str, Any]) -> str | None:
    if state.get("last_update_status") == "Failed" or state.get("state") == "Failed":
        return "the function update failed"
    return None


def _lambda_wait_ready(clients: ClientFactory, target: Target, wait: WaitPolicy) -> None:
    # AWS refuses a configuration change while the previous one is in progress
    wait_until(
        clients,
        target,
        goal_reached=_lambda_ready,
        broken=_lambda_broken,
        wait=wait,
        what="function ready for an update",
    )


class _LambdaHandler(ActionHandler):
    resource_kind = "lambda_function"

    def reached(self, state: dict[str, Any], goal: dict[str, Any]) -> bool:
        return super().reached(state, goal) and _lambda_ready(state)

    def broken(self, state: dict[str, Any]) -> str | None:
        return _lambda_broken(state)


class ChangeLambdaMemoryHandler(_LambdaHandler):
    name = "change_lambda_memory"
    keys = ("memory_mb",)

    def desired(
        self,
        current: dict[str, Any],
        parameters: dict[str, Any],
        recommended: dict[str, Any] | None,
    ) -> dict[str, Any]:
        wanted = parameters.get("memory_mb") or (recommended or {}).get("memory_mb")
        if not wanted:
            raise PlanRefusalError("no target memory size (recommendation or action.memory_mb)")
        memory = int(wanted)
        if not 128 <= memory <= 10240:
            raise PlanRefusalError(f"memory {memory} MB is outside Lambda's 128-10240 MB")
        return {"memory_mb": memory}

    def converge(
        self, clients: ClientFactory, target: Target, goal: dict[str, Any], wait: WaitPolicy
    ) -> dict[str, Any]:
        _lambda_wait_ready(clients, target, wait)
        clients("lambda", target.region).update_function_configuration(
            FunctionName=target.name, MemorySize=goal["memory_mb"]
        )
        return {"steps": [f"update_function_configuration MemorySize={goal['memory_mb']}"]}


class ChangeLambdaArchitectureHandler(_LambdaHandler):
    """Architecture is a property of the code: UpdateFunctionCode with ``Architectures`` and the
    same package (the image URI, or the zip fetched from the function's own code location)."""

    name = "change_lambda_architecture"
    keys = ("architecture",)

    def desired(
        self,
        current: dict[str, Any],
        parameters: dict[str, Any],
        recommended: dict[str, Any] | None,
    ) -> dict[str, Any]:
        return {"architecture": parameters["architecture"]}

    def converge(
        self, clients: ClientFactory, target: Target, goal: dict[str, Any], wait: WaitPolicy
    ) -> dict[str, Any]:
        _lambda_wait_ready(clients, target, wait)
        client = clients("lambda", target.region)
        function = client.get_function(FunctionName=target.name)
        code = function.get("Code", {})
        request: dict[str, Any] = {
            "FunctionName": target.name,
            "Architectures": [goal["architecture"]],
        }
        if function["Configuration"].get("PackageType") == "Image":
            request["ImageUri"] = code["ImageUri"]
        else:
            request["ZipFile"] = _download_package(str(code.get("Location", "")))
        client.update_function_code(**request)
        return {"steps": [f"update_function_code Architectures=[{goal['architecture']}]"]}


def _download_package(location: str) -> bytes:
    if not location.startswith("https://"):
        raise ActionFailedError(f"the function's code location is not an https URL: {location!r}")
    try:
        # The URL is the pre-signed S3 location Lambda itself returned for this function.
        with urllib.request.urlopen(location, timeout=60) as response:  # noqa: S310
            body: bytes = response.read(MAX_LAMBDA_ZIP_BYTES + 1)
    except OSError as exc:
        raise ActionFailedError(f"cannot fetch the function's code package: {exc}") from exc
    if len(body) > MAX_LAMBDA_ZIP_BYTES:
        raise ActionFailedError("the function's code package is larger than 50 MB")
    return body


HANDLERS: tuple[ActionHandler, ...] = (
    ChangeLambdaMemoryHandler(),
    ChangeLambdaArchitectureHandler(),
)
"""The Lambda function actions, in registration order."""
