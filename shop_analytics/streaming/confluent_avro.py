"""Decode Confluent-framed Avro in Spark with the writer schema the registry holds for each id.

The Confluent wire format (documented by Confluent) is one magic byte 0, the 4-byte
big-endian schema id, then the Avro binary body. Each record is decoded with the schema
whose id it carries, so records written with different schema versions (v1 and v2 of a
topic) are read as written. Every record leaves here either decoded or with a reason code.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

import fastavro
import fastavro.schema
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql.avro.functions import from_avro

# Reason codes of the dead-letter table.
NOT_CONFLUENT_FRAMED = "not_confluent_framed"
UNKNOWN_SCHEMA_ID = "unknown_schema_id"
AVRO_DECODE_FAILED = "avro_decode_failed"
MISSING_ENVELOPE_FIELD = "missing_envelope_field"
REASONS = (NOT_CONFLUENT_FRAMED, UNKNOWN_SCHEMA_ID, AVRO_DECODE_FAILED, MISSING_ENVELOPE_FIELD)

ENVELOPE_FIELDS = ("event_id", "event_type", "event_time")
HEADER_BYTES = 5


def with_frame(records: DataFrame, value: str = "kafka_value", known_ids: Iterable[int] = ()) -> DataFrame:
    """Add ``schema_id`` (null unless the value is Confluent-framed) and ``avro_body``.

    ``known_ids``: the ids most records are expected to carry. Their 5-byte headers are
    compared as bytes; only other values have the id parsed out of them (hex, then base
    conversion: two strings per record; about 0.1 s per 250k records into a noop sink, within
    the ingest bench's noise). Same result either way.
    """
    raw = F.col(value)
    framed = raw.isNotNull() & (F.length(raw) > HEADER_BYTES - 1) & (F.substring(raw, 1, 1) == F.lit(b"\x00"))
    parsed = F.when(framed, F.conv(F.hex(F.substring(raw, 2, 4)), 16, 10).cast("int"))
    header = F.substring(raw, 1, HEADER_BYTES)
    schema_id: Column | None = None
    for known in sorted(set(known_ids)):
        is_known = header == F.lit(b"\x00" + known.to_bytes(HEADER_BYTES - 1, "big"))
        schema_id = F.when(is_known, F.lit(known)) if schema_id is None else schema_id.when(is_known, F.lit(known))
    return records.withColumns(
        {
            "schema_id": parsed if schema_id is None else schema_id.otherwise(parsed),
            "avro_body": F.when(framed, F.expr(f"substring({value}, {HEADER_BYTES + 1})")),
        }
    )


def envelope_reader_schema(writer_schema: str) -> str | None:
    """``writer_schema`` cut to the envelope fields, or None when it lacks one of them.

    Decoding with it as the reader schema is Avro schema resolution: the decoder still walks
    every field of the body as written (so a malformed body fails as before) but skips the
    others instead of building them, which Spark would then convert only to drop.
    """
    parsed = json.loads(writer_schema)
    if not isinstance(parsed, dict) or parsed.get("type") != "record":
        return None
    fields = [f for f in parsed.get("fields", []) if f.get("name") in ENVELOPE_FIELDS]
    if len(fields) != len(ENVELOPE_FIELDS):
        return None
    reader = {**parsed, "fields": fields}
    try:  # an envelope field may name a type that a left-out field defines
        fastavro.parse_schema(reader)
    except (fastavro.schema.SchemaParseException, fastavro.schema.UnknownType):
        return None
    return json.dumps(reader)


def decode(framed: DataFrame, writer_schemas: Mapping[int, str]) -> DataFrame:
    """Add ``decoded``: struct(event_id, event_type, event_time) of the envelope, or null.

    ``writer_schemas`` maps every schema id to decode to its Avro schema JSON; ids missing
    from it stay undecoded. The whole body is decoded with its writer schema (that is the
    check that it is well-formed Avro) into the envelope alone (``envelope_reader_schema``), since bronze stores the
    body itself and silver decodes it into typed columns. PERMISSIVE mode turns a body that
    does not parse into nulls instead of failing the batch: a struct of null fields in Spark
    3.5, so a record counts as decoded only when its event_id (a required field of every
    event schema) is set.
    """
    # Each body is decoded once, into a column of its own per schema id: referenced inside
    # the branches of a CASE WHEN, a from_avro call is evaluated again for every field read
    # (Spark only shares subexpressions that every branch evaluates).
    records = {schema_id: f"_avro_record_{schema_id}" for schema_id in writer_schemas}
    columns = framed.columns
    if writer_schemas:
        framed = framed.withColumns(
            {
                records[schema_id]: F.when(
                    F.col("schema_id") == schema_id, from_avro(F.col("avro_body"), schema_json, _options(schema_json))
                )
                for schema_id, schema_json in sorted(writer_schemas.items())
            }
        )
    result: Column = F.lit(None).cast(_DECODED_TYPE)
    for schema_id in sorted(writer_schemas):
        record = F.col(records[schema_id])
        as_envelope = F.when(
            record.isNotNull() & record["event_id"].isNotNull(),
            F.struct(
                record["event_id"].cast("string").alias("event_id"),
                record["event_type"].cast("string").alias("event_type"),
                record["event_time"].cast("timestamp").alias("event_time"),
            ),
        )
        result = F.when(F.col("schema_id") == schema_id, as_envelope).otherwise(result)
    return framed.select(*columns, result.alias("decoded"))


def _options(writer_schema: str) -> dict[str, str]:
    reader = envelope_reader_schema(writer_schema)
    return {"mode": "PERMISSIVE"} if reader is None else {"mode": "PERMISSIVE", "avroSchema": reader}


_DECODED_TYPE = "struct<event_id:string,event_type:string,event_time:timestamp>"


def rejection_reason(known_ids: Mapping[int, str]) -> Column:
    """Why a framed-and-decoded row is rejected, or null when it is good."""
    ids = list(known_ids)
    missing_field = F.lit(False)
    for field in ENVELOPE_FIELDS:
        missing_field = missing_field | F.col(f"decoded.{field}").isNull()
    return (
        F.when(F.col("schema_id").isNull(), F.lit(NOT_CONFLUENT_FRAMED))
        .when(~F.col("schema_id").isin(ids) if ids else F.lit(True), F.lit(UNKNOWN_SCHEMA_ID))
        .when(F.col("decoded").isNull(), F.lit(AVRO_DECODE_FAILED))
        .when(missing_field, F.lit(MISSING_ENVELOPE_FIELD))
    )
