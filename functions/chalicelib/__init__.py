"""The Chalice adapter of the FinOps platform: routes built from ``finops.api``'s route table."""

from chalicelib.factory import create_app

__all__ = ["create_app"]
