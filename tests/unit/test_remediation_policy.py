"""Remediation policies are validated before they run; every refusal names the file, the field
path and what was expected."""

from __future__ import annotations

from pathlib import Path
from typing import Any, get_args

import pytest

from finops.remediation import (
    ACTIONS,
    DEFAULT_AUTO_ALLOW_LIST,
    ActionKind,
    AutoAllowList,
    AutoRule,
    PolicyError,
    PolicyMode,
    load_policy_file,
    parse_policy_yaml,
    validate_policy,
)
from finops.remediation.policy import ACTION_TYPES, Mode

EXAMPLES = Path(__file__).resolve().parents[2] / "app" / "finops" / "remediation" / "examples"

GOOD = """
name: idle-ec2-stop-dev
description: Stop idle dev instances.
filter:
  resource_type: ec2_instance
  recommendation_kind: ec2_idle
  tags:
    equals: {env: dev}
    exists: [owner]
  account_ids: ["123456789012"]
  regions: [eu-west-1]
  min_age_days: 7
  min_monthly_saving: "20.50"
action:
  type: stop_ec2
mode: approval
exclude_tags:
  finops:keep: true
max_actions_per_run: 3
"""


def _document(**changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "name": "p",
        "description": "d",
        "filter": {"resource_type": "ec2_instance", "recommendation_kind": "ec2_idle"},
        "action": {"type": "stop_ec2"},
    }
    document.update(changes)
    return document


def _refusal(document: Any, source: str = "policies/p.yaml") -> PolicyError:
    with pytest.raises(PolicyError) as caught:
        validate_policy(document, source=source)
    return caught.value


def test_a_good_policy_validates_with_its_safety_rails() -> None:
    policy = parse_policy_yaml(GOOD, source="good.yaml")

    assert policy.mode == "approval"
    assert policy.filter.tags.equals == {"env": "dev"}
    assert str(policy.filter.min_monthly_saving) == "20.50"
    assert policy.max_actions_per_run == 3
    # YAML's `true` is the tag value "true"; finops:exclude=true always excludes
    assert policy.exclusions == {"finops:exclude": "true", "finops:keep": "true"}


def test_the_defaults_are_dry_run_and_a_bounded_blast_radius() -> None:
    policy = validate_policy(_document(), source="body")

    assert policy.mode == "dry-run"
    assert policy.max_actions_per_run == 10
    assert policy.enabled is True


@pytest.mark.parametrize("example", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.name)
def test_the_shipped_examples_validate(example: Path) -> None:
    assert load_policy_file(example).name == example.stem


def test_an_unknown_key_is_refused_naming_the_file_the_path_and_the_allowed_keys() -> None:
    error = _refusal(_document(filter={"resource_type": "ec2_instance", "colour": "red"}))

    assert str(error).startswith("policies/p.yaml: field 'filter.colour': expected no such key")
    assert "recommendation_kind" in str(error)
    assert error.details["field"] == "filter.colour"
    assert error.details["source"] == "policies/p.yaml"


def test_an_unknown_key_inside_the_action_is_named_without_the_union_tag() -> None:
    error = _refusal(_document(action={"type": "stop_ec2", "force": True}))

    assert error.details["field"] == "action.force"


def test_a_bad_mode_names_the_field_and_the_allowed_values() -> None:
    error = _refusal(_document(mode="sometimes"))

    assert "field 'mode': expected 'dry-run', 'approval' or 'auto' (got 'sometimes')" in str(error)


def test_an_unknown_action_type_lists_the_actions() -> None:
    error = _refusal(_document(action={"type": "terminate_ec2"}))

    assert error.details["field"] == "action.type"
    assert "stop_ec2" in str(error)
    assert "'terminate_ec2'" in str(error)


def test_out_of_range_values_name_their_path() -> None:
    error = _refusal(
        _document(
            max_actions_per_run=0,
            filter={"resource_type": "ec2_instance", "account_ids": ["12"], "min_age_days": -1},
        )
    )

    fields = [e["field"] for e in error.details["errors"]]
    assert fields == ["filter.account_ids.0", "filter.min_age_days", "max_actions_per_run"]


