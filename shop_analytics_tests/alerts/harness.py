"""Driving sensors in tests: evaluation contexts over an ephemeral instance, run status events."""

from __future__ import annotations

from typing import Any

from dagster import (
    DagsterEventType,
    DagsterInstance,
    SensorDefinition,
    build_run_status_sensor_context,
    build_sensor_context,
)

from shop_analytics.resources.alerts import SlackAlertsResource


def tick(sensor: SensorDefinition, instance: DagsterInstance, alerts: SlackAlertsResource, **resources: Any) -> Any:
    """One evaluation of ``sensor``."""
    return sensor(build_sensor_context(instance=instance, resources={"alerts": alerts, **resources}))


def run_status_tick(
    sensor: SensorDefinition, instance: DagsterInstance, run_id: str, alerts: SlackAlertsResource, failure: bool
) -> Any:
    """Evaluate a run status (or run failure) sensor for run ``run_id``, as the daemon would."""
    kind = DagsterEventType.RUN_FAILURE if failure else DagsterEventType.RUN_SUCCESS
    (record,) = instance.get_records_for_run(run_id, of_type=kind).records
    context = build_run_status_sensor_context(
        sensor_name=sensor.name,
        dagster_event=record.event_log_entry.dagster_event,
        dagster_instance=instance,
        dagster_run=instance.get_run_by_id(run_id),
        resources={"alerts": alerts},
    )
    return sensor(context.for_run_failure() if failure else context)
