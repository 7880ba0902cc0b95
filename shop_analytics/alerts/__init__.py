"""Alerting to Slack, independent of Dagster: messages, links into the Dagster UI, incidents.

- ``model``: an alert (level, title, what happened, what to do, links) and its levels.
- ``links``: URLs of runs, assets and checks in the Dagster UI.
- ``messages``: the alerts the platform sends, built from plain values.
- ``slack``: an alert as a Slack message (Block Kit blocks and a plain-text fallback).
- ``transport``: delivery by incoming webhook or by the Web API (chat.postMessage), or the
  log when neither is configured.
- ``incidents``: open incidents in a small SQLite file, so a repeat of an open incident is
  not sent again, an escalation is, and the resolution is sent once.
- ``notifier``: the three put together; the sensors call it.
"""
