"""FinOps platform core: every capability lives here; adapters (API, events, DAGs, CLI) call it."""

__version__ = "0.1.0"
