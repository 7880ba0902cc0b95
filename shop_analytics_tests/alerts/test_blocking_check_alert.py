"""A blocking quality check that fails stops downstream assets and sends one critical alert;
the fix, re-materialized, resolves it."""

from __future__ import annotations

from dagster import AssetKey, DagsterInstance, MaterializeResult, asset, materialize

from shop_analytics.assets.checks import build_quality_checks
from shop_analytics.resources.alerts import SlackAlertsResource
from shop_analytics.sensors.alert_sensors import build_check_alert_sensor
from shop_analytics.sensors.run_failure_alerts import build_run_failure_alert_sensor
from shop_analytics.silver import tables as t
from shop_analytics_tests.alerts.conftest import UI_URL
from shop_analytics_tests.alerts.harness import run_status_tick, tick
from shop_analytics_tests.alerts.slack_receiver import SlackReceiver
from shop_analytics_tests.quality.lake import TestLake, order_row, orders

ORDERS = AssetKey(["silver", "orders"])
WINDOWS = AssetKey(["silver", "sales_windows"])


def test_failed_blocking_check_stops_downstream_sends_one_critical_alert_and_resolves(
    lake: TestLake, slack: SlackReceiver, webhook_alerts: SlackAlertsResource
) -> None:
    batch = [*orders(6), order_row(6, total_cents=-500)]

    @asset(key=ORDERS)
    def silver_orders() -> MaterializeResult:
        lake.write_silver(t.ORDERS, batch)
        return MaterializeResult(metadata={"rows_in": len(batch)})

    @asset(key=WINDOWS, deps=[silver_orders])
    def sales_windows() -> None:
        return None

    (check,) = build_quality_checks([ORDERS])
    instance = DagsterInstance.ephemeral()
    resources = {"iceberg": lake.iceberg, "quality": lake.quality()}

    failed = materialize(
        [silver_orders, sales_windows, check], instance=instance, resources=resources, raise_on_error=False
    )

    assert not failed.success
    assert [e.asset_key for e in failed.get_asset_materialization_events()] == [ORDERS]
    assert instance.get_latest_materialization_event(WINDOWS) is None

    # The run failure sensor and the check alert sensor both see it: one message.
    run_status_tick(build_run_failure_alert_sensor(), instance, failed.run_id, webhook_alerts, failure=True)
    check_alerts = build_check_alert_sensor(check_keys=list(check.check_keys))
    tick(check_alerts, instance, webhook_alerts)
    tick(check_alerts, instance, webhook_alerts)

    assert len(slack.messages) == 1
    (alert,) = slack.messages
    assert alert.text.startswith(
        ":rotating_light: [CRITICAL] Blocking check great_expectations failed on silver/orders"
    )
    assert "total_cents is not negative: 1 of 7 rows, e.g. -500" in alert.block_texts()
    assert "What to do:" in alert.block_texts() and "re-materialize silver/orders" in alert.block_texts()
    assert alert.button_urls() == [
        f"{UI_URL}/assets/silver/orders?view=checks&checkDetail=great_expectations",
        f"{UI_URL}/runs/{failed.run_id}",
    ]

    batch[:] = orders(7)
    fixed = materialize([silver_orders, sales_windows, check], instance=instance, resources=resources)
    tick(check_alerts, instance, webhook_alerts)

    assert fixed.success and instance.get_latest_materialization_event(WINDOWS) is not None
    assert len(slack.messages) == 2
    resolution = slack.messages[1]
    assert resolution.text.startswith(":white_check_mark: [RESOLVED] Blocking check great_expectations")
    assert "2 repeat alerts suppressed" in resolution.block_texts()  # one failure seen three times
