"""The quality and alerting objects as the code location wires them: the whole thing loads
(resource keys, op and sensor names, check targets), with policies and retries attached."""

from __future__ import annotations

from pathlib import Path

from dagster import AssetKey, Definitions

from shop_analytics.schedules.retries import SERVICE_RETRY_POLICY


def test_the_code_location_loads_with_checks_freshness_alerts_and_schedules(tmp_path: Path) -> None:
    from shop_analytics.definitions import build_definitions
    from shop_analytics.resources.environments import build_resources

    defs = build_definitions(build_resources({"SHOP_STATE_DIR": str(tmp_path)}))
    Definitions.validate_loadable(defs)

    repository = defs.get_repository_def()
    check_keys = repository.asset_graph.asset_check_keys
    assert {k.asset_key for k in check_keys if k.name == "great_expectations"} >= {
        AssetKey(["bronze", "orders"]),
        AssetKey(["silver", "orders"]),
        AssetKey(["silver", "anomalies"]),
        AssetKey(["gold", "fct_orders"]),
    }
    policy = repository.asset_graph.get(AssetKey(["bronze", "clickstream"])).freshness_policy
    assert policy is not None and policy.fail_window.to_timedelta().total_seconds() == 3600
    quality_checks = [c for c in defs.asset_checks or [] if "great_expectations" in {k.name for k in c.check_keys}]
    assert quality_checks and all(c.node_def.retry_policy == SERVICE_RETRY_POLICY for c in quality_checks)
    assert {"alerts", "quality", "iceberg"} <= set(repository.get_top_level_resources())
    assert {s.name for s in repository.sensor_defs} >= {
        "run_failure_alert_sensor",
        "check_alert_sensor",
        "run_summary_sensor",
        "freshness_alert_sensor",
        "bronze_to_silver_sensor",
    }
    assert {s.name for s in repository.schedule_defs} >= {
        "hourly_silver_aggregates_schedule",
        "daily_gold_build_schedule",
        "lakehouse_maintenance_schedule",
    }
