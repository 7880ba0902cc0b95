"""The three derived assets on real Iceberg tables, in a namespace of their own.

A first run builds everything; a second, after new rows on one day, recomputes only the
days those rows can change (untouched partitions keep their files) and ends equal to a
full rebuild; a third, with nothing new, writes nothing.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from dagster import DagsterInstance, Definitions, RetryPolicy, define_asset_job, materialize

from shop_analytics.assets.silver_derived import (
    DEFAULT_PROCESSED_LOOKBACK,
    build_silver_derived_assets,
    ensure_table,
    touched_days,
)
from shop_analytics.resources.spark import LakehouseSparkResource
from shop_analytics.silver.anomalies import IMPOSSIBLE_VALUE, ZSCORE_REVENUE, detect_anomalies
from shop_analytics.silver.sessions import sessionize
from shop_analytics.silver.tables import ANOMALIES, CLICKSTREAM, ORDERS, SALES_WINDOWS, SESSIONS, STORE_SALES
from shop_analytics.silver.windows import sales_windows
from shop_analytics_tests.silver_derived.frames import frame, records

pytestmark = pytest.mark.integration

NS = "silver_derived_test"
SOURCES = (ORDERS, STORE_SALES, CLICKSTREAM)
DERIVED = (SALES_WINDOWS, SESSIONS, ANOMALIES)
FIRST, SECOND = "2026-01-10 00:00:00", "2026-01-10 01:00:00"  # silver_processed_at of each load
BASELINE = [1_000, 1_100, 900, 1_050, 950, 1_000, 1_020, 980, 1_010, 990, 1_000, 1_000, 10_000]


def _sale(event_time: str, total: int, sale_id: str) -> dict:
    return {"event_id": sale_id, "event_time": event_time, "sale_id": sale_id, "store_id": "s1",
            "total_cents": total, "item_count": 1, "line_count": 1, "is_late": False}  # fmt: skip


def _order(event_time: str, order_id: str, total: int = 2_000, items: int = 2) -> dict:
    return {"event_id": order_id, "event_time": event_time, "order_id": order_id, "channel": "web",
            "total_cents": total, "item_count": items, "line_count": 1, "is_late": False}  # fmt: skip


def _click(event_time: str, visitor: str, event_type: str, event_id: str, **extra: Any) -> dict:
    return {"event_id": event_id, "event_time": event_time, "event_type": event_type, "visitor_id": visitor,
            "channel": "web", "device": "desktop", "is_late": False, **extra}  # fmt: skip


FIRST_LOAD = {
    STORE_SALES: [
        *(
            _sale(f"2026-01-05 {9 + i // 12:02d}:{i % 12 * 5:02d}:00", cents, f"sale-{i}")
            for i, cents in enumerate(BASELINE)
        ),
        _sale("2026-01-05 11:00:00", -5, "refund"),
        _sale("2026-01-02 12:00:00", 700, "old-sale"),
    ],
    ORDERS: [
        _order("2026-01-05 10:01:00", "o1"),
        _order("2026-01-05 10:02:00", "o2"),
        _order("2026-01-05 12:00:00", "bulk", items=500),
        _order("2026-01-02 12:00:00", "old-order"),
    ],
    CLICKSTREAM: [
        _click("2026-01-05 10:00:00", "v2", "session_start", "c1"),
        _click("2026-01-05 10:02:00", "v2", "purchase", "c2", order_id="o2"),
        _click("2026-01-05 23:50:00", "v1", "session_start", "c3"),
        _click("2026-01-06 00:10:00", "v1", "page_view", "c4"),
        _click("2026-01-05 10:00:30", "v4", "session_start", "c5"),  # o1's: conversion stays <= 1
        _click("2026-01-02 12:00:00", "v3", "session_start", "c7"),
    ],
}
# New rows on 2026-01-06 only: v1's session (started the day before) grows, a web order.
SECOND_LOAD = {
    CLICKSTREAM: [_click("2026-01-06 00:35:00", "v1", "page_view", "c6")],
    ORDERS: [_order("2026-01-06 00:30:00", "o3")],
}


def _load(spark, rows: dict, processed_at: str) -> None:
    for table, table_rows in rows.items():
        stamped = [{**row, "silver_processed_at": processed_at} for row in table_rows]
        frame(spark, table, stamped).writeTo(f"{NS}.{table.name}").append()


def _run(instance: DagsterInstance) -> dict[str, dict[str, Any]]:
    # The test session's SparkSession is already up: an empty config makes the resource reuse it.
    # No processing-time lookback, so each run's touched days are exactly those of the new
    # rows (the default lookback is checked on its own below).
    assets = build_silver_derived_assets(NS, processed_lookback=timedelta(0))
    result = materialize(assets, instance=instance, resources={"spark": LakehouseSparkResource(spark_config={})})
    assert result.success
    return {
        event.asset_key.path[-1]: {k: v.value for k, v in event.materialization.metadata.items()}
        for event in result.get_asset_materialization_events()
    }


def _files(spark, table, day: str) -> set[str]:
    """Data files of a derived table in the day partition ``day``."""
    column = {SALES_WINDOWS.name: "window_start", SESSIONS.name: "session_start"}[table.name]
    query = f"SELECT file_path FROM {NS}.{table.name}.files WHERE partition.{column}_day = DATE '{day}'"
    return {row["file_path"] for row in spark.sql(query).collect()}


def _table(spark, table) -> list[dict]:
    return records(spark.table(f"{NS}.{table.name}").drop("detected_at"))


def _full_rebuild(spark) -> dict[str, list[dict]]:
    orders, sales, clicks = (spark.table(f"{NS}.{t.name}") for t in SOURCES)
    windows = sales_windows(orders, sales, clicks)
    return {
        SALES_WINDOWS.name: records(windows),
        SESSIONS.name: records(sessionize(clicks)),
        ANOMALIES.name: records(detect_anomalies(windows, orders, sales).drop("detected_at")),
    }


@pytest.fixture(scope="module")
def lakehouse(spark):
    spark.sql(f"CREATE NAMESPACE IF NOT EXISTS {NS}")
    for table in (*SOURCES, *DERIVED):
        spark.sql(f"DROP TABLE IF EXISTS {NS}.{table.name}")
    for table in SOURCES:
        ensure_table(spark, f"{NS}.{table.name}", table)
    return spark


def test_runs_rebuild_only_touched_days_and_match_a_full_rebuild(lakehouse) -> None:
    spark = lakehouse
    _load(spark, FIRST_LOAD, FIRST)
    with DagsterInstance.ephemeral() as instance:
        first = _run(instance)
        assert first["sales_windows"]["recomputed_days"] == [f"2026-01-0{d}" for d in (1, 2, 4, 5, 6)]
        assert first["sessions"]["rows_written"] == 4
        assert first["anomalies"]["anomalies_by_rule"] == {IMPOSSIBLE_VALUE: 2, ZSCORE_REVENUE: 1}
        old_files = {t.name: _files(spark, t, "2026-01-02") for t in (SALES_WINDOWS, SESSIONS)}
        assert all(old_files.values())

        _load(spark, SECOND_LOAD, SECOND)
        second = _run(instance)
        assert second["sales_windows"]["recomputed_days"] == ["2026-01-05", "2026-01-06"]
        assert second["sessions"]["recomputed_days"] == ["2026-01-05", "2026-01-06"]
        assert second["anomalies"]["recomputed_days"] == ["2026-01-05", "2026-01-06", "2026-01-07"]
        assert second["sessions"]["rows_replaced"] == 3 and second["sessions"]["rows_written"] == 3
        # Untouched days keep their data files: they were not rewritten.
        assert {t.name: _files(spark, t, "2026-01-02") for t in (SALES_WINDOWS, SESSIONS)} == old_files

        expected = _full_rebuild(spark)
        for table in DERIVED:
            assert _table(spark, table) == expected[table.name], table.name
        (v1,) = [s for s in expected[SESSIONS.name] if s["visitor_id"] == "v1"]
        assert (v1["session_end"], v1["events"]) == ("2026-01-06 00:35:00", 3)

        # The default lookback re-reads rows processed shortly before the watermark (a
        # silver batch may commit after a newer one): here the second load's day again.
        watermark = second["sessions"]["source_watermark"]
        since = {CLICKSTREAM.name: watermark[CLICKSTREAM.name]}
        clicks = {CLICKSTREAM.name: f"{NS}.{CLICKSTREAM.name}"}
        assert touched_days(spark, clicks, since, timedelta(0))[0] == set()
        assert touched_days(spark, clicks, since, DEFAULT_PROCESSED_LOOKBACK)[0] == {date(2026, 1, 6)}

        third = _run(instance)
        assert {name: meta["days_recomputed"] for name, meta in third.items()} == {
            "sales_windows": 0, "sessions": 0, "anomalies": 0,
        }  # fmt: skip


def test_missing_source_tables_fail_with_the_asset_to_materialize(spark) -> None:
    sessions_asset = build_silver_derived_assets("silver_derived_missing")[1]
    # In a job with a retry policy, as the scheduled silver jobs run (shorter delays).
    job = Definitions(
        assets=[sessions_asset],
        jobs=[define_asset_job("missing_sources", op_retry_policy=RetryPolicy(max_retries=2, delay=0.1))],
        resources={"spark": LakehouseSparkResource(spark_config={})},
    ).resolve_job_def("missing_sources")
    with DagsterInstance.ephemeral() as instance:
        result = job.execute_in_process(instance=instance, raise_on_error=False)
    assert not result.success
    (failure,) = result.get_step_failure_events()
    message = failure.step_failure_data.error.message
    assert "silver_derived_missing.clickstream" in message and "silver/clickstream" in message
    # Failed at once, not retried: retrying cannot make the table appear.
    assert not [e for e in result.all_events if e.event_type_value == "STEP_UP_FOR_RETRY"]
