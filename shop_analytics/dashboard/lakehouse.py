"""Reading the lakehouse for the dashboards: tables into typed pandas frames, table stats.

A table that does not exist yet reads as ``None`` (the views show their empty state); a
table that lacks a column the views need raises ``MissingColumns`` naming the column and
the mapping to fix (columns.py). Only the mapped columns are read, and a row filter on a
timestamp lets Iceberg skip files by their column statistics.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa
from pyiceberg.catalog import Catalog, load_catalog
from pyiceberg.exceptions import NoSuchNamespaceError, NoSuchTableError
from pyiceberg.expressions import AlwaysTrue, BooleanExpression, GreaterThanOrEqual
from pyiceberg.table import Table

from shop_analytics.dashboard.columns import Kind, TableSpec

# Iceberg's rewrite_data_files treats a file under 75 % of the target size as small
# (its min-file-size-bytes default), and the target is write.target-file-size-bytes,
# 512 MiB unless the table sets it: the same rule as lakehouse/maintenance.py's compaction.
SMALL_FILE_FRACTION = 0.75
DEFAULT_TARGET_FILE_SIZE = 512 * 1024 * 1024
TARGET_FILE_SIZE_PROPERTY = "write.target-file-size-bytes"


class MissingColumns(ValueError):
    """A table lacks columns the dashboard reads."""


def typed_frame(data: pa.Table, spec: TableSpec, identifier: str) -> pd.DataFrame:
    """``data`` with the spec's dashboard names and kinds (floats, bools, UTC times, days)."""
    missing = [column for column in spec.source_columns if column not in data.column_names]
    if missing:
        raise MissingColumns(
            f"{identifier} has no column {', '.join(missing)}: the model changed? "
            "Update the mapping in shop_analytics/dashboard/columns.py"
        )
    frame = data.select(list(spec.source_columns)).to_pandas()
    out = pd.DataFrame(index=frame.index)
    for name, (column, kind) in spec.columns.items():
        out[name] = _coerce(frame[column], kind)
    return out


def _coerce(values: pd.Series, kind: Kind) -> pd.Series:
    if kind is Kind.NUMBER:
        # Decimals (Spark's `x * 30.0`) arrive as Python Decimal objects.
        return pd.to_numeric(values, errors="coerce").astype("float64")
    if kind is Kind.BOOL:
        return values.astype("boolean")
    if kind is Kind.TIMESTAMP:
        stamps = pd.to_datetime(values, errors="coerce")
        # Iceberg `timestamp` (no zone) is UTC by the pipeline's convention (Spark session zone UTC).
        return stamps.dt.tz_localize("UTC") if stamps.dt.tz is None else stamps.dt.tz_convert("UTC")
    if kind is Kind.DATE:
        days = pd.to_datetime(values, errors="coerce")
        if days.dt.tz is not None:
            days = days.dt.tz_convert("UTC").dt.tz_localize(None)
        return days.dt.normalize()
    return values.astype("string")


def empty_frame(spec: TableSpec) -> pd.DataFrame:
    """A frame with the spec's columns and no rows (for pure functions fed an absent table)."""
    empty = pa.table({column: pa.array([], type=pa.null()) for column in spec.source_columns})
    return typed_frame(empty, spec, spec.name)


def absent_reason(properties: dict[str, str]) -> str | None:
    """Why there is no catalog to read yet, or None. PyIceberg would create a missing SQLite
    catalog on open; a dashboard must not, so it says what to run instead."""
    uri = properties.get("uri", "")
    path = uri.removeprefix("sqlite:///")
    if uri.startswith("sqlite:///") and not Path(path).exists():
        return f"No lakehouse yet: the catalog {path} does not exist. Run `make demo` to fill it."
    return None


def catalog_key(name: str, properties: dict[str, str]) -> str:
    return f"{name}|{properties.get('uri', '')}|{properties.get('warehouse', '')}"


