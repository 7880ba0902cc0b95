"""A streaming asset that stops updating gets a warning, then a critical alert at its fail
window, and a resolution once it updates again (controlled clock, real materialization events)."""

from __future__ import annotations

from datetime import timedelta

from dagster import AssetKey, AssetMaterialization, DagsterInstance

from shop_analytics.quality.freshness import SILVER_EVENTS, freshness_policies
from shop_analytics.resources.alerts import SlackAlertsResource
from shop_analytics.sensors.freshness_alerts import build_freshness_alert_sensor
from shop_analytics_tests.alerts.conftest import UI_URL
from shop_analytics_tests.alerts.harness import tick
from shop_analytics_tests.alerts.slack_receiver import SlackReceiver

ORDERS = AssetKey(["silver", "orders"])
MINUTE = 60.0


def _materialize(instance: DagsterInstance, key: AssetKey) -> float:
    instance.report_runless_asset_event(AssetMaterialization(key))
    event = instance.get_latest_materialization_event(key)
    assert event is not None
    return event.timestamp


def test_stale_streaming_asset_warns_then_goes_critical_then_resolves(
    slack: SlackReceiver, bot_alerts: SlackAlertsResource
) -> None:
    instance = DagsterInstance.ephemeral()
    policies = freshness_policies([ORDERS, AssetKey(["silver", "stores"])])  # stores: never materialized
    assert policies[ORDERS] == SILVER_EVENTS  # warn 30 min, fail 2 h
    now = [0.0]
    sensor = build_freshness_alert_sensor(policies, clock=lambda: now[0])
    last_ingest = _materialize(instance, ORDERS)

    now[0] = last_ingest + 29 * MINUTE
    tick(sensor, instance, bot_alerts)
    assert slack.messages == []

    now[0] = last_ingest + 31 * MINUTE
    tick(sensor, instance, bot_alerts)
    now[0] = last_ingest + 90 * MINUTE  # still inside the fail window: a repeat
    tick(sensor, instance, bot_alerts)
    assert len(slack.messages) == 1
    warning = slack.messages[0]
    assert warning.path == "/api/chat.postMessage" and warning.body["channel"] == "#data-alerts"
    assert warning.text.startswith(":warning: [WARNING] silver/orders is getting stale")
    assert "last updated 31 min ago, beyond its warn window of 30 min" in warning.block_texts()
    assert "kafka_offsets and bronze_to_silver sensors are on" in warning.block_texts()
    assert warning.button_urls()[0] == f"{UI_URL}/assets/silver/orders"

    now[0] = last_ingest + timedelta(hours=2, minutes=1).total_seconds()
    tick(sensor, instance, bot_alerts)
    now[0] = last_ingest + timedelta(hours=5).total_seconds()
    tick(sensor, instance, bot_alerts)
    assert len(slack.messages) == 2
    critical = slack.messages[1]
    assert critical.text.startswith(":rotating_light: [CRITICAL] silver/orders is stale: past its fail window")
    assert "beyond its fail window of 2.0 h" in critical.block_texts()

    recovered = _materialize(instance, ORDERS)
    now[0] = recovered + MINUTE
    tick(sensor, instance, bot_alerts)
    tick(sensor, instance, bot_alerts)
    assert len(slack.messages) == 3
    resolution = slack.messages[2]
    assert resolution.text.startswith(":white_check_mark: [RESOLVED] silver/orders is stale")
    assert "silver/orders is fresh again." in resolution.block_texts()
    assert "incident `freshness:silver/orders`" in resolution.block_texts()
