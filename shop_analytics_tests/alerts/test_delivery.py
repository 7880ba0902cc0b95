"""Delivery: Slack's webhook and Web API shapes, a Slack outage, and no Slack at all."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from dagster import EnvVar

from shop_analytics.alerts.incidents import IncidentStore
from shop_analytics.alerts.model import Alert, Level, Link
from shop_analytics.alerts.notifier import AlertNotifier, Outcome
from shop_analytics.resources.alerts import SlackAlertsResource, build_alerts_resource
from shop_analytics_tests.alerts.slack_receiver import SlackReceiver

ALERT = Alert(
    level=Level.CRITICAL,
    title="Run of silver_job failed",
    summary="Run `abc` failed.",
    action="Re-execute from failure.",
    incident_key="run:silver_job",
    facts=(("Job", "silver_job"),),
    links=(Link("Open run", "http://127.0.0.1:3000/runs/abc"),),
    details="ConnectionError: broker down",
)


def test_webhook_message_has_text_and_blocks(slack: SlackReceiver, webhook_alerts: SlackAlertsResource) -> None:
    assert webhook_alerts.notifier().open(ALERT) is Outcome.SENT

    (message,) = slack.messages
    assert message.headers["Content-Type"].startswith("application/json")
    assert set(message.body) == {"text", "blocks"}
    assert [b["type"] for b in message.body["blocks"]] == [
        "header",
        "section",
        "section",
        "section",
        "section",
        "actions",
        "context",
    ]
    assert (
        message.text
        == ":rotating_light: [CRITICAL] Run of silver_job failed: Run `abc` failed. <http://127.0.0.1:3000/runs/abc|Open run>"
    )


def test_web_api_message_is_posted_with_the_token_to_the_channel(
    slack: SlackReceiver, bot_alerts: SlackAlertsResource
) -> None:
    assert bot_alerts.notifier().open(ALERT) is Outcome.SENT

    (message,) = slack.messages
    assert message.path == "/api/chat.postMessage"
    assert message.headers["Authorization"] == "Bearer xoxb-test-token"
    assert message.body["channel"] == "#data-alerts"
    assert message.body["blocks"][0]["text"]["text"] == ":rotating_light: CRITICAL: Run of silver_job failed"


def test_rejected_token_is_a_failed_delivery_not_an_exception(
    slack: SlackReceiver, bot_alerts: SlackAlertsResource
) -> None:
    wrong = bot_alerts.model_copy(update={"bot_token": "xoxb-wrong"})
    assert wrong.notifier().open(ALERT) is Outcome.FAILED
    assert slack.messages == []


def test_alert_lost_in_a_slack_outage_is_sent_on_the_next_sighting(
    slack: SlackReceiver, webhook_alerts: SlackAlertsResource
) -> None:
    slack.fail_next = 1
    notifier = webhook_alerts.notifier()

    assert notifier.open(ALERT) is Outcome.FAILED
    assert notifier.open(ALERT) is Outcome.SENT
    assert notifier.open(ALERT) is Outcome.SUPPRESSED
    assert len(slack.messages) == 1


def test_without_slack_alerts_are_logged_and_incidents_still_tracked(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    alerts = build_alerts_resource({"SHOP_STATE_DIR": str(tmp_path)})
    assert not alerts.configured
    assert Path(alerts.incidents_path) == tmp_path.resolve() / "alerts" / "incidents.db"

    with caplog.at_level(logging.WARNING):
        outcomes = [alerts.notifier().open(ALERT), alerts.notifier().open(ALERT)]

    assert outcomes == [Outcome.LOGGED, Outcome.SUPPRESSED]
    assert "Slack not configured" in caplog.text and "Run of silver_job failed" in caplog.text


def test_secrets_come_from_the_environment_at_run_time(tmp_path: Path) -> None:
    alerts = build_alerts_resource(
        {
            "SHOP_STATE_DIR": str(tmp_path),
            "SHOP_SLACK_WEBHOOK_URL": "https://hooks.slack.com/x",
            "SHOP_DAGSTER_UI_URL": "https://dagster.example",
        }
    )
    assert alerts.webhook_url == EnvVar("SHOP_SLACK_WEBHOOK_URL")
    assert alerts.bot_token is None
    assert alerts.links().run("r1") == "https://dagster.example/runs/r1"


def test_notifier_needs_an_incident_key_for_incidents(tmp_path: Path) -> None:
    notifier = AlertNotifier(
        transport=SlackAlertsResource(incidents_path=str(tmp_path / "i.db")).transport(),
        incidents=IncidentStore(tmp_path / "i.db"),
    )
    with pytest.raises(ValueError, match="use inform"):
        notifier.open(Alert(Level.INFO, "x", "y", "z"))
