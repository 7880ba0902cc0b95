"""The pure silver steps on a few hand-made rows: parsing, validation, duplicates, lateness."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from pyspark.sql import functions as F

from shop_analytics.silver import transform
from shop_analytics.silver.entities import event_entity
from shop_analytics.silver.validation import Catalog, validate
from shop_analytics_tests.silver.avro_payloads import encode, newest_schema, schema_text

T0 = datetime(2026, 11, 20, 10, 0, 0)
BRONZE = (
    "event_id string, event_type string, event_time timestamp, payload binary, schema_id int, "
    "kafka_topic string, kafka_partition int, kafka_offset bigint, kafka_timestamp timestamp, ingested_at timestamp"
)
CATALOG = Catalog(list_prices={"P1": 1000, "P2": 250}, locations=frozenset({"S1", "W1"}))


def _order(event_id: str, **changes) -> dict:
    lines = [
        {"line_number": 1, "product_id": "P1", "quantity": 2, "unit_price_cents": 1000, "line_total_cents": 2000, "discount_cents": 200},
        {"line_number": 2, "product_id": "P2", "quantity": 1, "unit_price_cents": 250, "line_total_cents": 250, "discount_cents": 0},
    ]  # fmt: skip
    record = {
        "event_id": event_id, "event_type": "order_placed", "event_time": "2026-11-20T10:00:00.000Z",
        "order_id": f"O-{event_id}", "customer_id": "C1", "session_id": "S-1", "channel": "web", "lines": lines,
        "subtotal_cents": 2250, "discount_cents": 200, "tax_cents": 205, "total_cents": 2255, "currency": "USD",
        "payment_method": "card", "shipping_city": "Lyon",
    }  # fmt: skip
    for key, value in changes.items():
        if key == "line0":
            record["lines"][0].update(value)
        else:
            record[key] = value
    return record


SCHEMA_ID = 2


def _bronze(spark, records: list[tuple[dict | bytes, int, int, datetime]], family: str = "orders"):
    """Bronze rows of ``records`` (dicts Avro-encoded with the family's schema; bytes as they are)."""
    rows = []
    for record, partition, offset, event_time in records:
        body = record if isinstance(record, bytes) else encode(record, newest_schema(family))
        event_id = record["event_id"] if isinstance(record, dict) else f"raw-{offset}"
        rows.append((event_id, "x", event_time, body, SCHEMA_ID, f"shop.{family}", partition, offset, T0, T0))
    return spark.createDataFrame(rows, BRONZE)


def _parsed(spark, records, family: str = "orders"):
    entity = event_entity(family)
    return transform.parse(_bronze(spark, records, family), entity, {SCHEMA_ID: schema_text(newest_schema(family))})


def _reasons(spark, records, entity="orders") -> dict[str, str | None]:
    checked = validate(_parsed(spark, records, entity), event_entity(entity), CATALOG)
    return {r["event_id"]: r["reason"] for r in checked.collect()}


def test_a_consistent_order_passes_and_each_broken_rule_names_its_reason(spark) -> None:
    records = [
        (_order("ok"), 0, 1, T0),
        (_order("neg", line0={"quantity": -2}), 0, 2, T0),
        (_order("unk", line0={"product_id": "P9999X"}), 0, 3, T0),
        (_order("price", total_cents=9999), 0, 4, T0),
        (_order("line", line0={"line_total_cents": 1999}), 0, 5, T0),
        (_order("fut"), 0, 6, T0 + timedelta(days=3)),
        (_order("miss", customer_id=""), 0, 7, T0),
        (_order("nolines", lines=[]), 0, 8, T0),
        (b"\x02\xff\xff", 0, 9, T0),  # a body cut off after its first field
    ]
    assert _reasons(spark, records) == {
        "ok": None,
        "neg": "negative_quantity",  # also breaks its line total: the first rule wins
        "unk": "unknown_product",
        "price": "price_mismatch",
        "line": "price_mismatch",
        "fut": "future_timestamp",
        "miss": "missing_required",
        "nolines": "missing_required",
        "raw-9": "unparseable_payload",
    }


def test_future_is_judged_against_arrival_with_a_tolerance(spark) -> None:
    just_inside = T0 + timedelta(seconds=299)
    just_outside = T0 + timedelta(seconds=301)
    records = [(_order("in"), 0, 1, just_inside), (_order("out"), 0, 2, just_outside)]
    assert _reasons(spark, records) == {"in": None, "out": "future_timestamp"}


def test_clickstream_price_is_checked_against_the_catalog_and_unknown_location_for_inventory(spark) -> None:
    click = {"event_id": "c1", "event_type": "product_view", "session_id": "s", "visitor_id": "v", "channel": "web",
             "product_id": "P2", "unit_price_cents": 251}  # fmt: skip
    ok_click = dict(click, event_id="c2", unit_price_cents=250)
    assert _reasons(spark, [(click, 0, 1, T0), (ok_click, 0, 2, T0)], "clickstream") == {
        "c1": "price_mismatch",
        "c2": None,
    }
    move = {"event_id": "i1", "event_type": "sale", "location_id": "S9", "location_type": "store", "product_id": "P1",
            "quantity_delta": -1, "stock_after": 3}  # fmt: skip
    negative = dict(move, event_id="i2", location_id="S1", stock_after=-1)
    assert _reasons(spark, [(move, 0, 1, T0), (negative, 0, 2, T0)], "inventory") == {
        "i1": "unknown_location",
        "i2": "negative_quantity",
    }


def test_first_occurrence_keeps_the_earliest_offset(spark) -> None:
    frame = _bronze(spark, [(_order("a"), 1, 7, T0), (_order("a"), 1, 3, T0), (_order("b"), 0, 5, T0)])
    kept = {(r["event_id"], r["kafka_offset"]) for r in transform.first_occurrences(frame).collect()}
    assert kept == {("a", 3), ("b", 5)}


def test_a_duplicate_in_the_next_batch_is_dropped_against_what_silver_holds(spark) -> None:
    seen = spark.createDataFrame([("a",)], "event_id string")
    frame = _bronze(spark, [(_order("a"), 0, 9, T0), (_order("c"), 0, 10, T0)])
    assert [r["event_id"] for r in transform.not_seen(frame, seen).collect()] == ["c"]


@pytest.mark.parametrize(
    ("behind_s", "late"),
    [(599, False), (600, False), (601, True)],  # allowed lateness 600 s: exactly at the watermark is on time
)
def test_late_is_measured_against_the_partitions_newest_earlier_event(spark, behind_s: int, late: bool) -> None:
    records = [
        (_order("first"), 0, 1, T0),
        (_order("other-partition"), 1, 1, T0 + timedelta(hours=5)),  # another partition does not move p0's watermark
        (_order("probe"), 0, 2, T0 - timedelta(seconds=behind_s)),
    ]
    marked = transform.mark_late(_bronze(spark, records), {}, allowed_lateness_s=600)
    flags = {r["event_id"]: r["is_late"] for r in marked.collect()}
    assert flags == {"first": False, "other-partition": False, "probe": late}


def test_the_watermark_carries_over_from_earlier_batches(spark) -> None:
    previous = {0: int((T0 + timedelta(hours=1)).timestamp() * 1000)}
    marked = transform.mark_late(_bronze(spark, [(_order("x"), 0, 50, T0)]), previous, allowed_lateness_s=600)
    assert marked.first()["is_late"] is True
    assert transform.newest_per_partition(marked, previous) == previous  # an older event does not move it back


def test_silver_rows_and_lines_are_typed_from_the_payload(spark) -> None:
    entity = event_entity("orders")
    rows = (
        _parsed(spark, [(_order("o1", coupon_code="SALE10"), 2, 4, T0)])
        .withColumn("is_late", F.lit(False))
        .withColumn("processed_at", F.lit(T0))
    )
    order = transform.silver_rows(rows, entity, evolved=("coupon_code",)).first().asDict()
    assert (order["order_id"], order["line_count"], order["item_count"], order["total_cents"]) == ("O-o1", 2, 3, 2255)
    assert (order["kafka_partition"], order["kafka_offset"], order["coupon_code"]) == (2, 4, "SALE10")
    assert "coupon_code" not in transform.silver_rows(rows, entity).columns
    lines = sorted(transform.line_rows(rows, entity).collect(), key=lambda r: r["line_number"])
    assert [(r["order_id"], r["line_number"], r["product_id"], r["quantity"]) for r in lines] == [
        ("O-o1", 1, "P1", 2),
        ("O-o1", 2, "P2", 1),
    ]
