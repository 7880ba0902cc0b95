"""An alert: what happened, how bad, what to do about it, where to look."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Level(str, Enum):
    CRITICAL = "critical"  # someone acts now: a run failed, a blocking check failed, quality below SLA
    WARNING = "warning"  # someone looks today: freshness warn window, rising lag or latency, anomalies
    INFO = "info"  # nobody needs to act: batch summaries, the daily capacity summary
    RESOLVED = "resolved"  # an open incident is over

    @property
    def rank(self) -> int:
        return {Level.INFO: 0, Level.RESOLVED: 0, Level.WARNING: 1, Level.CRITICAL: 2}[self]


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True)
class Alert:
    level: Level
    title: str
    summary: str
    action: str  # what to do, in one or two sentences
    incident_key: str | None = None  # the open problem this alert is about; None for info
    facts: tuple[tuple[str, str], ...] = ()
    links: tuple[Link, ...] = ()
    details: str | None = None  # preformatted text: an error, the failing expectations
