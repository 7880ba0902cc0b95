"""Spark jobs: bronze ingest and silver transforms. Pure DataFrame functions live apart
from the readers and writers at the edges; nothing here imports Dagster."""
