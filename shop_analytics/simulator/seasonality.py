"""Time-of-day and day-of-week rhythms, read in local time, and local-time helpers.

Profiles are relative weights per local hour (0-23) and per weekday (Monday = 0).
Web peaks in the evening with a lunch bump; the app adds commute peaks and a late
evening; stores peak at lunch and after work, busier on Saturdays.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

HOUR_MS = 3_600_000
DAY_MS = 86_400_000

# fmt: off
HOURLY: dict[str, tuple[float, ...]] = {
    "web": (1.0, 0.6, 0.4, 0.3, 0.3, 0.5, 1.0, 2.0, 3.0, 3.5, 3.8, 4.0,
            4.6, 4.2, 4.0, 4.0, 4.2, 4.8, 5.5, 6.5, 7.0, 6.5, 4.5, 2.5),
    "app": (1.5, 0.8, 0.5, 0.3, 0.3, 0.6, 1.8, 3.5, 4.0, 3.0, 3.0, 3.5,
            4.5, 3.5, 3.0, 3.0, 3.5, 4.5, 5.5, 6.5, 7.5, 7.5, 6.0, 3.5),
    "store": (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.3, 0.6, 1.0, 1.6, 2.4,
              3.4, 3.2, 2.2, 2.0, 2.4, 3.2, 3.6, 3.0, 2.0, 1.2, 0.6, 0.2),
}
WEEKDAY: dict[str, tuple[float, ...]] = {
    "web": (1.0, 0.95, 0.95, 1.0, 0.9, 0.95, 1.2),
    "app": (0.9, 0.9, 0.9, 0.95, 1.05, 1.25, 1.3),
    "store": (0.75, 0.8, 0.85, 0.9, 1.1, 1.55, 1.15),
}
# fmt: on


class LocalClock:
    """UTC offsets of timezones per UTC day, cached (daylight saving changes per day)."""

    def __init__(self) -> None:
        self._zones: dict[str, ZoneInfo] = {}
        self._offsets: dict[tuple[str, int], int] = {}

    def offset_ms(self, tz: str, ms: int) -> int:
        """UTC offset in ms of ``tz`` on the UTC day containing ``ms`` (taken at noon)."""
        day = ms - ms % DAY_MS
        key = (tz, day)
        offset = self._offsets.get(key)
        if offset is None:
            zone = self._zones.get(tz) or self._zones.setdefault(tz, ZoneInfo(tz))
            noon = datetime.fromtimestamp((day + 12 * HOUR_MS) / 1000, UTC).astimezone(zone)
            delta = noon.utcoffset()
            offset = int(delta.total_seconds() * 1000) if delta is not None else 0
            self._offsets[key] = offset
        return offset

    def local_midnight_ms(self, tz: str, utc_day_ms: int) -> int:
        """UTC instant of local midnight of the calendar date ``utc_day_ms`` falls on."""
        return utc_day_ms - self.offset_ms(tz, utc_day_ms)

    def local_hour(self, tz: str, ms: int) -> int:
        return (ms + self.offset_ms(tz, ms)) // HOUR_MS % 24

    def local_weekday(self, tz: str, ms: int) -> int:
        # 1970-01-01 was a Thursday (weekday 3)
        return ((ms + self.offset_ms(tz, ms)) // DAY_MS + 3) % 7

    def local_minute_of_day(self, tz: str, ms: int) -> int:
        return (ms + self.offset_ms(tz, ms)) % DAY_MS // 60_000


def weekday_of_day(utc_day_ms: int) -> int:
    return (utc_day_ms // DAY_MS + 3) % 7
