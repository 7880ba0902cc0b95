"""Iceberg features shown on real tables of the shared catalog: partition pruning, time travel,
schema evolution without rewrites, and concurrent commits (Spark threads and a PyIceberg process).

Every table lives in the ``iceberg_features_test`` namespace so other suites sharing the
catalog never see it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from datetime import date, timedelta
from pathlib import Path

import pyarrow as pa
import pytest
from pyiceberg.catalog.sql import SqlCatalog
from pyiceberg.exceptions import CommitFailedException

from shop_analytics.lakehouse.scan_planning import day_filter, plan_scan
from shop_analytics.lakehouse.time_travel import (
    SnapshotNotFoundError,
    arrow_at_snapshot,
    arrow_at_time,
    list_snapshots,
    pyiceberg_snapshots,
    read_at_snapshot,
    read_at_time,
)
from shop_analytics.platform import lakehouse
from shop_analytics.platform.settings import PlatformSettings

NAMESPACE = "iceberg_features_test"
REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module", autouse=True)
def namespace(spark) -> str:
    spark.sql(f"CREATE NAMESPACE IF NOT EXISTS {NAMESPACE}")
    return NAMESPACE


def fresh_table(spark, name: str, ddl: str) -> str:
    """``NAMESPACE.name`` created anew from ``ddl`` (columns and clauses after the name)."""
    table = f"{NAMESPACE}.{name}"
    spark.sql(f"DROP TABLE IF EXISTS {table} PURGE")
    spark.sql(f"CREATE TABLE {table} {ddl}")
    return table


def file_paths(spark, table: str) -> set[str]:
    return {row.file_path for row in spark.sql(f"SELECT file_path FROM {table}.files").collect()}


# --- partition pruning -------------------------------------------------------------------------


def test_scan_filtered_to_one_event_day_plans_only_that_days_files(spark, catalog: SqlCatalog) -> None:
    table = fresh_table(
        spark, "events_by_day", "(event_id bigint, event_time timestamp, kind string) USING iceberg "
        "PARTITIONED BY (days(event_time))",
    )
    # One commit per day, three events each: each commit writes one file in its day's partition.
    for day in (1, 2, 3):
        spark.sql(
            f"INSERT INTO {table} VALUES "
            f"({day * 10 + 1}, timestamp'2026-03-0{day} 00:00:00', 'view'), "
            f"({day * 10 + 2}, timestamp'2026-03-0{day} 12:30:00', 'cart'), "
            f"({day * 10 + 3}, timestamp'2026-03-0{day} 23:59:59', 'order')"
        )
    events = catalog.load_table(table)

    one_day = plan_scan(events, day_filter(events, "event_time", date(2026, 3, 2)))
    assert one_day.file_count == 1
    assert one_day.partitions == {(("event_time_day", "2026-03-02"),)}
    assert one_day.record_count == 3
    assert one_day.total_files == 3 and one_day.pruned_files == 2

    two_days = plan_scan(events, day_filter(events, "event_time", date(2026, 3, 2), date(2026, 3, 3)))
    assert two_days.file_count == 2
    assert two_days.partitions == {(("event_time_day", "2026-03-02"),), (("event_time_day", "2026-03-03"),)}

    everything = plan_scan(events)
    assert everything.file_count == 3
    assert set(everything.paths) == file_paths(spark, table)
    assert plan_scan(events, day_filter(events, "event_time", date(2026, 3, 4))).file_count == 0

    # The planned file really holds the day's rows, and only them.
    planned_ids = spark.read.parquet(one_day.paths[0]).select("event_id").collect()
    assert sorted(row.event_id for row in planned_ids) == [21, 22, 23]


# --- time travel -------------------------------------------------------------------------------


def test_reading_as_of_an_earlier_snapshot_returns_that_commits_rows(spark, catalog: SqlCatalog) -> None:
    table = fresh_table(spark, "orders_history", "(order_id bigint, status string) USING iceberg")
    spark.sql(f"INSERT INTO {table} VALUES (1, 'placed'), (2, 'placed')")
    spark.sql(f"INSERT INTO {table} VALUES (3, 'placed')")
    spark.sql(f"DELETE FROM {table} WHERE order_id = 1")
    first, second, third = list_snapshots(spark, table)
    assert (first.operation, second.operation) == ("append", "append")
    # A whole-file delete is "delete"; a copy-on-write rewrite of a file is "overwrite".
    assert third.operation in {"delete", "overwrite"}
    assert second.parent_id == first.snapshot_id and third.parent_id == second.snapshot_id

    def rows(frame) -> list[tuple[int, str]]:
        return sorted((r.order_id, r.status) for r in frame.collect())

    assert rows(spark.table(table)) == [(2, "placed"), (3, "placed")]
    assert rows(read_at_snapshot(spark, table, first.snapshot_id)) == [(1, "placed"), (2, "placed")]
    assert rows(spark.sql(f"SELECT * FROM {table} VERSION AS OF {first.snapshot_id}")) == [(1, "placed"), (2, "placed")]
    assert rows(read_at_time(spark, table, second.committed_at)) == [(1, "placed"), (2, "placed"), (3, "placed")]
    # A millisecond before the second commit, the table was still the first one.
    before_second = second.committed_at - timedelta(milliseconds=1)
    assert rows(read_at_time(spark, table, before_second)) == [(1, "placed"), (2, "placed")]

    # The same history through PyIceberg, as Arrow.
    orders = catalog.load_table(table)
    assert [s.snapshot_id for s in pyiceberg_snapshots(orders)] == [first.snapshot_id, second.snapshot_id, third.snapshot_id]
    assert sorted(arrow_at_snapshot(orders, first.snapshot_id).column("order_id").to_pylist()) == [1, 2]
    assert sorted(arrow_at_time(orders, before_second).column("order_id").to_pylist()) == [1, 2]


def test_unknown_snapshot_or_time_before_history_is_a_clear_error(spark, catalog: SqlCatalog) -> None:
    table = fresh_table(spark, "short_history", "(id bigint) USING iceberg")
    spark.sql(f"INSERT INTO {table} VALUES (1)")
    (only,) = list_snapshots(spark, table)
    unknown = only.snapshot_id + 1

    with pytest.raises(SnapshotNotFoundError, match=rf"no snapshot {unknown} .*newest retained snapshots are: {only.snapshot_id}"):
        read_at_snapshot(spark, table, unknown)
    with pytest.raises(SnapshotNotFoundError, match="history starts at"):
        read_at_time(spark, table, only.committed_at - timedelta(seconds=1))
    with pytest.raises(SnapshotNotFoundError, match=f"no snapshot {unknown}"):
        arrow_at_snapshot(catalog.load_table(table), unknown)
    with pytest.raises(SnapshotNotFoundError, match="history starts at"):
        arrow_at_time(catalog.load_table(table), only.committed_at - timedelta(seconds=1))

    empty = fresh_table(spark, "no_history", "(id bigint) USING iceberg")
    with pytest.raises(SnapshotNotFoundError, match="no snapshots yet"):
        read_at_time(spark, empty, only.committed_at)


# --- schema evolution --------------------------------------------------------------------------


def test_added_column_reads_null_for_old_rows_without_rewriting_their_files(spark) -> None:
    table = fresh_table(spark, "payments", "(payment_id bigint, amount double) USING iceberg")
    spark.sql(f"INSERT INTO {table} VALUES (1, 10.0), (2, 20.0)")
    (before_alter,) = list_snapshots(spark, table)
    files_before = file_paths(spark, table)

    spark.sql(f"ALTER TABLE {table} ADD COLUMN coupon string")
    # A metadata-only change: no new snapshot, the same data files.
    assert len(list_snapshots(spark, table)) == 1
    assert file_paths(spark, table) == files_before

    spark.sql(f"INSERT INTO {table} VALUES (3, 30.0, 'WELCOME10')")
    rows = sorted((r.payment_id, r.coupon) for r in spark.table(table).collect())
    assert rows == [(1, None), (2, None), (3, "WELCOME10")]
    files_after = file_paths(spark, table)
    assert files_before < files_after and len(files_after - files_before) == 1
    # Time travel reads the old snapshot with the schema it was written with.
    assert read_at_snapshot(spark, table, before_alter.snapshot_id).columns == ["payment_id", "amount"]


def test_merge_schema_write_adds_the_new_column_and_keeps_old_files(spark) -> None:
    table = fresh_table(
        spark, "clicks", "(click_id bigint, page string) USING iceberg "
        "TBLPROPERTIES ('write.spark.accept-any-schema'='true')",
    )
    spark.createDataFrame([(1, "/home"), (2, "/cart")], "click_id bigint, page string").writeTo(table).append()
    files_before = file_paths(spark, table)

    wider = spark.createDataFrame([(3, "/checkout", "mobile")], "click_id bigint, page string, channel string")
    wider.writeTo(table).option("mergeSchema", "true").append()

    assert spark.table(table).columns == ["click_id", "page", "channel"]
    rows = sorted((r.click_id, r.channel) for r in spark.table(table).collect())
    assert rows == [(1, None), (2, None), (3, "mobile")]
    assert files_before < file_paths(spark, table)


# --- concurrent commits ------------------------------------------------------------------------


def ancestry(snapshots: dict[int, int | None], head: int) -> list[int]:
    """Snapshot ids from ``head`` back to the first commit, following parent ids."""
    chain = [head]
    while (parent := snapshots[chain[-1]]) is not None:
        chain.append(parent)
    return chain


def test_concurrent_spark_and_pyiceberg_appends_all_land_in_one_history(
    spark, catalog: SqlCatalog, platform_settings: PlatformSettings
) -> None:
    table = fresh_table(spark, "concurrent_appends", "(writer string, n bigint) USING iceberg")
    per_writer = 3
    props = lakehouse.pyiceberg_properties(platform_settings)
    other_process = subprocess.Popen(
        [sys.executable, "-m", "shop_analytics_tests.lakehouse.pyiceberg_writer", table, str(per_writer),
         props["uri"], props["warehouse"]],
        cwd=REPO_ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    assert other_process.stdout is not None and other_process.stdin is not None
    try:
        assert other_process.stdout.readline().strip() == "ready"
        start = threading.Barrier(3)
        errors: list[BaseException] = []

        def spark_writer(name: str) -> None:
            try:
                start.wait(timeout=60)
                for n in range(per_writer):
                    rows = spark.createDataFrame([(name, n)], "writer string, n bigint")
                    rows.writeTo(table).option("snapshot-property.writer", name).append()
            except BaseException as error:
                errors.append(error)

        threads = [threading.Thread(target=spark_writer, args=(name,)) for name in ("spark_a", "spark_b")]
        for thread in threads:
            thread.start()
        start.wait(timeout=60)
        other_process.stdin.write("go\n")
        other_process.stdin.flush()
        for thread in threads:
            thread.join(timeout=120)
        report = json.loads(other_process.stdout.readline())
        assert other_process.wait(timeout=60) == 0
    finally:
        if other_process.poll() is None:
            other_process.kill()
    assert not errors, errors
    print(f"PyIceberg commits retried after a conflict: {report['retries']}")

    counts = {r.writer: r.rows for r in spark.sql(f"SELECT writer, count(*) AS rows FROM {table} GROUP BY writer").collect()}
    assert counts == {"spark_a": per_writer, "spark_b": per_writer, "py": per_writer}

    snapshots = list_snapshots(spark, table)
    assert [s.operation for s in snapshots] == ["append"] * 3 * per_writer
    writers = [s.summary.get("writer") for s in snapshots]
    assert {w: writers.count(w) for w in set(writers)} == {"spark_a": per_writer, "spark_b": per_writer, "py": per_writer}
    # Every commit is an ancestor of the current snapshot: whoever lost a race committed again
    # on top of the winner, so history is one line with nothing lost and no fork.
    current = catalog.load_table(table).current_snapshot()
    assert current is not None
    parents = {s.snapshot_id: s.parent_id for s in snapshots}
    assert sorted(ancestry(parents, current.snapshot_id)) == sorted(parents)


def test_stale_writer_is_rejected_then_lands_on_top_after_refresh(spark, catalog: SqlCatalog) -> None:
    table = fresh_table(spark, "stale_writer", "(writer string, n bigint) USING iceberg")
    spark.sql(f"INSERT INTO {table} VALUES ('spark', 1)")
    stale = catalog.load_table(table)  # a writer that read the table at the first snapshot...
    spark.sql(f"INSERT INTO {table} VALUES ('spark', 2)")  # ...while another writer commits
    won = list_snapshots(spark, table)[-1]

    late_rows = pa.table({"writer": pa.array(["py"], pa.string()), "n": pa.array([3], pa.int64())})
    # Optimistic concurrency: the commit states which snapshot it built on; the catalog refuses it.
    with pytest.raises(CommitFailedException):
        stale.append(late_rows)
    assert [s.snapshot_id for s in list_snapshots(spark, table)][-1] == won.snapshot_id
    assert spark.table(table).count() == 2

    stale.refresh()
    stale.append(late_rows)
    last = list_snapshots(spark, table)[-1]
    assert last.parent_id == won.snapshot_id
    assert sorted((r.writer, r.n) for r in spark.table(table).collect()) == [("py", 3), ("spark", 1), ("spark", 2)]
