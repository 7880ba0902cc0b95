"""A small click-event schema and Confluent-framed Avro records of it, for tests."""

import io

import fastavro

from shop_analytics.simulator.avro_codec import wire_header

CLICK_SCHEMA = {
    "type": "record",
    "name": "Click",
    "namespace": "shop.test",
    "fields": [
        {"name": "event_id", "type": "string"},
        {"name": "event_type", "type": "string"},
        {"name": "event_time", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        {"name": "page", "type": "string"},
    ],
}


def confluent_frame(schema_id: int, schema: dict, record: dict) -> bytes:
    """Magic byte 0 + 4-byte schema id + the Avro body, as Confluent serializers write it."""
    body = io.BytesIO()
    fastavro.schemaless_writer(body, fastavro.parse_schema(schema), record)
    return wire_header(schema_id) + body.getvalue()
