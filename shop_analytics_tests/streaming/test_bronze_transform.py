"""to_bronze and the progress summary on small, hand-made inputs."""

import datetime as dt

from shop_analytics.streaming.bronze import BRONZE_COLUMNS, summarize_progress, to_bronze


def test_to_bronze_keeps_bytes_and_names_coordinates(spark) -> None:
    ts = dt.datetime(2026, 11, 20, 12, 0, 0)
    source = spark.createDataFrame(
        [(b"k1", b"\x00\x00\x00\x00\x01payload", "shop.orders", 2, 41, ts, 0)],
        "key binary, value binary, topic string, partition int, offset long, timestamp timestamp, timestampType int",
    )
    row = to_bronze(source).first()
    assert [name for name, _ in BRONZE_COLUMNS] == to_bronze(source).columns
    assert row.kafka_value == bytearray(b"\x00\x00\x00\x00\x01payload")
    assert (row.kafka_topic, row.kafka_partition, row.kafka_offset) == ("shop.orders", 2, 41)
    assert row.kafka_timestamp == ts
    assert row.ingested_at is not None


def test_progress_summary_spans_all_batches() -> None:
    progress = [
        {"numInputRows": 100, "durationMs": {"triggerExecution": 900},
         "sources": [{"startOffset": None, "endOffset": '{"t":{"0":60,"1":40}}'}]},
        {"numInputRows": 50, "durationMs": {"triggerExecution": 300},
         "sources": [{"startOffset": {"t": {"0": 60, "1": 40}}, "endOffset": {"t": {"0": 90, "1": 60}}}]},
        {"numInputRows": 0, "durationMs": {"triggerExecution": 5},
         "sources": [{"startOffset": {"t": {"0": 90, "1": 60}}, "endOffset": {"t": {"0": 90, "1": 60}}}]},
    ]
    result = summarize_progress("t", progress, duration_s=2.0)
    assert result.rows == 150
    assert result.batches == 2
    assert result.end_offsets == {0: 90, 1: 60}
    assert result.batch_durations_ms == [900, 300]
