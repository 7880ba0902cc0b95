"""The code location: one Definitions object with every asset, check, sensor and resource."""

from __future__ import annotations

from typing import Any

from dagster import AssetKey, Definitions, in_process_executor

from shop_analytics.assets.checks import build_quality_checks
from shop_analytics.assets.dbt import gold_dbt_assets
from shop_analytics.assets.ingest import build_bronze_assets, kafka_topic_spec
from shop_analytics.assets.maintenance import (
    lakehouse_maintenance,
    lakehouse_maintenance_job,
    lakehouse_maintenance_schedule,
)
from shop_analytics.assets.silver import SILVER_EVENT_ASSETS, SILVER_REFERENCE_ASSETS, silver_key
from shop_analytics.assets.silver_derived import SILVER_DERIVED_ASSETS
from shop_analytics.assets.simulation import simulate_shop_job
from shop_analytics.assets.streams import BRONZE_STREAMS
from shop_analytics.jobs import bronze_ingest_job, gold_job, silver_job
from shop_analytics.quality.freshness import apply_freshness_policies, build_freshness_checks, freshness_policies_of
from shop_analytics.resources.environments import build_resources
from shop_analytics.schedules.materialization import (
    build_daily_gold_schedule,
    build_hourly_silver_aggregates_schedule,
    silver_aggregates_job,
)
from shop_analytics.sensors.alert_sensors import (
    build_capacity_summary_sensor,
    build_check_alert_sensor,
    build_pipeline_health_sensor,
    build_run_summary_sensor,
)
from shop_analytics.sensors.bronze_to_silver_sensor import build_bronze_to_silver_sensor
from shop_analytics.sensors.freshness_alerts import build_freshness_alert_sensor, build_freshness_checks_sensor
from shop_analytics.sensors.kafka_offsets_sensor import build_kafka_offsets_sensor
from shop_analytics.sensors.run_failure_alerts import build_run_failure_alert_sensor
from shop_analytics.silver.entities import EVENT_ENTITIES, REFERENCE_ENTITIES


def silver_by_bronze() -> dict[AssetKey, list[AssetKey]]:
    """The silver assets each bronze table feeds directly."""
    mapping: dict[AssetKey, list[AssetKey]] = {}
    for entity in REFERENCE_ENTITIES:
        mapping[AssetKey(["bronze", entity.name])] = [silver_key(entity.table)]
    for entity in EVENT_ENTITIES:
        keys = [silver_key(entity.table)]
        if entity.lines_table is not None:
            keys.append(silver_key(entity.lines_table))
        mapping[AssetKey(["bronze", entity.name])] = keys
    return mapping


def derived_silver_keys() -> list[AssetKey]:
    """Silver tables derived from other silver tables (windows, sessions, anomalies)."""
    return [key for assets_def in SILVER_DERIVED_ASSETS for key in assets_def.keys]


def build_definitions(resources: dict[str, Any]) -> Definitions:
    """The whole code location around the given resources (tests pass their own)."""
    assets = apply_freshness_policies(
        [
            *(kafka_topic_spec(stream) for stream in BRONZE_STREAMS),
            build_bronze_assets(BRONZE_STREAMS),
            *SILVER_REFERENCE_ASSETS,
            *SILVER_EVENT_ASSETS,
            *SILVER_DERIVED_ASSETS,
            gold_dbt_assets,
            lakehouse_maintenance,
        ]
    )
    keys = {key for a in assets for key in (a.keys if hasattr(a, "keys") else [a.key])}
    policies = freshness_policies_of(assets)
    freshness_checks = build_freshness_checks(policies)
    return Definitions(
        assets=assets,
        asset_checks=[*build_quality_checks(keys), *freshness_checks],
        jobs=[
            bronze_ingest_job,
            silver_job,
            gold_job,
            silver_aggregates_job,
            simulate_shop_job,
            lakehouse_maintenance_job,
        ],
        schedules=[
            lakehouse_maintenance_schedule,
            build_hourly_silver_aggregates_schedule(),
            build_daily_gold_schedule(job=gold_job),
        ],
        sensors=[
            build_kafka_offsets_sensor(BRONZE_STREAMS, bronze_ingest_job),
            build_bronze_to_silver_sensor(bronze_ingest_job, silver_job, silver_by_bronze(), derived_silver_keys()),
            build_run_failure_alert_sensor(),
            build_check_alert_sensor(),
            build_run_summary_sensor(monitored_jobs=[silver_job, gold_job]),
            build_pipeline_health_sensor(),
            build_capacity_summary_sensor(),
            build_freshness_alert_sensor(policies),
            build_freshness_checks_sensor(freshness_checks),
        ],
        resources=resources,
        # The implicit asset job too (the freshness checks' runs every minute, materializations
        # launched from the UI): a subprocess per step would import this code location once
        # per check, seconds of CPU each on two cores that the ingest runs need.
        executor=in_process_executor,
    )


defs = build_definitions(build_resources())
