"""Small PyIceberg appends that race each other (runs ending together) all land.

A real SQLite catalog and warehouse in a temporary folder: several threads append their
run's record to a table that does not exist yet, released at once by a barrier.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from pyiceberg.catalog.sql import SqlCatalog

from shop_analytics.ops.ingest_runs import IngestRunRecord, append_ingest_runs
from shop_analytics_tests.lakehouse.racing import run_at_once

WRITERS = 6


def _record(run: int) -> IngestRunRecord:
    return IngestRunRecord(
        run_id=f"run-{run}", topic="shop.clickstream", table="bronze.clickstream", rows_in=run, bronze_rows=run,
        dead_lettered=0, micro_batches=1, duration_s=1.0, batch_duration_s_max=1.0, rows_per_s=float(run),
        consumer_lag=0, newest_event_age_s=None, finished_at=datetime.now(UTC),
    )  # fmt: skip


def test_runs_that_end_together_all_record_their_row(tmp_path: Path) -> None:
    catalog = SqlCatalog(
        "race", uri=f"sqlite:///{tmp_path / 'catalog.db'}", warehouse=f"file://{tmp_path / 'warehouse'}"
    )
    errors = run_at_once(WRITERS, lambda index: append_ingest_runs(catalog, [_record(index)], table="ops.race_runs"))
    assert not errors, errors
    rows = catalog.load_table("ops.race_runs").scan().to_arrow()
    assert sorted(rows.column("run_id").to_pylist()) == sorted(f"run-{i}" for i in range(WRITERS))
    # One snapshot per run: a retried commit did not append twice.
    assert len(catalog.load_table("ops.race_runs").snapshots()) == WRITERS
