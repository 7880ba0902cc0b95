"""The topic catalog and the Avro schemas it points to."""

from __future__ import annotations

import io

import fastavro
import pytest

from shop_analytics.schemas import TOPICS, Family, event_topics, load_schema, schema_path, topic, topic_for_family


def _fields(schema: dict) -> dict[str, dict]:
    return {f["name"]: f for f in schema["fields"]}


@pytest.mark.parametrize("spec", TOPICS, ids=lambda s: s.name)
def test_every_schema_parses_and_carries_event_id_type_and_millisecond_time(spec):
    for file_name in spec.versions:
        schema = load_schema(file_name)
        fastavro.parse_schema(schema)
        fields = _fields(schema)
        assert fields["event_id"]["type"] == {"type": "string", "logicalType": "uuid"}
        assert fields["event_type"]["type"] == "string"
        assert fields["event_time"]["type"] == {"type": "long", "logicalType": "timestamp-millis"}


@pytest.mark.parametrize("spec", TOPICS, ids=lambda s: s.name)
def test_key_field_is_a_required_string_of_the_value(spec):
    field = _fields(load_schema(spec.value_schema))[spec.key_field]
    assert field["type"] == "string", f"{spec.name}: key field {spec.key_field} must be a non-null string"


def test_topic_names_subjects_and_families_are_unique():
    assert len({t.name for t in TOPICS}) == len(TOPICS)
    assert len({t.subject for t in TOPICS}) == len(TOPICS)
    assert {t.family for t in TOPICS} == set(Family)
    assert all(t.subject == f"{t.name}-value" for t in TOPICS)


def test_orders_and_their_status_changes_are_co_partitioned():
    orders, status = topic_for_family(Family.ORDERS), topic_for_family(Family.ORDER_STATUS)
    assert orders.key_field == status.key_field == "customer_id"
    assert orders.partitions == status.partitions


def test_reference_topics_are_compacted_and_event_topics_are_not():
    for spec in TOPICS:
        assert spec.topic_config()["cleanup.policy"] == ("compact" if spec.reference else "delete")


def test_dead_letter_topic_is_not_written_by_the_simulator():
    assert topic("shop.dead_letter") not in event_topics()


def test_unknown_topic_and_schema_errors_name_the_known_ones():
    with pytest.raises(KeyError, match=r"shop\.orders"):
        topic("shop.nope")
    with pytest.raises(FileNotFoundError, match=r"orders_v1\.avsc"):
        schema_path("nope_v1.avsc")


def test_orders_v2_adds_only_an_optional_field_with_a_default():
    v1, v2 = _fields(load_schema("orders_v1.avsc")), _fields(load_schema("orders_v2.avsc"))
    added = set(v2) - set(v1)
    assert added == {"coupon_code"}
    assert v2["coupon_code"]["default"] is None
    assert set(v1) <= set(v2)
    assert all(v1[name] == v2[name] for name in v1)


def _order(**extra):
    line = {
        "line_number": 1,
        "product_id": "P00001",
        "quantity": 2,
        "unit_price_cents": 500,
        "line_total_cents": 1000,
        "discount_cents": 100,
    }
    record = {
        "event_id": "00000000-0000-4000-8000-000000000001",
        "event_type": "order_placed",
        "event_time": 1_795_000_000_000,
        "order_id": "ORD-1",
        "customer_id": "C0000001",
        "session_id": "SES-1",
        "channel": "web",
        "lines": [line],
        "subtotal_cents": 1000,
        "discount_cents": 100,
        "tax_cents": 72,
        "total_cents": 972,
        "currency": "USD",
        "payment_method": "card",
        "promotion_id": None,
        "shipping_city": "Boston",
    }
    record.update(extra)
    return record


def test_v1_reader_reads_v2_data_and_v2_reader_reads_v1_data():
    v1 = fastavro.parse_schema(load_schema("orders_v1.avsc"))
    v2 = fastavro.parse_schema(load_schema("orders_v2.avsc"))
    buf = io.BytesIO()
    fastavro.schemaless_writer(buf, v2, _order(coupon_code="SALE20"))
    old_reader_view = fastavro.schemaless_reader(io.BytesIO(buf.getvalue()), v2, v1)
    assert "coupon_code" not in old_reader_view and old_reader_view["order_id"] == "ORD-1"
    buf = io.BytesIO()
    fastavro.schemaless_writer(buf, v1, _order())
    new_reader_view = fastavro.schemaless_reader(io.BytesIO(buf.getvalue()), v1, v2)
    assert new_reader_view["coupon_code"] is None
