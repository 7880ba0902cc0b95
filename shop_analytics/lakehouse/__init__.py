"""Iceberg features shown on the lakehouse's own tables: time travel, scan planning, maintenance.

Spark helpers take a SparkSession and a table name relative to a catalog (``"silver.orders"``);
the catalog defaults to the session's current one, which is ``lakehouse`` locally and the Glue
catalog on AWS, so the same calls work in both environments. PyIceberg helpers take a loaded
``pyiceberg.table.Table``.
"""

from __future__ import annotations

from pyspark.sql import SparkSession


def catalog_of(spark: SparkSession, catalog: str | None = None) -> str:
    """``catalog``, else the session's current catalog (procedures need one by name)."""
    return catalog or spark.catalog.currentCatalog()


def quoted(*parts: str) -> str:
    """A multipart identifier with every part back-quoted, for names from the catalog."""
    names = [name for part in parts for name in part.split(".")]
    return ".".join(f"`{name.replace('`', '``')}`" for name in names)


def qualified(spark: SparkSession, table: str, catalog: str | None = None) -> str:
    """``table`` prefixed with its catalog, quoted for Spark SQL."""
    return quoted(catalog_of(spark, catalog), table)


def metadata_table(spark: SparkSession, table: str, name: str, catalog: str | None = None) -> str:
    """An Iceberg metadata table of ``table`` (``snapshots``, ``history``, ``files``, ``data_files``...)."""
    return quoted(catalog_of(spark, catalog), table, name)
