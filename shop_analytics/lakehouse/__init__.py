"""Iceberg features shown on the lakehouse's own tables: time travel, scan planning, maintenance.

Spark helpers take a SparkSession and a table name relative to a catalog (``"silver.orders"``);
the catalog defaults to the session's current one, which is ``lakehouse`` locally and the Glue
catalog on AWS, so the same calls work in both environments. PyIceberg helpers take a loaded
``pyiceberg.table.Table``.
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

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


def create_table_if_missing(
    spark: SparkSession,
    name: str,
    columns: tuple[tuple[str, str], ...],
    partitioning: str = "",
    properties: dict[str, str] | None = None,
) -> None:
    """Create ``name``'s namespace and the format-v2 Iceberg table if they do not exist."""
    # Asked on every ingest start: one lookup, where the IF NOT EXISTS statements below are
    # two catalog round trips (about 0.5 s a table over Spark Connect).
    if spark.catalog.tableExists(name):
        return
    spec = ", ".join(f"`{column}` {kind}" for column, kind in columns)
    partitioned = f" PARTITIONED BY ({partitioning})" if partitioning else ""
    props = ", ".join(f"'{k}'='{v}'" for k, v in {"format-version": "2", **(properties or {})}.items())
    _ddl_racing(spark, f"CREATE NAMESPACE IF NOT EXISTS {name.rsplit('.', 1)[0]}")
    _ddl_racing(spark, f"CREATE TABLE IF NOT EXISTS {name} ({spec}) USING iceberg{partitioned} TBLPROPERTIES ({props})")


DDL_ATTEMPTS = 3


def _ddl_racing(spark: SparkSession, statement: str) -> None:
    """Run an ``IF NOT EXISTS`` statement that another writer may be running at the same time.

    IF NOT EXISTS is a check then a create: two runs starting together (concurrent ingest
    runs on a new lakehouse) both pass the check and one create fails, in the JDBC catalog
    as a unique-key violation. The statement is idempotent, so it is run again, and then
    finds what the other one created; an error that stays is raised.
    """
    for attempt in range(1, DDL_ATTEMPTS + 1):
        try:
            spark.sql(statement)
            return
        except Exception:  # the race surfaces as py4j, AnalysisException or a Connect gRPC error
            if attempt == DDL_ATTEMPTS:
                raise
            time.sleep(0.2 * attempt + random.uniform(0.0, 0.3))


def snapshot_row_count(catalog: Any, table: str) -> int:
    """Rows of a PyIceberg table from its current snapshot's summary (0 when missing or empty)."""
    if not catalog.table_exists(table):
        return 0
    snapshot = catalog.load_table(table).current_snapshot()
    return int(snapshot.summary.get("total-records", 0)) if snapshot and snapshot.summary else 0


def is_remote_session(spark: Any) -> bool:
    """True for a Spark Connect session (the batch functions then run on the server)."""
    return type(spark).__module__.startswith("pyspark.sql.connect")


_CONNECT_MODE = "SPARK_CONNECT_MODE_ENABLED"
_connect_lock = threading.Lock()
_connect_users = 0
_connect_owned = [False]  # whether the variable was set here (else someone else owns it)


@contextmanager
def session_functions(spark: Any) -> Iterator[None]:
    """Let ``pyspark.sql.functions`` build columns for ``spark``'s kind of session.

    pyspark 3.5 chooses between classic and Spark Connect columns by one process-wide
    variable, which ``SparkSession.builder.remote`` sets for good (and then refuses classic
    sessions). A run that uses both kinds, one after the other, sets it only around the
    Connect work.
    """
    if not is_remote_session(spark):
        yield
        return
    global _connect_users
    with _connect_lock:  # concurrent ingests (threads) share the switch: the last one out clears it
        if _connect_users == 0 and not os.environ.get(_CONNECT_MODE):
            os.environ[_CONNECT_MODE] = "1"
            _connect_owned[0] = True
        _connect_users += 1
    try:
        yield
    finally:
        with _connect_lock:
            _connect_users -= 1
            if _connect_users == 0 and _connect_owned[0]:
                os.environ.pop(_CONNECT_MODE, None)
                _connect_owned[0] = False
