"""Fixtures of the alert tests: a Slack receiver on 127.0.0.1 per test, alert resources that
point at it (webhook or bot token), and the quality tests' Iceberg lake."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from shop_analytics.resources.alerts import SlackAlertsResource
from shop_analytics_tests.alerts.slack_receiver import TOKEN, SlackReceiver, start_receiver
from shop_analytics_tests.quality.conftest import catalog, catalog_properties, lake  # noqa: F401 (fixtures)

UI_URL = "http://dagster.test:3000"


@pytest.fixture
def slack() -> Iterator[SlackReceiver]:
    receiver = start_receiver()
    try:
        yield receiver
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()


@pytest.fixture
def webhook_alerts(slack: SlackReceiver, tmp_path: Path) -> SlackAlertsResource:
    return SlackAlertsResource(
        webhook_url=slack.webhook_url, dagster_ui_url=UI_URL, incidents_path=str(tmp_path / "incidents.sqlite")
    )


@pytest.fixture
def bot_alerts(slack: SlackReceiver, tmp_path: Path) -> SlackAlertsResource:
    return SlackAlertsResource(
        bot_token=TOKEN,
        channel="#data-alerts",
        slack_api_url=slack.api_url,
        dagster_ui_url=UI_URL,
        incidents_path=str(tmp_path / "incidents.sqlite"),
    )
