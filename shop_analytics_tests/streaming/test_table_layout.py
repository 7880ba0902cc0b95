"""A bronze or dead-letter table with other columns than the ingest writes is refused at the
start with what differs, not met with a KeyError or an append failing inside a batch."""

from __future__ import annotations

import uuid

import pytest

from shop_analytics.streaming.bronze import (
    BRONZE_COLUMNS,
    DEAD_LETTER_COLUMNS,
    TableLayoutMismatch,
    ensure_tables,
    layout_problems,
)


def test_the_layout_the_ingest_writes_has_no_problems() -> None:
    assert layout_problems(dict(BRONZE_COLUMNS), BRONZE_COLUMNS) == []


def test_a_missing_a_retyped_and_an_unknown_column_are_each_named() -> None:
    actual = {**dict(BRONZE_COLUMNS), "payload": "string", "loaded_by": "string"}
    del actual["schema_id"]
    assert layout_problems(actual, BRONZE_COLUMNS) == [
        "payload is string, not binary",
        "no column schema_id int",
        "column loaded_by is not one it writes",
    ]


@pytest.mark.integration
def test_ensure_tables_refuses_a_dead_letter_table_of_another_layout(spark) -> None:
    suffix = uuid.uuid4().hex[:8]
    table, dead_letter = f"layout.events_{suffix}", f"layout.dead_letter_{suffix}"
    columns = ", ".join(f"{name} {'string' if name == 'kafka_value' else kind}" for name, kind in DEAD_LETTER_COLUMNS)
    spark.sql("CREATE NAMESPACE IF NOT EXISTS layout")
    spark.sql(f"CREATE TABLE {dead_letter} ({columns}) USING iceberg")
    with pytest.raises(TableLayoutMismatch, match=rf"{dead_letter} does not have .*kafka_value is string, not binary"):
        ensure_tables(spark, table, dead_letter)
    assert spark.catalog.tableExists(table)  # bronze itself was fine, and made
    ensure_tables(spark, table, None)  # without the dead-letter table: nothing to refuse
