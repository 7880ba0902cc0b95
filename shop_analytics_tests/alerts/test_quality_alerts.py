"""A non-blocking check failure is a warning; a quality score below its SLA is critical; both
resolve when the next run is clean. The sensor finds the checks in the code location."""

from __future__ import annotations

from dagster import AssetKey, AssetSelection, AssetSpec, DagsterInstance, Definitions, build_sensor_context, materialize

from shop_analytics.assets.checks import build_quality_checks
from shop_analytics.resources.alerts import SlackAlertsResource
from shop_analytics.sensors.alert_sensors import build_check_alert_sensor
from shop_analytics.silver import tables as t
from shop_analytics_tests.alerts.slack_receiver import SlackReceiver
from shop_analytics_tests.quality.lake import TestLake, order_row, orders

ORDERS = AssetKey(["silver", "orders"])


def test_warning_check_and_score_below_sla_alert_and_resolve(
    lake: TestLake, slack: SlackReceiver, webhook_alerts: SlackAlertsResource
) -> None:
    checks = build_quality_checks([ORDERS])
    sensor = build_check_alert_sensor()
    instance = DagsterInstance.ephemeral()
    resources = {"iceberg": lake.iceberg, "quality": lake.quality(layer_slas={"silver": 0.999})}
    defs = Definitions(assets=[AssetSpec(ORDERS)], asset_checks=checks, sensors=[sensor], resources=resources)

    def check_and_tick() -> None:
        materialize(
            [AssetSpec(ORDERS), *checks],
            selection=AssetSelection.checks(*checks),
            instance=instance,
            resources=resources,
        )
        sensor(build_sensor_context(instance=instance, definitions=defs, resources={"alerts": webhook_alerts}))

    lake.write_silver(t.ORDERS, [*orders(3), order_row(3, currency="usd")])
    check_and_tick()

    assert sorted(m.text.split(":")[1].split("]")[0] for m in slack.messages) == ["rotating_light", "warning"]
    by_level = {m.text.split(" ")[1]: m for m in slack.messages}
    warning, critical = by_level["[WARNING]"], by_level["[CRITICAL]"]
    assert warning.text.startswith(":warning: [WARNING] Check great_expectations failed on silver/orders")
    assert "currency looks like an ISO 4217 code: 1 of 4 rows, e.g. usd" in warning.block_texts()
    assert "Nothing was blocked." in warning.block_texts()
    assert critical.text.startswith(":rotating_light: [CRITICAL] Quality score of silver/orders below its SLA")
    assert "below its SLA of 0.999; weakest dimension: validity" in critical.block_texts()

    lake.write_silver(t.ORDERS, orders(4))
    check_and_tick()

    resolutions = [m.text for m in slack.messages[2:]]
    assert len(resolutions) == 2 and all(text.startswith(":white_check_mark: [RESOLVED]") for text in resolutions)
