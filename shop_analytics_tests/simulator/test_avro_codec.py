"""The compiled encoder writes exactly what fastavro writes, in the Confluent frame."""

from __future__ import annotations

import io
from collections import defaultdict

import fastavro
import pytest

from shop_analytics.schemas import TOPICS, load_schema
from shop_analytics.simulator.avro_codec import (
    UnsupportedSchema,
    compile_encoder,
    parse_wire,
    wire_header,
    write_long,
)


def _fastavro_bytes(schema: dict, record: dict) -> bytes:
    buf = io.BytesIO()
    fastavro.schemaless_writer(buf, fastavro.parse_schema(schema), record)
    return buf.getvalue()


def test_compiled_encoder_matches_fastavro_on_every_generated_record(backfill_events):
    by_topic = defaultdict(list)
    for topic, _, record in backfill_events:
        by_topic[topic].append(record)
    assert set(by_topic) == {t.name for t in TOPICS if t.family.value != "dead_letter"}
    for spec in TOPICS:
        records = by_topic.get(spec.name, [])
        schema = load_schema(spec.value_schema)
        parsed = fastavro.parse_schema(schema)
        encode = compile_encoder(schema)
        for record in records[:3000]:
            buf = io.BytesIO()
            fastavro.schemaless_writer(buf, parsed, record)
            assert encode(record) == buf.getvalue(), f"{spec.name}: {record}"


def test_encoders_with_field_groups_match_fastavro_on_every_generated_record(backfill_events):
    """The serializers' grouped, cached encoders: same bytes, also when groups repeat or miss."""
    from shop_analytics.simulator.serialization import FIELD_GROUPS, fast_serializers

    specs = {t.name: t for t in TOPICS}
    encoders = fast_serializers(specs.values(), {name: 7 for name in specs})
    grouped = {
        t
        for t, s in specs.items()
        if load_schema(s.value_schema)["namespace"] + "." + load_schema(s.value_schema)["name"] in FIELD_GROUPS
    }
    assert grouped, "no topic uses field groups"
    parsed = {t: fastavro.parse_schema(load_schema(specs[t].value_schema)) for t in grouped}
    for topic, _, record in backfill_events:
        if topic in grouped:
            buf = io.BytesIO()
            fastavro.schemaless_writer(buf, parsed[topic], record)
            assert encoders[topic](record) == wire_header(7) + buf.getvalue(), f"{topic}: {record}"


def test_field_groups_must_be_consecutive_hashable_fields():
    schema = load_schema("inventory_v1.avsc")
    with pytest.raises(ValueError, match="consecutive"):
        compile_encoder(schema, groups=[("location_id", "product_id")])
    with pytest.raises(ValueError, match="two or more"):
        compile_encoder(schema, groups=[("location_id",)])
    doubles = {
        "type": "record",
        "name": "D",
        "fields": [{"name": "a", "type": "string"}, {"name": "b", "type": "double"}],
    }
    with pytest.raises(UnsupportedSchema):
        compile_encoder(doubles, groups=[("a", "b")])


@pytest.mark.parametrize(
    "value",
    [
        0,
        1,
        -1,
        63,
        -64,
        64,
        8191,
        8192,
        -8193,
        16383,
        16384,
        2**31 - 1,
        -(2**31),
        1_795_132_800_000,
        2**63 - 1,
        -(2**63),
    ],
)
def test_long_encoding_matches_fastavro_at_the_edges(value):
    schema = {"type": "record", "name": "L", "fields": [{"name": "v", "type": "long"}]}
    assert write_long(value) == _fastavro_bytes(schema, {"v": value})


_TIMED = {
    "type": "record",
    "name": "Timed",
    "fields": [
        {"name": "id", "type": {"type": "string", "logicalType": "uuid"}},
        {"name": "at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        {"name": "n", "type": "int"},
    ],
}


@pytest.mark.parametrize(
    "at",
    [0, 1, -1, 8191, 8192, -8192, -8193, 16383, 16384, 2**27, 2**28, 1_795_132_800_000, 2**48, 2**63 - 1, -(2**63)],
)
def test_timestamps_match_fastavro_at_the_edges_of_the_table_path(at):
    record = {"id": "00000000-0000-4000-8000-000000000001", "at": at, "n": 3}
    assert compile_encoder(_TIMED)(record) == _fastavro_bytes(_TIMED, record)


@pytest.mark.parametrize("text", ["", "é" * 40, "x" * 8191, "y" * 8192, "z" * 70_000])
def test_uuid_strings_written_as_length_then_bytes_match_fastavro_at_any_length(text):
    record = {"id": text, "at": 1_795_132_800_000, "n": -5}
    assert compile_encoder(_TIMED)(record) == _fastavro_bytes(_TIMED, record)


def test_missing_optional_fields_are_written_as_their_defaults():
    schema = load_schema("orders_v2.avsc")
    record = {f["name"]: None for f in schema["fields"]}
    record.update(
        event_id="00000000-0000-4000-8000-000000000001",
        event_type="order_placed",
        event_time=1,
        order_id="O",
        customer_id="C",
        session_id="S",
        channel="web",
        lines=[],
        subtotal_cents=0,
        discount_cents=0,
        tax_cents=0,
        total_cents=0,
        currency="USD",
        payment_method="card",
        shipping_city="Boston",
    )
    del record["coupon_code"], record["promotion_id"]
    assert compile_encoder(schema)(record) == _fastavro_bytes(schema, record)


def test_nested_arrays_maps_booleans_doubles_and_bytes_are_encoded_like_fastavro():
    schema = {
        "type": "record",
        "name": "All",
        "fields": [
            {"name": "b", "type": "boolean"},
            {"name": "d", "type": "double"},
            {"name": "f", "type": "float"},
            {"name": "raw", "type": ["null", "bytes"], "default": None},
            {"name": "m", "type": {"type": "map", "values": "int"}},
            {"name": "tags", "type": {"type": "array", "items": "string"}},
            {"name": "late_null", "type": ["string", "null"]},
        ],
    }
    record = {
        "b": True,
        "d": 1.25,
        "f": 0.5,
        "raw": b"\x00\xff",
        "m": {"a": 1, "b": -2},
        "tags": ["x", "é"],
        "late_null": None,
    }
    assert compile_encoder(schema)(record) == _fastavro_bytes(schema, record)


def test_wire_header_frames_the_body_with_magic_byte_and_schema_id():
    encode = compile_encoder(load_schema("inventory_v1.avsc"), wire_header(4242))
    record = {
        "event_id": "00000000-0000-4000-8000-000000000001",
        "event_type": "sale",
        "event_time": 5,
        "location_id": "S001",
        "location_type": "store",
        "product_id": "P00001",
        "quantity_delta": -1,
        "stock_after": 3,
        "reference_id": None,
    }
    data = encode(record)
    schema_id, body = parse_wire(data)
    assert data[0] == 0 and schema_id == 4242
    assert body == _fastavro_bytes(load_schema("inventory_v1.avsc"), record)


def test_a_frame_without_the_magic_byte_is_rejected():
    with pytest.raises(ValueError, match="magic byte"):
        parse_wire(b"\x01\x00\x00\x00\x01abc")


def test_general_unions_are_refused_so_callers_can_fall_back():
    schema = {"type": "record", "name": "U", "fields": [{"name": "v", "type": ["int", "string"]}]}
    with pytest.raises(UnsupportedSchema):
        compile_encoder(schema)
