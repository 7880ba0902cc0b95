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

    The expressions are SQL text, parsed once on the JVM side: built from Column calls, each
    function and operator is a py4j round trip (``classify`` took 346 of them, about 0.1 s per
    query start in-process).
    """
    framed = f"({value} IS NOT NULL AND length({value}) > {HEADER_BYTES - 1} AND substring({value}, 1, 1) = X'00')"
    parsed = f"CASE WHEN {framed} THEN CAST(conv(hex(substring({value}, 2, 4)), 16, 10) AS INT) END"
    header = f"substring({value}, 1, {HEADER_BYTES})"
    known = [f"WHEN {header} = X'{_header_hex(i)}' THEN {i}" for i in sorted(set(known_ids))]
    schema_id = f"CASE {' '.join(known)} ELSE {parsed} END" if known else parsed
    return records.selectExpr(
        "*",
        f"{schema_id} AS schema_id",
        f"CASE WHEN {framed} THEN substring({value}, {HEADER_BYTES + 1}) END AS avro_body",
    )


def _header_hex(schema_id: int) -> str:
    return (b"\x00" + schema_id.to_bytes(HEADER_BYTES - 1, "big")).hex().upper()


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
    event schema) is set. A schema without one of the envelope fields decodes with it null
    (``rejection_reason``: missing_envelope_field).
    """
    # Each body is decoded once, into a column of its own per schema id: referenced inside
    # the branches of a CASE WHEN, a from_avro call is evaluated again for every field read
    # (Spark only shares subexpressions that every branch evaluates).
    records = {schema_id: f"_avro_record_{schema_id}" for schema_id in writer_schemas}
    columns = framed.columns
    if writer_schemas:
        schema_id = F.col("schema_id")
        framed = framed.withColumns(
            {
                records[i]: F.when(schema_id == i, from_avro(F.col("avro_body"), schema_json, _options(schema_json)))
                for i, schema_json in sorted(writer_schemas.items())
            }
        )
    branches = [
        f"WHEN schema_id = {i} THEN {_envelope(records[i], _fields_of(writer_schemas[i]))}"
        for i in sorted(writer_schemas)
    ]
    empty = f"CAST(NULL AS {_DECODED_TYPE})"
    decoded = f"CASE {' '.join(branches)} ELSE {empty} END" if branches else empty
    return framed.selectExpr(*(f"`{name}`" for name in columns), f"{decoded} AS decoded")


def _envelope(record: str, fields: set[str]) -> str:
    """SQL: ``record``'s envelope as a struct of bronze's types, null unless event_id is set."""
    kinds = dict(field.split(":") for field in _DECODED_TYPE[len("struct<") : -1].split(","))
    values = ", ".join(
        f"'{name}', CAST({f'{record}.{name}' if name in fields else 'NULL'} AS {kinds[name]})"
        for name in ENVELOPE_FIELDS
    )
    if "event_id" not in fields:
        return f"CAST(NULL AS {_DECODED_TYPE})"
    return f"CASE WHEN {record} IS NOT NULL AND {record}.event_id IS NOT NULL THEN named_struct({values}) END"


def _fields_of(writer_schema: str) -> set[str]:
    """The envelope fields ``writer_schema`` (a record) has."""
    parsed = json.loads(writer_schema)
    fields = parsed.get("fields", []) if isinstance(parsed, dict) else []
    return {f.get("name") for f in fields} & set(ENVELOPE_FIELDS)


def _options(writer_schema: str) -> dict[str, str]:
    reader = envelope_reader_schema(writer_schema)
    return {"mode": "PERMISSIVE"} if reader is None else {"mode": "PERMISSIVE", "avroSchema": reader}


_DECODED_TYPE = "struct<event_id:string,event_type:string,event_time:timestamp>"


def rejection_reason(known_ids: Mapping[int, str]) -> Column:
    """Why a framed-and-decoded row is rejected, or null when it is good."""
    ids = ", ".join(str(i) for i in known_ids)
    missing_field = " OR ".join(f"decoded.{field} IS NULL" for field in ENVELOPE_FIELDS)
    return F.expr(
        f"CASE WHEN schema_id IS NULL THEN '{NOT_CONFLUENT_FRAMED}' "
        f"WHEN {f'NOT schema_id IN ({ids})' if ids else 'true'} THEN '{UNKNOWN_SCHEMA_ID}' "
        f"WHEN decoded IS NULL THEN '{AVRO_DECODE_FAILED}' "
        f"WHEN {missing_field} THEN '{MISSING_ENVELOPE_FIELD}' END"
    )
