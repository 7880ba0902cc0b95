"""Bronze ingest: Kafka records decoded into Iceberg, undecodable ones into a dead-letter table.

Pure parts: ``kafka_columns`` (Kafka source frame → named coordinates), ``split_batch``
(decoded frame → bronze rows and dead-letter rows with a reason), ``linger_verdict``. The
edge, ``ingest_topic``, runs one Structured Streaming query with ``trigger(availableNow=True)``,
which reads everything up to the topic's current end in micro-batches of at most
``max_offsets_per_trigger`` records and then stops; ``BronzeBatchWriter`` writes each batch.
With a ``Linger`` the same query instead runs micro-batches every few seconds for as long as
records keep arriving (live freshness without a new run and query start per batch).

Exactly once. A micro-batch writes two tables, and ``foreachBatch`` by itself only
promises at-least-once; each append carries the stream and batch id in its Iceberg
snapshot summary and a replayed batch skips the tables that already have it (see
``shop_analytics.streaming.batch_markers`` for why that holds).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from pyspark.sql import Column, DataFrame, Observation, SparkSession
from pyspark.sql import functions as F

from shop_analytics.lakehouse import create_table_if_missing, is_remote_session, session_functions
from shop_analytics.streaming import batch_errors, confluent_avro
from shop_analytics.streaming.batch_markers import (
    ATTEMPT_PROPERTY,
    BATCH_PROPERTY,
    CheckpointBatchWriter,
    LazyBatchWriter,
    already_committed,
    committed_summary,
    marked,
)
from shop_analytics.streaming.checkpoint import local_folder, next_batch_may_replay
from shop_analytics.streaming.registry_schemas import WriterSchemas
from shop_analytics.streaming.start_order import StartOrder, StartQueue

BRONZE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("event_id", "string"),
    ("event_type", "string"),
    ("event_time", "timestamp"),
    # The Avro body as the producer wrote it (Confluent header removed), lossless; silver
    # decodes it with the writer schema ``schema_id`` names. Kept binary rather than turned
    # into JSON here: to_json of every record cost more than the whole Kafka read.
    ("payload", "binary"),
    ("schema_id", "int"),
    ("kafka_key", "binary"),
    ("kafka_topic", "string"),
    ("kafka_partition", "int"),
    ("kafka_offset", "bigint"),
    ("kafka_timestamp", "timestamp"),
    ("ingested_at", "timestamp"),
)
# Hidden partitioning by event day: readers filter on event_time and Iceberg prunes files.
BRONZE_PARTITIONING = "days(event_time)"
# Write settings of a table written in many small appends and read back whole by silver
# (probed on 250k-record appends: about 0.15-0.2 s of 1.3 s per append): dictionaries pay off for none
# of the unique columns (event_id, the payload) and zstd compresses the rest as small without
# them; zstd level 1 is cheaper than the default 3 at the same size here; min/max statistics
# of the payload, the key and event_id filter nothing (silver reads by event day), nor do the
# topic's (one per bronze table) or the event type's (every file holds every type); computing
# them compared every string value again (about 4% of the write's CPU samples, by JFR).
UNFILTERED_COLUMNS = ("event_id", "payload", "kafka_key", "kafka_topic", "event_type")
BRONZE_PROPERTIES = {
    "write.distribution-mode": "none",
    "parquet.enable.dictionary": "false",
    "write.parquet.compression-codec": "zstd",
    "write.parquet.compression-level": "1",
    **{f"write.parquet.stats-enabled.column.{column}": "false" for column in UNFILTERED_COLUMNS},
    **{f"write.metadata.metrics.column.{column}": "none" for column in UNFILTERED_COLUMNS},
}

DEAD_LETTER_COLUMNS: tuple[tuple[str, str], ...] = (
    ("kafka_topic", "string"),
    ("kafka_partition", "int"),
    ("kafka_offset", "bigint"),
    ("kafka_timestamp", "timestamp"),
    ("kafka_key", "binary"),
    ("kafka_value", "binary"),
    ("schema_id", "int"),
    ("reason", "string"),
    ("error", "string"),
    ("ingested_at", "timestamp"),
)
DEAD_LETTER_PARTITIONING = "kafka_topic, days(kafka_timestamp)"


KAFKA_COLUMNS = (
    "kafka_key",
    "kafka_value",
    "kafka_topic",
    "kafka_partition",
    "kafka_offset",
    "kafka_timestamp",
    "ingested_at",
)


def kafka_columns(kafka_records: DataFrame) -> DataFrame:
    """Kafka source columns → named coordinates (``KAFKA_COLUMNS`` but the ingest time, which
    ``with_ingest_time`` adds per micro-batch)."""
    # SQL text: one py4j call, where Column calls took one per function (see with_frame).
    return kafka_records.selectExpr(
        "key AS kafka_key",
        "value AS kafka_value",
        "topic AS kafka_topic",
        "CAST(partition AS INT) AS kafka_partition",
        "CAST(offset AS BIGINT) AS kafka_offset",
        "timestamp AS kafka_timestamp",
    )


def with_ingest_time(records: DataFrame, at: float) -> DataFrame:
    """``records`` with ``ingested_at`` = ``at`` (epoch seconds), kept out of generated code.

    Spark writes timestamp literals into the code it generates (``current_timestamp()`` in a
    streaming plan becomes one per micro-batch), so a plan holding the batch's time compiles
    its stages again every batch: 2 classes a batch for bronze's decode, by Spark's
    CodegenMetrics. An array literal is passed to the code by reference instead; read behind
    a condition on a column, the optimizer cannot fold it back into a timestamp literal.
    """
    holder = F.array(F.lit(dt.datetime.fromtimestamp(at, dt.UTC)))
    return records.withColumn("ingested_at", F.element_at(F.when(F.col("kafka_offset") >= 0, holder), 1))


def classify(records: DataFrame, writer_schemas: dict[int, str]) -> DataFrame:
    """``kafka_columns`` records with ``decoded`` and ``reason`` (null when the record is good).

    ``writer_schemas`` holds the schema of every id the registry knows among the records' ids.
    """
    decoded = confluent_avro.decode(confluent_avro.with_frame(records, known_ids=writer_schemas), writer_schemas)
    return decoded.withColumn("reason", confluent_avro.rejection_reason(writer_schemas))


def bronze_candidates(classified: DataFrame, columns: FrameColumns | None = None) -> DataFrame:
    """Every record of ``classify`` in bronze's columns, plus its ``reason`` (what
    ``count_columns`` counts)."""
    return classified.select(*(columns or FrameColumns()).candidates)


def bronze_rows(classified: DataFrame, columns: FrameColumns | None = None) -> DataFrame:
    """The ``classify``'d records without a reason, in bronze's columns: filtered, then read
    off the classified columns in one projection (each projection is analysed again per batch)."""
    columns = columns or FrameColumns()
    return classified.where(columns.good).select(*columns.bronze_of_classified)


def dead_letter_rows(classified: DataFrame) -> DataFrame:
    return classified.where(F.col("reason").isNotNull()).select(
        *(name for name, _ in DEAD_LETTER_COLUMNS[:7]),
        "reason",
        _error_text().alias("error"),
        "ingested_at",
    )


def split_batch(records: DataFrame, writer_schemas: dict[int, str]) -> tuple[DataFrame, DataFrame]:
    """(bronze rows, dead-letter rows): every record lands in exactly one of the two."""
    classified = classify(records, writer_schemas)
    return bronze_rows(classified), dead_letter_rows(classified)


def _error_text():
    head = F.hex(F.substring(F.col("kafka_value"), 1, 1))
    return (
        F.when(
            F.col("reason") == confluent_avro.NOT_CONFLUENT_FRAMED,
            F.concat(
                F.lit("value of "),
                F.coalesce(F.length("kafka_value"), F.lit(0)).cast("string"),
                F.lit(" bytes starting 0x"),
                F.coalesce(head, F.lit("")),
                F.lit(" is not magic byte 0 + 4-byte schema id"),
            ),
        )
        .when(
            F.col("reason") == confluent_avro.UNKNOWN_SCHEMA_ID,
            F.concat(F.lit("schema id "), F.col("schema_id").cast("string"), F.lit(" is not in the schema registry")),
        )
        .when(
            F.col("reason") == confluent_avro.AVRO_DECODE_FAILED,
            F.concat(F.lit("Avro body does not parse with writer schema "), F.col("schema_id").cast("string")),
        )
        .otherwise(F.lit("decoded record lacks event_id, event_type or event_time"))
    )


# Upper bound of records per micro-batch. Each batch pays a fixed cost besides its records
# (about 0.35 s here: Kafka offset planning, the registry lookup, an Iceberg commit) and
# leaves one more snapshot and set of small files, so a backlog goes faster in fewer, larger
# batches; 250k records of ~300 bytes stay far below the driver's memory.
DEFAULT_MAX_OFFSETS_PER_TRIGGER = 250_000


DEFAULT_LINGER_TRIGGER_S = 5.0


@dataclass(frozen=True)
class Linger:
    """Keep the query running in micro-batches while records keep arriving.

    A run that ends when it has caught up pays a run start, a code-location import and a
    query start (with a Python worker on a Connect server) for every few seconds of live
    data; a lingering query pays them once per burst of traffic.
    """

    idle_s: float  # stop once no record has arrived for this long
    max_s: float  # and in any case after this long, so runs end and report
    trigger_s: float = DEFAULT_LINGER_TRIGGER_S  # micro-batch period
    # On a Connect server the query outlives a client that dies without stopping it (SIGKILL):
    # the client renews a lease file beside the checkpoint while it waits, and a batch that
    # finds the lease this old fails the query (uncommitted, so the next run replays it).
    lease_s: float = 60.0

    def __post_init__(self) -> None:
        if min(self.idle_s, self.max_s, self.trigger_s, self.lease_s) <= 0:
            raise ValueError(f"linger times must be positive: {self}")


def lease_path(checkpoint: str) -> Path | None:
    """The lease file of a lingering query's checkpoint; None where it is not a local folder."""
    folder = local_folder(checkpoint)
    return None if folder is None else folder.with_name(folder.name + ".lease")


