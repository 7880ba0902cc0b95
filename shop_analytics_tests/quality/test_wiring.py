"""The quality and alerting objects wired into the code location as definitions.py will wire
them: the whole thing must load (resource keys, op and sensor names, check targets)."""

from __future__ import annotations

from pathlib import Path

from dagster import AssetKey, Definitions

from shop_analytics.assets.checks import build_quality_checks
from shop_analytics.quality.freshness import apply_freshness_policies, build_freshness_checks, freshness_policies_of
from shop_analytics.resources.alerts import build_alerts_resource
from shop_analytics.resources.quality import build_quality_resource
from shop_analytics.schedules.materialization import (
    build_daily_maintenance_schedule,
    build_hourly_silver_aggregates_schedule,
    silver_aggregates_job,
)
from shop_analytics.schedules.retries import SERVICE_RETRY_POLICY
from shop_analytics.sensors.alert_sensors import (
    build_capacity_summary_sensor,
    build_check_alert_sensor,
    build_pipeline_health_sensor,
    build_run_summary_sensor,
)
from shop_analytics.sensors.freshness_alerts import build_freshness_alert_sensor, build_freshness_checks_sensor
from shop_analytics.sensors.run_failure_alerts import build_run_failure_alert_sensor


def test_the_code_location_loads_with_checks_freshness_alerts_and_schedules(tmp_path: Path) -> None:
    from shop_analytics.assets.maintenance import lakehouse_maintenance_job
    from shop_analytics.definitions import build_definitions
    from shop_analytics.resources.environments import build_resources

    environ = {"SHOP_STATE_DIR": str(tmp_path)}
    base = build_definitions(build_resources(environ))
    assets = apply_freshness_policies(list(base.assets or []))
    keys = {key for a in assets for key in (a.keys if hasattr(a, "keys") else [a.key])}
    policies = freshness_policies_of(assets)
    quality_checks = build_quality_checks(keys)
    freshness_checks = build_freshness_checks(policies)

    defs = Definitions(
        assets=assets,
        asset_checks=[*quality_checks, *freshness_checks],
        jobs=[*(base.jobs or []), silver_aggregates_job],
        schedules=[
            *(base.schedules or []),
            build_hourly_silver_aggregates_schedule(),
            build_daily_maintenance_schedule(lakehouse_maintenance_job, hour=4),
        ],
        sensors=[
            *(base.sensors or []),
            build_run_failure_alert_sensor(),
            build_check_alert_sensor(),
            build_run_summary_sensor(),
            build_pipeline_health_sensor(),
            build_capacity_summary_sensor(),
            build_freshness_alert_sensor(policies),
            build_freshness_checks_sensor(freshness_checks),
        ],
        resources={
            **(base.resources or {}),
            "alerts": build_alerts_resource(environ),
            "quality": build_quality_resource(environ),
        },
    )
    Definitions.validate_loadable(defs)

    repository = defs.get_repository_def()
    check_keys = repository.asset_graph.asset_check_keys
    assert {k.asset_key for k in check_keys if k.name == "great_expectations"} >= {
        AssetKey(["bronze", "orders"]),
        AssetKey(["silver", "orders"]),
        AssetKey(["silver", "anomalies"]),
    }
    assert policies[AssetKey(["bronze", "clickstream"])].fail_window.to_timedelta().total_seconds() == 3600
    assert all(c.node_def.retry_policy == SERVICE_RETRY_POLICY for c in quality_checks)
