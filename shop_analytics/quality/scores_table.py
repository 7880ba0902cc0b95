"""``ops.quality_scores``: one row per quality check run, appended through PyIceberg.

The table is created on first use (partitioned by day of ``checked_at``) so a fresh lakehouse
needs no setup step; plotting a score over time is a query on asset_key and checked_at.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime

import pyarrow as pa
from pyiceberg.catalog import Catalog
from pyiceberg.partitioning import PartitionField, PartitionSpec
from pyiceberg.schema import Schema
from pyiceberg.table import Table
from pyiceberg.transforms import DayTransform
from pyiceberg.types import (
    BooleanType,
    DoubleType,
    IntegerType,
    LongType,
    NestedField,
    StringType,
    TimestamptzType,
)

from shop_analytics.lakehouse.commits import append_retrying

SCORES_TABLE = "quality_scores"

_FIELDS = (
    ("checked_at", TimestamptzType()),
    ("asset_key", StringType()),
    ("layer", StringType()),
    ("suite", StringType()),
    ("suite_version", IntegerType()),
    ("check_name", StringType()),
    ("run_id", StringType()),
    ("scope", StringType()),
    ("rows_checked", LongType()),
    ("completeness", DoubleType()),
    ("validity", DoubleType()),
    ("consistency", DoubleType()),
    ("score", DoubleType()),
    ("sla", DoubleType()),
    ("below_sla", BooleanType()),
    ("expectations", IntegerType()),
    ("failed_expectations", IntegerType()),
    ("critical_failures", IntegerType()),
)
SCORES_SCHEMA = Schema(*(NestedField(i, name, kind, required=False) for i, (name, kind) in enumerate(_FIELDS, 1)))
SCORES_PARTITIONING = PartitionSpec(
    PartitionField(source_id=1, field_id=1000, transform=DayTransform(), name="checked_at_day")
)


@dataclass(frozen=True)
class ScoreRecord:
    checked_at: datetime  # timezone-aware
    asset_key: str  # "silver/orders"
    layer: str
    suite: str
    suite_version: int
    check_name: str
    run_id: str | None
    scope: str
    rows_checked: int
    completeness: float | None
    validity: float | None
    consistency: float | None
    score: float
    sla: float
    below_sla: bool
    expectations: int
    failed_expectations: int
    critical_failures: int


def ensure_scores_table(catalog: Catalog, identifier: str) -> Table:
    namespace = identifier.rsplit(".", 1)[0]
    catalog.create_namespace_if_not_exists(namespace)
    return catalog.create_table_if_not_exists(identifier, schema=SCORES_SCHEMA, partition_spec=SCORES_PARTITIONING)


def append_scores(catalog: Catalog, identifier: str, records: Sequence[ScoreRecord]) -> None:
    """Append ``records``; a commit that loses a race with another writer is retried on fresh metadata."""
    rows = pa.Table.from_pylist([asdict(r) for r in records], schema=SCORES_SCHEMA.as_arrow())
    append_retrying(lambda: ensure_scores_table(catalog, identifier), rows)
