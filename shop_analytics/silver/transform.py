"""Pure DataFrame steps from bronze rows to silver rows: parse, de-duplicate, watermark, project.

Every function takes and returns DataFrames (no reads or writes), so each is tested on a
few hand-made rows. ``shop_analytics.silver.writer`` strings them together per micro-batch.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from shop_analytics.silver import payload
from shop_analytics.silver.entities import EventEntity, ReferenceEntity
from shop_analytics.silver.tables import LINEAGE_COLUMNS

# How far behind its partition's newest event an event may arrive and still count in
# windowed results. Kafka keeps order per partition and the shop emits in event-time order,
# so anything later than this was held up on its way (a phone offline, a store's outage).
DEFAULT_ALLOWED_LATENESS_S = 600

# A quarantined payload that did not decode is kept as base64 of its bytes behind this.
RAW_PAYLOAD_PREFIX = "avro-base64:"


def parse(bronze: DataFrame, entity: EventEntity | ReferenceEntity, writer_schemas: Mapping[int, str]) -> DataFrame:
    """Bronze rows plus ``r``, the Avro payload read into the family's newest schema.

    ``writer_schemas``: the writer schema JSON of each schema id among the rows.
    """
    return bronze.withColumn("r", payload.decoded(entity.family.value, writer_schemas))


def first_occurrences(rows: DataFrame) -> DataFrame:
    """One row per event_id: the earliest in Kafka order (a re-send comes after the original)."""
    order = Window.partitionBy("event_id").orderBy("kafka_partition", "kafka_offset")
    return rows.withColumn("_n", F.row_number().over(order)).where(F.col("_n") == 1).drop("_n")


def not_seen(rows: DataFrame, seen_event_ids: DataFrame) -> DataFrame:
    """Rows whose event_id is not among ``seen_event_ids`` (a frame with an event_id column)."""
    return rows.join(seen_event_ids.select("event_id").distinct(), "event_id", "left_anti")


def mark_late(
    rows: DataFrame, watermarks_ms: Mapping[int, int], allowed_lateness_s: int = DEFAULT_ALLOWED_LATENESS_S
) -> DataFrame:
    """Add ``is_late``: the event time is behind its partition's watermark when it arrived.

    A partition's watermark at a record is the newest event time seen before it in that
    partition (earlier batches' newest, ``watermarks_ms``, then this batch's earlier
    offsets) minus the allowed lateness. Defined on Kafka order rather than on batch
    boundaries, so whether an event is late does not depend on how the stream was batched.
    """
    earlier = Window.partitionBy("kafka_partition").orderBy("kafka_offset").rowsBetween(Window.unboundedPreceding, -1)
    newest_before = F.max(F.col("event_time")).over(earlier)
    if watermarks_ms:
        carried = F.element_at(
            F.map_from_arrays(
                F.array(*(F.lit(int(p)) for p in watermarks_ms)),
                F.array(*(F.timestamp_millis(F.lit(int(ms))) for ms in watermarks_ms.values())),
            ),
            F.col("kafka_partition"),
        )
        newest_before = F.greatest(newest_before, carried)
    watermark = newest_before - F.expr(f"INTERVAL {int(allowed_lateness_s)} SECONDS")
    return rows.withColumn("is_late", F.coalesce(F.col("event_time") < watermark, F.lit(False)))


def newest_per_partition(rows: DataFrame, previous_ms: Mapping[int, int]) -> dict[int, int]:
    """Watermark state after a batch: newest event time (epoch ms) per Kafka partition."""
    state = dict(previous_ms)
    newest = rows.groupBy("kafka_partition").agg(F.max("event_time").alias("t")).collect()
    for row in newest:
        if row["t"] is not None:
            ms = int(row["t"].timestamp() * 1000)
            state[int(row["kafka_partition"])] = max(ms, state.get(int(row["kafka_partition"]), ms))
    return state


def silver_rows(rows: DataFrame, entity: EventEntity, evolved: Iterable[str] = ()) -> DataFrame:
    """The entity table's columns (typed from the payload) plus the ``evolved`` newer fields."""
    r = F.col("r")
    derived = _derived_columns(entity)
    lineage = {
        "is_late": F.col("is_late"),
        "schema_id": F.col("schema_id"),
        "kafka_partition": F.col("kafka_partition"),
        "kafka_offset": F.col("kafka_offset"),
        "bronze_ingested_at": F.col("ingested_at"),
        "silver_processed_at": F.col("processed_at"),
    }
    columns: list[Column] = []
    for name, kind in entity.table.columns:
        if name in lineage:
            value = lineage[name]
        elif name in derived:
            value = derived[name]
        elif name == "event_time":
            value = F.col("event_time")
        else:
            value = r[name]
        columns.append(value.cast(kind).alias(name))
    columns += [r[name].alias(name) for name in evolved]
    return rows.select(*columns)


