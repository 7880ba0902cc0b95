"""Delivery of a rendered message: Slack incoming webhook, Slack Web API, or the log.

Both Slack paths use slack_sdk (the client dagster-slack wraps); the Web API client takes a
base URL so a self-hosted proxy, or a test receiver on 127.0.0.1, can stand in for slack.com.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

DEFAULT_API_URL = "https://slack.com/api/"


class DeliveryError(RuntimeError):
    """Slack did not take the message."""


class Transport(Protocol):
    name: str

    def send(self, message: dict[str, Any]) -> None: ...


class WebhookTransport:
    """An incoming webhook: the channel is fixed by the webhook."""

    name = "webhook"

    def __init__(self, url: str, timeout_s: float = 10.0) -> None:
        self._client = WebhookClient(url, timeout=int(max(1, timeout_s)))

    def send(self, message: dict[str, Any]) -> None:
        try:
            response = self._client.send(text=message["text"], blocks=message["blocks"])
        except OSError as error:
            raise DeliveryError(f"Slack webhook unreachable: {error}") from error
        if response.status_code != 200:
            raise DeliveryError(f"Slack webhook answered {response.status_code}: {response.body[:200]}")


class WebApiTransport:
    """chat.postMessage with a bot token, to a channel of our choosing."""

    name = "web_api"

    def __init__(self, token: str, channel: str, api_url: str = DEFAULT_API_URL, timeout_s: float = 10.0) -> None:
        base = api_url if api_url.endswith("/") else api_url + "/"
        self._client = WebClient(token=token, base_url=base, timeout=int(max(1, timeout_s)))
        self._channel = channel

    def send(self, message: dict[str, Any]) -> None:
        try:
            self._client.chat_postMessage(channel=self._channel, text=message["text"], blocks=message["blocks"])
        except SlackApiError as error:
            raise DeliveryError(f"Slack chat.postMessage failed: {error.response.get('error')}") from error
        except OSError as error:
            raise DeliveryError(f"Slack Web API unreachable: {error}") from error


class LogTransport:
    """No Slack configured: the alert goes to the log and the platform carries on."""

    name = "log"

    def __init__(self, logger: logging.Logger) -> None:
        self._logger = logger

    def send(self, message: dict[str, Any]) -> None:
        self._logger.warning(
            "Slack not configured (set SHOP_SLACK_WEBHOOK_URL or SHOP_SLACK_BOT_TOKEN); alert: %s", message["text"]
        )
