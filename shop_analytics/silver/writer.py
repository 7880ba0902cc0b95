"""The silver ``foreachBatch`` functions: one micro-batch of bronze rows into silver, once.

Per batch of an event entity: parse the payloads; drop re-sent events (same event id)
within the batch and against what silver already holds; validate the rest against the
catalog and the clock, quarantining failures with their reason; mark events behind their
partition's watermark as late; write the entity table, its lines table, the quarantine
and an ``ops.silver_batches`` row. Counts reconcile per batch: rows in = accepted +
quarantined + duplicates.

Exactly once: every write carries the batch markers (``streaming.batch_markers``), and
what a batch reads of its own targets (event ids seen, the watermarks) is read as of the
snapshot before that batch's commit, so a replayed batch computes exactly what the first
attempt did and only fills in the tables that are missing it.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from shop_analytics.lakehouse import create_table_if_missing
from shop_analytics.silver import payload, transform
from shop_analytics.silver.entities import EventEntity, ReferenceEntity
from shop_analytics.silver.tables import (
    OPS_NAMESPACE,
    PRODUCTS,
    QUARANTINE,
    SILVER_BATCHES_TABLE,
    SILVER_NAMESPACE,
    STORES,
    SilverTable,
)
from shop_analytics.silver.validation import DEFAULT_FUTURE_TOLERANCE_S, Catalog, validate
from shop_analytics.streaming.batch_markers import BATCH_PROPERTY, STREAM_PROPERTY, already_committed, marked
from shop_analytics.streaming.registry_schemas import WriterSchemas

WATERMARKS_PROPERTY = "shop.watermarks"

SILVER_BATCH_COLUMNS: tuple[tuple[str, str], ...] = (
    ("stream", "string"),
    ("entity", "string"),
    ("batch_id", "bigint"),
    ("rows_in", "bigint"),
    ("accepted", "bigint"),
    ("quarantined", "bigint"),
    ("duplicates", "bigint"),
    ("late", "bigint"),
    ("quarantined_by_reason", "string"),
    ("newest_event_time", "timestamp"),
    ("started_at", "timestamp"),
    ("duration_s", "double"),
)


class MissingReferenceData(RuntimeError):
    """Validation needs the catalog and the stores, and silver has not loaded them yet."""


@dataclass
class SilverBatchStats:
    stream: str
    entity: str
    batch_id: int
    rows_in: int = 0
    accepted: int = 0
    quarantined: int = 0
    duplicates: int = 0
    late: int = 0
    quarantined_by_reason: dict[str, int] = field(default_factory=dict)
    newest_event_time: datetime | None = None
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    duration_s: float = 0.0
    skipped_tables: list[str] = field(default_factory=list)

    def as_row(self) -> tuple:
        row = asdict(self)
        row["quarantined_by_reason"] = json.dumps(self.quarantined_by_reason, sort_keys=True)
        return tuple(row[name] for name, _ in SILVER_BATCH_COLUMNS)


@dataclass(frozen=True)
class SilverSettings:
    allowed_lateness_s: int = transform.DEFAULT_ALLOWED_LATENESS_S
    future_tolerance_s: int = DEFAULT_FUTURE_TOLERANCE_S
    namespace: str = SILVER_NAMESPACE  # tests write to their own
    ops_namespace: str = OPS_NAMESPACE

    @property
    def batches_table(self) -> str:
        return f"{self.ops_namespace}.{SILVER_BATCHES_TABLE.split('.', 1)[1]}"


def ensure_table(
    spark: SparkSession,
    table: SilverTable | str,
    columns: tuple[tuple[str, str], ...] = (),
    partitioning: str = "",
    namespace: str | None = None,
) -> None:
    """Create the namespace and the Iceberg table if they are missing."""
    if isinstance(table, SilverTable):
        name, columns, partitioning = table.qualified_in(namespace), table.columns, table.partitioning
    else:
        name = table
    # accept-any-schema: a batch that brings a newer schema's field adds the column (mergeSchema).
    create_table_if_missing(
        spark,
        name,
        columns,
        partitioning,
        {"write.distribution-mode": "none", "write.spark.accept-any-schema": "true"},
    )


def ensure_event_tables(spark: SparkSession, entity: EventEntity, settings: SilverSettings) -> None:
    ns = settings.namespace
    ensure_table(spark, entity.table, namespace=ns)
    if entity.lines_table is not None:
        ensure_table(spark, entity.lines_table, namespace=ns)
    ensure_table(spark, QUARANTINE, namespace=ns)
    ensure_table(spark, settings.batches_table, SILVER_BATCH_COLUMNS, "days(started_at)")


def load_catalog(spark: SparkSession, namespace: str | None = None) -> Catalog:
    """List prices and locations from the silver reference tables; fails clearly when empty."""
    products, stores = PRODUCTS.qualified_in(namespace), STORES.qualified_in(namespace)
    for table in (products, stores):
        if not spark.catalog.tableExists(table):
            raise MissingReferenceData(f"{table} does not exist: materialize silver/products and silver/stores first")
    prices = {r["product_id"]: int(r["list_price_cents"]) for r in spark.table(products).collect()}
    locations = frozenset(r["location_id"] for r in spark.table(stores).select("location_id").collect())
    if not prices or not locations:
        raise MissingReferenceData(
            f"{products} has {len(prices)} products and {stores} {len(locations)} locations: "
            "materialize silver/products and silver/stores first (every product and location would be unknown)"
        )
    return Catalog(list_prices=prices, locations=locations)


class SnapshotHistory:
    """A table's snapshots, to read it as it was before a given batch of a stream committed."""

    def __init__(self, spark: SparkSession, table: str) -> None:
        self.spark, self.table = spark, table
        rows = spark.table(f"{table}.snapshots").select("snapshot_id", "parent_id", "summary").collect()
        self._by_id = {r["snapshot_id"]: r for r in rows}
        current = spark.sql(
            f"SELECT snapshot_id FROM {table}.history WHERE is_current_ancestor ORDER BY made_current_at DESC LIMIT 1"
        ).first()
        self.current = current["snapshot_id"] if current else None

    def before_batch(self, stream: str, batch_id: int) -> int | None:
        """The snapshot the table had before ``stream``'s ``batch_id`` committed (current if it has not)."""
        for row in self._by_id.values():
            summary = row["summary"] or {}
            if summary.get(STREAM_PROPERTY) == stream and summary.get(BATCH_PROPERTY) == str(batch_id):
                return row["parent_id"]
        return self.current

    def read(self, snapshot_id: int | None) -> DataFrame | None:
        if snapshot_id is None:
            return None
        return self.spark.read.option("snapshot-id", snapshot_id).table(self.table)

    def property_as_of(self, snapshot_id: int | None, key: str) -> str | None:
        """The newest value of a snapshot-summary ``key`` on the ancestry of ``snapshot_id``."""
        while snapshot_id is not None and snapshot_id in self._by_id:
            row = self._by_id[snapshot_id]
            value = (row["summary"] or {}).get(key)
            if value is not None:
                return value
            snapshot_id = row["parent_id"]
        return None


