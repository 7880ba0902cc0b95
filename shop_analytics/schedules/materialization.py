"""Materialization schedules: hourly silver aggregates, the daily dbt build, daily maintenance.

Jobs select assets by key and group (not by other modules' objects), so this module stands on
its own: ``silver_aggregates_job`` (the derived silver tables), ``gold_build_job`` (group
``gold``: every dbt model, with its dbt tests and quality checks). Both retry failing steps
with ``SERVICE_RETRY_POLICY``; the run tags ask for a retry of the run from its failure when
the instance has run retries on (``run_retries: {enabled: true}`` in dagster.yaml).

Times are UTC and staggered so jobs never compete for the 2 cores: aggregates at :05 every
hour, dbt at 02:15 (after the night's last hourly aggregates), maintenance at 03:00.
"""

from __future__ import annotations

from dagster import (
    AssetKey,
    AssetSelection,
    DefaultScheduleStatus,
    ScheduleDefinition,
    define_asset_job,
    in_process_executor,
)
from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition

from shop_analytics.jobs import SPARK_JVM_TAGS
from shop_analytics.schedules.retries import SERVICE_RETRY_POLICY

SILVER_AGGREGATE_KEYS = (
    AssetKey(["silver", "sales_windows"]),
    AssetKey(["silver", "sessions"]),
    AssetKey(["silver", "anomalies"]),
)
GOLD_GROUP = "gold"
# Run-level retry (needs run_retries enabled on the instance): from the failed step, twice.
SERVICE_RUN_RETRY_TAGS = {"dagster/max_retries": "2", "dagster/retry_strategy": "FROM_FAILURE"}

JobLike = UnresolvedAssetJobDefinition

# In-process: the three aggregates share one SparkSession, as the other silver jobs do.
silver_aggregates_job = define_asset_job(
    name="silver_aggregates_job",
    selection=AssetSelection.assets(*SILVER_AGGREGATE_KEYS),
    executor_def=in_process_executor,
    op_retry_policy=SERVICE_RETRY_POLICY,
    tags={**SERVICE_RUN_RETRY_TAGS, **SPARK_JVM_TAGS},
    description="Sales windows, sessions and anomalies rebuilt for the days touched since their last run.",
)

gold_build_job = define_asset_job(
    name="gold_build_job",
    selection=AssetSelection.groups(GOLD_GROUP),
    executor_def=in_process_executor,
    op_retry_policy=SERVICE_RETRY_POLICY,
    tags={**SERVICE_RUN_RETRY_TAGS, **SPARK_JVM_TAGS},
    description="dbt build of the gold marts (models, dbt tests) and their quality checks.",
)


def build_hourly_silver_aggregates_schedule(
    job: JobLike = silver_aggregates_job,
    minute: int = 5,
    default_status: DefaultScheduleStatus = DefaultScheduleStatus.RUNNING,
) -> ScheduleDefinition:
    return ScheduleDefinition(
        name="hourly_silver_aggregates_schedule",
        job=job,
        cron_schedule=f"{minute} * * * *",
        execution_timezone="UTC",
        default_status=default_status,
        description="Rebuild the derived silver tables every hour.",
    )


def build_daily_gold_schedule(
    job: JobLike = gold_build_job,
    hour: int = 2,
    minute: int = 15,
    default_status: DefaultScheduleStatus = DefaultScheduleStatus.RUNNING,
) -> ScheduleDefinition:
    return ScheduleDefinition(
        name="daily_gold_build_schedule",
        job=job,
        cron_schedule=f"{minute} {hour} * * *",
        execution_timezone="UTC",
        default_status=default_status,
        description="dbt build of the gold marts once a day.",
    )


def build_daily_maintenance_schedule(
    job: JobLike,
    hour: int = 3,
    default_status: DefaultScheduleStatus = DefaultScheduleStatus.RUNNING,
) -> ScheduleDefinition:
    """Daily schedule of the given maintenance job (``lakehouse_maintenance_job``)."""
    return ScheduleDefinition(
        name="daily_lakehouse_maintenance_schedule",
        job=job,
        cron_schedule=f"0 {hour} * * *",
        execution_timezone="UTC",
        default_status=default_status,
        description="Iceberg compaction and snapshot expiry once a day, when ingest is quiet.",
    )
