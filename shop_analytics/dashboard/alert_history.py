"""Alert history from the alerting's incident store (shop_analytics/alerts/incidents.py).

The store is a small SQLite file with the open incidents and the resolved ones. It is
opened read-only (``mode=ro``): the dashboard must never create it nor take the write lock
the alert sensors use (``BEGIN IMMEDIATE``).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from shop_analytics.dashboard.columns import INCIDENT_HISTORY_TABLE, OPEN_INCIDENTS_TABLE

OPEN_COLUMNS = ["key", "level", "title", "opened_at", "updated_at", "occurrences"]
HISTORY_COLUMNS = ["key", "level", "title", "opened_at", "resolved_at", "occurrences"]


@dataclass(frozen=True)
class AlertHistory:
    open: pd.DataFrame  # OPEN_COLUMNS, times UTC
    resolved: pd.DataFrame  # HISTORY_COLUMNS, times UTC


def read_alerts(path: Path) -> AlertHistory | None:
    """The incidents in ``path``; None when the store does not exist yet (no alert ever raised)."""
    if not path.exists():
        return None
    db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
    try:
        return AlertHistory(
            open=_read(db, OPEN_INCIDENTS_TABLE, OPEN_COLUMNS, ("opened_at", "updated_at")),
            resolved=_read(db, INCIDENT_HISTORY_TABLE, HISTORY_COLUMNS, ("opened_at", "resolved_at")),
        )
    finally:
        db.close()


def _read(db: sqlite3.Connection, table: str, columns: list[str], times: tuple[str, ...]) -> pd.DataFrame:
    try:
        rows = db.execute(f"SELECT {', '.join(columns)} FROM {table}").fetchall()
    except sqlite3.OperationalError as error:
        if "no such table" in str(error):
            return pd.DataFrame(columns=columns)
        raise
    frame = pd.DataFrame(rows, columns=columns)
    for column in times:  # epoch seconds (time.time()) in the store
        frame[column] = pd.to_datetime(frame[column], unit="s", utc=True)
    return frame
