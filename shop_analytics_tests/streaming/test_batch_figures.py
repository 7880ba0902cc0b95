"""A batch's figures from an in-process ingest: rows, rejects by reason, newest event.

In-process, the write's own pass counts only rows and rejects (and the newest event); a
batch with rejects counts them by reason over its rejected rows. These tests check the
figures against what landed in the tables, on a real broker, registry and Iceberg.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path

import pytest
from confluent_kafka import Producer
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient

from shop_analytics.platform.settings import PlatformSettings
from shop_analytics.streaming.batch_markers import STREAM_PROPERTY
from shop_analytics.streaming.bronze import OTHER_SUBJECTS, IngestRequest, ingest_topic
from shop_analytics_tests.avro_frames import confluent_frame
from shop_analytics_tests.streaming.exactly_once_helpers import (
    EVENT_TIME,
    SCHEMA,
    UNKNOWN_SCHEMA_ID,
    create_topic,
    ingest_request,
    produce,
    register_schema,
)
from shop_analytics_tests.streaming.test_exactly_once import BAD_EVERY, PARTITIONS, assert_exactly_once

pytestmark = pytest.mark.integration


def _request(platform: PlatformSettings, tmp_path: Path, topic: str, suffix: str) -> IngestRequest:
    return ingest_request(
        platform, topic, f"figures.events_{suffix}", tmp_path / "checkpoint", max_offsets_per_trigger=200
    )


def _one_partition_topic(platform: PlatformSettings, prefix: str) -> tuple[str, str, int]:
    """(suffix, topic, schema id): a new one-partition topic with the test schema registered."""
    suffix = uuid.uuid4().hex[:8]
    topic = f"{prefix}-{suffix}"
    create_topic(platform.kafka_bootstrap, topic, 1)
    return suffix, topic, register_schema(platform.registry_url, topic)


def _produce(platform: PlatformSettings, topic: str, values: list[bytes]) -> None:
    """``values`` into partition 0 of ``topic``, in order."""
    producer = Producer({"bootstrap.servers": platform.kafka_bootstrap})
    for value in values:
        producer.produce(topic, value=value, key=b"k", partition=0)
    assert producer.flush(30) == 0


def test_rejects_are_counted_by_reason_as_they_landed_in_the_dead_letter(
    platform: PlatformSettings, spark, tmp_path: Path
) -> None:
    suffix = uuid.uuid4().hex[:8]
    topic = f"figures-{suffix}"
    create_topic(platform.kafka_bootstrap, topic, PARTITIONS)
    schema_id = register_schema(platform.registry_url, topic)
    request = _request(platform, tmp_path, topic, suffix)
    produced = produce(platform.kafka_bootstrap, topic, schema_id, per_partition=120, partitions=PARTITIONS,
                       bad_every=BAD_EVERY, tag="figures")  # fmt: skip

    result = ingest_topic(spark, request)

    assert result.rows == len(produced.all) == 360
    assert result.bronze_rows == len(produced.good)
    assert result.dead_letter_rows == len(produced.bad)
    landed = {
        row["reason"]: row["count"]
        for row in spark.table(request.dead_letter_table).groupBy("reason").count().collect()
    }
    assert result.dead_letter_by_reason() == landed
    assert set(landed) == {"not_confluent_framed", "unknown_schema_id", "avro_decode_failed"}
    for batch in result.batches:
        assert sum(batch.dead_letter_by_reason.values()) == batch.dead_letter_rows > 0
        assert batch.rows_in == batch.bronze_rows + batch.dead_letter_rows
    assert_exactly_once(platform, topic, request.table, request.dead_letter_table, produced)


def test_a_batch_without_rejects_has_none_and_its_newest_event_skips_future_ones(
    platform: PlatformSettings, spark, tmp_path: Path
) -> None:
    suffix, topic, schema_id = _one_partition_topic(platform, "figures-clean")
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    # Within the 300 s an event may run ahead of its arrival, and a broken clock's day ahead.
    times = [EVENT_TIME, now + dt.timedelta(seconds=120), now + dt.timedelta(days=1)]
    records = [
        {"event_id": f"clean-{i}", "event_type": "page_view", "event_time": event_time, "page": "/"}
        for i, event_time in enumerate(times)
    ]
    _produce(platform, topic, [confluent_frame(schema_id, SCHEMA, record) for record in records])

    result = ingest_topic(spark, _request(platform, tmp_path, topic, suffix))

    assert [(b.rows_in, b.bronze_rows, b.dead_letter_rows, b.dead_letter_by_reason) for b in result.batches] == [
        (3, 3, 0, {})
    ]
    assert result.newest_event_time == (now + dt.timedelta(seconds=120)).timestamp()


def test_ids_of_another_subject_land_in_an_append_of_their_own_and_the_rest_in_the_dead_letter(
    platform: PlatformSettings, spark, tmp_path: Path
) -> None:
    suffix, topic, own = _one_partition_topic(platform, "figures-other")
    other_schema = {**SCHEMA, "fields": [*SCHEMA["fields"], {"name": "referrer", "type": "string"}]}
    registry = SchemaRegistryClient({"url": platform.registry_url, "timeout": 10})
    elsewhere = registry.register_schema(f"elsewhere-{suffix}-value", Schema(json.dumps(other_schema), "AVRO"))
    record = {"event_type": "page_view", "event_time": EVENT_TIME, "page": "/p"}
    values = [confluent_frame(own, SCHEMA, {**record, "event_id": f"a{i}"}) for i in range(4)]
    values += [
        confluent_frame(elsewhere, other_schema, {**record, "event_id": f"b{i}", "referrer": "ads"}) for i in range(3)
    ]
    values += [b"not avro", confluent_frame(UNKNOWN_SCHEMA_ID, SCHEMA, {**record, "event_id": "c"})]
    _produce(platform, topic, values)
    request = _request(platform, tmp_path, topic, suffix)

    (batch,) = ingest_topic(spark, request).batches

    assert (batch.rows_in, batch.bronze_rows, batch.dead_letter_rows) == (9, 7, 2)
    assert batch.dead_letter_by_reason == {"not_confluent_framed": 1, "unknown_schema_id": 1}
    landed = {r.event_id: r.schema_id for r in spark.table(request.table).select("event_id", "schema_id").collect()}
    assert landed == {**{f"a{i}": own for i in range(4)}, **{f"b{i}": elsewhere for i in range(3)}}
    streams = [r.summary[STREAM_PROPERTY] for r in spark.table(f"{request.table}.snapshots").collect()]
    main = min(streams, key=len)
    assert sorted(streams) == [main, main + OTHER_SUBJECTS]
    reasons = sorted(r.reason for r in spark.table(request.dead_letter_table).select("reason").collect())
    assert reasons == ["not_confluent_framed", "unknown_schema_id"]