def linger_verdict(
    linger: Linger, elapsed_s: float, idle_s: float, trigger_active: bool, stopping: bool = False
) -> str | None:
    """Why a lingering query stops now, or None to keep it running (``stopping``: its run is).

    Only between micro-batches: a stop during one would interrupt its writes (safe, the
    batch markers make the replay exact, but wasted work).
    """
    if trigger_active:
        return None
    if stopping:
        return "the run is stopping"
    if idle_s >= linger.idle_s:
        return f"no new records for {idle_s:.0f} s"
    if elapsed_s >= linger.max_s:
        return f"ran {elapsed_s:.0f} s, the most a run lingers"
    return None


@dataclass(frozen=True)
class IngestRequest:
    bootstrap_servers: str
    topic: str
    table: str  # namespace.table in the session's default catalog
    dead_letter_table: str
    checkpoint: str
    registry_url: str
    max_offsets_per_trigger: int = DEFAULT_MAX_OFFSETS_PER_TRIGGER
    kafka_options: dict[str, str] = field(default_factory=dict)
    linger: Linger | None = None  # None: availableNow, up to the topic's end and stop
    # The folder where query starts over Spark Connect queue across processes (runs that
    # overlap share the server), the largest ``backlog`` first; None: turns within this
    # process only. Both ignored in-process.
    start_queue: str | None = None
    backlog: int = 0  # records behind at the run's start


