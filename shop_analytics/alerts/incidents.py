"""Open incidents, kept in a small SQLite file so they outlive sensor ticks and processes.

An incident is keyed by what is broken (``check:silver/orders:great_expectations``,
``freshness:silver/orders``, ``run:silver_job``). Opening an incident that is already open is
a repeat: it is counted, not sent again; a repeat at a higher level is an escalation, which is
sent. Resolving moves the incident to the history table and returns it, so the resolution
message is sent exactly once. Each change runs in one ``BEGIN IMMEDIATE`` transaction, so two
sensors (two processes) that see the same failure at once still send one alert.

The sighting that opens (or escalates) an incident claims its delivery in the same
transaction, so a concurrent sighting is a repeat, not a second send. An alert whose delivery
failed is marked so, and the next sighting sends it again rather than counting it as a repeat
of something nobody saw.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from shop_analytics.alerts.model import Level

SCHEMA = """
CREATE TABLE IF NOT EXISTS open_incidents (
    key TEXT PRIMARY KEY,
    level TEXT NOT NULL,
    title TEXT NOT NULL,
    opened_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    occurrences INTEGER NOT NULL,
    delivered INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE IF NOT EXISTS incident_history (
    key TEXT NOT NULL,
    level TEXT NOT NULL,
    title TEXT NOT NULL,
    opened_at REAL NOT NULL,
    resolved_at REAL NOT NULL,
    occurrences INTEGER NOT NULL
);
"""


class Transition(str, Enum):
    OPENED = "opened"  # new incident: send
    ESCALATED = "escalated"  # open, now worse: send
    REDELIVER = "redeliver"  # open, but its alert never got through: send
    REPEAT = "repeat"  # open and already sent: suppress


@dataclass(frozen=True)
class Incident:
    key: str
    level: Level
    title: str
    opened_at: float
    occurrences: int
    resolved_at: float | None = None

    @property
    def duration_s(self) -> float | None:
        return None if self.resolved_at is None else self.resolved_at - self.opened_at


class IncidentStore:
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # executescript commits on its own, so the schema is created outside _transaction.
        db = sqlite3.connect(self.path, timeout=30)
        try:
            db.executescript(SCHEMA)
        finally:
            db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        finally:
            db.close()

    def open(self, key: str, level: Level, title: str, now: float) -> Transition:
        with self._transaction() as db:
            row = db.execute("SELECT level, delivered FROM open_incidents WHERE key = ?", (key,)).fetchone()
            if row is None:
                db.execute(
                    "INSERT INTO open_incidents VALUES (?, ?, ?, ?, ?, 1, 1)", (key, level.value, title, now, now)
                )
                return Transition.OPENED
            current, delivered = Level(row[0]), bool(row[1])
            if level.rank > current.rank:
                db.execute(
                    "UPDATE open_incidents SET occurrences = occurrences + 1, updated_at = ?, level = ?, title = ?,"
                    " delivered = 1 WHERE key = ?",
                    (now, level.value, title, key),
                )
                return Transition.ESCALATED
            db.execute(
                "UPDATE open_incidents SET occurrences = occurrences + 1, updated_at = ?, delivered = 1 WHERE key = ?",
                (now, key),
            )
            return Transition.REPEAT if delivered else Transition.REDELIVER

    def mark_undelivered(self, key: str) -> None:
        """The claimed delivery failed: the next sighting sends again."""
        with self._transaction() as db:
            db.execute("UPDATE open_incidents SET delivered = 0 WHERE key = ?", (key,))

    def resolve(self, key: str, now: float) -> Incident | None:
        """Close ``key``; the closed incident, or None when it was not open."""
        with self._transaction() as db:
            row = db.execute(
                "SELECT level, title, opened_at, occurrences FROM open_incidents WHERE key = ?", (key,)
            ).fetchone()
            if row is None:
                return None
            db.execute("DELETE FROM open_incidents WHERE key = ?", (key,))
            db.execute(
                "INSERT INTO incident_history VALUES (?, ?, ?, ?, ?, ?)", (key, row[0], row[1], row[2], now, row[3])
            )
            return Incident(key, Level(row[0]), row[1], row[2], row[3], resolved_at=now)

    def get(self, key: str) -> Incident | None:
        with self._transaction() as db:
            row = db.execute(
                "SELECT level, title, opened_at, occurrences FROM open_incidents WHERE key = ?", (key,)
            ).fetchone()
        return None if row is None else Incident(key, Level(row[0]), row[1], row[2], row[3])

    def open_keys(self, prefix: str = "") -> list[str]:
        with self._transaction() as db:
            rows = db.execute(
                "SELECT key FROM open_incidents WHERE key LIKE ? ORDER BY key", (prefix + "%",)
            ).fetchall()
        return [row[0] for row in rows]
