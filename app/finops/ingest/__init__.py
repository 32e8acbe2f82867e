"""Billing ingestion: detect the format, scan and aggregate with DuckDB, replace periods
atomically."""