@dataclass
class BatchStats:
    batch_id: int
    rows_in: int
    bronze_rows: int
    dead_letter_rows: int
    dead_letter_by_reason: dict[str, int]
    skipped_tables: list[str]
    newest_event_time: float | None  # epoch seconds
    duration_s: float


@dataclass
class IngestResult:
    batches: list[BatchStats]
    duration_s: float

    @property
    def rows(self) -> int:
        return sum(b.rows_in for b in self.batches)

    @property
    def bronze_rows(self) -> int:
        return sum(b.bronze_rows for b in self.batches)

    @property
    def dead_letter_rows(self) -> int:
        return sum(b.dead_letter_rows for b in self.batches)

    def dead_letter_by_reason(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for batch in self.batches:
            for reason, count in batch.dead_letter_by_reason.items():
                totals[reason] = totals.get(reason, 0) + count
        return totals

    @property
    def newest_event_time(self) -> float | None:
        times = [b.newest_event_time for b in self.batches if b.newest_event_time is not None]
        return max(times) if times else None


def ensure_tables(spark: SparkSession, table: str, dead_letter_table: str | None) -> None:
    """Create the bronze table (and the dead-letter table unless None) if missing; refuse one
    whose columns are not the ones the ingest writes (an old layout, or one made by hand)."""
    wanted = [(table, BRONZE_COLUMNS, BRONZE_PARTITIONING, BRONZE_PROPERTIES)]
    if dead_letter_table is not None:
        wanted.append(
            (dead_letter_table, DEAD_LETTER_COLUMNS, DEAD_LETTER_PARTITIONING, {"write.distribution-mode": "none"})
        )
    for name, columns, partitioning, properties in wanted:
        create_table_if_missing(spark, name, columns, partitioning, properties)
        actual = {field.name: field.dataType.simpleString() for field in spark.table(name).schema.fields}
        problems = layout_problems(actual, columns)
        if problems:
            raise TableLayoutMismatch(
                f"{name} does not have the layout the bronze ingest writes ({'; '.join(problems)}): "
                "drop the bronze tables and their checkpoints (`make clean`, or a fresh SHOP_STATE_DIR) and ingest again"
            )


class TableLayoutMismatch(RuntimeError):
    """A bronze or dead-letter table exists with other columns than the ingest writes."""


def layout_problems(actual: dict[str, str], wanted: tuple[tuple[str, str], ...]) -> list[str]:
    """How a table with columns ``actual`` (name → Spark type) differs from ``wanted``: a
    column missing, of another type, or one the ingest does not write (an append by name
    fails on each of them)."""
    problems = []
    for name, kind in wanted:
        have = actual.get(name)
        if have is None:
            problems.append(f"no column {name} {kind}")
        elif have != kind:
            problems.append(f"{name} is {have}, not {kind}")
    known = {name for name, _ in wanted}
    problems.extend(f"column {name} is not one it writes" for name in actual if name not in known)
    return problems


FETCH_MAX_WAIT_MS = 20

_CONNECT_START_LOCK = threading.Lock()

# The schema ids a main bronze append decoded with (comma-separated), how a replay splits alike.
SCHEMA_IDS_PROPERTY = "shop.schema-ids"


def _ids_text(schemas: dict[int, str]) -> str:
    return ",".join(str(i) for i in sorted(schemas))


# Snapshot-summary keys of a batch's own figures (beside the stream and batch markers).
ROWS_IN_PROPERTY = "shop.rows-in"
REASONS_PROPERTY = "shop.dead-letter-by-reason"
NEWEST_PROPERTY = "shop.newest-event-time"
STARTED_PROPERTY = "shop.batch-started-at"


# The name of the metrics node ``filterable`` adds; nothing reads its metrics.
REJECTS_PASS = "bronze_rejects_pass"


def filterable(classified: DataFrame) -> DataFrame:
    """``classified`` ready for a filter on ``reason`` that does not repeat the decode.

    A filter straight over the decode is pushed below it by the optimizer, which then
    inlines from_avro into the filter several times per record; a CollectMetrics node (as
    in the bronze pass) or the cache keeps the filter above it.
    """
    return classified if classified.is_cached else classified.observe(REJECTS_PASS, F.count(F.lit(1)))


# Rows whose schema id is not under the topic's subject but that the registry resolves by id
# are appended to bronze apart, under this suffix of the stream's marker (see __call__).
OTHER_SUBJECTS = "+other-subjects"


# How far an event may be ahead of its Kafka timestamp and still count as the newest event.
CLOCK_SKEW_MICROS = 300 * 1_000_000


def _newest_event(event_time: str) -> Column:
    """Newest good event at most ``CLOCK_SKEW_MICROS`` ahead of its arrival (epoch seconds):
    an event dated further ahead (a broken clock, for silver to quarantine) would make the
    age negative."""
    in_time = F.unix_micros(event_time) <= F.unix_micros("kafka_timestamp") + F.lit(CLOCK_SKEW_MICROS)
    # Compared as microseconds: ``timestamp + INTERVAL`` goes through a zoned date-time per
    # record. A double, since Observation hands back raw JVM values and a double reads the
    # same through py4j as through a collected Row.
    return F.max(F.when(F.col("reason").isNull() & in_time, F.col(event_time))).cast("double").alias("newest")


def count_columns() -> list[Column]:
    """A batch's figures as aggregates of ``bronze_candidates``, rejects by reason."""
    reason = F.col("reason")
    return [
        F.count(F.when(reason.isNull(), 1)).alias("good"),
        *(F.count(F.when(reason == code, 1)).alias(code) for code in confluent_avro.REASONS),
        _newest_event("event_time"),
    ]


def pass_columns() -> list[Column]:
    """The figures observed on the write's own pass over ``classify``'d records: rows, rejects
    (not why) and the newest event.

    Three aggregates per record rather than ``count_columns``' six, on the path every record
    takes; the reasons are counted over the rejects alone, when a batch has any
    (``BatchCounts.of_pass``).
    """
    return [F.count(F.lit(1)).alias("rows"), F.count("reason").alias("rejected"), _newest_event("decoded.event_time")]


def observed_values(observation: Observation, names: tuple[str, ...]) -> dict[str, Any]:
    """``observation.get``, read by name: blocks until the observed batch has run.

    pyspark 3.5's ``get`` walks the Java map through py4j, and the walk ends in a Java
    exception that pyspark converts (a dozen class checks): about 60 py4j round trips, some
    12 ms a batch. Reading each name is one round trip. ``_jo`` is pyspark 3.5's handle on
    the JVM Observation (the version setup.py pins); streaming/test_batch_figures.py checks
    the figures read through it.
    """
    values = observation._jo.getAsJava()
    return {name: values.get(name) for name in names}


class FrameColumns:
    """The columns of a batch's frames, each built on first use and reused after.

    Building a column from Python costs py4j round trips of about 0.2 ms each (for a name: a
    lookup of Spark's functions class, the call, its place in a Java list); the frames of one
    batch took about 300 of them, some 65 ms a batch (counted by py4j command on 300-record
    batches). A writer keeps one of these for the batches of its query start.
    """

    @cached_property
    def candidates(self) -> list[Column]:
        decoded = [F.col(f"decoded.{name}") for name in confluent_avro.ENVELOPE_FIELDS]
        kept = [F.col(name) for name, _ in BRONZE_COLUMNS[4:]]
        return [*decoded, F.col("avro_body").alias("payload"), *kept, F.col("reason")]

    @cached_property
    def bronze_of_classified(self) -> list[Column]:
        """Bronze's columns, read off ``classify``'d records (``candidates`` but the reason)."""
        return self.candidates[:-1]

    @cached_property
    def good(self) -> Column:
        return F.col("reason").isNull()

    @cached_property
    def figures(self) -> list[Column]:
        return count_columns()

    @cached_property
    def pass_figures(self) -> list[Column]:
        return pass_columns()


@dataclass
class BatchCounts:
    good: int
    rejected_by_reason: dict[str, int]
    newest: float | None  # epoch seconds

    @classmethod
    def of(cls, row: Any) -> BatchCounts:
        values = row if isinstance(row, dict) else row.asDict()
        reasons = {code: int(values[code]) for code in confluent_avro.REASONS if values[code]}
        newest = values["newest"]
        return cls(int(values["good"]), reasons, float(newest) if newest is not None else None)

    @classmethod
    def of_pass(cls, values: dict[str, Any], rejected_by_reason: dict[str, int]) -> BatchCounts:
        """The figures of ``pass_columns``, with the batch's rejects counted by reason."""
        rejected = int(values["rejected"])
        newest = values["newest"]
        return cls(int(values["rows"]) - rejected, rejected_by_reason, float(newest) if newest is not None else None)

    @property
    def rejected(self) -> int:
        return sum(self.rejected_by_reason.values())


class BronzeBatchWriter:
    """The ``foreachBatch`` function of one stream: split, write both tables once, count.

    In-process (classic) sessions write bronze in one pass over the batch: rows, rejects and
    the newest event are collected by an ``Observation`` on the same scan that feeds the
    Iceberg append. Spark 3.5's Connect client has no Observation, so there the batch is
    decoded into the cache, counted, and written from it. A batch with rejects is read once
    more for them (in-process: into the cache, where they are counted by reason), and the
    dead-letter table is written from that.
    """

    def __init__(
        self,
        request: IngestRequest,
        stream_id: str,
        subject_schemas: dict[int, str],
        attempt: str = "",
        may_replay: bool = True,
    ) -> None:
        self.request = request
        self.stream_id = stream_id
        # The schemas the batches arrive classified with (``classify`` in the query's plan).
        self.subject_schemas = subject_schemas
        self.attempt = attempt
        # False when the checkpoint showed no batch to run again before the query started
        # (``next_batch_may_replay``): then no batch of this start can be in a table yet.
        self.may_replay = may_replay
        self._schemas: WriterSchemas | None = None  # made where the batches run
        # (table, stream) → (the first batch id this query start wrote or skipped there,
        # whether that batch was committed there already). Only a query start's first batch
        # can be a replay (the one in flight when an earlier run died): Spark refuses a second
        # query on the same checkpoint (its offset log is written with create-if-absent), so
        # after the first batch no one else writes this stream, and the table's snapshots are
        # looked up once per pair and start.
        self._first_batch: dict[tuple[str, str], tuple[int, bool]] = {}
        self.columns = FrameColumns()
        self.stats: list[BatchStats] = []

    @property
    def schemas(self) -> WriterSchemas:
        if self._schemas is None:
            self._schemas = WriterSchemas(self.request.registry_url)
        return self._schemas

    def __call__(self, batch: DataFrame, batch_id: int) -> None:
        """Write one micro-batch: ``batch`` is ``classify``'d with ``subject_schemas`` already."""
        started = time.monotonic()
        started_at = time.time()
        spark = batch.sparkSession
        batch = with_ingest_time(batch, started_at)
        remote = is_remote_session(spark)
        if remote and self.request.linger is not None:
            _check_lease(self.request)
        bronze, dead_letter = self.request.table, self.request.dead_letter_table
        schemas, classified = self._as_first_written(spark, batch, batch_id)
        written: dict[str, int] = {}
        skipped: list[str] = []
        cached: list[DataFrame] = []
        rejects: DataFrame | None = None  # the batch's rejected rows, cached, once counted by reason
        try:
            if remote:
                classified = classified.persist()
                cached.append(classified)
                counts = BatchCounts.of(bronze_candidates(classified, self.columns).agg(*self.columns.figures).first())
                self._append(
                    spark, bronze, self.stream_id, bronze_rows(classified, self.columns), batch_id, counts.good,
                    {**self._figures(counts, started_at), SCHEMA_IDS_PROPERTY: _ids_text(schemas)}, written, skipped,
                )  # fmt: skip
            elif self._committed_already(spark, bronze, self.stream_id, batch_id):
                skipped.append(bronze)  # a replay found bronze committed: count without writing
                counts = BatchCounts.of(bronze_candidates(classified, self.columns).agg(*self.columns.figures).first())
            else:
                # Made only for a pass that runs: an Observation stays registered with the
                # session until its frame has run.
                observation = Observation(f"bronze-{uuid.uuid4().hex}")
                # Observed on the batch as the query's scan hands it over, so the projection and
                # the filter that make its bronze rows run fused in one generated stage after
                # the observation. Observed on the projected candidates instead, every record
                # was copied once more (about 8% of a 300k-record ingest, A/B in one process).
                observed = classified.observe(observation, *self.columns.pass_figures)
                self._append(
                    spark, bronze, self.stream_id, bronze_rows(observed, self.columns), batch_id, None,
                    {ATTEMPT_PROPERTY: self.attempt, SCHEMA_IDS_PROPERTY: _ids_text(schemas)}, written, skipped,
                )  # fmt: skip
                figures = observed_values(observation, ("rows", "rejected", "newest"))
                by_reason: dict[str, int] = {}
                if int(figures["rejected"]):
                    # One more read of the batch, which the dead-letter append then reads from
                    # the cache instead of decoding the batch again.
                    rejects = filterable(classified).where(F.col("reason").isNotNull()).persist()
                    cached.append(rejects)
                    by_reason = {r["reason"]: int(r["count"]) for r in rejects.groupBy("reason").count().collect()}
                counts = BatchCounts.of_pass(figures, by_reason)
                written[bronze] = counts.good
            if counts.rejected_by_reason.get(confluent_avro.UNKNOWN_SCHEMA_ID):
                reclassified, counts = self._other_subjects(
                    spark, batch, batch_id, rejects if rejects is not None else filterable(classified),
                    classified, schemas, counts, started_at, written, skipped, cached,
                )  # fmt: skip
                if reclassified is not classified:  # classified with more schemas: fewer rejects
                    classified, rejects = reclassified, None
            if counts.rejected:
                rejected_rows = rejects if rejects is not None else filterable(classified)
                self._append(
                    spark, dead_letter, self.stream_id, dead_letter_rows(rejected_rows), batch_id, counts.rejected,
                    self._figures(counts, started_at), written, skipped,
                )  # fmt: skip
        finally:
            for frame in cached:
                frame.unpersist()
        self.stats.append(
            BatchStats(
                batch_id=batch_id,
                rows_in=counts.good + counts.rejected,
                # What this run wrote: a replayed batch's skipped table adds nothing.
                bronze_rows=written.get(bronze, 0),
                dead_letter_rows=written.get(dead_letter, 0),
                dead_letter_by_reason=counts.rejected_by_reason,
                skipped_tables=skipped,
                newest_event_time=counts.newest,
                duration_s=time.monotonic() - started,
            )
        )

    def _as_first_written(
        self, spark: SparkSession, batch: DataFrame, batch_id: int
    ) -> tuple[dict[int, str], DataFrame]:
        """The schemas to split ``batch`` with, and the batch classified with them.

        A replayed batch must split as it did when first written: its main bronze append is
        skipped when committed, and the rows of ids outside that append's schemas go to the
        ``OTHER_SUBJECTS`` append. The subject may have gained a version since (a lingering
        query keeps the versions of its start), so a replay reclassifies with the schema ids
        the committed append names (``SCHEMA_IDS_PROPERTY``).
        """
        schemas = self.subject_schemas
        key = (self.request.table, self.stream_id)
        if not self.may_replay or key in self._first_batch:
            return schemas, batch
        summary = committed_summary(spark, self.request.table, self.stream_id, batch_id)
        self._first_batch[key] = (batch_id, summary is not None)  # the main append asks no more
        written_ids = (summary or {}).get(SCHEMA_IDS_PROPERTY)
        if written_ids is None or _ids_text(schemas) == written_ids:
            return schemas, batch
        schemas = self.schemas.resolve(int(i) for i in written_ids.split(",") if i)
        return schemas, classify(batch.select(*KAFKA_COLUMNS), schemas)

    def _other_subjects(
        self,
        spark: SparkSession,
        batch: DataFrame,
        batch_id: int,
        rejects: DataFrame,
        classified: DataFrame,
        schemas: dict[int, str],
        counts: BatchCounts,
        started_at: float,
        written: dict[str, int],
        skipped: list[str],
        cached: list[DataFrame],
    ) -> tuple[DataFrame, BatchCounts]:
        """Records whose schema id is not under the topic's subject: look the ids up by id.

        Those the registry knows decode into bronze, in an append of their own under the
        stream marker + ``OTHER_SUBJECTS``, so a replay finds each of the two bronze appends
        of a batch by its own marker. ``rejects``: the batch's rows with a reason. Returns the
        batch classified with every known id.
        """
        unknown = rejects.where(F.col("reason") == confluent_avro.UNKNOWN_SCHEMA_ID)
        more = self.schemas.resolve([r["schema_id"] for r in unknown.select("schema_id").distinct().collect()])
        if not more:
            return classified, counts
        reclassified = classify(batch.select(*KAFKA_COLUMNS), {**schemas, **more}).persist()
        cached.append(reclassified)
        counts = BatchCounts.of(bronze_candidates(reclassified, self.columns).agg(*self.columns.figures).first())
        extra = bronze_rows(reclassified.where(F.col("schema_id").isin(list(more))), self.columns)
        self._append(
            spark, self.request.table, self.stream_id + OTHER_SUBJECTS, extra, batch_id, extra.count(),
            self._figures(counts, started_at), written, skipped,
        )  # fmt: skip
        return reclassified, counts

    def _figures(self, counts: BatchCounts, started_at: float) -> dict[str, str]:
        return {
            ATTEMPT_PROPERTY: self.attempt,
            ROWS_IN_PROPERTY: str(counts.good + counts.rejected),
            REASONS_PROPERTY: json.dumps(counts.rejected_by_reason, sort_keys=True),
            NEWEST_PROPERTY: "" if counts.newest is None else repr(counts.newest),
            STARTED_PROPERTY: repr(started_at),
        }

    def _append(
        self,
        spark: SparkSession,
        table: str,
        stream: str,
        frame: DataFrame,
        batch_id: int,
        count: int | None,
        figures: dict[str, str],
        written: dict[str, int],
        skipped: list[str],
    ) -> bool:
        """Append ``frame`` once per (stream, batch); ``count`` None: not known before writing."""
        if count == 0:
            return False
        if self._committed_already(spark, table, stream, batch_id):
            skipped.append(table)  # a replay: this table already has the batch
            return False
        marked(frame.writeTo(table), stream, batch_id, **figures).append()
        written[table] = written.get(table, 0) + (count or 0)
        return True

    def _committed_already(self, spark: SparkSession, table: str, stream: str, batch_id: int) -> bool:
        """Whether ``table`` has this stream's ``batch_id`` (only ever true of a start's first batch)."""
        if not self.may_replay:
            return False
        key = (table, stream)
        if key not in self._first_batch:
            self._first_batch[key] = (batch_id, already_committed(spark, table, stream, batch_id))
        first_id, committed = self._first_batch[key]
        return committed and batch_id == first_id


def ingest_topic(
    spark: SparkSession,
    request: IngestRequest,
    progress: Callable[[str], None] | None = None,
    *,
    stop: threading.Event | None = None,
    start_order: StartOrder | None = None,
) -> IngestResult:
    """Read ``request.topic`` from its checkpointed position to its current end into bronze
    (with ``request.linger``: and on, until records stop arriving). ``progress`` gets a line
    about a lingering query now and then;
    ``stop``: set by the caller to end a lingering query early (between batches);
    ``start_order``: the order in which the caller's queries take turns to start over Spark
    Connect (the topic's turn is passed on however this call ends)."""
    try:
        with session_functions(spark):
            return _ingest_topic(
                spark, request, progress or (lambda _line: None), stop or threading.Event(), start_order
            )
    finally:
        if start_order is not None:
            start_order.done(request.topic)


# How long a Connect query start keeps the next one waiting for its first batch.
FIRST_BATCH_WAIT_S = 20.0


def _ingest_topic(
    spark: SparkSession,
    request: IngestRequest,
    progress: Callable[[str], None],
    stop: threading.Event,
    start_order: StartOrder | None,
) -> IngestResult:
    started = time.monotonic()
    source = (
        spark.readStream.format("kafka")
        .option("kafka.bootstrap.servers", request.bootstrap_servers)
        .option("subscribe", request.topic)
        .option("startingOffsets", "earliest")
        .option("failOnDataLoss", "true")
        .option("maxOffsetsPerTrigger", str(request.max_offsets_per_trigger))
        # Spark reads known offset ranges, so a fetch never needs to wait for more data;
        # at the broker's default (500 ms) every partition's last fetch of a batch idles.
        .option("kafka.fetch.max.wait.ms", str(FETCH_MAX_WAIT_MS))
        .options(**{f"kafka.{k}": v for k, v in request.kafka_options.items()})
        .load()
    )
    remote = is_remote_session(spark)
    attempt = uuid.uuid4().hex
    # Read before start(), which plans the first batch: a batch planned and not committed by
    # an earlier run is the only one whose writes can already be in the tables.
    may_replay = next_batch_may_replay(request.checkpoint)
    # The topic's own schema versions decode nearly every record without a pass over a batch
    # to collect its ids; ids outside them are looked up by id in the batch (OTHER_SUBJECTS).
    # Classified in the query's plan, once per start rather than once per batch (building the
    # plan cost about 0.1 s a batch); a version registered while a query lingers is such an id.
    subject_schemas = WriterSchemas(request.registry_url).for_subject(f"{request.topic}-value")

    def batch_writer(stream_id: str) -> BronzeBatchWriter:
        return BronzeBatchWriter(request, stream_id, subject_schemas, attempt, may_replay)

    writer: LazyBatchWriter | CheckpointBatchWriter
    if remote:
        writer = CheckpointBatchWriter(request.topic, request.checkpoint, batch_writer)
    else:
        writer = LazyBatchWriter(request.topic, batch_writer)
    if remote:
        batch_errors.clear(request.checkpoint)  # an earlier run's failure is not this one's
    stream_writer = (
        classify(kafka_columns(source), subject_schemas)
        .writeStream.foreachBatch(batch_errors.RecordingBatchErrors(request.checkpoint, writer) if remote else writer)
        .option("checkpointLocation", request.checkpoint)
        .queryName(f"bronze_{request.topic.replace('.', '_').replace('-', '_')}")
    )
    if request.linger is None:
        stream_writer = stream_writer.trigger(availableNow=True)
    else:
        # maxOffsetsPerTrigger bounds these batches too, so a backlog drains as it would.
        stream_writer = stream_writer.trigger(processingTime=f"{round(request.linger.trigger_s * 1000)} milliseconds")
    lease = lease_path(request.checkpoint) if request.linger is not None else None
    if lease is not None:
        lease.parent.mkdir(parents=True, exist_ok=True)
        lease.touch()  # before the first batch looks at it
    if remote:
        # A Connect server starts a Python worker for the batch function inside start() and
        # gives it 10 s to connect back; several starting at once on two busy cores miss that
        # ("Python worker failed to connect back"). One start at a time; the queries still run
        # side by side once started. A lingering query also keeps the next start waiting (a
        # while) for its first batch: worker starts cost seconds of CPU, and the callers start
        # the largest backlog first (``start_order``: a lock alone lets waiting threads in at
        # random), so live rows land before the small topics compete.
        # The tables are checked in the turn too, so the first query in the order starts
        # after its own tables rather than after every topic's.
        # Runs that overlap take turns too, across processes (``start_queue``): the ticket is
        # queued now, so a larger backlog of this run waiting for its turn here goes before a
        # smaller one of another run.
        asked = time.monotonic()
        queue = local_folder(request.start_queue) if request.start_queue else None
        turn = start_order.turn(request.topic) if start_order is not None else contextlib.nullcontext()
        with (
            StartQueue(queue).ticket(request.backlog) if queue is not None else contextlib.nullcontext() as ticket,
            turn,
            _CONNECT_START_LOCK,
            ticket.turn() if ticket is not None else contextlib.nullcontext(0.0) as across_runs,
        ):
            locked = time.monotonic()
            ensure_tables(spark, request.table, request.dead_letter_table)
            ready = time.monotonic()
            query = start_retrying(stream_writer.start, lambda line: progress(f"{request.topic}: {line}"))
            begun = time.monotonic()
            if request.linger is not None:
                _await_first_batch(query, lease)
        # Where a cold start's seconds go (shown in the run's log; the freshness bench reads it).
        progress(
            f"{request.topic}: query started after {locked - asked:.1f} s waiting for its turn "
            f"({across_runs:.1f} s of it behind other runs' starts), "
            f"{ready - locked:.1f} s checking its tables, {begun - ready:.1f} s in start(), "
            f"{time.monotonic() - begun:.1f} s to its first batch"
        )
    else:
        ensure_tables(spark, request.table, request.dead_letter_table)
        query = stream_writer.start()
    if isinstance(writer, LazyBatchWriter):
        writer.started(str(query.id))
    try:
        if request.linger is None:
            query.awaitTermination()
        else:
            try:
                _linger(
                    query,
                    request.linger,
                    lease,
                    stop,
                    lambda line: progress(f"{request.topic}: {line}"),
                )
            except BaseException:
                # Interrupted (a run terminated from the UI): a Connect server would go on running it.
                query.stop()
                raise
        if query.exception() is not None:
            raise RuntimeError(f"bronze ingest of {request.topic} failed: {query.exception()}")
    except Exception as failure:
        if remote:  # the server's report leaves the batch's own error out: it is in the file
            batch_errors.raise_batch_error(request.checkpoint, request.topic, failure)
        raise
    if remote:
        stats = stats_from_snapshots(spark, request, attempt)
    else:
        stats = writer.writer.stats if writer.writer is not None else []
    return IngestResult(batches=stats, duration_s=time.monotonic() - started)


# A Connect server gives the Python worker it starts for a query's batch function 10 s to
# connect back (Spark 3.5, not configurable); with eight lingering queries' micro-batches on
# two cores a late start missed it once in a freshness bench run, failing the whole run.
WORKER_CONNECT_BACK = "Python worker failed to connect back"
START_ATTEMPTS = 3
START_RETRY_PAUSE_S = 2.0


def start_retrying(start: Callable[[], Any], progress: Callable[[str], None], attempts: int = START_ATTEMPTS) -> Any:
    """``start()``, tried again (``attempts`` in all) when the server's Python worker missed its
    connect-back window; any other error is raised at once.

    A start that fails this way has run no batch: the query never began, so starting it again
    on the same checkpoint is the same start.
    """
    for attempt in range(1, attempts):
        try:
            return start()
        except Exception as exc:
            if WORKER_CONNECT_BACK not in str(exc):
                raise
            progress(f"query start {attempt} of {attempts} failed ({WORKER_CONNECT_BACK}); starting again")
            time.sleep(START_RETRY_PAUSE_S)
    return start()  # the last attempt: its error, whatever it is, is the caller's


def _await_first_batch(query: Any, lease: Path | None) -> None:
    """Wait (at most ``FIRST_BATCH_WAIT_S``) until ``query`` reports its first batch or ends."""
    deadline = time.monotonic() + FIRST_BATCH_WAIT_S
    while time.monotonic() < deadline and query.lastProgress is None:
        if lease is not None:
            lease.touch()
        if query.awaitTermination(0.2):
            return


LINGER_POLL_S = 1.0
LINGER_REPORT_EVERY_S = 60.0


class LeaseExpired(RuntimeError):
    """The process that started a lingering query stopped renewing its lease."""


def _check_lease(request: IngestRequest) -> None:
    assert request.linger is not None
    lease = lease_path(request.checkpoint)
    if lease is None:
        return
    try:
        age = time.time() - lease.stat().st_mtime
    except FileNotFoundError:
        age = float("inf")
    if age > request.linger.lease_s:
        raise LeaseExpired(
            f"the run that started the lingering bronze query of {request.topic} has not renewed {lease} "
            f"for {age:.0f} s (limit {request.linger.lease_s:g} s): stopping; the next run replays this batch"
        )


def _linger(
    query: Any, linger: Linger, lease: Path | None, stop: threading.Event, progress: Callable[[str], None]
) -> None:
    """Let a processing-time query run until ``linger_verdict`` stops it (or it fails).

    Polls the last progress only (``recentProgress`` is up to 100 reports to serialize and
    parse per poll, per query); a batch's report stays the last one for at least a trigger
    period, so a poll every second sees each batch that read records while it matters.
    """
    started = last_input = last_report = time.monotonic()
    newest_seen = ""  # progress timestamps are ISO-8601 UTC, so they order as strings
    last_batch: int | None = None
    while not query.awaitTermination(LINGER_POLL_S):
        if lease is not None:
            lease.touch()
        now = time.monotonic()
        report = query.lastProgress
        if report is not None and report["timestamp"] > newest_seen:
            newest_seen = report["timestamp"]
            # Per source: a Connect server's progress JSON has no query-level total.
            if sum(int(source.get("numInputRows", 0)) for source in report.get("sources", [])) > 0:
                last_input, last_batch = now, int(report["batchId"])
        verdict = linger_verdict(
            linger, now - started, now - last_input, query.status["isTriggerActive"], stop.is_set()
        )
        if verdict is not None:
            progress(f"stopping after micro-batch {last_batch}: {verdict}")
            query.stop()
            return
        if now - last_report >= LINGER_REPORT_EVERY_S:
            progress(f"lingering for {now - started:.0f} s, at micro-batch {last_batch}")
            last_report = now


def stats_from_snapshots(spark: SparkSession, request: IngestRequest, attempt: str) -> list[BatchStats]:
    """The batches one start of the query wrote, from the figures in their snapshot summaries.

    A batch that a replay found already committed in every table wrote nothing and is not
    listed (its rows were counted by the run that wrote them).
    """
    by_batch: dict[int, dict[str, Any]] = {}
    for table in (request.table, request.dead_letter_table):
        summary = F.col("summary")
        rows = (
            spark.table(f"{table}.snapshots")
            .where(summary.getItem(ATTEMPT_PROPERTY) == attempt)
            .select(
                summary.getItem(BATCH_PROPERTY).cast("long").alias("batch_id"),
                summary.getItem("added-records").cast("long").alias("added"),
                summary.getItem(ROWS_IN_PROPERTY).cast("long").alias("rows_in"),
                summary.getItem(REASONS_PROPERTY).alias("reasons"),
                summary.getItem(NEWEST_PROPERTY).alias("newest"),
                summary.getItem(STARTED_PROPERTY).cast("double").alias("started"),
                F.col("committed_at").cast("double").alias("committed"),
            )
            .collect()
        )
        for row in rows:
            entry = by_batch.setdefault(int(row["batch_id"]), {"row": row, "written": {}, "committed": 0.0})
            # A batch may append to bronze twice (ids outside the subject); the last commit
            # carries the batch's final figures.
            entry["written"][table] = entry["written"].get(table, 0) + int(row["added"] or 0)
            if row["committed"] >= entry["committed"]:
                entry["committed"], entry["row"] = row["committed"], row
    stats = []
    for batch_id, entry in sorted(by_batch.items()):
        row = entry["row"]
        stats.append(
            BatchStats(
                batch_id=batch_id,
                rows_in=int(row["rows_in"]),
                bronze_rows=entry["written"].get(request.table, 0),
                dead_letter_rows=entry["written"].get(request.dead_letter_table, 0),
                dead_letter_by_reason=json.loads(row["reasons"] or "{}"),
                skipped_tables=[],
                newest_event_time=float(row["newest"]) if row["newest"] else None,
                duration_s=max(0.0, entry["committed"] - row["started"]),
            )
        )
    return stats
