"""Freshness policies per layer, applied to real asset definitions, and the freshness checks."""

from __future__ import annotations

from datetime import timedelta

from dagster import (
    AssetKey,
    AssetMaterialization,
    AssetSpec,
    DagsterInstance,
    Definitions,
    FreshnessPolicy,
    MaterializeResult,
    ResourceDefinition,
    RunRequest,
    build_sensor_context,
    multi_asset,
)
from dagster._core.definitions.freshness import FreshnessState

from shop_analytics.assets.silver import SILVER_EVENT_ASSETS, SILVER_REFERENCE_ASSETS
from shop_analytics.quality.freshness import (
    DAILY_MARTS,
    HOURLY_AGGREGATES,
    REFERENCE_DATA,
    SILVER_EVENTS,
    STREAMING_EVENTS,
    apply_freshness_policies,
    build_freshness_checks,
    freshness_policies,
    freshness_policies_of,
    freshness_policy_for,
    freshness_state,
)
from shop_analytics.sensors.freshness_alerts import build_freshness_checks_sensor


def test_each_layer_gets_the_windows_of_how_it_is_fed() -> None:
    assert freshness_policy_for(AssetKey(["bronze", "clickstream"])) == STREAMING_EVENTS
    assert freshness_policy_for(AssetKey(["bronze", "products"])) == REFERENCE_DATA
    assert freshness_policy_for(AssetKey(["silver", "order_lines"])) == SILVER_EVENTS
    assert freshness_policy_for(AssetKey(["silver", "stores"])) == REFERENCE_DATA
    assert freshness_policy_for(AssetKey(["silver", "sessions"])) == HOURLY_AGGREGATES
    assert freshness_policy_for(AssetKey(["gold", "customer_rfm"])) == DAILY_MARTS
    assert freshness_policy_for(AssetKey(["kafka", "orders"])) is None
    assert freshness_policy_for(AssetKey(["ops", "lakehouse_maintenance"])) is None


def test_policies_land_on_the_silver_multi_assets_and_on_a_dbt_style_multi_asset() -> None:
    @multi_asset(specs=[AssetSpec(["gold", "fct_orders"]), AssetSpec(["gold", "dim_customers"])], can_subset=True)
    def marts():
        yield MaterializeResult(asset_key=["gold", "fct_orders"])
        yield MaterializeResult(asset_key=["gold", "dim_customers"])

    topic = AssetSpec(["kafka", "orders"])
    assets = apply_freshness_policies([*SILVER_REFERENCE_ASSETS, *SILVER_EVENT_ASSETS, marts, topic])

    policies = freshness_policies_of(assets)
    assert policies[AssetKey(["silver", "orders"])] == SILVER_EVENTS
    assert policies[AssetKey(["silver", "products"])] == REFERENCE_DATA
    assert policies[AssetKey(["gold", "dim_customers"])] == DAILY_MARTS
    assert AssetKey(["kafka", "orders"]) not in policies
    needed = {key for a in assets if hasattr(a, "required_resource_keys") for key in a.required_resource_keys}
    stand_ins = {key: ResourceDefinition.none_resource() for key in needed - {"io_manager"}}
    Definitions(assets=assets, resources=stand_ins).get_repository_def()  # still a valid code location


def test_an_asset_keeps_a_policy_it_already_has() -> None:
    own = FreshnessPolicy.time_window(fail_window=timedelta(minutes=10))
    (spec,) = apply_freshness_policies([AssetSpec(["silver", "orders"], freshness_policy=own)])
    assert spec.freshness_policy == own


def test_time_window_state_follows_the_documented_rule() -> None:
    warn, fail = 30 * 60, 2 * 3600
    assert freshness_state(SILVER_EVENTS, None, 0) is FreshnessState.UNKNOWN
    assert freshness_state(SILVER_EVENTS, 0, warn - 1) is FreshnessState.PASS
    assert freshness_state(SILVER_EVENTS, 0, warn) is FreshnessState.WARN
    assert freshness_state(SILVER_EVENTS, 0, fail) is FreshnessState.FAIL


def test_freshness_checks_run_on_their_sensor() -> None:
    keys = [AssetKey(["bronze", "orders"]), AssetKey(["bronze", "clickstream"]), AssetKey(["gold", "fct_orders"])]
    checks = build_freshness_checks(freshness_policies(keys))
    sensor = build_freshness_checks_sensor(checks)
    check_keys = {key for check in checks for key in check.check_keys}
    assert {k.asset_key for k in check_keys} == set(keys) and {k.name for k in check_keys} == {"freshness_check"}
    assert len(checks) == 2  # one per fail window (1 h for bronze events, 48 h for marts)

    instance = DagsterInstance.ephemeral()
    for key in keys:
        instance.report_runless_asset_event(AssetMaterialization(key))
    defs = Definitions(assets=[AssetSpec(k) for k in keys], asset_checks=checks, sensors=[sensor])
    result = sensor(build_sensor_context(instance=instance, definitions=defs))

    requests = [r for r in (result if isinstance(result, list) else [result]) if isinstance(r, RunRequest)]
    assert requests and {k for r in requests for k in (r.asset_check_keys or [])} == check_keys
