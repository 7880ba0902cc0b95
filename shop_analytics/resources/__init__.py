"""Dagster resources, built per environment in one place (``build_resources``)."""
