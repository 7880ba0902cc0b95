"""Spark through dagster-pyspark, with the platform's jars checked before a session starts."""

from __future__ import annotations

from dagster_pyspark import LazyPySparkResource
from dagster_pyspark.resources import spark_session_from_config

from shop_analytics.platform.lakehouse import expand_jar_globs


class LakehouseSparkResource(LazyPySparkResource):
    """A lazily created SparkSession configured for the Iceberg lakehouse.

    Lazy, so steps that never touch Spark do not pay for a JVM. ``spark.jars`` may hold
    globs over the jar cache; they are expanded here, and a glob that matches nothing fails
    with a message that says which command resolves the jars.
    """

    def _init_session(self) -> None:
        if self._spark_session is None:
            self._spark_session = spark_session_from_config(expand_jar_globs(dict(self.spark_config)))
