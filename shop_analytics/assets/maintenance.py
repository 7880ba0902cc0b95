"""Nightly Iceberg maintenance over every table of the lakehouse's namespaces, as an asset.

The asset ``ops/lakehouse_maintenance`` stands for "the lakehouse's files were compacted and
its old snapshots expired": it has no upstream assets (it maintains whatever tables exist)
and its materializations carry the figures per table, so the UI plots files and snapshots
over time. ``lakehouse_maintenance_job`` runs it; ``lakehouse_maintenance_schedule`` runs
the job daily at 03:00 UTC, when ingest is quiet.
"""

# No `from __future__ import annotations`: Dagster reads the config and resource annotations at runtime.
from datetime import timedelta

from dagster import (
    AssetExecutionContext,
    AssetSelection,
    Config,
    DefaultScheduleStatus,
    Failure,
    MaterializeResult,
    MetadataValue,
    ScheduleDefinition,
    asset,
    define_asset_job,
    in_process_executor,
)
from pydantic import Field

from shop_analytics.jobs import SPARK_JVM_TAGS
from shop_analytics.lakehouse.maintenance import MaintenancePolicy, TableMaintenanceReport, maintain_table
from shop_analytics.resources.iceberg import IcebergCatalogResource
from shop_analytics.resources.spark import LakehouseSparkResource


class LakehouseMaintenanceConfig(Config):
    """Which namespaces to maintain and how much history to keep."""

    namespaces: list[str] = Field(
        default=["bronze", "silver", "gold"],
        description="Namespaces whose tables are maintained; a namespace that does not exist is skipped",
    )
    snapshot_retention_hours: int = Field(
        default=7 * 24, description="Snapshots older than this are expired (time travel reaches back this far)"
    )
    retain_last_snapshots: int = Field(default=5, ge=1, description="Snapshots kept per table whatever their age")
    min_input_files: int = Field(
        default=2, ge=2, description="A partition is compacted once it has this many small files"
    )
    target_file_size_mb: int | None = Field(
        default=None, description="Size of compacted files; unset, the table's write.target-file-size-bytes"
    )
    rewrite_manifests: bool = True
    remove_orphan_files: bool = Field(
        default=False, description="Delete files no snapshot references (failed or retried writes)"
    )
    orphan_age_hours: int = Field(
        default=72, ge=24, description="Only files older than this count as orphans (a running write's are younger)"
    )

    def policy(self) -> MaintenancePolicy:
        return MaintenancePolicy(
            snapshot_retention=timedelta(hours=self.snapshot_retention_hours),
            retain_last=self.retain_last_snapshots,
            min_input_files=self.min_input_files,
            target_file_size_bytes=self.target_file_size_mb * 1024 * 1024 if self.target_file_size_mb else None,
            rewrite_manifests=self.rewrite_manifests,
            remove_orphans=self.remove_orphan_files,
            orphan_age=timedelta(hours=self.orphan_age_hours),
        )


def _summary_markdown(reports: list[TableMaintenanceReport]) -> str:
    lines = [
        "| table | files before | files after | snapshots expired | duration (s) |",
        "|---|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {r.table} | {r.compaction.files_before} | {r.compaction.files_after} | "
        f"{r.expiry.snapshots_expired} | {r.duration_s:.1f} |"
        for r in reports
    ]
    return "\n".join(lines)


@asset(
    key_prefix=["ops"],
    name="lakehouse_maintenance",
    group_name="maintenance",
    kinds={"iceberg", "spark"},
    description=(
        "Iceberg maintenance of every table in the configured namespaces: compact small files, "
        "rewrite manifests, expire old snapshots (optionally remove orphan files)."
    ),
)
def lakehouse_maintenance(
    context: AssetExecutionContext,
    config: LakehouseMaintenanceConfig,
    spark: LakehouseSparkResource,
    iceberg: IcebergCatalogResource,
) -> MaterializeResult:
    catalog = iceberg.load()
    policy = config.policy()
    session = spark.spark_session
    reports: list[TableMaintenanceReport] = []
    failures: dict[str, str] = {}
    skipped: list[str] = []
    for namespace in config.namespaces:
        if not catalog.namespace_exists(namespace):
            context.log.info("Namespace %s does not exist: skipped", namespace)
            skipped.append(namespace)
            continue
        for identifier in sorted(catalog.list_tables(namespace)):
            table = ".".join(identifier)
            try:
                report = maintain_table(session, table, policy)
            except Exception as error:  # one broken table must not stop the others' maintenance
                context.log.exception("Maintenance of %s failed", table)
                failures[table] = f"{type(error).__name__}: {error}"
                continue
            context.log.info("%s: %s", table, report.figures())
            reports.append(report)

    metadata = {
        "tables_maintained": MetadataValue.int(len(reports)),
        "files_before": MetadataValue.int(sum(r.compaction.files_before for r in reports)),
        "files_after": MetadataValue.int(sum(r.compaction.files_after for r in reports)),
        "snapshots_expired": MetadataValue.int(sum(r.expiry.snapshots_expired for r in reports)),
        "duration_s": MetadataValue.float(round(sum(r.duration_s for r in reports), 3)),
        "tables": MetadataValue.json({r.table: r.figures() for r in reports}),
        "summary": MetadataValue.md(_summary_markdown(reports)),
        "skipped_namespaces": MetadataValue.json(skipped),
    }
    if failures:
        # Fail the run so the failure alerts, after every other table had its maintenance.
        raise Failure(
            description=f"Maintenance failed for {len(failures)} table(s): {', '.join(sorted(failures))}",
            metadata={**metadata, "failures": MetadataValue.json(failures)},
        )
    return MaterializeResult(metadata=metadata)


# In-process: the tables are maintained one after another through one SparkSession.
lakehouse_maintenance_job = define_asset_job(
    name="lakehouse_maintenance_job",
    selection=AssetSelection.assets(lakehouse_maintenance),
    executor_def=in_process_executor,
    tags=SPARK_JVM_TAGS,
    description="Compaction, manifest rewrite and snapshot expiry of the lakehouse's Iceberg tables.",
)

lakehouse_maintenance_schedule = ScheduleDefinition(
    name="lakehouse_maintenance_schedule",
    job=lakehouse_maintenance_job,
    cron_schedule="0 3 * * *",
    execution_timezone="UTC",
    # On by default: streaming appends make small files and snapshots every few seconds.
    default_status=DefaultScheduleStatus.RUNNING,
    description="Daily lakehouse maintenance at 03:00 UTC.",
)