def test_auto_mode_on_an_action_outside_the_allow_list_is_refused_at_validation() -> None:
    error = _refusal(
        _document(
            filter={"resource_type": "lambda_function", "recommendation_kind": "lambda_memory"},
            action={"type": "change_lambda_memory"},
            mode="auto",
        )
    )

    assert error.details["field"] == "mode"
    assert "auto mode is allowed only for stop_ec2" in str(error)


def test_auto_mode_stops_ec2_only_where_the_filter_pins_a_non_production_env() -> None:
    dev = {"resource_type": "ec2_instance", "tags": {"equals": {"env": "dev"}}}
    prod = {"resource_type": "ec2_instance", "tags": {"equals": {"env": "prod"}}}

    assert validate_policy(_document(filter=dev, mode="auto"), source="x").mode == "auto"
    assert _refusal(_document(filter=prod, mode="auto")).details["field"] == "mode"
    assert _refusal(_document(mode="auto")).details["field"] == "mode"  # no env pinned


def test_the_engine_decides_what_the_allow_list_holds() -> None:
    lambda_in_sandbox = _document(
        filter={
            "resource_type": "lambda_function",
            "recommendation_kind": "lambda_memory",
            "tags": {"equals": {"stage": "sandbox"}},
        },
        action={"type": "change_lambda_memory"},
        mode="auto",
    )
    engine = AutoAllowList(
        rules=(AutoRule("change_lambda_memory", "stage", frozenset({"sandbox"})),)
    )

    assert validate_policy(lambda_in_sandbox, source="x", allow_list=engine).mode == "auto"
    with pytest.raises(PolicyError):
        validate_policy(lambda_in_sandbox, source="x", allow_list=DEFAULT_AUTO_ALLOW_LIST)


def test_the_action_must_fit_the_resource_type_and_the_recommendation_kind() -> None:
    wrong_resource = _refusal(
        _document(filter={"resource_type": "lambda_function"}, action={"type": "stop_ec2"})
    )
    wrong_kind = _refusal(
        _document(filter={"resource_type": "ec2_instance", "recommendation_kind": "ec2_rightsize"})
    )

    assert wrong_resource.details["field"] == "action.type"
    assert "acts on ec2_instance" in str(wrong_resource)
    assert wrong_kind.details["field"] == "filter.recommendation_kind"
    assert "ec2_idle" in str(wrong_kind)


def test_a_target_comes_from_the_recommendation_or_the_action_exactly_once() -> None:
    both = _refusal(
        _document(
            filter={"resource_type": "ec2_instance", "recommendation_kind": "ec2_rightsize"},
            action={"type": "resize_ec2", "instance_type": "m5.large"},
        )
    )
    neither = _refusal(
        _document(filter={"resource_type": "ec2_instance"}, action={"type": "resize_ec2"})
    )

    assert both.details["field"] == "action.instance_type"
    assert neither.details["field"] == "action.instance_type"
    assert "a value" in str(neither)


def test_bad_yaml_names_the_file_line_and_column() -> None:
    with pytest.raises(PolicyError) as caught:
        parse_policy_yaml("name: p\nfilter: [unclosed\n", source="policies/broken.yaml")

    message = str(caught.value)
    assert message.startswith("policies/broken.yaml: line 3, column 1: not valid YAML")
    assert "\n" not in message


def test_a_key_given_twice_is_refused_not_silently_overwritten() -> None:
    with pytest.raises(PolicyError, match=r"line 3, column 1: .*found the key 'mode' twice"):
        parse_policy_yaml("mode: auto\nname: p\nmode: dry-run\n", source="twice.yaml")


def test_a_document_that_is_not_a_mapping_is_refused() -> None:
    with pytest.raises(PolicyError, match=r"list.yaml: field '\(document\)': expected a mapping"):
        parse_policy_yaml("- name: p\n", source="list.yaml")


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match=r"nope\.yaml: cannot read the policy file"):
        load_policy_file(tmp_path / "nope.yaml")


def test_the_mode_and_action_enums_name_exactly_what_the_policy_format_accepts() -> None:
    assert [m.value for m in PolicyMode] == list(get_args(Mode))
    assert sorted(k.value for k in ActionKind) == sorted(ACTION_TYPES) == sorted(ACTIONS)
