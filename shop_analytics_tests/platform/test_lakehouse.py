"""Spark (Iceberg JdbcCatalog) and PyIceberg (SqlCatalog) share one catalog and warehouse."""

import pyarrow as pa
from pyiceberg.catalog.sql import SqlCatalog

from shop_analytics.platform import lakehouse
from shop_analytics.platform.settings import PlatformSettings


def _catalog(settings: PlatformSettings) -> SqlCatalog:
    return SqlCatalog(lakehouse.CATALOG_NAME, **lakehouse.pyiceberg_properties(settings))


def test_table_written_by_spark_is_read_by_pyiceberg(spark, platform_settings: PlatformSettings) -> None:
    spark.sql("CREATE NAMESPACE IF NOT EXISTS sharing")
    spark.sql("CREATE TABLE sharing.from_spark (id bigint, day date) USING iceberg PARTITIONED BY (day)")
    spark.sql("INSERT INTO sharing.from_spark VALUES (1, date'2026-11-01'), (2, date'2026-11-02'), (3, date'2026-11-02')")

    table = _catalog(platform_settings).load_table("sharing.from_spark")
    assert sorted(table.scan().to_arrow().column("id").to_pylist()) == [1, 2, 3]
    assert [field.name for field in table.spec().fields] == ["day"]


def test_table_written_by_pyiceberg_is_read_and_appended_by_spark(spark, platform_settings: PlatformSettings) -> None:
    catalog = _catalog(platform_settings)
    catalog.create_namespace_if_not_exists("sharing")
    table = catalog.create_table("sharing.from_pyiceberg", schema=pa.schema([("x", pa.int64())]))
    table.append(pa.table({"x": [10, 20]}))

    assert spark.sql("SELECT sum(x) AS s FROM sharing.from_pyiceberg").first()["s"] == 30
    spark.sql("INSERT INTO sharing.from_pyiceberg VALUES (30)")
    assert sorted(catalog.load_table("sharing.from_pyiceberg").scan().to_arrow().column("x").to_pylist()) == [10, 20, 30]
