"""The daily capacity summary: once a day, sizes per namespace, runs and disk."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dagster import DagsterInstance, build_sensor_context

from shop_analytics.resources.alerts import SlackAlertsResource
from shop_analytics.sensors.alert_sensors import build_capacity_summary_sensor
from shop_analytics.silver import tables as t
from shop_analytics_tests.alerts.slack_receiver import SlackReceiver
from shop_analytics_tests.quality.lake import TestLake, orders, write_products


def test_capacity_summary_is_sent_once_a_day_after_its_hour(
    lake: TestLake, slack: SlackReceiver, webhook_alerts: SlackAlertsResource
) -> None:
    lake.write_silver(t.ORDERS, orders(30))
    write_products(lake, ["p-1", "p-2"])
    now = [datetime(2026, 11, 25, 6, 30, tzinfo=UTC).timestamp()]
    sensor = build_capacity_summary_sensor(send_hour_utc=7, clock=lambda: now[0])
    instance = DagsterInstance.ephemeral()
    resources = {"alerts": webhook_alerts, "iceberg": lake.iceberg, "quality": lake.quality()}
    context = build_sensor_context(instance=instance, resources=resources)

    sensor(context)  # before 07:00
    assert slack.messages == []

    now[0] += timedelta(hours=1).total_seconds()
    sensor(context)
    sensor(context)  # same day: already sent

    (summary,) = slack.messages
    assert summary.text.startswith(":information_source: [INFO] Daily capacity summary 2026-11-25")
    body = summary.block_texts()
    assert "2 tables" in body
    assert f"*{lake.names.silver}*\n2 tables, 32 rows, 2 files" in body
    assert "Disk free" in body

    lake.write_silver(t.ORDERS, orders(60))
    now[0] += timedelta(days=1).total_seconds()
    sensor(context)

    assert len(slack.messages) == 2
    assert "since the last summary" in slack.messages[1].block_texts()
