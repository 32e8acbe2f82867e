"""The OpenAPI 3.1 document of a route table, generated from its routes' pydantic models.

The table is an argument: this module knows the shape of a route, never the table itself.
"""

from __future__ import annotations

import copy
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from finops import __version__
from finops.api.models import ErrorEnvelope
from finops.api.params import ParamShape, param_shape
from finops.api.spec import RouteSpec

REF_TEMPLATE = "#/components/schemas/{model}"
ERROR_REF = {"$ref": "#/components/schemas/ErrorEnvelope"}
_ERROR_DESCRIPTIONS = {
    400: "Invalid query parameter (unknown, malformed or out of range).",
    401: "Missing, unknown or revoked API key.",
    403: "The key's role is below the route's minimum role.",
    404: "No such entity.",
    409: "Conflicts with the current state (e.g. a name already taken).",
    500: "Unexpected error (generic message, no internals).",
    503: "A dependency (the database) is unavailable.",
}


def _schemas(routes: tuple[RouteSpec, ...]) -> tuple[dict[Any, Any], dict[str, Any]]:
    keys: list[tuple[type[BaseModel], JsonSchemaMode]] = [(ErrorEnvelope, "serialization")]
    keys += [(r.response_model, "serialization") for r in routes if r.response_model is not None]
    keys += [(r.query_model, "validation") for r in routes]
    keys += [(r.body_model, "validation") for r in routes if r.body_model is not None]
    unique = list(dict.fromkeys(keys))
    mapping, top = models_json_schema(unique, ref_template=REF_TEMPLATE)
    return dict(mapping), dict(top.get("$defs", {}))


def _parameters(route: RouteSpec, components: dict[str, Any]) -> list[dict[str, Any]]:
    schema = components.get(route.query_model.__name__, {})
    properties: dict[str, Any] = schema.get("properties", {})
    required = set(schema.get("required", []))
    parameters: list[dict[str, Any]] = []
    for name, info in route.query_model.model_fields.items():
        prop = copy.deepcopy(properties.get(name, {}))
        description = prop.pop("description", info.description or "")
        prop.pop("title", None)
        in_path = name in route.path_parameters
        parameter: dict[str, Any] = {
            "name": name,
            "in": "path" if in_path else "query",
            "required": in_path or name in required,
            "description": description,
            "schema": prop,
        }
        shape = param_shape(info)
        if shape is ParamShape.LIST:
            parameter.update(style="form", explode=True)
            parameter["description"] += " Repeat the parameter or give a comma-separated list."
        elif shape is ParamShape.MAP:
            parameter.update(style="deepObject", explode=True)
            parameter["schema"] = {"type": "object", "additionalProperties": {"type": "string"}}
            parameter["description"] += f" Form: {name}[<key>]=value1,value2."
        parameters.append(parameter)
    return parameters


def _operation(route: RouteSpec, mapping: dict[Any, Any], components: dict[str, Any]) -> Any:
    if route.response_model is not None:
        ok_schema = mapping[(route.response_model, "serialization")]
    else:
        ok_schema = {"type": "object"}
    success = "201" if 201 in route.extra_statuses else "200"
    responses: dict[str, Any] = {
        success: {
            "description": "Created" if success == "201" else "OK",
            "content": {"application/json": {"schema": ok_schema}},
        }
    }
    errors = [status for status in route.extra_statuses if status >= 400]
    statuses = [400, *(401, 403) * (route.min_role is not None), 500, 503, *errors]
    for status in sorted(set(statuses)):
        content_schema = (
            ok_schema if status == 503 and route.operation_id == "getHealth" else ERROR_REF
        )
        responses[str(status)] = {
            "description": _ERROR_DESCRIPTIONS.get(status, "Error."),
            "content": {"application/json": {"schema": content_schema}},
        }
    operation: dict[str, Any] = {
        "operationId": route.operation_id,
        "summary": route.summary,
        "tags": [route.tag],
        "parameters": _parameters(route, components),
        "responses": responses,
        "security": [] if route.min_role is None else [{"ApiKeyHeader": []}, {"BearerKey": []}],
        "x-minimum-role": None if route.min_role is None else route.min_role.value,
    }
    if route.body_model is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": mapping[(route.body_model, "validation")]}},
        }
    return operation


def build_openapi(routes: tuple[RouteSpec, ...]) -> dict[str, Any]:
    """An OpenAPI 3.1 document with one operation per route in ``routes``.

    Every ``$ref`` points into ``components.schemas``; request parameters and response bodies
    come from the same pydantic models the routes validate and serialise with.
    """
    mapping, components = _schemas(routes)
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        paths.setdefault(route.full_path, {})[route.method.lower()] = _operation(
            route, mapping, components
        )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "FinOps Platform API",
            "version": __version__,
            "description": "Exact AWS cost data (FOCUS-shaped). Money is a decimal string; "
            "dates are ISO 8601 (UTC); ranges are half-open [start, end).",
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "ApiKeyHeader": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
                "BearerKey": {"type": "http", "scheme": "bearer"},
            },
        },
    }
