"""A replayed batch splits between bronze's two appends as it did when first written.

A lingering query classifies with the subject's versions of its start; a version registered
later arrives as an id outside them and lands in the ``+other-subjects`` append. If the run
dies between the two appends and the replay's start sees the new version under the subject,
it would find the main append committed (skip) and no id outside the subject (no second
append): those rows would be lost. The main append names its schema ids, and the replay
splits by them.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path

import pytest
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient

from shop_analytics.platform.settings import PlatformSettings
from shop_analytics.streaming.batch_markers import BATCH_PROPERTY, STREAM_PROPERTY, marked
from shop_analytics.streaming.bronze import (
    OTHER_SUBJECTS,
    SCHEMA_IDS_PROPERTY,
    BronzeBatchWriter,
    IngestRequest,
    bronze_rows,
    classify,
    ensure_tables,
)
from shop_analytics_tests.avro_frames import CLICK_SCHEMA, confluent_frame

pytestmark = pytest.mark.integration

V2 = {
    **CLICK_SCHEMA,
    "fields": [*CLICK_SCHEMA["fields"], {"name": "referrer", "type": ["null", "string"], "default": None}],
}
EVENT_TIME = dt.datetime(2026, 11, 20, 12, 30, tzinfo=dt.UTC)


def test_a_replay_after_a_new_subject_version_splits_as_first_written(
    platform: PlatformSettings, spark, tmp_path: Path
) -> None:
    suffix = uuid.uuid4().hex[:8]
    topic, table, dead_letter = f"replay-{suffix}", f"xo.replay_{suffix}", f"xo.replay_dead_letter_{suffix}"
    registry = SchemaRegistryClient({"url": platform.registry_url, "timeout": 10})
    v1 = registry.register_schema(f"{topic}-value", Schema(json.dumps(CLICK_SCHEMA), "AVRO"))
    v2 = registry.register_schema(f"elsewhere-{suffix}-value", Schema(json.dumps(V2), "AVRO"))
    record = {"event_type": "page_view", "event_time": EVENT_TIME, "page": "/p"}
    values = [confluent_frame(v1, CLICK_SCHEMA, {**record, "event_id": f"a{i}"}) for i in range(3)]
    values += [confluent_frame(v2, V2, {**record, "event_id": f"b{i}", "referrer": "ads"}) for i in range(2)]
    ts = dt.datetime(2026, 11, 20, 13, 0)
    raw = spark.createDataFrame(
        [(b"k", value, topic, 0, offset, ts, ts) for offset, value in enumerate(values)],
        "kafka_key binary, kafka_value binary, kafka_topic string, kafka_partition int, "
        "kafka_offset long, kafka_timestamp timestamp, ingested_at timestamp",
    )
    ensure_tables(spark, table, dead_letter)
    stream = f"{topic}@{uuid.uuid4()}"
    request = IngestRequest(
        platform.kafka_bootstrap, topic, table, dead_letter, str(tmp_path / "cp"), platform.registry_url
    )

    # The first run's main append of batch 0 (subject = v1 only), then it died before the
    # other-subjects append of the two v2 records.
    first = {v1: json.dumps(CLICK_SCHEMA)}
    marked(bronze_rows(classify(raw, first)).writeTo(table), stream, 0, **{SCHEMA_IDS_PROPERTY: str(v1)}).append()
    # Meanwhile v2 became a version of the topic's subject (the registry keeps its id).
    assert registry.register_schema(f"{topic}-value", Schema(json.dumps(V2), "AVRO")) == v2

    now = {v1: json.dumps(CLICK_SCHEMA), v2: json.dumps(V2)}
    writer = BronzeBatchWriter(request, stream, now, may_replay=True)
    writer(classify(raw, now), 0)

    rows = spark.table(table).select("event_id", "kafka_offset", "schema_id").collect()
    assert sorted(r.kafka_offset for r in rows) == [0, 1, 2, 3, 4]  # every record once
    assert {r.event_id: r.schema_id for r in rows} == {
        **{f"a{i}": v1 for i in range(3)},
        **{f"b{i}": v2 for i in range(2)},
    }
    (stats,) = writer.stats
    assert (stats.skipped_tables, stats.bronze_rows, stats.dead_letter_rows) == ([table], 2, 0)
    markers = [
        (r.summary[STREAM_PROPERTY], r.summary[BATCH_PROPERTY])
        for r in spark.table(f"{table}.snapshots").orderBy("committed_at").select("summary").collect()
    ]
    assert markers == [(stream, "0"), (stream + OTHER_SUBJECTS, "0")]
    assert spark.table(dead_letter).count() == 0
