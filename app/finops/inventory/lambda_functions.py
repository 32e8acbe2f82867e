"""Lambda functions in the inventory: the ``ListFunctions`` mapping and the reader (with tags)."""

from __future__ import annotations

from typing import Any

from finops.aws._calls import AwsCalls, translated_errors
from finops.aws.arn import arn_account
from finops.inventory.aws_pages import pages
from finops.inventory.resources import InventoriedResource


def lambda_function_resource(
    function: dict[str, Any], *, region: str, tags: dict[str, str]
) -> InventoriedResource:
    """A Lambda ``ListFunctions`` function (and its tags) as an inventory resource."""
    arn = str(function["FunctionArn"])
    architectures = function.get("Architectures") or ["x86_64"]
    attributes = {
        "memory_mb": function.get("MemorySize"),
        "architecture": str(architectures[0]),
        "runtime": function.get("Runtime"),
        "timeout_seconds": function.get("Timeout"),
        "package_type": function.get("PackageType"),
        "ephemeral_storage_mb": (function.get("EphemeralStorage") or {}).get("Size"),
    }
    return InventoriedResource(
        kind="lambda_function",
        resource_id=arn,
        account_id=arn_account(arn),
        region_id=region,
        name=function.get("FunctionName"),
        attributes={k: v for k, v in attributes.items() if v is not None},
        tags=dict(tags),
    )


def lambda_region_resources(
    calls: AwsCalls, region: str, page_size: int | None
) -> list[InventoriedResource]:
    """The region's Lambda functions with their tags (one ``ListTags`` call each)."""
    client = calls.client("lambda", region)
    found: list[InventoriedResource] = []
    with translated_errors("Lambda inventory", region=region):
        for page in pages(client, "list_functions", page_size):
            for function in page.get("Functions", []):
                tags = client.list_tags(Resource=function["FunctionArn"]).get("Tags") or {}
                found.append(
                    lambda_function_resource(
                        function, region=region, tags={str(k): str(v) for k, v in tags.items()}
                    )
                )
    return found
