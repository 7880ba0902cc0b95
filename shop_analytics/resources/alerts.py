"""Slack alerting as a resource: where alerts go, where the Dagster UI is, where incidents live.

Configured from the environment by ``build_alerts_resource``:

- ``SHOP_SLACK_BOT_TOKEN`` (chat.postMessage to ``SHOP_SLACK_CHANNEL``) or
  ``SHOP_SLACK_WEBHOOK_URL`` (an incoming webhook); the token wins when both are set. Secrets are
  passed as ``EnvVar`` so they are read at run time and never stored in the definitions.
  With neither set, alerts are logged and everything else runs as usual.
- ``SHOP_DAGSTER_UI_URL``: the webserver the messages link to (default http://127.0.0.1:3000).
- ``SHOP_SLACK_API_URL``: the Web API base URL (default https://slack.com/api/).
- Incidents are kept in ``<SHOP_STATE_DIR>/alerts/incidents.db``.
"""

import logging
import os
from collections.abc import Mapping

from dagster import ConfigurableResource, EnvVar
from pydantic import Field

from shop_analytics.alerts.incidents import IncidentStore
from shop_analytics.alerts.links import DEFAULT_UI_URL, DagsterUiLinks
from shop_analytics.alerts.notifier import AlertNotifier
from shop_analytics.alerts.transport import DEFAULT_API_URL, LogTransport, Transport, WebApiTransport, WebhookTransport
from shop_analytics.platform.settings import PlatformSettings

WEBHOOK_VAR = "SHOP_SLACK_WEBHOOK_URL"
TOKEN_VAR = "SHOP_SLACK_BOT_TOKEN"
CHANNEL_VAR = "SHOP_SLACK_CHANNEL"
API_URL_VAR = "SHOP_SLACK_API_URL"
UI_URL_VAR = "SHOP_DAGSTER_UI_URL"
DEFAULT_CHANNEL = "#shop-analytics-alerts"

logger = logging.getLogger("shop_analytics.alerts")


class SlackAlertsResource(ConfigurableResource):
    webhook_url: str | None = Field(default=None, description="Slack incoming webhook URL (secret)")
    bot_token: str | None = Field(default=None, description="Slack bot token for chat.postMessage (secret)")
    channel: str = Field(default=DEFAULT_CHANNEL, description="Channel for chat.postMessage (webhooks have their own)")
    slack_api_url: str = Field(default=DEFAULT_API_URL, description="Base URL of the Slack Web API")
    dagster_ui_url: str = Field(default=DEFAULT_UI_URL, description="Dagster webserver URL the messages link to")
    incidents_path: str = Field(description="SQLite file of open incidents (duplicate suppression, resolutions)")
    timeout_s: float = Field(default=10.0, description="HTTP timeout of a Slack call")

    @property
    def configured(self) -> bool:
        return bool(self.bot_token or self.webhook_url)

    def transport(self, log: logging.Logger | None = None) -> Transport:
        if self.bot_token:
            return WebApiTransport(self.bot_token, self.channel, self.slack_api_url, self.timeout_s)
        if self.webhook_url:
            return WebhookTransport(self.webhook_url, self.timeout_s)
        return LogTransport(log or logger)

    def links(self) -> DagsterUiLinks:
        return DagsterUiLinks(self.dagster_ui_url)

    def notifier(self, log: logging.Logger | None = None) -> AlertNotifier:
        return AlertNotifier(self.transport(log), IncidentStore(self.incidents_path), log=log or logger)


def build_alerts_resource(environ: Mapping[str, str] | None = None) -> SlackAlertsResource:
    """The resource from ``SHOP_*`` variables; unset Slack variables mean log-only alerts."""
    environ = os.environ if environ is None else environ

    def value(name: str) -> str | None:
        return (environ.get(name) or "").strip() or None

    def secret(name: str) -> EnvVar | None:
        return EnvVar(name) if value(name) else None

    state_dir = PlatformSettings.from_env(environ).state_dir
    return SlackAlertsResource(
        webhook_url=secret(WEBHOOK_VAR),
        bot_token=secret(TOKEN_VAR),
        channel=value(CHANNEL_VAR) or DEFAULT_CHANNEL,
        slack_api_url=value(API_URL_VAR) or DEFAULT_API_URL,
        dagster_ui_url=value(UI_URL_VAR) or DEFAULT_UI_URL,
        incidents_path=str(state_dir / "alerts" / "incidents.db"),
    )
