"""CostQuery validation and dimension parsing: every bad parameter is named in the error."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from finops.core.errors import InvalidInputError
from finops.costs import CostQuery, Dimension, parse_dimension
from finops.costs.dimensions import DimensionRef
from finops.costs.query import MAX_SPAN_DAYS

GOOD: dict[str, Any] = {"start": "2024-01-01", "end": "2024-02-01"}


def test_a_good_query_is_canonicalised() -> None:
    query = CostQuery(
        **GOOD,
        granularity="month",
        group_by=["Service", "tag:Team"],
        filters={"REGION": ["us-east-1", None, "us-east-1"]},
    )
    assert query.start == dt.date(2024, 1, 1)
    assert query.group_by == ["service", "tag:Team"]
    assert query.filters == {"region": ["us-east-1", None]}
    assert query.metric == "effective"
    assert query.limit is None
    assert query.granularity == "month"


@pytest.mark.parametrize(
    ("changes", "parameter"),
    [
        ({"start": "2024-13-01"}, "start"),
        ({"end": "yesterday"}, "end"),
        ({"end": "2024-01-01"}, "end"),  # end == start: half-open range would be empty
        ({"end": "2023-12-31"}, "end"),
        ({"end": (dt.date(2024, 1, 1) + dt.timedelta(days=MAX_SPAN_DAYS + 1)).isoformat()}, "end"),
        ({"granularity": "week"}, "granularity"),
        ({"group_by": ["service", "colour"]}, "group_by"),
        ({"group_by": ["service", "region", "account", "resource"]}, "group_by"),
        ({"group_by": ["service", "SERVICE"]}, "group_by"),
        ({"group_by": ['tag:"; drop']}, "group_by"),
        ({"filters": {"colour": ["red"]}}, "filters"),
        ({"filters": {"service": []}}, "filters"),
        ({"metric": "amortized"}, "metric"),
        ({"limit": 0}, "limit"),
        ({"limit": 1001}, "limit"),
        ({"limti": 5}, "limti"),
    ],
)
def test_each_bad_parameter_raises_invalid_input_naming_it(
    changes: dict[str, Any], parameter: str
) -> None:
    with pytest.raises(InvalidInputError) as caught:
        CostQuery(**{**GOOD, **changes})
    assert caught.value.details["parameter"] == parameter
    assert f"'{parameter}" in caught.value.message


def test_missing_start_is_named() -> None:
    with pytest.raises(InvalidInputError, match="'start'"):
        CostQuery.model_validate({"end": "2024-01-01"})


def test_named_dimensions_parse_case_insensitively() -> None:
    for dimension in Dimension:
        assert parse_dimension(dimension.value.upper()) == DimensionRef(dimension)
    assert str(parse_dimension(" account ")) == "account"


def test_tag_dimensions_keep_the_key_case() -> None:
    ref = parse_dimension("TAG:CostCenter")
    assert ref.is_tag
    assert ref.tag_key == "CostCenter"
    assert str(ref) == "tag:CostCenter"
    assert parse_dimension("tag:aws:createdBy").tag_key == "aws:createdBy"


@pytest.mark.parametrize("text", ["", "colour", "tag:", "tag:a'b", "tag:" + "k" * 129, "tag:x]"])
def test_bad_dimensions_are_refused_with_the_parameter_named(text: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        parse_dimension(text, parameter="group_by")
    assert caught.value.details["parameter"] == "group_by"
