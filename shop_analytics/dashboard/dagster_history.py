"""Dagster's run history for the operational view: runs per job, failures per asset, freshness.

Read from the Dagster instance in ``DAGSTER_HOME`` (SQLite locally, PostgreSQL where
dagster.yaml says so), the same storage the webserver and daemon use; nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from dagster import AssetKey, DagsterEventType, DagsterInstance, DagsterRunStatus, RunRecord, RunsFilter

# Enough for a day of sensor-driven runs on the local platform; older runs are history.
RUN_LIMIT = 500
FAILED_RUN_STATUSES = (DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED)


@dataclass(frozen=True)
class DagsterHistory:
    runs: pd.DataFrame  # run_id, job_name, status, started_at, ended_at (UTC)
    assets: pd.DataFrame  # asset_key, last_materialized_at, last_run_id, failures, last_failed_at, freshness_state


RUN_COLUMNS = ["run_id", "job_name", "status", "started_at", "ended_at"]
ASSET_COLUMNS = ["asset_key", "last_materialized_at", "last_run_id", "failures", "last_failed_at", "freshness_state"]


def open_instance(dagster_home: str) -> DagsterInstance:
    return DagsterInstance.from_config(dagster_home)


def _utc(timestamp: float | None) -> pd.Timestamp:
    return pd.Timestamp(timestamp, unit="s", tz="UTC") if timestamp is not None else pd.NaT


def failed_assets(instance: DagsterInstance, failed_runs: list[RunRecord]) -> dict[AssetKey, list[float]]:
    """Asset → end times of the failed runs that planned it and did not materialize it.

    Read from each failed run's own events (planned vs materialized), which every Dagster
    storage records; the separate "failed to materialize" events are only written when the
    instance is configured to.
    """
    failures: dict[AssetKey, list[float]] = {}
    kinds = {DagsterEventType.ASSET_MATERIALIZATION_PLANNED, DagsterEventType.ASSET_MATERIALIZATION}
    for run in failed_runs:
        planned: set[AssetKey] = set()
        done: set[AssetKey] = set()
        for record in instance.get_records_for_run(run.dagster_run.run_id, of_type=kinds).records:
            event = record.event_log_entry.dagster_event
            if event is None or event.asset_key is None:
                continue
            (planned if event.event_type == DagsterEventType.ASSET_MATERIALIZATION_PLANNED else done).add(event.asset_key)
        ended = run.end_time if run.end_time is not None else run.update_timestamp.timestamp()
        for key in planned - done:
            failures.setdefault(key, []).append(ended)
    return failures


def read_history(instance: DagsterInstance, since: datetime) -> DagsterHistory:
    """Runs created since ``since``; every asset's last materialization, failures since then, freshness."""
    records = instance.get_run_records(filters=RunsFilter(created_after=since), limit=RUN_LIMIT)
    runs = pd.DataFrame(
        [
            {
                "run_id": r.dagster_run.run_id,
                "job_name": r.dagster_run.job_name,
                "status": r.dagster_run.status.value,
                "started_at": _utc(r.start_time if r.start_time is not None else r.create_timestamp.timestamp()),
                "ended_at": _utc(r.end_time),
            }
            for r in records
        ],
        columns=RUN_COLUMNS,
    )
    failures = failed_assets(instance, [r for r in records if r.dagster_run.status in FAILED_RUN_STATUSES])
    asset_records = instance.get_asset_records()
    keys = [record.asset_entry.asset_key for record in asset_records]
    freshness = instance.get_freshness_state_records(keys) if keys else {}
    rows = []
    for record in asset_records:
        entry = record.asset_entry
        key: AssetKey = entry.asset_key
        failed_at = failures.get(key, [])
        last_materialization = entry.last_materialization
        state = freshness.get(key)
        rows.append(
            {
                "asset_key": key.to_user_string(),
                "last_materialized_at": _utc(last_materialization.timestamp if last_materialization else None),
                "last_run_id": entry.last_run_id,
                "failures": len(failed_at),
                "last_failed_at": _utc(max(failed_at) if failed_at else None),
                "freshness_state": state.freshness_state.value if state is not None else None,
            }
        )
    assets = pd.DataFrame(rows, columns=ASSET_COLUMNS)
    for column in ("last_materialized_at", "last_failed_at"):
        assets[column] = pd.to_datetime(assets[column], utc=True)
    for column in ("started_at", "ended_at"):
        runs[column] = pd.to_datetime(runs[column], utc=True)
    return DagsterHistory(runs=runs, assets=assets)
