"""Spark through dagster-pyspark, with the platform's jars checked before a session starts."""

from __future__ import annotations

import logging
import os
from urllib.parse import urlparse

from dagster_pyspark import LazyPySparkResource
from dagster_pyspark.resources import spark_session_from_config
from pydantic import Field

from shop_analytics.platform.lakehouse import ensure_catalog_tables, expand_jar_globs
from shop_analytics.platform.process import port_open


class SparkConnectUnavailable(RuntimeError):
    """The Spark Connect server the resource is set to use does not answer."""


class LakehouseSparkResource(LazyPySparkResource):
    """A lazily created SparkSession configured for the Iceberg lakehouse.

    Lazy, so steps that never touch Spark do not pay for a JVM. ``spark.jars`` may hold
    globs over the jar cache; they are expanded here, and a glob that matches nothing fails
    with a message that says which command resolves the jars. With ``sql_catalog``, the
    shared SQL catalog's tables are created before Spark opens it (see
    ``platform.lakehouse.ensure_catalog_tables``).

    With ``remote`` (``sc://host:port``) the session is a Spark Connect client of a
    long-lived server (the platform's, ``platform/spark_connect.py``), configured there
    with the same lakehouse settings: no JVM starts in the run, and ``spark_config`` is
    not used.
    """

    sql_catalog: dict[str, str] | None = Field(
        default=None, description="PyIceberg SqlCatalog properties of the shared catalog, when it is a SQL one"
    )
    remote: str | None = Field(
        default=None, description="Spark Connect URL (sc://host:port) of a long-lived server to use instead"
    )

    def _init_session(self) -> None:
        if self._spark_session is not None:
            return
        if self.remote:
            self._spark_session = connect_session(self.remote)
            return
        if self.sql_catalog:
            ensure_catalog_tables(self.sql_catalog)
        self._spark_session = spark_session_from_config(expand_jar_globs(dict(self.spark_config)))


def connect_session(url: str):
    """A Spark Connect session on ``url``; a server that does not answer is a clear error."""
    # The Connect session class itself: ``SparkSession.builder.remote`` would switch the whole
    # process to Connect for good (see ``lakehouse.session_functions``).
    from pyspark.sql.connect.session import SparkSession as ConnectSession

    where = urlparse(url.replace("sc://", "http://", 1))
    if not port_open(where.hostname or "127.0.0.1", where.port or 15002, timeout=2.0):
        raise SparkConnectUnavailable(
            f"no Spark Connect server answers at {url}: start the platform (`shop-analytics platform up`), "
            "or set SHOP_SPARK_CONNECT=false to run Spark inside each run"
        )
    _quiet_connect_client()
    return ConnectSession.builder.remote(url).getOrCreate()


def _quiet_connect_client() -> None:
    """Keep the Connect client's per-request INFO lines (whole plans, pickled functions) out of
    the log unless SPARK_CONNECT_LOG_LEVEL asks for them.

    pyspark disables its client logger at import; a later ``logging.config.dictConfig`` (Dagster
    sets up logging that way) enables every existing logger again, and the client then logged
    each plan at INFO: the demo's log grew from 84 KB to 460 KB once `platform up` had imported
    the client before Dagster configured logging.
    """
    if "SPARK_CONNECT_LOG_LEVEL" not in os.environ:
        logging.getLogger("pyspark.sql.connect.client.core").setLevel(logging.WARNING)
