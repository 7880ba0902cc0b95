"""Bronze payloads for silver tests: records Avro-encoded as a producer writes them.

Test records name only the fields a test is about; ``encode`` fills the others (null where
the schema allows it, else a plain value of the field's type) so the body is valid Avro.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from typing import Any

import fastavro

from shop_analytics.schemas.files import load_schema
from shop_analytics.schemas.topics import topic_for_family

_PLAIN = {"string": "x", "int": 0, "long": 0, "float": 0.0, "double": 0.0, "boolean": False, "bytes": b""}


def newest_schema(family: str) -> dict[str, Any]:
    return load_schema(topic_for_family(family).value_schema)


def _plain(avro_type: Any) -> Any:
    if isinstance(avro_type, list):
        return None if "null" in avro_type else _plain(avro_type[0])
    if isinstance(avro_type, dict):
        if avro_type.get("logicalType") in ("timestamp-millis", "timestamp-micros"):
            return datetime(2026, 1, 1, tzinfo=UTC)
        if avro_type["type"] == "array":
            return []
        if avro_type["type"] == "enum":
            return avro_type["symbols"][0]
        return _plain(avro_type["type"])
    return _PLAIN[avro_type]


def _as_avro_value(value: Any) -> Any:
    if isinstance(value, str) and value.endswith("Z") and "T" in value:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value


def encode(record: dict[str, Any], schema: dict[str, Any]) -> bytes:
    """The Avro body (no Confluent header) of ``record`` under ``schema``."""
    full = {f["name"]: _as_avro_value(record[f["name"]]) if f["name"] in record else _plain(f["type"])
            for f in schema["fields"]}  # fmt: skip
    body = io.BytesIO()
    fastavro.schemaless_writer(body, fastavro.parse_schema(schema), full)
    return body.getvalue()


def schema_text(schema: dict[str, Any]) -> str:
    return json.dumps(schema)
