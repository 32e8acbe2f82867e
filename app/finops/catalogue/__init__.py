"""Price catalogue: EC2 instance types with on-demand prices, Lambda and Fargate unit prices.

:mod:`finops.catalogue.model` is the pure in-memory catalogue the rightsizing rules read;
:mod:`finops.catalogue.files` parses the packaged CSV files; :mod:`finops.catalogue.store`
loads them into the ``price_catalogue`` table (idempotent) and reads them back.
"""

from finops.catalogue.files import packaged_catalogue, parse_ec2_catalogue, parse_serverless_prices
from finops.catalogue.model import InstanceType, PriceCatalogue, ServerlessPrices
from finops.catalogue.store import load_price_catalogue, read_price_catalogue

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
