"""Bronze's Avro payloads → typed columns, with the Spark types derived from the Avro schemas.

Bronze keeps each event's Avro body as written, with the id of its writer schema. Silver
decodes it with Avro schema resolution: the writer schema (from the registry, by id) is
read into the topic's newest schema in this package, so every older version reads too; a
field an older writer did not have takes its default (null), which is what BACKWARD
compatibility promises.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from typing import Any

from pyspark.sql import Column
from pyspark.sql import functions as F
from pyspark.sql.avro.functions import from_avro

from shop_analytics.schemas.files import load_schema, load_schema_text
from shop_analytics.schemas.topics import topic_for_family

_PRIMITIVES = {
    "string": "string",
    "int": "int",
    "long": "bigint",
    "float": "float",
    "double": "double",
    "boolean": "boolean",
    "bytes": "binary",
}
_LOGICAL = {"timestamp-millis": "timestamp", "timestamp-micros": "timestamp", "uuid": "string", "date": "date"}


def spark_type(avro_type: Any) -> str:
    """Spark SQL DDL type of an Avro type (unions with null become the nullable type)."""
    if isinstance(avro_type, list):
        branches = [t for t in avro_type if t != "null"]
        if len(branches) != 1:
            raise ValueError(f"only [null, T] unions are supported, not {avro_type}")
        return spark_type(branches[0])
    if isinstance(avro_type, str):
        try:
            return _PRIMITIVES[avro_type]
        except KeyError:
            raise ValueError(f"unsupported Avro type {avro_type!r}") from None
    logical = avro_type.get("logicalType")
    if logical in _LOGICAL:
        return _LOGICAL[logical]
    kind = avro_type["type"]
    if kind == "array":
        return f"array<{spark_type(avro_type['items'])}>"
    if kind == "record":
        return record_type(avro_type)
    if kind == "enum":
        return "string"
    return spark_type(kind)


def record_type(schema: dict[str, Any]) -> str:
    fields = ", ".join(f"`{f['name']}`: {spark_type(f['type'])}" for f in schema["fields"])
    return f"struct<{fields}>"


@cache
def payload_type(family: str) -> str:
    """The struct type of a family's payload: its newest schema version."""
    return record_type(load_schema(topic_for_family(family).value_schema))


@cache
def evolved_fields(family: str) -> tuple[str, ...]:
    """Fields of the newest schema version that the first version lacked (added optional fields)."""
    spec = topic_for_family(family)
    history = spec.schema_history or (spec.value_schema,)
    first = {f["name"] for f in load_schema(history[0])["fields"]}
    return tuple(f["name"] for f in load_schema(spec.value_schema)["fields"] if f["name"] not in first)


def schema_fields(schema_json: str) -> frozenset[str]:
    """Top-level field names of an Avro record schema's JSON."""
    return frozenset(f["name"] for f in json.loads(schema_json)["fields"])


def decoded(family: str, writer_schemas: Mapping[int, str], payload: str = "payload") -> Column:
    """The payload read into the family's newest schema (null when it does not decode).

    ``writer_schemas`` maps the schema ids of the rows to their writer schema JSON; a row
    whose id is not in it stays null (and is quarantined as unparseable).
    """
    reader = load_schema_text(topic_for_family(family).value_schema)
    result: Column = F.lit(None).cast(payload_type(family))
    for schema_id, writer in sorted(writer_schemas.items()):
        record = from_avro(F.col(payload), writer, {"mode": "PERMISSIVE", "avroSchema": reader})
        result = F.when(F.col("schema_id") == schema_id, record).otherwise(result)
    return result


@cache
def line_fields(family: str) -> tuple[str, ...]:
    """Field names of the records in the payload's ``lines`` array (empty if it has none)."""
    for field in load_schema(topic_for_family(family).value_schema)["fields"]:
        if field["name"] == "lines":
            return tuple(f["name"] for f in field["type"]["items"]["fields"])
    return ()
