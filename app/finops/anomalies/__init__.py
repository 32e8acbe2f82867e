"""Anomalies: daily cost per scope against a seasonal, robust baseline, with root cause.

- :mod:`finops.anomalies.detector` — the pure detector (any regular series, vectorised).
- :mod:`finops.anomalies.root_cause` — pure ranking of contributors by share of the deviation.
- :mod:`finops.anomalies.regular` — irregular timestamps made regular (step, duplicates, gaps).
- :mod:`finops.anomalies.episodes` — flagged points grouped into alerts (episodes), sensitivity.
- :mod:`finops.anomalies.series_file` — the detector on a ``timestamp,value`` CSV.
- :mod:`finops.anomalies.series` — the daily cost series per scope read from the billing facts.
- :mod:`finops.anomalies.job` — the detection job over stored billing facts.
- :mod:`finops.anomalies.store` — persisting detected anomalies (root cause, audit, announcement).
- :mod:`finops.anomalies.feedback` — status changes and the feedback handed back to the detector.
- :mod:`finops.anomalies.views` — one anomaly and the filtered listing.
- :mod:`finops.anomalies.band` — an anomaly's scope day by day with the expected band.
"""

from finops.anomalies.band import BandPoint, anomaly_band
from finops.anomalies.detector import DetectorSettings, MatrixDetection, detect_matrix, event_spans
from finops.anomalies.episodes import Episode, Sensitivity, find_episodes
from finops.anomalies.feedback import set_anomaly_status
from finops.anomalies.job import JOB_NAME, detect_cost_anomalies
from finops.anomalies.regular import COMBINE_RULES, RegularSeries, Repairs, regularize
from finops.anomalies.root_cause import Contributor, rank_contributors
from finops.anomalies.series_file import detect_series_file
from finops.anomalies.usage_series import UsageQuery, detect_usage_anomalies
from finops.anomalies.views import (
    STATUSES,
    AnomalySeverity,
    AnomalyStatus,
    AnomalyView,
    get_anomaly,
    list_anomalies,
)

__all__ = [
    "COMBINE_RULES",
    "JOB_NAME",
    "STATUSES",
    "AnomalySeverity",
    "AnomalyStatus",
    "AnomalyView",
    "BandPoint",
    "Contributor",
    "DetectorSettings",
    "Episode",
    "MatrixDetection",
    "RegularSeries",
    "Repairs",
    "Sensitivity",
    "UsageQuery",
    "anomaly_band",
    "detect_cost_anomalies",
    "detect_matrix",
    "detect_series_file",
    "detect_usage_anomalies",
    "event_spans",
    "find_episodes",
    "get_anomaly",
    "list_anomalies",
    "rank_contributors",
    "regularize",
    "set_anomaly_status",
]
