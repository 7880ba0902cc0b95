"""Reading a table as it was: by snapshot id or by time, through Spark or PyIceberg.

Every Iceberg commit makes a snapshot; a reader pinned to one sees exactly the table of that
commit, whatever was appended, deleted or compacted since (until the snapshot is expired).
The Spark helpers read with ``SELECT * FROM t VERSION AS OF <id>``, which, unlike the
reader's ``snapshot-id`` option, uses the schema of that snapshot. A wrong id or a time
before the table's history fails with a message that says what exists.

A time resolves the way Iceberg resolves ``as-of-timestamp``: the last entry of the table's
snapshot log made current at or before that time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pyarrow as pa
from pyiceberg.expressions import AlwaysTrue, BooleanExpression
from pyiceberg.table import Table
from pyspark.errors import IllegalArgumentException
from pyspark.sql import DataFrame, SparkSession

from shop_analytics.lakehouse import metadata_table, qualified

# Every row (a shared, immutable expression).
ALWAYS_TRUE: BooleanExpression = AlwaysTrue()

# How many snapshot ids an error message lists (the newest ones).
_IDS_IN_ERRORS = 10


class SnapshotNotFoundError(LookupError):
    """The asked snapshot or time is not in the table's retained history."""


@dataclass(frozen=True)
class SnapshotInfo:
    """One commit of a table."""

    snapshot_id: int
    parent_id: int | None
    committed_at: datetime  # timezone-aware, UTC
    operation: str  # append, overwrite, delete, replace
    summary: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class _LogEntry:
    snapshot_id: int
    made_current_ms: int


def _utc(millis: int) -> datetime:
    return datetime.fromtimestamp(millis / 1000, tz=UTC)


def _millis(when: datetime) -> int:
    """Epoch milliseconds; a naive datetime is taken as UTC (the sessions' time zone)."""
    aware = when if when.tzinfo is not None else when.replace(tzinfo=UTC)
    return int(aware.timestamp() * 1000)


# --- Spark -----------------------------------------------------------------------------------


def list_snapshots(spark: SparkSession, table: str, catalog: str | None = None) -> list[SnapshotInfo]:
    """The table's retained snapshots, oldest first (from its ``snapshots`` metadata table)."""
    # unix_millis keeps the instant exact: collected timestamps would come back naive, in
    # the Python process's local zone.
    rows = spark.sql(
        "SELECT snapshot_id, parent_id, unix_millis(committed_at) AS committed_ms, operation, summary "
        f"FROM {metadata_table(spark, table, 'snapshots', catalog)} ORDER BY committed_at, snapshot_id"
    ).collect()
    return [
        SnapshotInfo(
            snapshot_id=row.snapshot_id,
            parent_id=row.parent_id,
            committed_at=_utc(row.committed_ms),
            operation=row.operation,
            summary=dict(row.summary or {}),
        )
        for row in rows
    ]


def _spark_log(spark: SparkSession, table: str, catalog: str | None) -> list[_LogEntry]:
    rows = spark.sql(
        "SELECT snapshot_id, unix_millis(made_current_at) AS made_current_ms "
        f"FROM {metadata_table(spark, table, 'history', catalog)} ORDER BY made_current_at"
    ).collect()
    return [_LogEntry(row.snapshot_id, row.made_current_ms) for row in rows]


def _check_known(table: str, snapshot_id: int, known: Sequence[int]) -> None:
    if snapshot_id not in known:
        newest = ", ".join(str(i) for i in known[-_IDS_IN_ERRORS:]) or "none"
        raise SnapshotNotFoundError(
            f"{table} has no snapshot {snapshot_id} (never existed, or expired by maintenance); "
            f"its newest retained snapshots are: {newest}. List them with list_snapshots()."
        )


def _resolve_time(table: str, when: datetime, log: Sequence[_LogEntry]) -> int:
    at_ms = _millis(when)
    current = [entry for entry in log if entry.made_current_ms <= at_ms]
    if current:
        return current[-1].snapshot_id
    if not log:
        raise SnapshotNotFoundError(f"{table} has no snapshots yet: nothing was ever committed to it")
    raise SnapshotNotFoundError(
        f"{table} has no snapshot at or before {_utc(at_ms).isoformat()}: its history starts at "
        f"{_utc(log[0].made_current_ms).isoformat()} (older snapshots, if any, were expired). "
        "Ask for a later time."
    )


def snapshot_id_at(spark: SparkSession, table: str, when: datetime, catalog: str | None = None) -> int:
    """The id of the snapshot that was current at ``when`` (naive means UTC)."""
    return _resolve_time(table, when, _spark_log(spark, table, catalog))


def _read_snapshot(spark: SparkSession, table: str, snapshot_id: int, catalog: str | None) -> DataFrame:
    # SQL rather than the reader's snapshot-id option: VERSION AS OF reads with the schema the
    # snapshot was written with, the option with today's schema.
    return spark.sql(f"SELECT * FROM {qualified(spark, table, catalog)} VERSION AS OF {int(snapshot_id)}")


def read_at_snapshot(spark: SparkSession, table: str, snapshot_id: int, catalog: str | None = None) -> DataFrame:
    """The table as of ``snapshot_id``, with that snapshot's schema (``VERSION AS OF``)."""
    try:
        return _read_snapshot(spark, table, snapshot_id, catalog)
    except IllegalArgumentException:
        # Iceberg's own message names the id only; ours lists what exists.
        _check_known(table, snapshot_id, [s.snapshot_id for s in list_snapshots(spark, table, catalog)])
        raise


def read_at_time(spark: SparkSession, table: str, when: datetime, catalog: str | None = None) -> DataFrame:
    """The table as it was at ``when`` (like ``TIMESTAMP AS OF``), with that snapshot's schema; naive means UTC."""
    return _read_snapshot(spark, table, snapshot_id_at(spark, table, when, catalog), catalog)


# --- PyIceberg -------------------------------------------------------------------------------


def pyiceberg_snapshots(table: Table) -> list[SnapshotInfo]:
    """The table's retained snapshots, oldest first, read from its metadata by PyIceberg."""
    snapshots = sorted(table.snapshots(), key=lambda s: (s.timestamp_ms, s.snapshot_id))
    return [
        SnapshotInfo(
            snapshot_id=s.snapshot_id,
            parent_id=s.parent_snapshot_id,
            committed_at=_utc(s.timestamp_ms),
            operation=s.summary.operation.value if s.summary is not None else "unknown",
            summary=dict(s.summary.additional_properties) if s.summary is not None else {},
        )
        for s in snapshots
    ]


def arrow_at_snapshot(
    table: Table, snapshot_id: int, row_filter: str | BooleanExpression = ALWAYS_TRUE
) -> pa.Table:
    """The table's rows as of ``snapshot_id``, as Arrow (no Spark needed)."""
    _check_known(".".join(table.name()), snapshot_id, [s.snapshot_id for s in pyiceberg_snapshots(table)])
    return table.scan(row_filter=row_filter, snapshot_id=snapshot_id).to_arrow()


def arrow_at_time(table: Table, when: datetime, row_filter: str | BooleanExpression = ALWAYS_TRUE) -> pa.Table:
    """The table's rows as they were at ``when`` (naive means UTC), as Arrow."""
    log = [_LogEntry(entry.snapshot_id, entry.timestamp_ms) for entry in table.history()]
    snapshot_id = _resolve_time(".".join(table.name()), when, log)
    return table.scan(row_filter=row_filter, snapshot_id=snapshot_id).to_arrow()
