"""Chalice entry module (Lambda handler ``app.app``): wires the app, nothing else.

The core is the ``finops`` package (``app/finops/`` in the repository, vendored to
``functions/vendor/finops/`` by ``make build``, which Chalice copies to the package root).
Routes, event handlers and error mapping live in :mod:`chalicelib`; the database is opened on
the first request that needs it, never at import. See docs/decisions/0010-core-package-finops.md.
"""

from __future__ import annotations

from chalicelib import create_app
from chalicelib.lambda_logging import configure_lambda_logging
from chalicelib.request_metrics import lambda_request_metrics

configure_lambda_logging()
app = create_app(metrics=lambda_request_metrics())
# Chalice deploys the SQS consumer and the jobs function with the handlers
# ``app.billing_events`` and ``app.jobs``: Lambda resolves them as attributes of this module.
billing_events = app.handler_map["billing_events"]
jobs = app.handler_map["jobs"]
