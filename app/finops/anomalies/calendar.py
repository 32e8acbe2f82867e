"""Public holidays as known calendar effects for the detector (pure; data from ``holidays``).

A holiday's cost may legitimately dip (offices closed) or jump (a sale): such a day is treated
like a feedback period — never flagged, and unable to start a level shift — so the baseline
around it stays the weekly pattern. ``holidays`` is the maintained public-holiday library
(it also ships Prophet's holiday effects); see docs/decisions/0007-holiday-calendar.md.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import numpy.typing as npt

from finops.core.errors import InvalidInputError


def holiday_days(start: dt.date, end: dt.date, country: str | None) -> set[dt.date]:
    """Public holidays of ``country`` (ISO 3166 alpha-2, e.g. US, DE) in ``[start, end)``;
    empty when ``country`` is None or empty."""
    if not country:
        return set()
    import holidays

    try:
        calendar = holidays.country_holidays(country.upper(), years=range(start.year, end.year + 1))
    except NotImplementedError as exc:
        raise InvalidInputError(
            f"parameter 'holiday_country': no public-holiday calendar for {country!r}; "
            "expected an ISO 3166 alpha-2 code such as US, GB or DE",
            details={"parameter": "holiday_country"},
        ) from exc
    return {day for day in calendar if start <= day < end}


def holiday_mask(
    start: dt.date, n_days: int, days: set[dt.date], n_series: int
) -> npt.NDArray[np.bool_]:
    """A (series x days) mask that is true on ``days``, for :func:`detect_matrix`'s accepted."""
    row = np.array([(start + dt.timedelta(days=i)) in days for i in range(n_days)], dtype=bool)
    return np.repeat(row[None, :], n_series, axis=0)
