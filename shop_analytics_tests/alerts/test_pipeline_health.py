"""Warnings from pipeline metrics: rising Kafka lag, rising latency, anomaly spikes."""

from __future__ import annotations

from typing import Any

from dagster import AssetKey, AssetMaterialization, DagsterInstance

from shop_analytics.resources.alerts import SlackAlertsResource
from shop_analytics.sensors.alert_sensors import MetricRule, build_pipeline_health_sensor
from shop_analytics_tests.alerts.harness import tick
from shop_analytics_tests.alerts.slack_receiver import SlackReceiver

BRONZE_ORDERS = AssetKey(["bronze", "orders"])
ANOMALIES = AssetKey(["silver", "anomalies"])


def _report(instance: DagsterInstance, key: AssetKey, **metadata: Any) -> None:
    instance.report_runless_asset_event(AssetMaterialization(key, metadata=metadata))


def test_rising_kafka_lag_warns_once_and_resolves_when_ingest_catches_up(
    slack: SlackReceiver, webhook_alerts: SlackAlertsResource
) -> None:
    instance = DagsterInstance.ephemeral()
    sensor = build_pipeline_health_sensor(
        lag_keys=[BRONZE_ORDERS],
        latency_keys=[],
        lag=MetricRule("lag", "consumer_lag", threshold=50_000),
        anomalies_key=None,
    )
    for lag in (20_000, 45_000, 60_000):  # rising, now past the threshold
        _report(instance, BRONZE_ORDERS, consumer_lag=lag)
    tick(sensor, instance, webhook_alerts)
    _report(instance, BRONZE_ORDERS, consumer_lag=58_000)  # above, no longer rising: still open
    tick(sensor, instance, webhook_alerts)

    (warning,) = slack.messages
    assert warning.text.startswith(":warning: [WARNING] Kafka consumer lag rising on bronze/orders")
    assert "20,000 → 45,000 → 60,000" in warning.block_texts()

    _report(instance, BRONZE_ORDERS, consumer_lag=1_200)
    tick(sensor, instance, webhook_alerts)

    assert len(slack.messages) == 2
    assert "consumer_lag is down to 1,200, under 50,000." in slack.messages[1].block_texts()


def test_high_but_steady_latency_is_not_an_alert(slack: SlackReceiver, webhook_alerts: SlackAlertsResource) -> None:
    instance = DagsterInstance.ephemeral()
    sensor = build_pipeline_health_sensor(lag_keys=[], latency_keys=[BRONZE_ORDERS], anomalies_key=None)
    for age in (1_000.0, 1_000.0, 990.0):
        _report(instance, BRONZE_ORDERS, newest_event_age_s=age)

    tick(sensor, instance, webhook_alerts)

    assert slack.messages == []


def test_anomaly_spike_warns_against_the_usual_count(slack: SlackReceiver, webhook_alerts: SlackAlertsResource) -> None:
    instance = DagsterInstance.ephemeral()
    sensor = build_pipeline_health_sensor(lag_keys=[], latency_keys=[])
    for by_rule in ({"zscore_revenue": 2}, {"zscore_revenue": 3}, {"zscore_orders": 2}, {"zscore_revenue": 3}):
        _report(instance, ANOMALIES, anomalies_by_rule=by_rule)
    tick(sensor, instance, webhook_alerts)
    assert slack.messages == []

    _report(instance, ANOMALIES, anomalies_by_rule={"zscore_revenue": 30, "impossible_value": 12})
    tick(sensor, instance, webhook_alerts)

    (spike,) = slack.messages
    assert spike.text.startswith(":warning: [WARNING] Anomaly spike in silver/anomalies")
    assert "found 42 anomalies against a usual 2" in spike.block_texts()
    assert "impossible_value: 12, zscore_revenue: 30" in spike.block_texts()
