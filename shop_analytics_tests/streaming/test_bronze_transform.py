"""split_batch on small hand-made frames: every record decoded into bronze or dead-lettered."""

import datetime as dt
import io
import json

import fastavro
import pytest

from shop_analytics.streaming import confluent_avro
from shop_analytics.streaming.bronze import BRONZE_COLUMNS, DEAD_LETTER_COLUMNS, split_batch, with_ingest_time
from shop_analytics_tests.avro_frames import CLICK_SCHEMA, confluent_frame

V1 = CLICK_SCHEMA
V2 = {**V1, "fields": [*V1["fields"], {"name": "referrer", "type": ["null", "string"], "default": None}]}
EVENT_TIME = dt.datetime(2026, 11, 20, 12, 30, tzinfo=dt.UTC)


def _record(event_id: str, **extra) -> dict:
    return {"event_id": event_id, "event_type": "page_view", "event_time": EVENT_TIME, "page": "/p", **extra}


@pytest.fixture
def batch(spark):
    rows = [
        (confluent_frame(1, V1, _record("a")), 0),
        (confluent_frame(2, V2, _record("b", referrer="ads")), 1),
        (b'{"event_id": "json, not avro"}', 2),
        (confluent_frame(99, V1, _record("c")), 3),
        (b"\x00\x00\x00\x00\x01\xff\xff\xff", 4),
        (None, 5),
    ]
    ts = dt.datetime(2026, 11, 20, 13, 0)
    return spark.createDataFrame(
        [(b"key", value, "shop.clicks", 0, offset, ts, ts) for value, offset in rows],
        "kafka_key binary, kafka_value binary, kafka_topic string, kafka_partition int, "
        "kafka_offset long, kafka_timestamp timestamp, ingested_at timestamp",
    )


def test_each_record_is_decoded_with_the_writer_schema_of_its_id(batch) -> None:
    good, _ = split_batch(batch, {1: json.dumps(V1), 2: json.dumps(V2)})
    assert good.columns == [name for name, _ in BRONZE_COLUMNS]
    rows = {r.event_id: r for r in good.collect()}
    assert set(rows) == {"a", "b"}
    # The payload is the Avro body exactly as written, without the Confluent header.
    assert bytes(rows["a"].payload) == confluent_frame(1, V1, _record("a"))[5:]
    assert fastavro.schemaless_reader(io.BytesIO(rows["b"].payload), V2)["referrer"] == "ads"
    assert (rows["a"].schema_id, rows["b"].schema_id) == (1, 2)
    assert rows["a"].event_time.replace(tzinfo=dt.UTC) == EVENT_TIME.replace(tzinfo=None).replace(tzinfo=dt.UTC)


def test_undecodable_records_are_dead_lettered_with_their_reason(batch) -> None:
    _, dead = split_batch(batch, {1: json.dumps(V1), 2: json.dumps(V2)})
    assert dead.columns == [name for name, _ in DEAD_LETTER_COLUMNS]
    reasons = {r.kafka_offset: (r.reason, r.error) for r in dead.collect()}
    assert {offset: reason for offset, (reason, _) in reasons.items()} == {
        2: confluent_avro.NOT_CONFLUENT_FRAMED,
        3: confluent_avro.UNKNOWN_SCHEMA_ID,
        4: confluent_avro.AVRO_DECODE_FAILED,
        5: confluent_avro.NOT_CONFLUENT_FRAMED,
    }
    assert reasons[3][1] == "schema id 99 is not in the schema registry"
    assert reasons[2][1].startswith("value of 30 bytes starting 0x7B")


@pytest.mark.parametrize("known_ids", [(), (1,), (2, 99, 1), (7,)])
def test_known_headers_give_the_same_schema_ids_as_parsing(spark, batch, known_ids) -> None:
    # Id 1's bytes after a magic byte that is not 0: not framed, known id or not.
    wrong_magic = spark.createDataFrame(
        [(b"key", b"\x01\x00\x00\x00\x01body", "shop.clicks", 0, 6, None, None)], batch.schema
    )
    records = batch.unionByName(wrong_magic)
    parsed = {r.kafka_offset: r.schema_id for r in confluent_avro.with_frame(records).collect()}
    assert parsed == {0: 1, 1: 2, 2: None, 3: 99, 4: 1, 5: None, 6: None}
    compared = confluent_avro.with_frame(records, known_ids=known_ids).collect()
    assert {r.kafka_offset: r.schema_id for r in compared} == parsed