@dataclass(frozen=True)
class TableStats:
    table: str
    snapshots: int
    data_files: int
    small_files: int
    size_bytes: int
    records: int
    last_commit: datetime | None


class Lakehouse:
    """The Iceberg catalog, opened through PyIceberg; ``catalog`` is None when there is none yet."""

    def __init__(self, catalog: Catalog | None, absent_reason: str | None = None, key: str = "") -> None:
        self.catalog = catalog
        self.absent_reason = absent_reason
        # Which catalog this is, for cache keys: two catalogs can hold the same table name.
        self.key = key

    @classmethod
    def open(cls, name: str, properties: dict[str, str]) -> Lakehouse:
        """Open the catalog; a local SQLite catalog that was never created is not created here."""
        reason = absent_reason(properties)
        if reason is not None:
            return cls(None, reason)
        return cls(load_catalog(name, **properties), key=catalog_key(name, properties))

    def table(self, identifier: str) -> Table | None:
        if self.catalog is None:
            return None
        try:
            return self.catalog.load_table(identifier)
        except (NoSuchTableError, NoSuchNamespaceError):
            return None

    def snapshot_id(self, identifier: str) -> int | None:
        """The table's current snapshot (a cache key: a new commit is new data); None when absent."""
        table = self.table(identifier)
        if table is None:
            return None
        snapshot = table.current_snapshot()
        return snapshot.snapshot_id if snapshot is not None else -1

    def read(
        self, identifier: str, spec: TableSpec, since: tuple[str, datetime] | None = None
    ) -> pd.DataFrame | None:
        """The table's mapped columns (rows with ``since[0] >= since[1]`` only); None when absent."""
        table = self.table(identifier)
        if table is None:
            return None
        present = {field.name for field in table.schema().fields}
        missing = [column for column in spec.source_columns if column not in present]
        if missing:
            raise MissingColumns(
                f"{identifier} has no column {', '.join(missing)}: the model changed? "
                "Update the mapping in shop_analytics/dashboard/columns.py"
            )
        row_filter: BooleanExpression = AlwaysTrue()
        if since is not None:
            row_filter = GreaterThanOrEqual(since[0], since[1].astimezone(UTC).isoformat())
        data = table.scan(row_filter=row_filter, selected_fields=spec.source_columns).to_arrow()
        return typed_frame(data, spec, identifier)

    def list_tables(self, namespace: str) -> list[str]:
        if self.catalog is None:
            return []
        try:
            return sorted(".".join(ident) for ident in self.catalog.list_tables(namespace))
        except NoSuchNamespaceError:
            return []

    def stats(self, identifier: str) -> TableStats | None:
        table = self.table(identifier)
        return None if table is None else table_stats(identifier, table)


def table_stats(identifier: str, table: Table) -> TableStats:
    """Snapshots, live data files, small files, bytes and records of the current snapshot."""
    snapshot = table.current_snapshot()
    if snapshot is None:
        return TableStats(identifier, len(table.metadata.snapshots), 0, 0, 0, 0, None)
    sizes: list[int] = []
    records: list[int] = []
    # A snapshot without manifests (a dbt full refresh that wrote no rows, a delete of
    # everything) has no files, and PyIceberg's inspect cannot build an empty result for it.
    if snapshot.manifests(table.io):
        files = table.inspect.data_files(snapshot.snapshot_id)
        sizes = files.column("file_size_in_bytes").to_pylist()
        records = files.column("record_count").to_pylist()
    target = int(table.properties.get(TARGET_FILE_SIZE_PROPERTY, DEFAULT_TARGET_FILE_SIZE))
    return TableStats(
        table=identifier,
        snapshots=len(table.metadata.snapshots),
        data_files=len(sizes),
        small_files=sum(1 for size in sizes if size < SMALL_FILE_FRACTION * target),
        size_bytes=int(sum(sizes)),
        records=int(sum(records)),
        last_commit=datetime.fromtimestamp(snapshot.timestamp_ms / 1000, tz=UTC),
    )
