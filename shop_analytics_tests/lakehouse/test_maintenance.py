"""Maintenance on real tables: compaction, snapshot expiry, orphan removal, and the Dagster asset.

Tables live in the ``maintenance_test`` and ``maintenance_asset_test`` namespaces.
"""

from __future__ import annotations

import os
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlparse

import pytest
from dagster import Definitions, RunConfig, materialize
from pyiceberg.catalog.sql import SqlCatalog

from shop_analytics.assets.maintenance import (
    LakehouseMaintenanceConfig,
    lakehouse_maintenance,
    lakehouse_maintenance_job,
    lakehouse_maintenance_schedule,
)
from shop_analytics.lakehouse.maintenance import (
    compact_data_files,
    data_file_stats,
    expire_snapshots,
    remove_orphan_files,
)
from shop_analytics.lakehouse.time_travel import SnapshotNotFoundError, list_snapshots, read_at_snapshot
from shop_analytics.platform import lakehouse
from shop_analytics.platform.settings import PlatformSettings
from shop_analytics.resources.iceberg import IcebergCatalogResource
from shop_analytics.resources.spark import LakehouseSparkResource

NAMESPACE = "maintenance_test"
ASSET_NAMESPACE = "maintenance_asset_test"


def fresh_table(spark, table: str, ddl: str) -> str:
    spark.sql(f"CREATE NAMESPACE IF NOT EXISTS {table.split('.')[0]}")
    spark.sql(f"DROP TABLE IF EXISTS {table} PURGE")
    spark.sql(f"CREATE TABLE {table} {ddl}")
    return table


def small_appends(spark, table: str, count: int) -> None:
    """``count`` one-row commits alternating between two days: the streaming pattern of many small files."""
    for i in range(count):
        spark.sql(f"INSERT INTO {table} VALUES ({i}, date'2026-04-0{1 + i % 2}')")


def rows(spark, table: str) -> list[tuple]:
    return sorted(tuple(r) for r in spark.table(table).collect())


def local_path(uri: str) -> Path:
    return Path(urlparse(uri).path)


def test_compaction_merges_small_files_per_partition_and_keeps_rows(spark) -> None:
    table = fresh_table(spark, f"{NAMESPACE}.compacted", "(id bigint, day date) USING iceberg PARTITIONED BY (day)")
    small_appends(spark, table, 6)
    before_rows = rows(spark, table)

    result = compact_data_files(spark, table, min_input_files=2)

    # Three small files in each of two days become one file per day.
    assert (result.files_before, result.files_after) == (6, 2)
    assert (result.rewritten_files, result.added_files) == (6, 2)
    assert result.rewritten_bytes > 0
    assert data_file_stats(spark, table).files == 2
    assert rows(spark, table) == before_rows
    assert list_snapshots(spark, table)[-1].operation == "replace"

    # Nothing left to merge: a second run rewrites nothing.
    again = compact_data_files(spark, table, min_input_files=2)
    assert (again.rewritten_files, again.files_after) == (0, 2)


def test_expiry_keeps_young_and_newest_snapshots_and_deletes_files_only_old_ones_used(spark) -> None:
    table = fresh_table(spark, f"{NAMESPACE}.expired", "(id bigint, day date) USING iceberg PARTITIONED BY (day)")
    small_appends(spark, table, 4)
    small_files = {r.file_path for r in spark.sql(f"SELECT file_path FROM {table}.files").collect()}
    compact_data_files(spark, table)
    spark.sql(f"INSERT INTO {table} VALUES (4, date'2026-04-01')")
    history = list_snapshots(spark, table)
    assert [s.operation for s in history] == ["append"] * 4 + ["replace", "append"]

    # A week's retention keeps every snapshot of a table written a moment ago.
    young = expire_snapshots(spark, table, older_than=timedelta(days=7), retain_last=1)
    assert young.snapshots_expired == 0 and len(list_snapshots(spark, table)) == 6

    # Everything is older than "now": only the newest two (the compaction and the append after
    # it) survive, and the small files only the four expired appends used are deleted.
    time.sleep(0.01)
    expired = expire_snapshots(spark, table, older_than=timedelta(0), retain_last=2)
    assert (expired.snapshots_before, expired.snapshots_after, expired.snapshots_expired) == (6, 2, 4)
    assert [s.snapshot_id for s in list_snapshots(spark, table)] == [s.snapshot_id for s in history[-2:]]
    assert expired.deleted_data_files == 4
    assert not any(local_path(f).exists() for f in small_files)
    assert rows(spark, table) == sorted([(i, date(2026, 4, 1 + i % 2)) for i in range(5)])
    with pytest.raises(SnapshotNotFoundError):
        read_at_snapshot(spark, table, history[0].snapshot_id)