def _derived_columns(entity: EventEntity) -> dict[str, Column]:
    if not entity.has_lines:
        return {}
    lines = F.col("r")["lines"]
    return {
        "line_count": F.size(lines),
        "item_count": F.aggregate(lines, F.lit(0), lambda acc, line: acc + line["quantity"]),
    }


def line_rows(rows: DataFrame, entity: EventEntity) -> DataFrame:
    """One row per line of each event, with the lines table's columns."""
    if entity.lines_table is None:
        raise ValueError(f"{entity.name} events have no lines")
    exploded = rows.select("*", F.posexplode(F.col("r")["lines"]).alias("_pos", "_line"))
    in_line = payload.line_fields(entity.family.value)
    columns: list[Column] = []
    for name, kind in entity.lines_table.columns:
        if name in ("event_id", "event_time", "is_late"):
            value = F.col(name)
        elif name == "line_number" and "line_number" not in in_line:
            value = F.col("_pos") + 1  # return lines carry no number: their position is one
        elif name in in_line:
            value = F.col("_line")[name]
        else:
            value = F.col("r")[name]
        columns.append(value.cast(kind).alias(name))
    return exploded.select(*columns)


def quarantine_rows(rows: DataFrame, entity_name: str) -> DataFrame:
    """Rows with a reason, as quarantine records with the original payload.

    The payload is kept as JSON of the decoded record for a person to read, or, when it did
    not decode, as the base64 of its Avro bytes (prefixed ``avro-base64:``) so nothing is lost.
    """
    return rows.where(F.col("reason").isNotNull()).select(
        F.lit(entity_name).alias("entity"),
        "event_id",
        "event_type",
        "event_time",
        "reason",
        "detail",
        F.coalesce(
            F.when(F.col("r")["event_id"].isNotNull(), F.to_json("r")),
            F.concat(F.lit(RAW_PAYLOAD_PREFIX), F.base64("payload")),
        ).alias("payload"),
        "schema_id",
        "kafka_topic",
        "kafka_partition",
        "kafka_offset",
        F.col("ingested_at").alias("bronze_ingested_at"),
        F.col("processed_at").alias("quarantined_at"),
    )


def reference_rows(rows: DataFrame, entity: ReferenceEntity) -> DataFrame:
    """The newest record per key in ``rows``, with the reference table's columns."""
    key = entity.key
    newest = Window.partitionBy(F.col("r")[key]).orderBy(F.col("event_time").desc(), F.col("kafka_offset").desc())
    latest = rows.where(F.col("r")[key].isNotNull()).withColumn("_n", F.row_number().over(newest)).where("_n = 1")
    columns = []
    for name, kind in entity.table.columns:
        if name == "updated_at":
            value = F.col("event_time")
        elif name == "event_id":
            value = F.col("event_id")
        else:
            value = F.col("r")[name]
        columns.append(value.cast(kind).alias(name))
    return latest.select(*columns)


def newest_per_key(state: DataFrame, key: str) -> DataFrame:
    """One row per ``key``: the one with the newest ``updated_at`` (ties: the larger event id)."""
    newest = Window.partitionBy(key).orderBy(F.col("updated_at").desc(), F.col("event_id").desc())
    return state.withColumn("_n", F.row_number().over(newest)).where("_n = 1").drop("_n")


LINEAGE_NAMES = tuple(name for name, _ in LINEAGE_COLUMNS)
