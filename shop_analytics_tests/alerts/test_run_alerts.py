"""Run failures alert once per open incident; a successful run sends an info summary and the
resolution of its job's failure."""

from __future__ import annotations

from dagster import AssetKey, DagsterInstance, MaterializeResult, asset, materialize

from shop_analytics.resources.alerts import SlackAlertsResource
from shop_analytics.sensors.alert_sensors import build_run_summary_sensor
from shop_analytics.sensors.run_failure_alerts import build_run_failure_alert_sensor
from shop_analytics_tests.alerts.conftest import UI_URL
from shop_analytics_tests.alerts.harness import run_status_tick
from shop_analytics_tests.alerts.slack_receiver import SlackReceiver

JOB = "__ephemeral_asset_job__"  # what dagster.materialize names its job


def _assets(broken: list[bool]):
    @asset(key=["bronze", "orders"])
    def bronze_orders() -> MaterializeResult:
        if broken[0]:
            raise ConnectionError("Kafka broker 127.0.0.1:9092 unreachable")
        return MaterializeResult(
            metadata={"rows_in": 1200, "rows_bronze": 1198, "rows_dead_lettered": 2, "duration_s": 4.2}
        )

    @asset(key=["silver", "orders"], deps=[bronze_orders])
    def silver_orders() -> MaterializeResult:
        return MaterializeResult(
            metadata={"rows_in": 1198, "accepted": 1190, "quarantined": 8, "table": "silver.orders"}
        )

    return [bronze_orders, silver_orders]


def test_successful_run_sends_an_info_summary(slack: SlackReceiver, webhook_alerts: SlackAlertsResource) -> None:
    instance = DagsterInstance.ephemeral()
    result = materialize(_assets([False]), instance=instance)

    run_status_tick(build_run_summary_sensor(), instance, result.run_id, webhook_alerts, failure=False)

    (summary,) = slack.messages
    assert summary.text.startswith(f":information_source: [INFO] {JOB} completed")
    body = summary.block_texts()
    assert "materialized 2 assets" in body
    assert "• bronze/orders: rows_in 1,200, rows_bronze 1,198, rows_dead_lettered 2, duration_s 4.20" in body
    assert "• silver/orders: rows_in 1,198, accepted 1,190, quarantined 8" in body
    assert summary.button_urls() == [f"{UI_URL}/runs/{result.run_id}"]


def test_failed_runs_alert_once_and_the_next_success_resolves(
    slack: SlackReceiver, webhook_alerts: SlackAlertsResource
) -> None:
    instance = DagsterInstance.ephemeral()
    broken = [True]
    failure_sensor, summary_sensor = build_run_failure_alert_sensor(), build_run_summary_sensor()

    first = materialize(_assets(broken), instance=instance, raise_on_error=False)
    second = materialize(_assets(broken), instance=instance, raise_on_error=False)
    run_status_tick(failure_sensor, instance, first.run_id, webhook_alerts, failure=True)
    run_status_tick(failure_sensor, instance, second.run_id, webhook_alerts, failure=True)

    (alert,) = slack.messages
    assert alert.text.startswith(f":rotating_light: [CRITICAL] Run of {JOB} failed")
    assert "failed in step `bronze__orders`" in alert.block_texts()
    assert "ConnectionError: Kafka broker 127.0.0.1:9092 unreachable" in alert.block_texts()
    assert "Re-execute from failure" in alert.block_texts()
    assert alert.button_urls()[0] == f"{UI_URL}/runs/{first.run_id}"

    broken[0] = False
    fixed = materialize(_assets(broken), instance=instance)
    run_status_tick(summary_sensor, instance, fixed.run_id, webhook_alerts, failure=False)

    assert [m.text.split("]")[0] for m in slack.messages] == [
        ":rotating_light: [CRITICAL",
        ":white_check_mark: [RESOLVED",
        ":information_source: [INFO",
    ]
    assert f"Run `{fixed.run_id[:8]}` of {JOB} succeeded." in slack.messages[1].block_texts()
    assert "1 repeat alert suppressed" in slack.messages[1].block_texts()
    assert instance.get_latest_materialization_event(AssetKey(["silver", "orders"])) is not None
