"""Kafka topics as external assets and the bronze ingest asset fed by each of them."""


from dataclasses import dataclass

from dagster import AssetExecutionContext, AssetKey, AssetSpec, MaterializeResult, MetadataValue, asset

from shop_analytics.resources.iceberg import IcebergCatalogResource
from shop_analytics.resources.ingest import IngestSettingsResource
from shop_analytics.resources.kafka import KafkaResource
from shop_analytics.resources.spark import LakehouseSparkResource
from shop_analytics.streaming import offsets
from shop_analytics.streaming.bronze import IngestRequest, ingest_topic
from shop_analytics.streaming.checkpoint import committed_offsets

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


def build_bronze_asset(stream: BronzeStream):
    @asset(
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
    def _bronze(
        context: AssetExecutionContext,
        spark: LakehouseSparkResource,
        kafka: KafkaResource,
        iceberg: IcebergCatalogResource,
        ingest: IngestSettingsResource,
    ) -> MaterializeResult:
        table = f"{ingest.bronze_namespace}.{stream.table}"
        checkpoint = ingest.checkpoint_for(stream.table)
        committed_before = committed_offsets(checkpoint, stream.topic)
        context.log.info(
            "Ingesting %s into %s from offsets %s (topic end %s)",
            stream.topic, table, committed_before or "earliest", kafka.end_offsets(stream.topic),
        )
        result = ingest_topic(
            spark.spark_session,
            IngestRequest(
                bootstrap_servers=kafka.bootstrap_servers,
                topic=stream.topic,
                table=table,
                checkpoint=checkpoint,
                max_offsets_per_trigger=ingest.max_offsets_per_trigger,
                kafka_options={k: str(v) for k, v in kafka.client_config.items()},
            ),
        )
        committed = committed_offsets(checkpoint, stream.topic)
        end_after = kafka.end_offsets(stream.topic)
        lag = offsets.lag(end_after, committed)
        total_rows = _row_count(iceberg, table)
        context.log.info(
            "%s: %d rows in %d micro-batches, %.1f s; committed offsets %s",
            stream.topic, result.rows, result.batches, result.duration_s, committed,
        )
        return MaterializeResult(
            metadata={
                "rows_ingested": MetadataValue.int(result.rows),
                "micro_batches": MetadataValue.int(result.batches),
                "duration_s": MetadataValue.float(round(result.duration_s, 3)),
                "rows_per_s": MetadataValue.float(round(result.rows / result.duration_s, 1) if result.duration_s else 0.0),
                "offsets_start": MetadataValue.json({str(p): o for p, o in committed_before.items()}),
                "offsets_end": MetadataValue.json({str(p): o for p, o in committed.items()}),
                COMMITTED_OFFSETS_KEY: MetadataValue.text(offsets.to_json(committed)),
                "consumer_lag": MetadataValue.int(sum(lag.values())),
                "table": MetadataValue.text(table),
                "table_rows": MetadataValue.int(total_rows),
            }
        )

    return _bronze


def _row_count(iceberg: IcebergCatalogResource, table: str) -> int:
    snapshot = iceberg.load().load_table(table).current_snapshot()
    if snapshot is None or snapshot.summary is None:
        return 0
    return int(snapshot.summary.get("total-records", 0))
