"""Half-open date windows ``[start, end)``, the one period convention of the platform."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from finops.core.errors import InvalidInputError


@dataclass(frozen=True)
class DateWindow:
    """A half-open ``[start, end)`` range of UTC days (``start == end`` is empty)."""

    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        """Number of days in the window (0 when empty or reversed)."""
        return max((self.end - self.start).days, 0)


def check_window(start: dt.date, end: dt.date) -> None:
    """Raise :class:`InvalidInputError` naming ``end`` unless ``start < end``.

    The message is the same for every capability, so a user learns the convention once.
    """
    if end <= start:
        raise InvalidInputError(window_problem(start, end), details=window_details(start, end))


def window_problem(start: dt.date, end: dt.date) -> str:
    """The message for an empty or reversed window (also used inside pydantic validators)."""
    return (
        f"parameter 'end': expected a date after start ({start.isoformat()}; the window is "
        f"half-open [start, end)), got {end.isoformat()}"
    )


def window_details(start: dt.date, end: dt.date) -> dict[str, str]:
    """The error details of an empty or reversed window."""
    return {"parameter": "end", "start": start.isoformat(), "end": end.isoformat()}
