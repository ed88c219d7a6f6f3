"""Thin Dagster wiring over the framework-free `orchestration.lever` library and the dbt project."""
