"""Jobs: selections of assets that sensors and schedules launch."""

from __future__ import annotations

from dagster import AssetSelection, define_asset_job, in_process_executor

# Runs that start a Spark JVM of their own (silver, gold's dbt-spark): dagster.yaml lets one
# such run at a time use the two cores, while bronze ingest (on the long-lived Spark Connect
# server) and light check runs go beside it.
SPARK_JVM_TAGS = {"shop/spark": "jvm"}

# In-process: every bronze asset in a run shares one SparkSession (one JVM start).
bronze_ingest_job = define_asset_job(
    name="bronze_ingest_job",
    selection=AssetSelection.groups("bronze"),
    executor_def=in_process_executor,
    description="Structured Streaming availableNow micro-batches from Kafka into Iceberg bronze.",
)

# In-process for the same reason; reference tables run first (the event assets depend on them).
silver_job = define_asset_job(
    name="silver_job",
    selection=AssetSelection.groups("silver"),
    executor_def=in_process_executor,
    tags=SPARK_JVM_TAGS,
    description="Bronze Iceberg tables streamed (availableNow) into validated silver tables and derived ones.",
)

# dbt runs in its own process; in-process here keeps one step per run (no extra Python start).
gold_job = define_asset_job(
    name="gold_job",
    selection=AssetSelection.groups("gold"),
    executor_def=in_process_executor,
    tags=SPARK_JVM_TAGS,
    description="dbt build of the gold marts (models, snapshots and tests) on the silver tables.",
)