def test_each_batch_time_lands_without_compiling_the_plan_again(spark, batch) -> None:
    compilations = spark._jvm.org.apache.spark.metrics.source.CodegenMetrics.METRIC_COMPILATION_TIME()
    schemas = {1: json.dumps(V1), 2: json.dumps(V2)}

    def ingested_at(at: float) -> set[dt.datetime]:
        good, _ = split_batch(with_ingest_time(batch.drop("ingested_at"), at), schemas)
        return {r.ingested_at.replace(tzinfo=dt.UTC) for r in good.collect()}

    first = dt.datetime(2026, 11, 26, 12, 0, 0, 250000, tzinfo=dt.UTC)
    assert ingested_at(first.timestamp()) == {first}  # also compiles the plan once
    before = compilations.getCount()
    later = first + dt.timedelta(seconds=5)
    assert ingested_at(later.timestamp()) == {later}
    # A timestamp literal would be written into the generated code and compile it again.
    assert compilations.getCount() == before


def test_nothing_is_lost_between_the_two_outputs(batch) -> None:
    good, dead = split_batch(batch, {1: json.dumps(V1)})
    assert good.count() + dead.count() == batch.count()
    # Without schema 2 known, the v2 record is an unknown id, not silently dropped.
    assert dead.where("kafka_offset = 1").first().reason == confluent_avro.UNKNOWN_SCHEMA_ID


def test_a_body_broken_after_the_envelope_is_still_dead_lettered(spark) -> None:
    # The envelope decodes; the body's last field (page "/pages", a length then 6 bytes)
    # is cut short. Bronze reads only the envelope, but the decoder walks the whole body.
    whole = confluent_frame(1, V1, _record("cut", page="/pages"))
    ts = dt.datetime(2026, 11, 20, 13, 0)
    batch = spark.createDataFrame(
        [(b"k", value, "shop.clicks", 0, offset, ts, ts) for offset, value in enumerate([whole, whole[:-3]])],
        "kafka_key binary, kafka_value binary, kafka_topic string, kafka_partition int, "
        "kafka_offset long, kafka_timestamp timestamp, ingested_at timestamp",
    )
    good, dead = split_batch(batch, {1: json.dumps(V1)})
    assert [r.kafka_offset for r in good.collect()] == [0]
    assert [(r.kafka_offset, r.reason) for r in dead.collect()] == [(1, confluent_avro.AVRO_DECODE_FAILED)]


def test_the_envelope_reader_schema_keeps_the_envelope_fields_as_written() -> None:
    reader = json.loads(confluent_avro.envelope_reader_schema(json.dumps(V2)))
    assert (reader["name"], reader["namespace"]) == (V1["name"], V1["namespace"])  # resolution matches names
    assert reader["fields"] == V1["fields"][:3]
    # A schema without the envelope, or whose envelope names a type a left-out field defines: decoded whole.
    assert confluent_avro.envelope_reader_schema(json.dumps({**V1, "fields": V1["fields"][1:]})) is None
    kind = {"name": "kind", "type": {"type": "enum", "name": "Kind", "symbols": ["view"]}}
    named = {**V1, "fields": [kind, *V1["fields"][:1], {"name": "event_type", "type": "Kind"}, *V1["fields"][2:]]}
    assert confluent_avro.envelope_reader_schema(json.dumps(named)) is None


def test_a_schema_without_an_envelope_field_dead_letters_its_records(spark) -> None:
    # A registered schema may lack event_type: its records decode, then go to the dead
    # letter with a reason, rather than failing the whole batch's plan.
    no_type = {**V1, "fields": [f for f in V1["fields"] if f["name"] != "event_type"]}
    record = {k: v for k, v in _record("d").items() if k != "event_type"}
    ts = dt.datetime(2026, 11, 20, 13, 0)
    batch = spark.createDataFrame(
        [(b"k", confluent_frame(3, no_type, record), "shop.clicks", 0, 0, ts, ts)],
        "kafka_key binary, kafka_value binary, kafka_topic string, kafka_partition int, "
        "kafka_offset long, kafka_timestamp timestamp, ingested_at timestamp",
    )
    good, dead = split_batch(batch, {3: json.dumps(no_type)})
    assert good.count() == 0
    assert [r.reason for r in dead.collect()] == [confluent_avro.MISSING_ENVELOPE_FIELD]
