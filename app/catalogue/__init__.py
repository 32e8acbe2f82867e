"""Price catalogue: EC2 instance types with on-demand prices, Lambda and Fargate unit prices.

:mod:`app.catalogue.model` is the pure in-memory catalogue the rightsizing rules read;
:mod:`app.catalogue.files` parses the packaged CSV files; :mod:`app.catalogue.store` loads them
into the ``price_catalogue`` table (idempotent) and reads them back.
"""

from app.catalogue.files import packaged_catalogue, parse_ec2_catalogue, parse_serverless_prices
from app.catalogue.model import InstanceType, PriceCatalogue, ServerlessPrices
from app.catalogue.store import load_price_catalogue, read_price_catalogue

__all__ = [
    "InstanceType",
    "PriceCatalogue",
    "ServerlessPrices",
    "load_price_catalogue",
    "packaged_catalogue",
    "parse_ec2_catalogue",
    "parse_serverless_prices",
    "read_price_catalogue",
]
