"""Bronze ingest: Kafka records land unchanged in an Iceberg table with their coordinates.

``to_bronze`` is the pure part (Kafka source frame in, bronze frame out). ``ingest_topic``
is the edge: it runs one Structured Streaming query with ``trigger(availableNow=True)``,
which reads everything up to the topic's current end in micro-batches of at most
``max_offsets_per_trigger`` records and then stops.

Exactly once: the Kafka offsets each micro-batch covers are written to the query's
checkpoint before the batch runs, and Iceberg's streaming sink records the query id and
batch (epoch) id in the snapshot summary of each commit and skips a batch that already
committed. A run that dies between the Iceberg commit and the checkpoint's commit log is
replayed with the same batch id and offsets, and the replay is a no-op.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

BRONZE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("kafka_key", "binary"),
    ("kafka_value", "binary"),
    ("kafka_topic", "string"),
    ("kafka_partition", "int"),
    ("kafka_offset", "bigint"),
    ("kafka_timestamp", "timestamp"),
    ("ingested_at", "timestamp"),
)
# Hidden partitioning on the record's day: readers filter on kafka_timestamp and Iceberg
# prunes files without a separate date column.
BRONZE_PARTITIONING = "days(kafka_timestamp)"


def to_bronze(kafka_records: DataFrame) -> DataFrame:
    """Kafka source columns → bronze columns (raw bytes kept, coordinates named)."""
    return kafka_records.select(
        F.col("key").alias("kafka_key"),
        F.col("value").alias("kafka_value"),
        F.col("topic").alias("kafka_topic"),
        F.col("partition").cast("int").alias("kafka_partition"),
        F.col("offset").cast("bigint").alias("kafka_offset"),
        F.col("timestamp").alias("kafka_timestamp"),
        F.current_timestamp().alias("ingested_at"),
    )


@dataclass(frozen=True)
class IngestRequest:
    bootstrap_servers: str
    topic: str
    table: str  # namespace.table in the session's default catalog
    checkpoint: str
    max_offsets_per_trigger: int = 50_000
    kafka_options: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class IngestResult:
    rows: int
    batches: int
    end_offsets: dict[int, int]
    duration_s: float
    batch_durations_ms: list[int]


def ensure_bronze_table(spark: SparkSession, table: str) -> None:
    namespace = table.rsplit(".", 1)[0]
    spark.sql(f"CREATE NAMESPACE IF NOT EXISTS {namespace}")
    columns = ", ".join(f"{name} {kind}" for name, kind in BRONZE_COLUMNS)
    spark.sql(
        f"CREATE TABLE IF NOT EXISTS {table} ({columns}) USING iceberg "
        f"PARTITIONED BY ({BRONZE_PARTITIONING}) "
        "TBLPROPERTIES ('format-version'='2', 'write.distribution-mode'='none')"
    )


def ingest_topic(spark: SparkSession, request: IngestRequest) -> IngestResult:
    """Read ``request.topic`` from its checkpointed position to its current end into bronze."""
    ensure_bronze_table(spark, request.table)
    started = time.monotonic()
    source = (
        spark.readStream.format("kafka")
        .option("kafka.bootstrap.servers", request.bootstrap_servers)
        .option("subscribe", request.topic)
        .option("startingOffsets", "earliest")
        .option("failOnDataLoss", "true")
        .option("maxOffsetsPerTrigger", str(request.max_offsets_per_trigger))
        .options(**{f"kafka.{k}": v for k, v in request.kafka_options.items()})
        .load()
    )
    query = (
        to_bronze(source)
        .writeStream.format("iceberg")
        .outputMode("append")
        .trigger(availableNow=True)
        .option("checkpointLocation", request.checkpoint)
        .queryName(f"bronze_{request.topic.replace('.', '_').replace('-', '_')}")
        .toTable(request.table)
    )
    query.awaitTermination()
    if query.exception() is not None:
        raise RuntimeError(f"bronze ingest of {request.topic} failed: {query.exception()}")
    return summarize_progress(request.topic, query.recentProgress, time.monotonic() - started)


def summarize_progress(topic: str, progress: list[dict[str, Any]], duration_s: float) -> IngestResult:
    """Fold a query's progress reports into rows, batches and the end offsets reached.

    Where the run started is not read from here: the first batch of a new query reports no
    start offset. The checkpoint before the run is the reliable start.
    """
    rows = 0
    batches = 0
    end: dict[int, int] = {}
    durations: list[int] = []
    for report in progress:
        rows_in = int(report.get("numInputRows", 0))
        for source in report.get("sources", []):
            end.update(_topic_offsets(source.get("endOffset"), topic))
        if rows_in:
            rows += rows_in
            batches += 1
            durations.append(int(report.get("durationMs", {}).get("triggerExecution", 0)))
    return IngestResult(rows, batches, end, duration_s, durations)


def _topic_offsets(raw: Any, topic: str) -> dict[int, int]:
    if raw is None:
        return {}
    data = json.loads(raw) if isinstance(raw, str) else raw
    return {int(p): int(o) for p, o in data.get(topic, {}).items()}
