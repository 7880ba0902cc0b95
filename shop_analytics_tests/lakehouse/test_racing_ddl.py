"""Runs that start together on a new lakehouse all create their tables (issue 5's freshness bench
lost a run to ``CREATE NAMESPACE IF NOT EXISTS`` racing another run's in the JDBC catalog)."""

from __future__ import annotations

import uuid

import pytest

from shop_analytics.lakehouse import create_table_if_missing
from shop_analytics_tests.lakehouse.racing import run_at_once

pytestmark = pytest.mark.integration

WRITERS = 6
COLUMNS = (("id", "bigint"), ("name", "string"))


def test_concurrent_creates_of_one_new_namespace_and_table_all_succeed(spark) -> None:
    namespace = f"race_{uuid.uuid4().hex[:8]}"
    # Half of them create the same shared table (the dead letter of concurrent ingest runs).
    errors = run_at_once(
        WRITERS,
        lambda index: create_table_if_missing(spark, f"{namespace}.{'shared' if index % 2 else f't{index}'}", COLUMNS),
    )
    assert not errors, errors
    tables = {row.tableName for row in spark.sql(f"SHOW TABLES IN {namespace}").collect()}
    assert tables == {"shared", "t0", "t2", "t4"}
