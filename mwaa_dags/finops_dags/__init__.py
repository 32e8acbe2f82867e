"""Shared pieces of the FinOps DAGs: assets, DAG defaults and the job step.

Listed in ``mwaa_dags/.airflowignore``, so Airflow imports it from the DAG files but never parses
it for DAGs. Imports only the standard library, Airflow and the Amazon provider at module level:
it must load on Amazon MWAA, where this project's ``app`` package is not installed.
"""
