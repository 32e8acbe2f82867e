"""The REST API's contract: the route table (:mod:`finops.api.routes`, one module per area), the
route shape (:mod:`finops.api.spec`), shared models, query parsing, errors and the OpenAPI builder.

Framework-free: the Chalice project in ``functions/`` registers these routes; nothing here
imports Chalice.
"""