def test_orphan_removal_deletes_only_old_unreferenced_files(spark, catalog: SqlCatalog) -> None:
    table = fresh_table(spark, f"{NAMESPACE}.orphans", "(id bigint) USING iceberg")
    spark.sql(f"INSERT INTO {table} VALUES (1), (2)")
    data_dir = local_path(catalog.load_table(table).location()) / "data"
    old_orphan = data_dir / "failed-write-old.parquet"
    young_orphan = data_dir / "in-flight-write.parquet"
    for stray in (old_orphan, young_orphan):
        stray.write_bytes(b"not referenced by any snapshot")
    two_days_ago = time.time() - 2 * 24 * 3600
    os.utime(old_orphan, (two_days_ago, two_days_ago))

    listed = remove_orphan_files(spark, table, older_than=timedelta(days=1), dry_run=True)
    assert [local_path(f).name for f in listed.orphan_files] == [old_orphan.name]
    assert old_orphan.exists()

    removed = remove_orphan_files(spark, table, older_than=timedelta(days=1))
    assert [local_path(f).name for f in removed.orphan_files] == [old_orphan.name]
    assert not old_orphan.exists() and young_orphan.exists()
    assert rows(spark, table) == [(1,), (2,)]

    with pytest.raises(ValueError, match="a writer's uncommitted files"):
        remove_orphan_files(spark, table, older_than=timedelta(hours=1))


def test_maintenance_asset_maintains_every_table_of_its_namespaces(
    spark, catalog: SqlCatalog, platform_settings: PlatformSettings
) -> None:
    busy = fresh_table(spark, f"{ASSET_NAMESPACE}.busy", "(id bigint, day date) USING iceberg PARTITIONED BY (day)")
    small_appends(spark, busy, 4)
    busy_rows = rows(spark, busy)
    empty = fresh_table(spark, f"{ASSET_NAMESPACE}.empty", "(id bigint) USING iceberg")

    resources = {
        # getOrCreate inside the resource returns the suite's running session.
        "spark": LakehouseSparkResource(
            spark_config=lakehouse.spark_conf(platform_settings),
            sql_catalog=lakehouse.pyiceberg_properties(platform_settings),
        ),
        "iceberg": IcebergCatalogResource(
            name=lakehouse.CATALOG_NAME, properties={"type": "sql", **lakehouse.pyiceberg_properties(platform_settings)}
        ),
    }
    config = LakehouseMaintenanceConfig(
        namespaces=[ASSET_NAMESPACE, "no_such_namespace"], snapshot_retention_hours=0, retain_last_snapshots=1
    )
    result = materialize(
        [lakehouse_maintenance],
        resources=resources,
        run_config=RunConfig(ops={lakehouse_maintenance.op.name: config}),
    )

    assert result.success
    (materialization,) = result.asset_materializations_for_node(lakehouse_maintenance.op.name)
    metadata = materialization.metadata
    assert metadata["tables_maintained"].value == 2
    assert metadata["skipped_namespaces"].value == ["no_such_namespace"]
    figures = metadata["tables"].value
    assert set(figures) == {busy, empty}
    assert (figures[busy]["files_before"], figures[busy]["files_after"]) == (4, 2)
    assert figures[busy]["snapshots_after"] == 1
    assert figures[busy]["snapshots_expired"] == figures[busy]["snapshots_before"] - 1 >= 4
    assert (figures[empty]["files_before"], figures[empty]["snapshots_after"]) == (0, 0)
    assert metadata["files_before"].value == 4 and metadata["files_after"].value == 2
    assert rows(spark, busy) == busy_rows
    assert len(catalog.load_table(busy).snapshots()) == 1


def test_maintenance_job_and_schedule_load_with_the_asset() -> None:
    resources = {
        "spark": LakehouseSparkResource(spark_config={}),
        "iceberg": IcebergCatalogResource(properties={"type": "sql"}),
    }
    defs = Definitions(
        assets=[lakehouse_maintenance],
        jobs=[lakehouse_maintenance_job],
        schedules=[lakehouse_maintenance_schedule],
        resources=resources,
    )
    Definitions.validate_loadable(defs)
    job = defs.resolve_job_def("lakehouse_maintenance_job")
    assert job.asset_layer.executable_asset_keys == {lakehouse_maintenance.key}
    schedule = defs.resolve_schedule_def("lakehouse_maintenance_schedule")
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("0 3 * * *", "UTC")
