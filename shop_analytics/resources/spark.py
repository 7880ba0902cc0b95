"""Spark through dagster-pyspark, with the platform's jars checked before a session starts."""

from __future__ import annotations

from dagster_pyspark import LazyPySparkResource
from dagster_pyspark.resources import spark_session_from_config
from pydantic import Field

from shop_analytics.platform.lakehouse import ensure_catalog_tables, expand_jar_globs


class LakehouseSparkResource(LazyPySparkResource):
    """A lazily created SparkSession configured for the Iceberg lakehouse.

    Lazy, so steps that never touch Spark do not pay for a JVM. ``spark.jars`` may hold
    globs over the jar cache; they are expanded here, and a glob that matches nothing fails
    with a message that says which command resolves the jars. With ``sql_catalog``, the
    shared SQL catalog's tables are created before Spark opens it (see
    ``platform.lakehouse.ensure_catalog_tables``).
    """

    sql_catalog: dict[str, str] | None = Field(
        default=None, description="PyIceberg SqlCatalog properties of the shared catalog, when it is a SQL one"
    )

    def _init_session(self) -> None:
        if self._spark_session is None:
            if self.sql_catalog:
                ensure_catalog_tables(self.sql_catalog)
            self._spark_session = spark_session_from_config(expand_jar_globs(dict(self.spark_config)))
