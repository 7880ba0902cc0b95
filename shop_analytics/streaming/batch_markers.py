"""Exactly-once ``foreachBatch`` writes through Iceberg snapshot summaries.

``foreachBatch`` by itself only promises at-least-once: Spark records batch n's offsets in
the checkpoint before running it and marks it done after, so a crash in between replays
batch n with the same id and the same input. Every append therefore carries the stream's
identity and the batch id in the Iceberg snapshot summary (``snapshot-property.*``), and a
batch whose id a table already committed for that stream is skipped for that table.
Iceberg commits are atomic, so a table has either all of a batch or none of it, and a
replay fills in exactly the tables that are missing it.

The stream's identity is ``<name>@<query id>``: the query id belongs to the checkpoint (a
reset stream gets a new id and starts batch ids at 0 again). It is known only after
``start()``, so ``LazyBatchWriter`` makes the first batch wait for it. Where the batch
function runs in another process than the one that started the query (a Spark Connect
server's Python worker), ``CheckpointBatchWriter`` reads the same id from the checkpoint's
``metadata`` file, which Spark writes before the first batch.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

from pyspark.sql import DataFrame, DataFrameWriterV2, SparkSession
from pyspark.sql import functions as F

STREAM_PROPERTY = "shop.stream"
BATCH_PROPERTY = "shop.batch-id"
# Which start of the query wrote a snapshot: how a Spark Connect client finds its batches.
ATTEMPT_PROPERTY = "shop.attempt"


def last_committed_batch(spark: SparkSession, table: str, stream: str) -> int | None:
    """The highest batch id this stream has committed to ``table`` (from snapshot summaries)."""
    row = (
        spark.table(f"{table}.snapshots")
        .where(F.col("summary").getItem(STREAM_PROPERTY) == stream)
        .agg(F.max(F.col("summary").getItem(BATCH_PROPERTY).cast("long")).alias("batch"))
        .first()
    )
    return None if row is None or row["batch"] is None else int(row["batch"])


def committed_summary(spark: SparkSession, table: str, stream: str, batch_id: int) -> dict[str, str] | None:
    """The snapshot summary of this stream's append of ``batch_id`` to ``table``; None if none."""
    summary = F.col("summary")
    row = (
        spark.table(f"{table}.snapshots")
        .where((summary.getItem(STREAM_PROPERTY) == stream) & (summary.getItem(BATCH_PROPERTY) == str(batch_id)))
        .select("summary")
        .first()
    )
    return None if row is None else dict(row["summary"])


def already_committed(spark: SparkSession, table: str, stream: str, batch_id: int) -> bool:
    last = last_committed_batch(spark, table, stream)
    return last is not None and last >= batch_id


def marked(writer: DataFrameWriterV2, stream: str, batch_id: int, **properties: str) -> DataFrameWriterV2:
    """``writer`` with the stream's markers (and any other ``properties``) in the snapshot summary."""
    writer = writer.option(f"snapshot-property.{STREAM_PROPERTY}", stream).option(
        f"snapshot-property.{BATCH_PROPERTY}", str(batch_id)
    )
    for key, value in properties.items():
        writer = writer.option(f"snapshot-property.{key}", value)
    return writer


BatchFunction = Callable[[DataFrame, int], None]


class LazyBatchWriter:
    """A ``foreachBatch`` function that builds the real one once the query's id is known."""

    def __init__(self, name: str, build: Callable[[str], Any]) -> None:
        self.name = name
        self._build = build
        self._query_id = threading.Event()
        self._stream_id = ""
        self.writer: Any = None

    def started(self, query_id: str) -> None:
        self._stream_id = f"{self.name}@{query_id}"
        self._query_id.set()

    def __call__(self, batch: DataFrame, batch_id: int) -> None:
        if self.writer is None:
            if not self._query_id.wait(timeout=60):
                raise RuntimeError("the streaming query did not report its id")
            self.writer = self._build(self._stream_id)
        self.writer(batch, batch_id)


def stream_id_from_checkpoint(spark: SparkSession, name: str, checkpoint: str) -> str:
    """``<name>@<query id>`` from the checkpoint's ``metadata`` file (``{"id": ...}``)."""
    row = spark.read.text(f"{checkpoint.rstrip('/')}/metadata").first()
    if row is None:
        raise RuntimeError(f"the checkpoint {checkpoint} has no metadata: the query has not started")
    return f"{name}@{json.loads(row[0])['id']}"


class CheckpointBatchWriter:
    """A ``foreachBatch`` function that builds the real one from the stream id in the checkpoint.

    Picklable (no locks or clients until the first batch), so it can be shipped to a Spark
    Connect server, whose Python worker keeps it for the life of the query.
    """

    def __init__(self, name: str, checkpoint: str, build: Callable[[str], Any]) -> None:
        self.name = name
        self.checkpoint = checkpoint
        self._build = build
        self.writer: Any = None

    def __call__(self, batch: DataFrame, batch_id: int) -> None:
        if self.writer is None:
            self.writer = self._build(stream_id_from_checkpoint(batch.sparkSession, self.name, self.checkpoint))
        self.writer(batch, batch_id)
