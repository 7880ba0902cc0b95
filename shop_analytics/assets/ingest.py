"""Kafka topics as external assets and the bronze ingest asset fed by each of them."""

import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    AssetSpec,
    Config,
    MaterializeResult,
    MetadataValue,
    multi_asset,
)
from pydantic import Field

from shop_analytics.lakehouse import snapshot_row_count
from shop_analytics.ops.ingest_runs import IngestRunRecord, append_ingest_runs
from shop_analytics.resources.iceberg import IcebergCatalogResource
from shop_analytics.resources.ingest import IngestSettingsResource
from shop_analytics.resources.kafka import KafkaResource
from shop_analytics.resources.schema_registry import SchemaRegistryResource
from shop_analytics.resources.spark import LakehouseSparkResource
from shop_analytics.streaming import offsets
from shop_analytics.streaming.bronze import (
    DEFAULT_LINGER_TRIGGER_S,
    IngestRequest,
    IngestResult,
    Linger,
    ingest_topic,
)
from shop_analytics.streaming.checkpoint import committed_offsets
from shop_analytics.streaming.start_order import StartOrder

COMMITTED_OFFSETS_KEY = "kafka_committed_offsets"


@dataclass(frozen=True)
class BronzeStream:
    """One Kafka topic and the bronze table it lands in."""

    topic: str
    table: str

    @property
    def topic_key(self) -> AssetKey:
        return AssetKey(["kafka", self.table])

    @property
    def bronze_key(self) -> AssetKey:
        return AssetKey(["bronze", self.table])


def kafka_topic_spec(stream: BronzeStream) -> AssetSpec:
    return AssetSpec(
        key=stream.topic_key,
        description=f"Kafka topic `{stream.topic}` (external: written by the shop simulator or the shop itself)",
        group_name="kafka",
        kinds={"kafka"},
        metadata={"topic": stream.topic},
    )


def bronze_spec(stream: BronzeStream) -> AssetSpec:
    return AssetSpec(
        key=stream.bronze_key,
        deps=[stream.topic_key],
        group_name="bronze",
        kinds={"spark", "iceberg"},
        description=(
            f"Raw records of `{stream.topic}` with their Kafka coordinates, appended by a Spark "
            "Structured Streaming availableNow micro-batch run; partitioned by day."
        ),
        metadata={"topic": stream.topic},
    )


class BronzeIngestConfig(Config):
    """How long a run goes on. By default it ingests what the topics hold and ends (availableNow);
    the Kafka sensor's runs linger while records keep arriving, for live freshness."""

    linger_idle_seconds: float = Field(
        default=0.0,
        ge=0.0,
        description="0: read up to the topics' current end and stop. Above 0: keep each query running in "
        "micro-batches every trigger_interval_seconds until no record has arrived for this long",
    )
    linger_max_seconds: float = Field(
        default=900.0, gt=0.0, description="A lingering run stops after this long even while records keep coming"
    )
    trigger_interval_seconds: float = Field(
        default=DEFAULT_LINGER_TRIGGER_S, gt=0.0, description="Micro-batch period while lingering"
    )

    def linger(self) -> Linger | None:
        if self.linger_idle_seconds == 0:
            return None
        return Linger(self.linger_idle_seconds, self.linger_max_seconds, self.trigger_interval_seconds)


@dataclass(frozen=True)
class _StreamRun:
    stream: BronzeStream
    table: str
    checkpoint: str
    committed_before: dict[int, int]
    lag_at_start: int = 0
    result: IngestResult | None = None
    error: BaseException | None = None


def build_bronze_assets(streams: Sequence[BronzeStream]) -> AssetsDefinition:
    """One asset per stream, materialized together: the selected streams ingest concurrently.

    Each stream is its own Structured Streaming query (own checkpoint, own tables); started
    from threads, they share the run's Spark (the Connect server or the in-process session),
    so a run costs about its slowest topic instead of the sum of all of them. A stream that
    fails does not stop the others: they are materialized, then the step fails naming it.
    Lingering runs (``BronzeIngestConfig``) run every selected stream at once, since each
    query holds its thread until its topic goes quiet.
    """

    @multi_asset(specs=[bronze_spec(s) for s in streams], can_subset=True, name="bronze_ingest")
    def _bronze(
        context: AssetExecutionContext,
        config: BronzeIngestConfig,
        ingest_spark: LakehouseSparkResource,
        kafka: KafkaResource,
        schema_registry: SchemaRegistryResource,
        iceberg: IcebergCatalogResource,
        ingest: IngestSettingsResource,
    ) -> Iterator[MaterializeResult]:
        selected = [s for s in streams if s.bronze_key in context.selected_asset_keys]
        runs = []
        for stream in selected:
            checkpoint = ingest.checkpoint_for(stream.table)
            committed_before = committed_offsets(checkpoint, stream.topic)
            end = kafka.end_offsets(stream.topic)
            context.log.info(
                "Ingesting %s from offsets %s (topic end %s)", stream.topic, committed_before or "earliest", end
            )
            lag = sum(offsets.lag(end, committed_before).values())
            runs.append(
                _StreamRun(stream, f"{ingest.bronze_namespace}.{stream.table}", checkpoint, committed_before, lag)
            )
        # Queries start one at a time over Connect: the largest backlog first.
        runs.sort(key=lambda r: -r.lag_at_start)
        start_order = StartOrder([r.stream.topic for r in runs])
        session = ingest_spark.spark_session

        def one(run: _StreamRun) -> _StreamRun:
            request = IngestRequest(
                bootstrap_servers=kafka.bootstrap_servers,
                topic=run.stream.topic,
                table=run.table,
                dead_letter_table=ingest.dead_letter_table_name,
                checkpoint=run.checkpoint,
                registry_url=schema_registry.url,
                max_offsets_per_trigger=ingest.max_offsets_per_trigger,
                kafka_options={k: str(v) for k, v in kafka.client_config.items()},
                linger=linger,
                start_queue=ingest.query_start_queue,
                backlog=run.lag_at_start,
            )
            try:
                result = ingest_topic(session, request, context.log.info, stop=stopping, start_order=start_order)
                return replace(run, result=result)
            except Exception as exc:  # reported below, after the other streams
                return replace(run, error=exc)

        linger = config.linger()
        if linger is not None:
            context.log.info(
                "Lingering: micro-batches every %g s until no record arrives for %g s (at most %g s)",
                linger.trigger_s,
                linger.idle_s,
                linger.max_s,
            )
        catalog = iceberg.load()
        failed: list[_StreamRun] = []
        workers = len(runs) if linger is not None else min(len(runs), ingest.parallel_streams)
        # Set when the step is interrupted (a run terminated from the UI): lingering queries end
        # instead of keeping the pool, and so the step, alive until their topics go quiet.
        stopping = threading.Event()
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            try:
                for done in pool.map(one, runs):
                    if done.error is not None or done.result is None:
                        context.log.error("%s: ingest failed: %s", done.stream.topic, done.error)
                        failed.append(done)
                        continue
                    yield _materialization(context, kafka, catalog, done)
            except BaseException:
                stopping.set()
                raise
        if failed:
            names = ", ".join(f.stream.topic for f in failed)
            raise RuntimeError(f"bronze ingest failed for {names}: {failed[0].error}") from failed[0].error

    return _bronze


