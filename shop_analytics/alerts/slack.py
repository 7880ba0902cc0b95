"""An alert as a Slack message: Block Kit blocks plus a plain-text fallback for notifications.

The same payload goes to an incoming webhook (``{"text", "blocks"}``) and to chat.postMessage
(which adds the channel). Text is cut to Slack's block limits so a long error never makes
Slack reject the whole message.
"""

from __future__ import annotations

from typing import Any

from shop_analytics.alerts.model import Alert, Level

EMOJI = {
    Level.CRITICAL: ":rotating_light:",
    Level.WARNING: ":warning:",
    Level.INFO: ":information_source:",
    Level.RESOLVED: ":white_check_mark:",
}
HEADER_LIMIT = 150  # plain_text of a header block
SECTION_LIMIT = 3000  # mrkdwn text of a section
FIELD_LIMIT = 2000
MAX_FIELDS = 10
MAX_BUTTONS = 5


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def render(alert: Alert) -> dict[str, Any]:
    """``{"text": ..., "blocks": [...]}`` for ``alert``."""
    emoji = EMOJI[alert.level]
    label = alert.level.value.upper()
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": _cut(f"{emoji} {label}: {alert.title}", HEADER_LIMIT), "emoji": True}},
        {"type": "section", "text": {"type": "mrkdwn", "text": _cut(alert.summary, SECTION_LIMIT)}},
    ]  # fmt: skip
    if alert.facts:
        fields = [
            {"type": "mrkdwn", "text": _cut(f"*{name}*\n{value}", FIELD_LIMIT)}
            for name, value in alert.facts[:MAX_FIELDS]
        ]
        blocks.append({"type": "section", "fields": fields})
    if alert.details:
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": "```" + _cut(alert.details, SECTION_LIMIT - 6) + "```"},
            }
        )
    blocks.append(
        {"type": "section", "text": {"type": "mrkdwn", "text": _cut(f"*What to do:* {alert.action}", SECTION_LIMIT)}}
    )
    if alert.links:
        buttons = [
            {"type": "button", "text": {"type": "plain_text", "text": _cut(link.label, 75)}, "url": link.url}
            for link in alert.links[:MAX_BUTTONS]
        ]
        blocks.append({"type": "actions", "elements": buttons})
    context = f"shop-analytics · {alert.level.value}"
    if alert.incident_key:
        context += f" · incident `{alert.incident_key}`"
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": context}]})
    links = " ".join(f"<{link.url}|{link.label}>" for link in alert.links[:MAX_BUTTONS])
    text = f"{emoji} [{label}] {alert.title}: {alert.summary}" + (f" {links}" if links else "")
    return {"text": _cut(text, SECTION_LIMIT), "blocks": blocks}
