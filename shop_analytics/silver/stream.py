"""Run one silver stream: bronze Iceberg table → ``foreachBatch`` writer, availableNow.

Structured Streaming over the bronze table reads the appends (snapshots) it has not yet
processed, as recorded in its own checkpoint, and stops when it has caught up. Iceberg
1.10's Spark source does not implement AvailableNow's read limits, so Spark wraps it and
reads everything new as one micro-batch (``max_files_per_batch`` bounds the batches of a
continuously triggered query only). Bronze is append-only;
snapshots that only rewrite files (compaction by the maintenance job) carry no new rows and
are skipped.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from pyspark.sql import SparkSession

from shop_analytics.silver.entities import EventEntity, ReferenceEntity
from shop_analytics.silver.writer import (
    SilverBatchStats,
    SilverEventBatchWriter,
    SilverReferenceBatchWriter,
    SilverSettings,
    ensure_event_tables,
    ensure_table,
)
from shop_analytics.streaming.batch_markers import LazyBatchWriter
from shop_analytics.streaming.bronze import ensure_tables as ensure_bronze_tables


@dataclass(frozen=True)
class SilverRequest:
    bronze_table: str  # namespace.table
    dead_letter_table: str  # bronze's, created with the bronze table when missing
    checkpoint: str
    registry_url: str  # silver decodes bronze's Avro payloads with the writer schemas it holds
    max_files_per_batch: int = 200
    settings: SilverSettings = field(default_factory=SilverSettings)


@dataclass
class SilverResult:
    batches: list[SilverBatchStats]
    duration_s: float

    def total(self, name: str) -> int:
        return sum(getattr(b, name) for b in self.batches)

    def quarantined_by_reason(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for batch in self.batches:
            for reason, n in batch.quarantined_by_reason.items():
                totals[reason] = totals.get(reason, 0) + n
        return dict(sorted(totals.items()))


def _run(spark: SparkSession, request: SilverRequest, name: str, writer: LazyBatchWriter) -> float:
    # The bronze table may not exist yet when its topic has had no events: create it empty.
    ensure_bronze_tables(spark, request.bronze_table, request.dead_letter_table)
    started = time.monotonic()
    query = (
        spark.readStream.format("iceberg")
        .option("streaming-max-files-per-micro-batch", str(request.max_files_per_batch))
        .option("streaming-skip-overwrite-snapshots", "true")
        .option("streaming-skip-delete-snapshots", "true")
        .load(request.bronze_table)
        .writeStream.foreachBatch(writer)
        .trigger(availableNow=True)
        .option("checkpointLocation", request.checkpoint)
        .queryName(name)
        .start()
    )
    writer.started(str(query.id))
    query.awaitTermination()
    if query.exception() is not None:
        raise RuntimeError(f"{name} failed: {query.exception()}")
    return time.monotonic() - started


def process_events(spark: SparkSession, entity: EventEntity, request: SilverRequest) -> SilverResult:
    """Bring ``entity``'s silver tables up to date with its bronze table."""
    ensure_event_tables(spark, entity, request.settings)
    writer = LazyBatchWriter(
        f"silver.{entity.name}",
        lambda stream_id: SilverEventBatchWriter(entity, stream_id, request.registry_url, request.settings),
    )
    duration = _run(spark, request, f"silver_{entity.name}", writer)
    return SilverResult(batches=writer.writer.stats if writer.writer else [], duration_s=duration)


def process_reference(spark: SparkSession, entity: ReferenceEntity, request: SilverRequest) -> tuple[int, float]:
    """Upsert ``entity``'s reference table from its bronze table; (rows read, seconds)."""
    ensure_table(spark, entity.table, namespace=request.settings.namespace)
    writer = LazyBatchWriter(
        f"silver.{entity.name}",
        lambda stream_id: SilverReferenceBatchWriter(
            entity, stream_id, request.registry_url, request.settings.namespace
        ),
    )
    duration = _run(spark, request, f"silver_{entity.name}", writer)
    return (writer.writer.rows_in if writer.writer else 0), duration