class SilverEventBatchWriter:
    """The ``foreachBatch`` function of one event entity's bronze → silver stream."""

    def __init__(
        self, entity: EventEntity, stream_id: str, registry_url: str, settings: SilverSettings | None = None
    ) -> None:
        self.entity = entity
        self.stream_id = stream_id
        self.settings = settings or SilverSettings()
        self.schemas = WriterSchemas(registry_url)
        self.stats: list[SilverBatchStats] = []

    def __call__(self, batch: DataFrame, batch_id: int) -> None:
        started = time.monotonic()
        spark = batch.sparkSession
        entity, ns = self.entity, self.settings.namespace
        table, quarantine_table = entity.table.qualified_in(ns), QUARANTINE.qualified_in(ns)
        stats = SilverBatchStats(self.stream_id, entity.name, batch_id)
        processed_at = datetime.now(UTC).replace(tzinfo=None)
        rows = (
            transform.parse(batch, entity, batch_writer_schemas(self.schemas, batch))
            .withColumn("processed_at", F.lit(processed_at).cast("timestamp"))
            .persist()
        )
        try:
            summary = rows.agg(
                F.count(F.lit(1)).alias("n"), F.min("event_time").alias("lo"), F.max("event_time").alias("hi")
            ).first()
            stats.rows_in = int(summary["n"])
            if stats.rows_in == 0:
                return
            entity_history = SnapshotHistory(spark, table)
            quarantine_history = SnapshotHistory(spark, quarantine_table)
            entity_before = entity_history.before_batch(self.stream_id, batch_id)
            seen = self._seen_ids(
                entity_history.read(entity_before),
                quarantine_history.read(quarantine_history.before_batch(self.stream_id, batch_id)),
                summary["lo"],
                summary["hi"],
            )
            fresh = transform.first_occurrences(rows)
            if seen is not None:
                fresh = transform.not_seen(fresh, seen)
            checked = validate(
                fresh,
                entity,
                load_catalog(spark, ns),
                F.lit(processed_at).cast("timestamp"),
                self.settings.future_tolerance_s,
            )
            watermarks = _watermarks(entity_history.property_as_of(entity_before, WATERMARKS_PROPERTY))
            accepted = transform.mark_late(
                checked.where(F.col("reason").isNull()), watermarks, self.settings.allowed_lateness_s
            ).persist()
            quarantined = transform.quarantine_rows(checked, entity.name).persist()
            try:
                self._count(stats, accepted, quarantined)
                new_watermarks = transform.newest_per_partition(accepted, watermarks)
                self._write(spark, stats, accepted, quarantined, batch_id, new_watermarks)
            finally:
                accepted.unpersist()
                quarantined.unpersist()
        finally:
            rows.unpersist()
            stats.duration_s = time.monotonic() - started
            if stats.rows_in:
                self._write_ops_row(spark, stats, batch_id)
            self.stats.append(stats)

    def _seen_ids(self, entity_rows, quarantine_rows, lo, hi) -> DataFrame | None:
        """Event ids silver already holds in the batch's event-time range (prunes by day)."""
        frames = []
        if entity_rows is not None:
            frames.append(entity_rows.where(F.col("event_time").between(lo, hi)).select("event_id"))
        if quarantine_rows is not None:
            frames.append(
                quarantine_rows.where(
                    (F.col("entity") == self.entity.name) & F.col("event_time").between(lo, hi)
                ).select("event_id")
            )
        if not frames:
            return None
        seen = frames[0]
        for frame in frames[1:]:
            seen = seen.unionByName(frame)
        return seen

    def _count(self, stats: SilverBatchStats, accepted: DataFrame, quarantined: DataFrame) -> None:
        good = accepted.agg(
            F.count(F.lit(1)).alias("n"),
            F.coalesce(F.sum(F.col("is_late").cast("int")), F.lit(0)).alias("late"),
            F.max("event_time").alias("newest"),
        ).first()
        stats.accepted, stats.late, stats.newest_event_time = int(good["n"]), int(good["late"]), good["newest"]
        stats.quarantined_by_reason = {
            r["reason"]: int(r["n"]) for r in quarantined.groupBy("reason").agg(F.count(F.lit(1)).alias("n")).collect()
        }
        stats.quarantined = sum(stats.quarantined_by_reason.values())
        stats.duplicates = stats.rows_in - stats.accepted - stats.quarantined

    def _write(
        self,
        spark: SparkSession,
        stats: SilverBatchStats,
        accepted: DataFrame,
        quarantined: DataFrame,
        batch_id: int,
        watermarks: dict[int, int],
    ) -> None:
        entity, ns = self.entity, self.settings.namespace
        table = entity.table.qualified_in(ns)
        evolved = self._evolved_fields(spark, table, accepted) if stats.accepted else ()
        writes: list[tuple[str, DataFrame, int, dict[str, str]]] = [
            (
                table,
                transform.silver_rows(accepted, entity, evolved),
                stats.accepted,
                {WATERMARKS_PROPERTY: json.dumps({str(p): ms for p, ms in sorted(watermarks.items())})},
            ),
            (QUARANTINE.qualified_in(ns), quarantined, stats.quarantined, {}),
        ]
        if entity.lines_table is not None:
            writes.insert(
                1, (entity.lines_table.qualified_in(ns), transform.line_rows(accepted, entity), stats.accepted, {})
            )
        for table, frame, count, properties in writes:
            if count == 0:
                continue
            if already_committed(spark, table, self.stream_id, batch_id):
                stats.skipped_tables.append(table)  # a replay: this table has the batch already
                continue
            writer = marked(frame.writeTo(table), self.stream_id, batch_id, **properties)
            if table == entity.table.qualified_in(ns) and evolved:
                writer = writer.option("mergeSchema", "true")
            writer.append()

    def _evolved_fields(self, spark: SparkSession, table: str, accepted: DataFrame) -> tuple[str, ...]:
        """Newer-schema fields to write: those the table has, and those this batch's writers had."""
        candidates = payload.evolved_fields(self.entity.name)
        if not candidates:
            return ()
        have = set(spark.table(table).columns)
        wanted = {f for f in candidates if f in have}
        if len(wanted) < len(candidates):
            ids = [
                int(r["schema_id"])
                for r in accepted.select("schema_id").distinct().collect()
                if r["schema_id"] is not None
            ]
            for schema_json in self.schemas.resolve(ids).values():
                wanted |= payload.schema_fields(schema_json) & set(candidates)
        return tuple(f for f in candidates if f in wanted)

    def _write_ops_row(self, spark: SparkSession, stats: SilverBatchStats, batch_id: int) -> None:
        table = self.settings.batches_table
        if already_committed(spark, table, self.stream_id, batch_id):
            return
        schema = ", ".join(f"{name} {kind}" for name, kind in SILVER_BATCH_COLUMNS)
        frame = spark.createDataFrame([stats.as_row()], schema)
        marked(frame.writeTo(table), self.stream_id, batch_id).append()


