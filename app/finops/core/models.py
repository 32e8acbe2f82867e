"""Input and view model bases: validation failures become :class:`InvalidInputError`.

Every boundary model of a capability derives from :class:`InputModel`, so constructing one with
bad data raises the platform's own error naming the parameter and what was expected, whichever
adapter (API, CLI, job) built it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic.config import ExtraValues

from finops.core.errors import InvalidInputError

_MAX_SHOWN_INPUT = 80


def _shown(value: Any) -> str:
    text = value.isoformat() if isinstance(value, dt.date) else repr(value)
    return text if len(text) <= _MAX_SHOWN_INPUT else text[: _MAX_SHOWN_INPUT - 3] + "..."


def invalid_input_from(exc: ValidationError, *, what: str) -> InvalidInputError:
    """An :class:`InvalidInputError` whose message names each bad parameter and the expectation.

    ``details`` carries ``parameter`` (the first bad one) and ``errors`` (all of them, each with
    ``parameter``, ``expected`` and the ``got`` value, truncated).
    """
    problems: list[dict[str, Any]] = []
    for error in exc.errors(include_url=False):
        location = ".".join(str(part) for part in error.get("loc", ())) or what
        expected = str(error.get("msg", "a valid value"))
        expected = expected.removeprefix("Value error, ")
        problem: dict[str, Any] = {"parameter": location, "expected": expected}
        if error.get("type") != "missing":
            problem["got"] = _shown(error.get("input"))
        problems.append(problem)
    parts = []
    for problem in problems:
        got = f" (got {problem['got']})" if "got" in problem else ""
        parts.append(f"parameter '{problem['parameter']}': {problem['expected']}{got}")
    return InvalidInputError(
        "; ".join(parts) or f"invalid {what}",
        details={
            "parameter": problems[0]["parameter"] if problems else what,
            "model": what,
            "errors": problems,
        },
    )


class InputModel(BaseModel):
    """A boundary model that raises :class:`InvalidInputError` instead of ``ValidationError``.

    Unknown fields are refused (a misspelt parameter is an error, not a silent default).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    def __init__(self, /, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise invalid_input_from(exc, what=type(self).__name__) from exc

    @classmethod
    def model_validate(
        cls,
        obj: Any,
        *,
        strict: bool | None = None,
        extra: ExtraValues | None = None,
        from_attributes: bool | None = None,
        context: Any | None = None,
        by_alias: bool | None = None,
        by_name: bool | None = None,
    ) -> Self:
        try:
            return super().model_validate(
                obj,
                strict=strict,
                extra=extra,
                from_attributes=from_attributes,
                context=context,
                by_alias=by_alias,
                by_name=by_name,
            )
        except ValidationError as exc:
            raise invalid_input_from(exc, what=cls.__name__) from exc


class ViewModel(BaseModel):
    """A read-only view of an entity: what the API returns and the CLI prints with ``--json``.

    Frozen, and built from ORM rows with ``model_validate(row)`` (``from_attributes``), so one
    model serialises an entity for every door.
    """

    model_config = ConfigDict(frozen=True, from_attributes=True)
