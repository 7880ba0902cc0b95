"""Table maintenance through Iceberg's Spark procedures, each returning what it changed.

Streaming ingest commits a few small files per partition per micro-batch, and every commit
leaves a snapshot whose files stay on disk for time travel. Left alone, planning slows (more
manifest entries), reads open many tiny files, and storage only grows. The remedies, in the
order ``maintain_table`` runs them:

1. ``compact_data_files``: bin-pack small files of a partition into larger ones (a
   ``replace`` snapshot; readers see the same rows).
2. ``rewrite_manifests``: regroup manifests by partition so planning reads fewer of them.
3. ``expire_snapshots``: forget snapshots older than the retention, keeping at least the
   newest N; only then are the files that only old snapshots used (the pre-compaction small
   files among them) deleted.
4. ``remove_orphan_files`` (optional): delete files under the table that no metadata
   references (failed or retried writes). Only files older than a safe age: a file a running
   writer has written but not yet committed looks exactly like an orphan.

The procedures run as ``CALL <catalog>.system.<name>(...)`` with named arguments; figures the
procedures do not return (files and snapshots before and after) come from metadata tables.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pyspark.sql import SparkSession

from shop_analytics.lakehouse import catalog_of, metadata_table, quoted

# Iceberg's procedure refuses an orphan age under a day; we refuse it too, with our message.
MIN_ORPHAN_AGE = timedelta(hours=24)


@dataclass(frozen=True)
class DataFileStats:
    files: int
    bytes: int


@dataclass(frozen=True)
class CompactionResult:
    files_before: int
    files_after: int
    bytes_before: int
    bytes_after: int
    rewritten_files: int
    added_files: int
    rewritten_bytes: int


@dataclass(frozen=True)
class ManifestRewriteResult:
    rewritten_manifests: int
    added_manifests: int


@dataclass(frozen=True)
class ExpireResult:
    snapshots_before: int
    snapshots_after: int
    deleted_data_files: int
    deleted_manifest_files: int
    deleted_manifest_lists: int

    @property
    def snapshots_expired(self) -> int:
        return self.snapshots_before - self.snapshots_after


@dataclass(frozen=True)
class OrphanResult:
    orphan_files: tuple[str, ...]
    dry_run: bool


@dataclass(frozen=True)
class MaintenancePolicy:
    """What ``maintain_table`` does; the defaults suit a daily run."""

    snapshot_retention: timedelta = timedelta(days=7)
    retain_last: int = 5
    min_input_files: int = 2
    target_file_size_bytes: int | None = None  # None: the table's write.target-file-size-bytes
    rewrite_manifests: bool = True
    remove_orphans: bool = False
    orphan_age: timedelta = timedelta(days=3)


@dataclass(frozen=True)
class TableMaintenanceReport:
    table: str
    compaction: CompactionResult
    manifests: ManifestRewriteResult | None
    expiry: ExpireResult
    orphans: OrphanResult | None
    duration_s: float

    def figures(self) -> dict[str, int | float | str]:
        """Flat figures for run metadata."""
        figures: dict[str, int | float | str] = {
            "files_before": self.compaction.files_before,
            "files_after": self.compaction.files_after,
            "bytes_before": self.compaction.bytes_before,
            "bytes_after": self.compaction.bytes_after,
            "rewritten_files": self.compaction.rewritten_files,
            "added_files": self.compaction.added_files,
            "snapshots_before": self.expiry.snapshots_before,
            "snapshots_after": self.expiry.snapshots_after,
            "snapshots_expired": self.expiry.snapshots_expired,
            "deleted_data_files": self.expiry.deleted_data_files,
            "duration_s": round(self.duration_s, 3),
        }
        if self.manifests is not None:
            figures["rewritten_manifests"] = self.manifests.rewritten_manifests
        if self.orphans is not None:
            figures["orphan_files_removed"] = 0 if self.orphans.dry_run else len(self.orphans.orphan_files)
        return figures


def data_file_stats(spark: SparkSession, table: str, catalog: str | None = None) -> DataFileStats:
    """Live data files of the current snapshot and their total size."""
    row = spark.sql(
        "SELECT count(*) AS files, coalesce(sum(file_size_in_bytes), 0) AS bytes "
        f"FROM {metadata_table(spark, table, 'data_files', catalog)}"
    ).first()
    assert row is not None  # an aggregate always returns one row
    return DataFileStats(files=int(row.files), bytes=int(row.bytes))


def snapshot_count(spark: SparkSession, table: str, catalog: str | None = None) -> int:
    row = spark.sql(f"SELECT count(*) AS n FROM {metadata_table(spark, table, 'snapshots', catalog)}").first()
    assert row is not None
    return int(row.n)


def _sql_string(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _timestamp_literal(when: datetime) -> str:
    """A Spark TIMESTAMP literal with an explicit offset, so the session time zone is moot."""
    aware = when if when.tzinfo is not None else when.replace(tzinfo=UTC)
    return f"TIMESTAMP '{aware.astimezone(UTC).strftime('%Y-%m-%d %H:%M:%S.%f')}+00:00'"


def _call(spark: SparkSession, procedure: str, catalog: str | None, **arguments: str) -> list:
    args = ", ".join(f"{name} => {value}" for name, value in arguments.items())
    return spark.sql(f"CALL {quoted(catalog_of(spark, catalog))}.system.{procedure}({args})").collect()


def compact_data_files(
    spark: SparkSession,
    table: str,
    *,
    min_input_files: int = 2,
    target_file_size_bytes: int | None = None,
    where: str | None = None,
    catalog: str | None = None,
) -> CompactionResult:
    """Bin-pack small data files (``rewrite_data_files``); rows are unchanged.

    Files are grouped per partition: a partition is rewritten once it holds at least
    ``min_input_files`` files under the small-file threshold (75 % of the target size).
    """
    if min_input_files < 2:
        raise ValueError("min_input_files must be at least 2: one file has nothing to be merged with")
    options = {"min-input-files": str(min_input_files)}
    if target_file_size_bytes is not None:
        options["target-file-size-bytes"] = str(target_file_size_bytes)
    option_map = ", ".join(f"{_sql_string(k)}, {_sql_string(v)}" for k, v in options.items())
    arguments = {"table": _sql_string(table), "options": f"map({option_map})"}
    if where is not None:
        arguments["where"] = _sql_string(where)

    before = data_file_stats(spark, table, catalog)
    (row,) = _call(spark, "rewrite_data_files", catalog, **arguments)
    # Nothing rewritten, nothing committed: skip a second metadata scan.
    after = data_file_stats(spark, table, catalog) if row.rewritten_data_files_count else before
    return CompactionResult(
        files_before=before.files,
        files_after=after.files,
        bytes_before=before.bytes,
        bytes_after=after.bytes,
        rewritten_files=int(row.rewritten_data_files_count),
        added_files=int(row.added_data_files_count),
        rewritten_bytes=int(row.rewritten_bytes_count),
    )


def rewrite_manifests(spark: SparkSession, table: str, catalog: str | None = None) -> ManifestRewriteResult:
    """Regroup the current snapshot's manifests by partition (``rewrite_manifests``)."""
    (row,) = _call(spark, "rewrite_manifests", catalog, table=_sql_string(table))
    return ManifestRewriteResult(
        rewritten_manifests=int(row.rewritten_manifests_count), added_manifests=int(row.added_manifests_count)
    )


