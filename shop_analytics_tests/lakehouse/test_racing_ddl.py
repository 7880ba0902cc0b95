"""Runs that start together on a new lakehouse all create their tables (issue 5's freshness bench
lost a run to ``CREATE NAMESPACE IF NOT EXISTS`` racing another run's in the JDBC catalog)."""

from __future__ import annotations

import threading
import uuid

import pytest

from shop_analytics.lakehouse import create_table_if_missing

pytestmark = pytest.mark.integration

WRITERS = 6
COLUMNS = (("id", "bigint"), ("name", "string"))


def test_concurrent_creates_of_one_new_namespace_and_table_all_succeed(spark) -> None:
    namespace = f"race_{uuid.uuid4().hex[:8]}"
    start = threading.Barrier(WRITERS)
    errors: list[BaseException] = []

    def create(index: int) -> None:
        start.wait()
        try:
            # Half of them create the same shared table (the dead letter of concurrent ingest runs).
            create_table_if_missing(spark, f"{namespace}.{'shared' if index % 2 else f't{index}'}", COLUMNS)
        except BaseException as exc:  # collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=create, args=(i,)) for i in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    tables = {row.tableName for row in spark.sql(f"SHOW TABLES IN {namespace}").collect()}
    assert tables == {"shared", "t0", "t2", "t4"}
