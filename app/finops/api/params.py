"""Query strings -> request models, with one convention for every route.

- a scalar parameter may be given once (``start=2024-01-01``);
- a list parameter may be repeated or comma-separated (``group_by=service&group_by=region`` or
  ``group_by=service,region``);
- a map parameter uses the deepObject form, values comma-separated
  (``filter[service]=AmazonEC2,AmazonS3``);
- any other parameter is refused with InvalidInputError naming it.
"""

from __future__ import annotations

import json
import re
import types
from collections.abc import Mapping, Sequence
from enum import Enum
from typing import Any, TypeVar, Union, get_args, get_origin

from pydantic.fields import FieldInfo

from finops.core.errors import InvalidInputError
from finops.core.models import InputModel

M = TypeVar("M", bound=InputModel)

_DEEP_NAME = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)\[(?P<key>[^\[\]]+)\]$")


class ParamShape(Enum):
    SCALAR = "scalar"
    LIST = "list"
    MAP = "map"


def param_shape(field: FieldInfo) -> ParamShape:
    """How a model field is spelt in a query string."""
    annotation = field.annotation
    if get_origin(annotation) in (Union, types.UnionType):
        members = [a for a in get_args(annotation) if a is not type(None)]
        annotation = members[0] if len(members) == 1 else annotation
    origin = get_origin(annotation)
    if origin is list:
        return ParamShape.LIST
    if origin is dict:
        return ParamShape.MAP
    return ParamShape.SCALAR


def _split(values: Sequence[str]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def parse_query_params(model: type[M], params: Mapping[str, Sequence[str]] | None) -> M:
    """Validate a multi-valued query string against ``model``.

    Raises InvalidInputError naming the parameter for unknown names, a repeated scalar, or any
    value the model refuses.
    """
    shapes = {name: param_shape(info) for name, info in model.model_fields.items()}
    data: dict[str, Any] = {}
    for raw_name, values in (params or {}).items():
        deep = _DEEP_NAME.match(raw_name)
        name = deep.group("name") if deep else raw_name
        shape = shapes.get(name)
        if shape is None:
            known = ", ".join(f"{n}[...]" if s is ParamShape.MAP else n for n, s in shapes.items())
            raise InvalidInputError(
                f"unknown query parameter '{raw_name}'; expected one of: {known or 'none'}",
                details={"parameter": raw_name, "expected": sorted(shapes)},
            )
        if shape is ParamShape.MAP:
            if deep is None:
                raise InvalidInputError(
                    f"parameter '{raw_name}': expected the form {name}[<key>]=value1,value2",
                    details={"parameter": raw_name},
                )
            data.setdefault(name, {}).setdefault(deep.group("key"), []).extend(_split(values))
        elif deep is not None:
            raise InvalidInputError(
                f"parameter '{raw_name}': '{name}' takes no [key]",
                details={"parameter": raw_name},
            )
        elif shape is ParamShape.LIST:
            data.setdefault(name, []).extend(_split(values))
        else:
            if len(values) != 1:
                raise InvalidInputError(
                    f"parameter '{name}': expected a single value, got {len(values)}",
                    details={"parameter": name},
                )
            data[name] = values[0]
    return model.model_validate(data)


def parse_json_body(model: type[M] | None, raw: bytes | str | None) -> M | None:
    """Validate a JSON request body against ``model`` (None when the route takes no body).

    Raises InvalidInputError for a missing body, malformed JSON (naming line and column) or a
    field the model refuses (naming the field).
    """
    if model is None:
        return None
    if raw is None or (isinstance(raw, bytes | str) and not raw.strip()):
        # An empty body is an empty object: fine when every field is optional, else the
        # model names the missing field.
        return model.model_validate({})
    try:
        document = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        where = (
            f" at line {exc.lineno}, column {exc.colno}"
            if isinstance(exc, json.JSONDecodeError)
            else ""
        )
        raise InvalidInputError(
            f"request body: not valid JSON{where}; expected a JSON object",
            details={"parameter": "body"},
        ) from exc
    if not isinstance(document, dict):
        raise InvalidInputError(
            "request body: expected a JSON object", details={"parameter": "body"}
        )
    return model.model_validate(document)
