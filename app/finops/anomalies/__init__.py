"""Anomalies: daily cost per scope against a seasonal, robust baseline, with root cause.

- :mod:`finops.anomalies.detector` — the pure detector (any regular series, vectorised).
- :mod:`finops.anomalies.root_cause` — pure ranking of contributors by share of the deviation.
- :mod:`finops.anomalies.series_file` — the detector on a ``timestamp,value`` CSV.
- :mod:`finops.anomalies.service` — the job over stored billing facts and the anomaly lifecycle.
"""

from finops.anomalies.detector import DetectorSettings, MatrixDetection, detect_matrix, event_spans
from finops.anomalies.root_cause import Contributor, rank_contributors
from finops.anomalies.series_file import detect_series_file
from finops.anomalies.service import (
    JOB_NAME,
    STATUSES,
    AnomalyView,
    BandPoint,
    anomaly_band,
    detect_cost_anomalies,
    get_anomaly,
    list_anomalies,
    set_anomaly_status,
)

__all__ = [
    "JOB_NAME",
    "STATUSES",
    "AnomalyView",
    "BandPoint",
    "Contributor",
    "DetectorSettings",
    "MatrixDetection",
    "anomaly_band",
    "detect_cost_anomalies",
    "detect_matrix",
    "detect_series_file",
    "event_spans",
    "get_anomaly",
    "list_anomalies",
    "rank_contributors",
    "set_anomaly_status",
]