def batch_writer_schemas(schemas: WriterSchemas, batch: DataFrame) -> dict[int, str]:
    """Writer schema JSON of every schema id among ``batch``'s bronze rows (one small scan)."""
    ids = [int(r["schema_id"]) for r in batch.select("schema_id").distinct().collect() if r["schema_id"] is not None]
    return schemas.resolve(ids)


def _watermarks(text: str | None) -> dict[int, int]:
    return {int(p): int(ms) for p, ms in json.loads(text).items()} if text else {}


class SilverReferenceBatchWriter:
    """The ``foreachBatch`` function of a reference stream: keep the newest state per key.

    The table's rows and the batch's newest records are combined, the newest per key kept,
    and the table replaced with that in one atomic overwrite. Reference tables are small
    (a catalog, stores, customers); a replayed batch gives the same state again, so it
    needs no markers. (A SQL MERGE would be the tool for large tables, but Spark 3.5 fails
    to resolve a MERGE whose source is a streaming batch: UNRESOLVED_COLUMN on the target.)
    """

    def __init__(
        self, entity: ReferenceEntity, stream_id: str, registry_url: str, namespace: str | None = None
    ) -> None:
        self.entity = entity
        self.stream_id = stream_id
        self.schemas = WriterSchemas(registry_url)
        self.table = entity.table.qualified_in(namespace)
        self.rows_in = 0
        self.batches = 0

    def __call__(self, batch: DataFrame, batch_id: int) -> None:
        spark = batch.sparkSession
        batch = batch.persist()
        try:
            parsed = transform.parse(batch, self.entity, batch_writer_schemas(self.schemas, batch))
            latest = transform.reference_rows(parsed, self.entity)
            current = spark.table(self.table)
            state = transform.newest_per_key(current.unionByName(latest), self.entity.key)
            # Checkpointed so the overwrite does not read the table it replaces while writing it.
            state.localCheckpoint().writeTo(self.table).overwritePartitions()
            self.rows_in += batch.count()
            self.batches += 1
        finally:
            batch.unpersist()
