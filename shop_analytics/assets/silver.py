"""Silver assets: each bronze table streamed into its typed, validated silver table(s).

Reference entities (products, stores, customers, promotions) come first: validation checks
events against them. Event entities with lines (orders, store sales, returns) write two
tables in one step, so they are multi-assets. Rejected rows go to ``silver.quarantine``.
"""

import time

from dagster import AssetExecutionContext, AssetKey, AssetSpec, MaterializeResult, MetadataValue, multi_asset

from shop_analytics.resources.ingest import IngestSettingsResource
from shop_analytics.resources.schema_registry import SchemaRegistryResource
from shop_analytics.resources.silver import SilverSettingsResource
from shop_analytics.resources.spark import LakehouseSparkResource
from shop_analytics.silver.entities import EVENT_ENTITIES, REFERENCE_ENTITIES, EventEntity, ReferenceEntity
from shop_analytics.silver.stream import SilverRequest, SilverResult, process_events, process_reference
from shop_analytics.silver.tables import PRODUCTS, STORES, SilverTable


def silver_key(table: SilverTable) -> AssetKey:
    return AssetKey(["silver", table.name])


def _bronze_key(name: str) -> AssetKey:
    return AssetKey(["bronze", name])


def _request(
    name: str, ingest: IngestSettingsResource, silver: SilverSettingsResource, registry_url: str
) -> SilverRequest:
    return SilverRequest(
        bronze_table=f"{ingest.bronze_namespace}.{name}",
        dead_letter_table=ingest.dead_letter_table_name,
        checkpoint=ingest.checkpoint_for(f"silver_{name}"),
        registry_url=registry_url,
        max_files_per_batch=silver.max_files_per_batch,
        settings=silver.settings(),
    )


def build_reference_asset(entity: ReferenceEntity):
    @multi_asset(
        name=f"silver_{entity.name}",
        specs=[
            AssetSpec(
                silver_key(entity.table),
                deps=[_bronze_key(entity.name)],
                group_name="silver",
                kinds={"spark", "iceberg"},
                description=f"The newest state of every {entity.key} from the compacted `{entity.name}` topic.",
                metadata={"table": entity.table.qualified, "key": entity.key},
            )
        ],
    )
    def _reference(
        context: AssetExecutionContext,
        spark: LakehouseSparkResource,
        ingest: IngestSettingsResource,
        silver: SilverSettingsResource,
        schema_registry: SchemaRegistryResource,
    ) -> MaterializeResult:
        session = spark.spark_session
        request = _request(entity.name, ingest, silver, schema_registry.url)
        rows_in, seconds = process_reference(session, entity, request)
        table = entity.table.qualified_in(silver.namespace)
        rows = session.table(table).count()
        context.log.info(
            "%s: %d bronze records read, %d rows in %s (%.1f s)", entity.name, rows_in, rows, table, seconds
        )
        return MaterializeResult(
            metadata={
                "rows_in": MetadataValue.int(rows_in),
                "table_rows": MetadataValue.int(rows),
                "duration_s": MetadataValue.float(round(seconds, 3)),
                "table": MetadataValue.text(table),
            }
        )

    return _reference


def event_specs(entity: EventEntity) -> list[AssetSpec]:
    deps = [_bronze_key(entity.name), silver_key(PRODUCTS), silver_key(STORES)]
    specs = [
        AssetSpec(
            silver_key(entity.table),
            deps=deps,
            group_name="silver",
            kinds={"spark", "iceberg"},
            description=(
                f"Typed, validated, de-duplicated `{entity.name}` events with a late flag; rejected rows go to "
                "silver.quarantine with a reason code."
            ),
            metadata={"table": entity.table.qualified},
        )
    ]
    if entity.lines_table is not None:
        specs.append(
            AssetSpec(
                silver_key(entity.lines_table),
                deps=[silver_key(entity.table)],
                group_name="silver",
                kinds={"spark", "iceberg"},
                description=f"One row per line of the accepted `{entity.name}` events.",
                metadata={"table": entity.lines_table.qualified},
            )
        )
    return specs


def build_event_asset(entity: EventEntity):
    @multi_asset(name=f"silver_{entity.name}", specs=event_specs(entity), can_subset=False)
    def _events(
        context: AssetExecutionContext,
        spark: LakehouseSparkResource,
        ingest: IngestSettingsResource,
        silver: SilverSettingsResource,
        schema_registry: SchemaRegistryResource,
    ):
        result = process_events(spark.spark_session, entity, _request(entity.name, ingest, silver, schema_registry.url))
        context.log.info(
            "%s: %d rows in %d micro-batches → %d accepted (%d late), %d quarantined %s, %d duplicates dropped (%.1f s)",
            entity.name, result.total("rows_in"), len(result.batches), result.total("accepted"), result.total("late"),
            result.total("quarantined"), result.quarantined_by_reason(), result.total("duplicates"), result.duration_s,
        )  # fmt: skip
        metadata = silver_metadata(result)
        yield MaterializeResult(asset_key=silver_key(entity.table), metadata=metadata)
        if entity.lines_table is not None:
            yield MaterializeResult(
                asset_key=silver_key(entity.lines_table), metadata={"rows_in": metadata["accepted"]}
            )

    return _events


def silver_metadata(result: SilverResult) -> dict[str, MetadataValue]:
    """What a person plots per run: volumes in and out, rejects by reason, lateness, timing."""
    newest = [b.newest_event_time for b in result.batches if b.newest_event_time is not None]
    durations = [b.duration_s for b in result.batches]
    return {
        "rows_in": MetadataValue.int(result.total("rows_in")),
        "accepted": MetadataValue.int(result.total("accepted")),
        "quarantined": MetadataValue.int(result.total("quarantined")),
        "quarantined_by_reason": MetadataValue.json(result.quarantined_by_reason()),
        "duplicates_dropped": MetadataValue.int(result.total("duplicates")),
        "late": MetadataValue.int(result.total("late")),
        "micro_batches": MetadataValue.int(len(result.batches)),
        "batch_duration_s_max": MetadataValue.float(round(max(durations, default=0.0), 3)),
        "duration_s": MetadataValue.float(round(result.duration_s, 3)),
        "newest_event_age_s": MetadataValue.float(round(time.time() - max(newest).timestamp(), 1) if newest else 0.0),
    }


SILVER_REFERENCE_ASSETS = tuple(build_reference_asset(entity) for entity in REFERENCE_ENTITIES)
SILVER_EVENT_ASSETS = tuple(build_event_asset(entity) for entity in EVENT_ENTITIES)
