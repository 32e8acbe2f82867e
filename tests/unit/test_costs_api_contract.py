"""The API contract without a server: money strings, roles, query strings, OpenAPI document."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from finops.api.models import NoParams
from finops.api.openapi import build_openapi
from finops.api.params import parse_query_params
from finops.api.routes import API_PREFIX, ROUTES
from finops.api.routes.costs import CostsParams
from finops.api.routes.inventory import UsageParams
from finops.auth import Principal, Role, api_key_from_headers, parse_role, require_role
from finops.core.errors import InvalidInputError, PermissionDeniedError
from finops.core.money import MONEY_PATTERN, format_money


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("1234.5600000000", "1234.56"),
        ("1.5", "1.50"),
        ("0.0000012", "0.0000012"),
        ("5", "5.00"),
        ("-3.330", "-3.33"),
        ("-0", "0.00"),
        ("-0.000", "0.00"),
        ("1E+3", "1000.00"),
        ("1.2E-7", "0.00000012"),
        ("0.000000000000000001", "0.000000000000000001"),
        ("123456789012345678901.123456789012345678", "123456789012345678901.123456789012345678"),
    ],
)
def test_money_is_a_canonical_decimal_string(value: str, text: str) -> None:
    import re

    assert format_money(Decimal(value)) == text
    assert re.fullmatch(MONEY_PATTERN, text)
    assert Decimal(text) == Decimal(value)


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity"])
def test_money_refuses_non_finite_values(value: str) -> None:
    with pytest.raises(ValueError, match="non-finite"):
        format_money(Decimal(value))


def test_roles_are_ordered_viewer_operator_admin() -> None:
    assert Role.ADMIN.includes(Role.OPERATOR)
    assert Role.OPERATOR.includes(Role.VIEWER)
    assert not Role.VIEWER.includes(Role.OPERATOR)
    assert not Role.OPERATOR.includes(Role.ADMIN)
    assert sorted(Role, key=lambda r: r.rank) == [Role.VIEWER, Role.OPERATOR, Role.ADMIN]
    require_role(Principal("ops", Role.OPERATOR, 1), Role.VIEWER)
    with pytest.raises(PermissionDeniedError, match="'admin'"):
        require_role(Principal("ops", Role.OPERATOR, 1), Role.ADMIN)
    with pytest.raises(InvalidInputError, match="'role'"):
        parse_role("root")


def test_api_key_is_read_from_x_api_key_or_bearer() -> None:
    assert api_key_from_headers({"X-API-Key": "fo_a"}) == "fo_a"
    assert api_key_from_headers({"authorization": "Bearer fo_b"}) == "fo_b"
    assert api_key_from_headers({"x-api-key": "fo_a", "Authorization": "Bearer fo_b"}) == "fo_a"
    assert api_key_from_headers({"Authorization": "Basic abc"}) is None
    assert api_key_from_headers({}) is None


def test_query_strings_accept_repeated_and_comma_lists_and_deep_filters() -> None:
    params = parse_query_params(
        CostsParams,
        {
            "start": ["2024-01-01"],
            "end": ["2024-02-01"],
            "group_by": ["service,region", "tag:team"],
            "filter[service]": ["AmazonEC2, AmazonS3"],
            "filter[region]": ["null"],
        },
    )
    query = params.to_cost_query()
    assert query.group_by == ["service", "region", "tag:team"]
    assert query.filters == {"service": ["AmazonEC2", "AmazonS3"], "region": [None]}
    assert query.start == dt.date(2024, 1, 1)


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"start": ["2024-01-01"], "end": ["2024-02-01"], "colour": ["red"]}, "colour"),
        ({"start": ["2024-01-01", "2024-01-02"], "end": ["2024-02-01"]}, "start"),
        ({"start": ["2024-01-01"], "end": ["2024-02-01"], "filter": ["x"]}, "filter"),
        ({"start": ["2024-01-01"], "end": ["2024-02-01"], "limit[x]": ["1"]}, "limit[x]"),
        ({"start": ["2024-01-01"], "end": ["tomorrow"]}, "end"),
        ({"start": ["2024-01-01"], "end": ["2024-02-01"], "limit": ["ten"]}, "limit"),
    ],
)
def test_bad_query_strings_name_the_parameter(params: dict[str, list[str]], parameter: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        parse_query_params(CostsParams, params)
    assert caught.value.details["parameter"] == parameter


def test_unknown_dimension_in_a_filter_is_named_when_building_the_query() -> None:
    params = parse_query_params(
        CostsParams,
        {"start": ["2024-01-01"], "end": ["2024-02-01"], "filter[colour]": ["red"]},
    )
    with pytest.raises(InvalidInputError) as caught:
        params.to_cost_query()
    assert caught.value.details["parameter"] == "filters"


def test_routes_without_parameters_refuse_any() -> None:
    assert parse_query_params(NoParams, None) == NoParams()
    with pytest.raises(InvalidInputError, match="'x'"):
        parse_query_params(NoParams, {"x": ["1"]})
    with pytest.raises(InvalidInputError, match="'limit'"):
        parse_query_params(UsageParams, {"start": ["2024-01-01"], "end": ["2024-01-02"],
                                         "limit": ["0"]})  # fmt: skip


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


def _resolve(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = document
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def test_openapi_document_has_every_route_and_every_ref_resolves() -> None:
    document = build_openapi(ROUTES)
    assert document["openapi"].startswith("3.1")
    assert {"title", "version"} <= document["info"].keys()
    operations = {
        (method.upper(), path) for path, item in document["paths"].items() for method in item
    }
    assert operations == {(r.method, r.full_path) for r in ROUTES}
    assert all(path.startswith(API_PREFIX) for _, path in operations)
    refs = _refs(document)
    assert refs, "responses should reference component schemas"
    for ref in refs:
        assert isinstance(_resolve(document, ref), dict)
    ids = [op["operationId"] for item in document["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids))


def test_openapi_documents_auth_errors_and_money_as_strings() -> None:
    document = build_openapi(ROUTES)
    costs = document["paths"][f"{API_PREFIX}/costs"]["get"]
    assert {"200", "400", "401", "403", "500"} <= costs["responses"].keys()
    assert costs["security"]
    assert costs["x-minimum-role"] == "viewer"
    health = document["paths"][f"{API_PREFIX}/health"]["get"]
    assert health["security"] == []
    assert "401" not in health["responses"]
    names = {p["name"] for p in costs["parameters"]}
    assert names == set(CostsParams.model_fields)
    filter_param = next(p for p in costs["parameters"] if p["name"] == "filter")
    assert filter_param["style"] == "deepObject"
    billed = document["components"]["schemas"]["CostRowOut"]["properties"]["billed"]
    assert billed["type"] == "string"
    error = document["components"]["schemas"]["ErrorEnvelope"]
    assert error["properties"]["error"]["$ref"].endswith("/ErrorBody")
