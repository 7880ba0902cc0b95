"""Materialization schedules and the service retry policy."""

from __future__ import annotations

from dagster import AssetKey, AssetSpec, Backoff, Definitions, Jitter, ResourceDefinition, asset

from shop_analytics.assets.checks import build_quality_checks
from shop_analytics.schedules.materialization import (
    SILVER_AGGREGATE_KEYS,
    build_daily_gold_schedule,
    build_daily_maintenance_schedule,
    build_hourly_silver_aggregates_schedule,
    gold_build_job,
    silver_aggregates_job,
)
from shop_analytics.schedules.retries import SERVICE_RETRY_POLICY


def test_service_retry_policy_backs_off_exponentially_with_jitter() -> None:
    assert SERVICE_RETRY_POLICY.max_retries == 3
    assert SERVICE_RETRY_POLICY.backoff == Backoff.EXPONENTIAL
    assert SERVICE_RETRY_POLICY.jitter == Jitter.PLUS_MINUS
    assert SERVICE_RETRY_POLICY.calculate_delay(2) >= 10


def test_schedules_run_hourly_aggregates_then_daily_dbt_then_maintenance() -> None:
    assert build_hourly_silver_aggregates_schedule().cron_schedule == "5 * * * *"
    assert build_daily_gold_schedule().cron_schedule == "15 2 * * *"
    maintenance = build_daily_maintenance_schedule(silver_aggregates_job)
    assert maintenance.cron_schedule == "0 3 * * *" and maintenance.execution_timezone == "UTC"


def test_jobs_select_the_aggregates_and_the_gold_group_with_their_checks() -> None:
    @asset(key=["gold", "fct_orders"], group_name="gold")
    def fct_orders() -> None: ...

    aggregates = [asset(key=key, group_name="silver")(lambda: None) for key in SILVER_AGGREGATE_KEYS]
    orders = AssetSpec(["silver", "orders"], group_name="silver")
    checks = build_quality_checks([AssetKey(["gold", "fct_orders"]), AssetKey(["silver", "sessions"])])
    defs = Definitions(
        assets=[fct_orders, orders, *aggregates],
        asset_checks=checks,
        jobs=[silver_aggregates_job, gold_build_job],
        schedules=[build_hourly_silver_aggregates_schedule(), build_daily_gold_schedule()],
        resources={"iceberg": ResourceDefinition.none_resource(), "quality": ResourceDefinition.none_resource()},
    )

    gold = defs.resolve_job_def("gold_build_job")
    assert gold.asset_layer.executable_asset_keys == {AssetKey(["gold", "fct_orders"])}
    assert {k.asset_key for k in gold.asset_layer.asset_graph.asset_check_keys} >= {AssetKey(["gold", "fct_orders"])}
    assert gold.tags["dagster/max_retries"] == "2"
    silver = defs.resolve_job_def("silver_aggregates_job")
    assert silver.asset_layer.selected_asset_keys == set(SILVER_AGGREGATE_KEYS)
