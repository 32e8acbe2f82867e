"""Alerts, not points: the detector's flagged points grouped into anomalous *episodes* (pure).

A monitoring user wants one alert per incident, as early as possible, and as few false alarms as
possible. The detector (:mod:`finops.anomalies.detector`) marks every point outside its band;
this module turns those points into episodes:

- **Grouping**: flagged points separated by at most ``merge_gap`` points that are in band or
  missing are one episode (a jump and the fall back just after it are one incident); its
  ``direction`` is the side of its peak. An episode runs from its
  first flagged point (``start``) to one past its last (``end``, exclusive).
- **Alert**: an episode is reported only when its peak score reaches the sensitivity's
  ``alert_score``; ``detected`` is its first point at that score (the moment a monitor would
  page). The band threshold the detector runs with is the same for every sensitivity, so the
  baseline, the band and the grouping never depend on the sensitivity: a more sensitive setting
  reports a superset of a less sensitive one's episodes, each detected no later.
- **Level shifts**: the detector absorbs a persistent shift after a few out-of-band points (a new
  segment), so a shift is one short episode and then the new normal.
- **Quiet period**: with ``quiet_after``, a burst no higher than one in the recent past is not
  a new alert (the monitor already paged for something as large).
- Missing points (gaps) are never flagged, so they never start, extend or peak an episode.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
import numpy.typing as npt

from finops.core.errors import InvalidInputError

SensitivityName = Literal["low", "medium", "high"]
SENSITIVITY_NAMES: tuple[str, ...] = get_args(SensitivityName)
EpisodeDirection = Literal["up", "down"]


@dataclass(frozen=True)
class Sensitivity:
    """An alert score and the band threshold it is applied over (``alert_score >= band``)."""

    name: str
    alert_score: float


@dataclass(frozen=True)
class Episode:
    """One anomalous episode of one series, as grid indexes (``end`` exclusive)."""

    start: int
    detected: int
    peak: int
    end: int
    score: float
    direction: EpisodeDirection

    @property
    def points(self) -> int:
        return self.end - self.start


def parse_sensitivity(
    value: str | float, *, levels: dict[str, float], band: float, parameter: str = "sensitivity"
) -> Sensitivity:
    """``value`` as a :class:`Sensitivity`: a name of ``levels`` (``low``, ``medium``,
    ``high``) or a number, the score an episode's peak must reach (lower is more sensitive; at
    least ``band``, the threshold the detector's band is drawn at). InvalidInputError otherwise.
    """
    if isinstance(value, str) and value.strip().lower() in levels:
        name = value.strip().lower()
        return Sensitivity(name, levels[name])
    try:
        score = float(value)
    except ValueError as exc:
        raise InvalidInputError(
            f"parameter '{parameter}': expected {', '.join(levels)} or a score >= {band:g}, "
            f"got {value!r}",
            details={"parameter": parameter, "got": str(value)},
        ) from exc
    if not np.isfinite(score) or score < band:
        raise InvalidInputError(
            f"parameter '{parameter}': a numeric sensitivity is the score an episode's peak "
            f"must reach; expected a number >= {band:g} (the detector's band), got {value!r}",
            details={"parameter": parameter, "got": str(value)},
        )
    return Sensitivity(f"{score:g}", score)


def find_episodes(
    flags: npt.ArrayLike,
    score: npt.ArrayLike,
    residual: npt.ArrayLike,
    *,
    alert_score: float,
    merge_gap: int = 0,
    quiet_after: int = 0,
) -> list[Episode]:
    """The episodes of one series (see the module docstring), in time order.

    ``flags`` are the detector's flagged points, ``score`` its per-point scores and
    ``residual`` the signed deviation from the expected value (its sign is the direction).
    With ``quiet_after`` > 0, a group is not reported when a group that ended less than
    ``quiet_after`` points before it peaked at least as high (reported or not: the rule never
    depends on the sensitivity, so it keeps a more sensitive setting's episodes a superset).
    """
    flag = np.asarray(flags, dtype=bool)
    scores = np.asarray(score, dtype=np.float64)
    sign = np.sign(np.nan_to_num(np.asarray(residual, dtype=np.float64)))
    out: list[Episode] = []
    hits = np.flatnonzero(flag)
    if hits.size == 0:
        return out
    groups: list[list[int]] = [[int(hits[0])]]
    for i in hits[1:]:
        last = groups[-1][-1]
        if int(i) - last - 1 <= merge_gap:
            groups[-1].append(int(i))
        else:
            groups.append([int(i)])
    history: list[tuple[int, float]] = []  # (end, peak score) of every earlier group
    for group in groups:
        members = np.array(group)
        member_scores = scores[members]
        peak_pos = int(np.argmax(member_scores))
        peak_score = float(member_scores[peak_pos])
        louder_before = any(
            end > members[0] - quiet_after and peak >= peak_score for end, peak in history
        )
        history.append((int(members[-1]) + 1, peak_score))
        if peak_score < alert_score or (quiet_after > 0 and louder_before):
            continue
        detected = int(members[np.flatnonzero(member_scores >= alert_score)[0]])
        peak = int(members[peak_pos])
        out.append(
            Episode(
                start=int(members[0]),
                detected=detected,
                peak=peak,
                end=int(members[-1]) + 1,
                score=float(member_scores[peak_pos]),
                direction="up" if sign[peak] > 0 else "down",
            )
        )
    return out
