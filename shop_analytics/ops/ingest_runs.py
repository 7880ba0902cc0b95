"""``ops.ingest_runs``: one row per bronze stream per ingest run, appended as the run ends.

Written through PyIceberg (a small Arrow append, no Spark job), so recording a run costs
milliseconds. The operational and technical dashboards read it: volumes, dead-letter
rate, batch durations, throughput, consumer lag and the newest event's age over time.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import datetime

import pyarrow as pa
from pyiceberg.catalog import Catalog
from pyiceberg.table import Table

from shop_analytics.lakehouse.commits import append_retrying

INGEST_RUNS_TABLE = "ops.ingest_runs"


@dataclass(frozen=True)
class IngestRunRecord:
    run_id: str
    topic: str
    table: str
    rows_in: int
    bronze_rows: int
    dead_lettered: int
    micro_batches: int
    duration_s: float
    batch_duration_s_max: float
    rows_per_s: float
    consumer_lag: int
    newest_event_age_s: float | None
    finished_at: datetime  # UTC


ARROW_SCHEMA = pa.schema(
    [
        pa.field("run_id", pa.string(), nullable=False),
        pa.field("topic", pa.string(), nullable=False),
        pa.field("table", pa.string(), nullable=False),
        pa.field("rows_in", pa.int64(), nullable=False),
        pa.field("bronze_rows", pa.int64(), nullable=False),
        pa.field("dead_lettered", pa.int64(), nullable=False),
        pa.field("micro_batches", pa.int64(), nullable=False),
        pa.field("duration_s", pa.float64(), nullable=False),
        pa.field("batch_duration_s_max", pa.float64(), nullable=False),
        pa.field("rows_per_s", pa.float64(), nullable=False),
        pa.field("consumer_lag", pa.int64(), nullable=False),
        pa.field("newest_event_age_s", pa.float64()),
        pa.field("finished_at", pa.timestamp("us", tz="UTC"), nullable=False),
    ]
)
assert [f.name for f in fields(IngestRunRecord)] == ARROW_SCHEMA.names  # one definition of the columns


def append_ingest_runs(catalog: Catalog, records: list[IngestRunRecord], table: str = INGEST_RUNS_TABLE) -> None:
    """Append ``records`` to ``table``, creating the namespace and table on first use.

    Runs that end together append at once: a lost commit is retried on fresh metadata.
    """
    if not records:
        return
    rows = pa.Table.from_pylist([asdict(r) for r in records], schema=ARROW_SCHEMA)

    def load() -> Table:
        catalog.create_namespace_if_not_exists(table.rsplit(".", 1)[0])
        return catalog.create_table_if_not_exists(table, schema=ARROW_SCHEMA)

    append_retrying(load, rows)
