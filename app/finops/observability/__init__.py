"""Observability: Prometheus metrics and structured logs for the API, the stages and the data.

- :mod:`.names` — every metric name and help text in one place (the dashboards, the alert rules
  and the Lambdas' EMF metrics use the same names).
- :mod:`.http` — request counters and latency histograms, recorded by the API adapters.
- :mod:`.freshness` — gauges read from the database at scrape time (newest billing day, last
  successful ingest and job runs, open anomalies, unrealized savings, budgets crossed).
- :mod:`.job_runs` — a finished stage's metrics pushed to a Pushgateway.
- :mod:`.exposition` — the text a scrape returns.
- :mod:`.logs` — one JSON log format with request / run context, secrets masked.
"""
