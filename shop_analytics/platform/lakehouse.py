"""The Iceberg catalog and Spark settings shared by every engine on the local platform.

Spark (Iceberg's JdbcCatalog) and PyIceberg (SqlCatalog) read and write the same SQLite
catalog database and the same warehouse folder; both store tables in the
``iceberg_tables`` layout, so a table written by one is read by the other. The catalog
name is part of every catalog row, so both sides must use the same one.
"""

from __future__ import annotations

import glob
import sys
from pathlib import Path

from shop_analytics.platform import jars
from shop_analytics.platform.errors import PlatformError
from shop_analytics.platform.settings import PlatformSettings

CATALOG_NAME = "lakehouse"


def pyiceberg_properties(settings: PlatformSettings) -> dict[str, str]:
    """Properties for ``pyiceberg.catalog.sql.SqlCatalog(CATALOG_NAME, **props)``."""
    return {
        "uri": f"sqlite:///{settings.catalog_db}",
        "warehouse": settings.warehouse_dir.as_uri(),
    }


def ensure_catalog_tables(properties: dict[str, str]) -> None:
    """Create the SQL catalog's tables if missing (PyIceberg's SqlCatalog does on open)."""
    from pyiceberg.catalog.sql import SqlCatalog

    Path(properties["uri"].removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    SqlCatalog(CATALOG_NAME, **properties)


def expand_jar_globs(conf: dict[str, str]) -> dict[str, str]:
    """``conf`` with ``spark.jars`` globs replaced by the matching files.

    spark-submit expands globs for the classpath but SparkContext.addJar does not, so the
    session gets explicit paths. A glob that matches nothing is an error that says what to run.
    """
    patterns = [p for p in conf.get("spark.jars", "").split(",") if p]
    files: list[str] = []
    for pattern in patterns:
        matches = sorted(glob.glob(pattern))
        if not matches:
            raise PlatformError(
                f"Spark jars not found at {pattern}: run `shop-analytics platform jars` "
                "(or `platform up`) to resolve them from Maven Central"
            )
        files.extend(matches)
    return {**conf, "spark.jars": ",".join(files)} if patterns else dict(conf)


def spark_conf(settings: PlatformSettings, master: str = "local[2]") -> dict[str, str]:
    """Spark session settings: local jar paths, the shared Iceberg catalog, small-machine sizing.

    ``spark.jars`` is a glob over the resolved jar folder (Spark expands globs), so building
    this config never runs Maven; ``platform up`` or ``platform jars`` resolves the jars.
    """
    catalog = f"spark.sql.catalog.{CATALOG_NAME}"
    return {
        "spark.master": master,
        "spark.app.name": "shop-analytics",
        "spark.jars": str(jars.group_dir(settings, jars.SPARK) / "*.jar"),
        "spark.sql.extensions": "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions",
        catalog: "org.apache.iceberg.spark.SparkCatalog",
        f"{catalog}.catalog-impl": "org.apache.iceberg.jdbc.JdbcCatalog",
        f"{catalog}.uri": f"jdbc:sqlite:{settings.catalog_db}",
        f"{catalog}.warehouse": settings.warehouse_dir.as_uri(),
        # Passed through to sqlite-jdbc: a busy timeout makes a second writer (PyIceberg,
        # another stream) wait for the lock instead of failing.
        f"{catalog}.jdbc.busy_timeout": "30000",
        # JdbcCatalog's start-up check for its tables leaves a metadata cursor open, and on
        # SQLite that open read blocks every other connection's commit (each streaming
        # query's cloned session has its own). The tables are created by
        # ensure_catalog_tables (PyIceberg, same layout) instead.
        f"{catalog}.jdbc.init-catalog-tables": "false",
        # Each streaming query writes through its own cloned session's catalog; a cached
        # table in the main session would not see those commits for up to 30 s.
        f"{catalog}.cache-enabled": "false",
        "spark.sql.defaultCatalog": CATALOG_NAME,
        "spark.sql.session.timeZone": "UTC",
        # Two cores: a handful of shuffle partitions beats the default 200.
        "spark.sql.shuffle.partitions": "4",
        # Micro-batches are cached for one batch (decode once, count, write): compressing the
        # cache costs more CPU than it saves memory at these sizes (bench: about 30% of the
        # decode-and-cache pass).
        "spark.sql.inMemoryColumnarStorage.compressed": "false",
        "spark.default.parallelism": "2",
        "spark.driver.memory": "2g",
        "spark.driver.host": settings.host,
        "spark.driver.bindAddress": settings.host,
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        # Python workers (UDFs, createDataFrame) run in this interpreter, not whatever
        # `python3` is first on PATH.
        "spark.pyspark.python": sys.executable,
        "spark.sql.streaming.forceDeleteTempCheckpointLocation": "true",
    }