def _materialization(
    context: AssetExecutionContext, kafka: KafkaResource, catalog: object, run: _StreamRun
) -> MaterializeResult:
    assert run.result is not None
    result, stream = run.result, run.stream
    committed = committed_offsets(run.checkpoint, stream.topic)
    lag = offsets.lag(kafka.end_offsets(stream.topic), committed)
    context.log.info(
        "%s: %d records in %d micro-batches (%d to bronze, %d dead-lettered) in %.1f s; committed %s",
        stream.topic,
        result.rows,
        len(result.batches),
        result.bronze_rows,
        result.dead_letter_rows,
        result.duration_s,
        committed,
    )
    metadata = ingest_metadata(
        result, run.committed_before, committed, lag, run.table, snapshot_row_count(catalog, run.table)
    )
    append_ingest_runs(catalog, [ingest_run_record(context.run_id, stream.topic, run.table, metadata)])
    return MaterializeResult(asset_key=stream.bronze_key, metadata=metadata)


def ingest_metadata(
    result: IngestResult,
    before: dict[int, int],
    after: dict[int, int],
    lag: dict[int, int],
    table: str,
    table_rows: int,
) -> dict[str, MetadataValue]:
    """What a person wants to plot per run: volumes, rejects, offsets, durations, lag, age."""
    batch_seconds = [b.duration_s for b in result.batches]
    newest = result.newest_event_time
    return {
        "rows_in": MetadataValue.int(result.rows),
        "rows_bronze": MetadataValue.int(result.bronze_rows),
        "rows_dead_lettered": MetadataValue.int(result.dead_letter_rows),
        "dead_lettered_by_reason": MetadataValue.json(result.dead_letter_by_reason()),
        "micro_batches": MetadataValue.int(len(result.batches)),
        "batch_duration_s_max": MetadataValue.float(round(max(batch_seconds, default=0.0), 3)),
        "batch_duration_s_mean": MetadataValue.float(
            round(sum(batch_seconds) / len(batch_seconds), 3) if batch_seconds else 0.0
        ),
        "duration_s": MetadataValue.float(round(result.duration_s, 3)),
        "rows_per_s": MetadataValue.float(round(result.rows / result.duration_s, 1) if result.duration_s else 0.0),
        "offsets": MetadataValue.json({str(p): {"from": before.get(p, 0), "to": o} for p, o in sorted(after.items())}),
        COMMITTED_OFFSETS_KEY: MetadataValue.text(offsets.to_json(after)),
        "consumer_lag": MetadataValue.int(sum(lag.values())),
        "newest_event_age_s": MetadataValue.float(round(time.time() - newest, 1) if newest else 0.0),
        "table": MetadataValue.text(table),
        "table_rows": MetadataValue.int(table_rows),
    }


def ingest_run_record(run_id: str, topic: str, table: str, metadata: dict[str, MetadataValue]) -> IngestRunRecord:
    """The run's row of ``ops.ingest_runs``, from the materialization's own figures."""
    value = {key: entry.value for key, entry in metadata.items()}
    return IngestRunRecord(
        run_id=run_id,
        topic=topic,
        table=table,
        rows_in=value["rows_in"],
        bronze_rows=value["rows_bronze"],
        dead_lettered=value["rows_dead_lettered"],
        micro_batches=value["micro_batches"],
        duration_s=value["duration_s"],
        batch_duration_s_max=value["batch_duration_s_max"],
        rows_per_s=value["rows_per_s"],
        consumer_lag=value["consumer_lag"],
        newest_event_age_s=value["newest_event_age_s"] or None,
        finished_at=datetime.now(UTC),
    )
