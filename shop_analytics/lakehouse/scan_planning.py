"""Which data files a scan would read: Iceberg's planning, shown with PyIceberg.

Iceberg keeps each data file's partition values (and column bounds) in its manifests, so a
filter on a partition source column (``event_time`` under ``days(event_time)``) drops whole
files while planning, before any of them is opened. ``plan_scan`` returns the files that
survive, with their partitions, and the size of the unfiltered plan to compare with.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from pyiceberg.expressions import AlwaysTrue, And, BooleanExpression, EqualTo, GreaterThanOrEqual, LessThan
from pyiceberg.table import Table
from pyiceberg.types import DateType, TimestampType, TimestamptzType

# Every row (a shared, immutable expression).
ALWAYS_TRUE: BooleanExpression = AlwaysTrue()

@dataclass(frozen=True)
class PlannedFile:
    path: str
    partition: Mapping[str, str]  # partition field name -> human value, e.g. {"event_time_day": "2026-01-02"}
    record_count: int
    size_bytes: int


@dataclass(frozen=True)
class ScanPlan:
    """The files a filtered scan plans, against all live files of the same snapshot."""

    row_filter: str
    files: tuple[PlannedFile, ...]
    total_files: int  # what the same scan plans without a filter

    @property
    def file_count(self) -> int:
        return len(self.files)

    @property
    def pruned_files(self) -> int:
        return self.total_files - self.file_count

    @property
    def record_count(self) -> int:
        return sum(f.record_count for f in self.files)

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(f.path for f in self.files)

    @property
    def partitions(self) -> set[tuple[tuple[str, str], ...]]:
        return {tuple(sorted(f.partition.items())) for f in self.files}


def _partition_values(table: Table, spec_id: int, partition: object) -> dict[str, str]:
    """A data file's partition tuple as ``{field name: human-readable value}``."""
    spec = table.specs()[spec_id]
    schema = table.schema()
    values: dict[str, str] = {}
    for position, partition_field in enumerate(spec.fields):
        source_type = schema.find_type(partition_field.source_id)
        raw = partition[position]  # type: ignore[index]  # pyiceberg Record is positional
        values[partition_field.name] = partition_field.transform.to_human_string(source_type, raw)
    return values


def plan_scan(
    table: Table, row_filter: str | BooleanExpression = ALWAYS_TRUE, snapshot_id: int | None = None
) -> ScanPlan:
    """The data files a scan of ``table`` with ``row_filter`` would read (nothing is read)."""
    tasks = list(table.scan(row_filter=row_filter, snapshot_id=snapshot_id).plan_files())
    total = len(list(table.scan(snapshot_id=snapshot_id).plan_files()))
    files = tuple(
        sorted(
            (
                PlannedFile(
                    path=task.file.file_path,
                    partition=_partition_values(table, task.file.spec_id, task.file.partition),
                    record_count=task.file.record_count,
                    size_bytes=task.file.file_size_in_bytes,
                )
                for task in tasks
            ),
            key=lambda f: f.path,
        )
    )
    return ScanPlan(row_filter=str(row_filter), files=files, total_files=total)


def day_filter(table: Table, column: str, first_day: date, last_day: date | None = None) -> BooleanExpression:
    """Rows whose ``column`` falls on ``first_day`` .. ``last_day`` (inclusive, UTC days).

    A half-open range on a timestamp column, which Iceberg turns into a range on the
    ``days()`` partition; literals carry an offset only for ``timestamptz`` columns, which is
    what Spark's TIMESTAMP becomes in Iceberg.
    """
    last_day = last_day or first_day
    column_type = table.schema().find_field(column).field_type
    if isinstance(column_type, DateType):
        if first_day == last_day:
            return EqualTo(column, first_day.isoformat())
        return And(
            GreaterThanOrEqual(column, first_day.isoformat()),
            LessThan(column, (last_day + timedelta(days=1)).isoformat()),
        )
    if not isinstance(column_type, TimestampType | TimestamptzType):
        raise TypeError(f"{column} is {column_type}: day_filter needs a date or timestamp column")
    suffix = "+00:00" if isinstance(column_type, TimestamptzType) else ""

    def start_of(day: date) -> str:
        return datetime.combine(day, time()).isoformat() + suffix

    return And(
        GreaterThanOrEqual(column, start_of(first_day)),
        LessThan(column, start_of(last_day + timedelta(days=1))),
    )
