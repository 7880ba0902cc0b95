"""Runs silver for the bronze tables a successful ingest run has just materialized.

A run-status sensor rather than a schedule: silver follows bronze as soon as it lands, and
only the silver assets fed by what changed run (plus the derived tables fed by those). The
run queue allows one run at a time, so a silver run never overlaps another on the same
checkpoints.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from dagster import (
    AssetKey,
    DagsterRunStatus,
    JobDefinition,
    RunRequest,
    RunStatusSensorContext,
    SensorDefinition,
    SkipReason,
    run_status_sensor,
)
from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition


def silver_selection(
    materialized: Sequence[AssetKey],
    silver_by_bronze: Mapping[AssetKey, Sequence[AssetKey]],
    derived: Sequence[AssetKey] = (),
    never_materialized: Sequence[AssetKey] = (),
) -> list[AssetKey]:
    """Silver keys fed by ``materialized`` bronze keys, plus silver keys never materialized
    (their run creates the table, empty if need be: dbt's sources must exist even for a
    family with no events yet); the derived keys when any of those runs."""
    selected: list[AssetKey] = []
    for key in materialized:
        selected += [k for k in silver_by_bronze.get(key, ()) if k not in selected]
    if selected:
        selected += [
            k for keys in silver_by_bronze.values() for k in keys if k in never_materialized and k not in selected
        ]
    if selected:
        selected += [k for k in derived if k not in selected]
    return selected


def build_bronze_to_silver_sensor(
    monitored: JobDefinition | UnresolvedAssetJobDefinition,
    silver: JobDefinition | UnresolvedAssetJobDefinition,
    silver_by_bronze: Mapping[AssetKey, Sequence[AssetKey]],
    derived: Sequence[AssetKey] = (),
) -> SensorDefinition:
    @run_status_sensor(
        name="bronze_to_silver_sensor",
        run_status=DagsterRunStatus.SUCCESS,
        monitored_jobs=[monitored],
        request_job=silver,
        minimum_interval_seconds=5,
        description="After a successful bronze ingest run, runs the silver assets fed by the bronze tables it wrote.",
    )
    def bronze_to_silver_sensor(context: RunStatusSensorContext):
        materialized = sorted(context.dagster_run.asset_selection or (), key=lambda k: k.to_user_string())
        instance = context.instance
        never = [
            key
            for keys in silver_by_bronze.values()
            for key in keys
            if instance.get_latest_materialization_event(key) is None
        ]
        selection = silver_selection(materialized, silver_by_bronze, derived, never)
        if not selection:
            return SkipReason(f"run {context.dagster_run.run_id} materialized no bronze table that feeds silver")
        return RunRequest(run_key=f"silver-after-{context.dagster_run.run_id}", asset_selection=selection)

    return bronze_to_silver_sensor
