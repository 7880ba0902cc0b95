"""Silver's writes on real Iceberg tables: schema evolution from orders v1 to v2, a
re-sent event in a later batch, and a replayed batch that must not write twice.

The batch writer is driven directly with hand-made bronze frames (as Structured Streaming
calls it), against the real schema registry for the writer schemas' fields.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from pyspark.sql import functions as F

from shop_analytics.schemas.files import load_schema, load_schema_text
from shop_analytics.silver.entities import event_entity
from shop_analytics.silver.tables import PRODUCTS, STORES
from shop_analytics.silver.writer import SilverEventBatchWriter, SilverSettings, ensure_event_tables, ensure_table
from shop_analytics_tests.silver.avro_payloads import encode

SETTINGS = SilverSettings(namespace="silver_evolution_test", ops_namespace="ops_evolution_test")
ORDERS = event_entity("orders")
TABLE = ORDERS.table.qualified_in(SETTINGS.namespace)
BRONZE = (
    "event_id string, event_type string, event_time timestamp, payload binary, schema_id int, "
    "kafka_topic string, kafka_partition int, kafka_offset bigint, kafka_timestamp timestamp, ingested_at timestamp"
)
T0 = datetime(2026, 11, 20, 9, 0, 0)


@pytest.fixture(scope="module")
def schema_ids(schema_registry_url: str) -> dict[str, int]:
    client = SchemaRegistryClient({"url": schema_registry_url, "timeout": 10})
    subject = "silver-evolution-test-value"
    return {
        version: client.register_schema(subject, Schema(load_schema_text(f"orders_{version}.avsc"), "AVRO"))
        for version in ("v1", "v2")
    }


@pytest.fixture(scope="module")
def tables(spark) -> None:
    ns = SETTINGS.namespace
    ensure_table(spark, PRODUCTS, namespace=ns)
    ensure_table(spark, STORES, namespace=ns)
    spark.createDataFrame(
        [("P1", "Kettle", "home", "Acme", 1000, 600, T0, "e-p1")], ", ".join(f"{c} {k}" for c, k in PRODUCTS.columns)
    ).writeTo(PRODUCTS.qualified_in(ns)).append()
    spark.createDataFrame(
        [("W1", "warehouse", "Main", "Lyon", "ARA", 45.7, 4.8, "Europe/Paris", "00:00", "23:59", T0, "e-w1")],
        ", ".join(f"{c} {k}" for c, k in STORES.columns),
    ).writeTo(STORES.qualified_in(ns)).append()
    ensure_event_tables(spark, ORDERS, SETTINGS)


def _order(event_id: str, offset: int, schema_id: int, coupon: str | None = None) -> tuple:
    record = {
        "event_id": event_id, "event_type": "order_placed", "event_time": "2026-11-20T09:00:00.000Z",
        "order_id": f"O-{event_id}", "customer_id": "C1", "session_id": "S1", "channel": "web",
        "lines": [{"line_number": 1, "product_id": "P1", "quantity": 1, "unit_price_cents": 1000,
                   "line_total_cents": 1000, "discount_cents": 0}],
        "subtotal_cents": 1000, "discount_cents": 0, "tax_cents": 100, "total_cents": 1100, "currency": "USD",
        "payment_method": "card", "shipping_city": "Lyon",
    }  # fmt: skip
    if coupon is not None:
        record["coupon_code"] = coupon
    schema = load_schema("orders_v2.avsc" if coupon is not None else "orders_v1.avsc")
    return (event_id, "order_placed", T0, encode(record, schema), schema_id, "shop.orders", 0, offset, T0, T0)


def _files(spark) -> set[str]:
    return {r["file_path"] for r in spark.table(f"{TABLE}.files").select("file_path").collect()}


def test_v2_field_adds_a_column_without_rewriting_old_files_and_replays_write_once(
    spark, tables, schema_ids, schema_registry_url: str
) -> None:
    writer = SilverEventBatchWriter(ORDERS, "orders@evolution-test", schema_registry_url, SETTINGS)
    v1 = spark.createDataFrame([_order("a", 1, schema_ids["v1"]), _order("b", 2, schema_ids["v1"])], BRONZE)
    writer(v1, 0)
    assert "coupon_code" not in spark.table(TABLE).columns
    files_v1 = _files(spark)

    v2 = spark.createDataFrame([_order("c", 3, schema_ids["v2"], coupon="SALE10")], BRONZE)
    writer(v2, 1)
    rows = {r["event_id"]: r["coupon_code"] for r in spark.table(TABLE).select("event_id", "coupon_code").collect()}
    assert rows == {"a": None, "b": None, "c": "SALE10"}
    assert files_v1 <= _files(spark)  # the v1 files are still the table's files: nothing rewritten
    snapshot_ops = [r["operation"] for r in spark.table(f"{TABLE}.snapshots").orderBy("committed_at").collect()]
    assert snapshot_ops == ["append", "append"]

    # Spark replays batch 1 after a crash between the commit and the checkpoint: nothing doubles.
    replay = SilverEventBatchWriter(ORDERS, "orders@evolution-test", schema_registry_url, SETTINGS)
    replay(v2, 1)
    assert spark.table(TABLE).count() == 3
    assert sorted(replay.stats[0].skipped_tables) == sorted(
        [TABLE, ORDERS.lines_table.qualified_in(SETTINGS.namespace)]
    )
    assert (replay.stats[0].accepted, replay.stats[0].duplicates) == (1, 0)  # counted as the first attempt did

    # An event re-sent in a later batch is dropped against what silver holds, and counted.
    again = spark.createDataFrame([_order("a", 9, schema_ids["v1"]), _order("d", 10, schema_ids["v1"])], BRONZE)
    writer(again, 2)
    assert sorted(r["event_id"] for r in spark.table(TABLE).collect()) == ["a", "b", "c", "d"]
    batches = spark.table(SETTINGS.batches_table).where(F.col("batch_id") == 2).collect()
    assert [(b["rows_in"], b["accepted"], b["duplicates"]) for b in batches] == [(2, 1, 1)]