def expire_snapshots(
    spark: SparkSession,
    table: str,
    *,
    older_than: timedelta | datetime,
    retain_last: int = 1,
    catalog: str | None = None,
) -> ExpireResult:
    """Expire snapshots committed before ``older_than`` (an age or an instant), keeping the newest ``retain_last``.

    Files referenced only by expired snapshots are deleted; time travel to those snapshots
    is no longer possible afterwards.
    """
    if retain_last < 1:
        raise ValueError("retain_last must be at least 1: the current snapshot is always kept")
    cutoff = datetime.now(UTC) - older_than if isinstance(older_than, timedelta) else older_than
    row = spark.sql(
        f"SELECT count(*) AS snapshots, count_if(committed_at < {_timestamp_literal(cutoff)}) AS old "
        f"FROM {metadata_table(spark, table, 'snapshots', catalog)}"
    ).first()
    assert row is not None
    before = int(row.snapshots)
    if row.old == 0:
        # Nothing is past retention: skip the procedure, whose reachability scan is the
        # costly part of a nightly run over many tables.
        return ExpireResult(before, before, deleted_data_files=0, deleted_manifest_files=0, deleted_manifest_lists=0)
    (result,) = _call(
        spark,
        "expire_snapshots",
        catalog,
        table=_sql_string(table),
        older_than=_timestamp_literal(cutoff),
        retain_last=str(retain_last),
    )
    return ExpireResult(
        snapshots_before=before,
        snapshots_after=snapshot_count(spark, table, catalog),
        deleted_data_files=int(result.deleted_data_files_count),
        deleted_manifest_files=int(result.deleted_manifest_files_count),
        deleted_manifest_lists=int(result.deleted_manifest_lists_count),
    )


def remove_orphan_files(
    spark: SparkSession,
    table: str,
    *,
    older_than: timedelta = timedelta(days=3),
    dry_run: bool = False,
    catalog: str | None = None,
) -> OrphanResult:
    """Delete (or with ``dry_run`` only list) unreferenced files under the table older than ``older_than``."""
    if older_than < MIN_ORPHAN_AGE:
        raise ValueError(
            f"orphan age {older_than} is under {MIN_ORPHAN_AGE}: a writer's uncommitted files would "
            "look orphaned and be deleted. Use a day or more."
        )
    rows = _call(
        spark,
        "remove_orphan_files",
        catalog,
        table=_sql_string(table),
        older_than=_timestamp_literal(datetime.now(UTC) - older_than),
        dry_run="true" if dry_run else "false",
    )
    return OrphanResult(orphan_files=tuple(sorted(row.orphan_file_location for row in rows)), dry_run=dry_run)


def maintain_table(
    spark: SparkSession, table: str, policy: MaintenancePolicy | None = None, catalog: str | None = None
) -> TableMaintenanceReport:
    """Compact, rewrite manifests, expire snapshots and optionally remove orphans, in that order."""
    policy = policy or MaintenancePolicy()
    started = time.monotonic()
    compaction = compact_data_files(
        spark,
        table,
        min_input_files=policy.min_input_files,
        target_file_size_bytes=policy.target_file_size_bytes,
        catalog=catalog,
    )
    manifests = rewrite_manifests(spark, table, catalog) if policy.rewrite_manifests else None
    # After compaction, so the small files it replaced go once their snapshots expire.
    expiry = expire_snapshots(
        spark, table, older_than=policy.snapshot_retention, retain_last=policy.retain_last, catalog=catalog
    )
    orphans = (
        remove_orphan_files(spark, table, older_than=policy.orphan_age, catalog=catalog)
        if policy.remove_orphans
        else None
    )
    return TableMaintenanceReport(
        table=table,
        compaction=compaction,
        manifests=manifests,
        expiry=expiry,
        orphans=orphans,
        duration_s=time.monotonic() - started,
    )
