"""The rows a quality run checks, read from Iceberg through PyIceberg into pandas (no Spark).

A scoped read finds the newest value of the scope column in the data files' column
statistics (manifests only, no data), then scans from the start of that day, so Iceberg
prunes every older partition.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

import pandas as pd
from pyiceberg.catalog import Catalog
from pyiceberg.exceptions import NoSuchNamespaceError, NoSuchTableError
from pyiceberg.expressions import AlwaysTrue, BooleanExpression, GreaterThanOrEqual
from pyiceberg.table import Table

from shop_analytics.quality.suite import Scope

DATA_FILE = 0  # manifest entry content: 0 data, 1 position deletes, 2 equality deletes


class TableNotBuilt(LookupError):
    """The table a suite guards does not exist yet."""

    def __init__(self, identifier: str) -> None:
        super().__init__(f"{identifier}: table not built yet")
        self.identifier = identifier


@dataclass(frozen=True)
class ScopedRows:
    frame: pd.DataFrame
    scope: str  # what was read, in words: goes into the check metadata
    start: date | datetime | None  # the first value of the scope column read (None: all rows)


def load(catalog: Catalog, identifier: str) -> Table:
    try:
        return catalog.load_table(identifier)
    except (NoSuchTableError, NoSuchNamespaceError):
        raise TableNotBuilt(identifier) from None


def newest_value(table: Table, column: str, not_after: datetime | None = None) -> Any:
    """The largest value of ``column`` over the current snapshot's data files, from their statistics.

    With ``not_after``, files whose values all lie beyond it are passed over (day partitions of
    events stamped in the future), unless no file is left.
    """
    if table.current_snapshot() is None:
        return None
    files = table.inspect.files()
    content = files.column("content").to_pylist()
    metrics = files.column("readable_metrics").to_pylist()
    bounds = [m[column]["upper_bound"] for c, m in zip(content, metrics, strict=True) if c == DATA_FILE and m]
    bounds = [b for b in bounds if b is not None]
    if not bounds:
        return None
    if not_after is not None:
        limit = _as_type_of(bounds[0], not_after)
        present = [b for b in bounds if b <= limit]
        return max(present) if present else min(max(bounds), limit)
    return max(bounds)


def day_start(value: date | datetime) -> date | datetime:
    """The start of ``value``'s day, in its own type (and time zone, if it has one)."""
    if isinstance(value, datetime):
        return datetime.combine(value.date(), time(0), tzinfo=value.tzinfo)
    return value


def _literal(value: date | datetime) -> str:
    # PyIceberg binds ISO strings to date, timestamp and timestamptz columns alike.
    return value.isoformat()


def read_scoped(
    catalog: Catalog,
    identifier: str,
    scope: Scope,
    columns: Sequence[str] | None = None,
    since: date | datetime | None = None,
    now: datetime | None = None,
) -> ScopedRows:
    """``identifier``'s rows in ``scope``; ``since`` overrides the scope's start (companion reads).

    With ``now``, the newest day is the newest one with data up to now: an event stamped weeks
    ahead (a broken clock, which silver quarantines) must not turn the check into a check of
    that one row. Such rows are still read (the filter has no upper bound), so the
    future-time expectation sees them.
    """
    table = load(catalog, identifier)
    selected = tuple(columns) if columns else ("*",)
    row_filter: BooleanExpression = AlwaysTrue()
    start: date | datetime | None = None
    if scope.column is not None:
        start = since if since is not None else _newest_day(table, scope.column, now)
        if start is not None:
            row_filter = GreaterThanOrEqual(scope.column, _literal(start))
    frame = table.scan(row_filter=row_filter, selected_fields=selected).to_pandas()
    if scope.column is None:
        words = "all rows"
    elif start is None:
        words = f"all rows (no {scope.column} statistics: empty table)"
    else:
        words = f"{scope.column} >= {_literal(start)} (newest day)"
    return ScopedRows(frame=frame, scope=words, start=start)


def _newest_day(table: Table, column: str, now: datetime | None) -> date | datetime | None:
    newest = newest_value(table, column, not_after=now)
    return day_start(newest) if newest is not None else None


def _as_type_of(value: date | datetime, now: datetime) -> date | datetime:
    """``now`` comparable with ``value``: a date, a naive UTC time or an aware time."""
    if not isinstance(value, datetime):
        return now.date()
    if value.tzinfo is None:
        return now.astimezone(UTC).replace(tzinfo=None)
    return now


def column_values(catalog: Catalog, identifier: str, column: str) -> frozenset[str]:
    """The distinct non-null values of one column (a reference table's keys)."""
    table = load(catalog, identifier)
    values = table.scan(selected_fields=(column,)).to_arrow().column(column).drop_null().unique()
    return frozenset(str(v) for v in values.to_pylist())
