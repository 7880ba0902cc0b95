"""Windowed sales: revenue, orders and conversion per channel and location (silver.sales_windows).

Pure DataFrame functions over the silver entity frames; reading and writing live in
``shop_analytics.assets.silver_derived``.

Semantics:

- Two window kinds, both aligned to the epoch (so to UTC midnight): ``tumbling_5m``
  (5-minute windows) and ``sliding_1h`` (1-hour windows every 5 minutes). A window is
  ``[window_start, window_end)``: an event at exactly 10:05:00 is in ``[10:05, 10:10)``.
  Windows are assigned by arithmetic with the same rule as Spark's ``window`` (so both
  kinds aggregate in one pass instead of one ``groupBy(window(...))`` each).
- Rows flagged ``is_late`` (behind their stream's watermark when they arrived) are left out,
  so a window's figures do not change after the streaming layer would have emitted them.
- Web/app orders come from silver.orders under ``location_id = 'online'``; store sales
  from silver.store_sales under ``channel = 'store'`` and ``location_id = store_id``.
  Revenue is the gross ``total_cents`` as placed (cancellations and returns are not netted).
- ``sessions`` counts web/app ``session_start`` clicks in the window (sessions started
  there). ``conversion_rate = orders / sessions`` for web/app, null when no session started
  in the window, and always null for stores (no sessions in a shop).
- A window appears only when something happened in it (an order, a sale or a session
  start): the table is sparse, absent windows are not rows of zeros.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from shop_analytics.silver.tables import SALES_WINDOWS

TUMBLING_5M = "tumbling_5m"
SLIDING_1H = "sliding_1h"
STORE_CHANNEL = "store"
ONLINE_LOCATION = "online"
SESSION_START = "session_start"

_KEY = ("channel", "location_id")
DAY = timedelta(days=1)


@dataclass(frozen=True)
class WindowKind:
    """A window shape: its name in ``window_kind``, its length and its slide (tumbling: the
    slide is the length). Windows start at multiples of the slide since the epoch, as
    Spark's ``window`` does."""

    name: str
    length: timedelta
    slide: timedelta

    def __post_init__(self) -> None:
        # Midnight alignment (slide divides a day) and windows at most a day long keep the
        # day arithmetic below true; a whole number of slides per window keeps it simple.
        if DAY % self.slide or self.length % self.slide or self.length > DAY:
            raise ValueError(f"{self.name}: the slide must divide a day and the length, and the length be <= 1 day")

    @property
    def tumbling(self) -> bool:
        return self.length == self.slide

    def windows_of(self, time_column: str) -> Column:
        """The windows holding the instant ``time_column``: an array of (kind, start, end) structs."""
        slide_us = self.slide // timedelta(microseconds=1)
        length_us = self.length // timedelta(microseconds=1)
        t = F.unix_micros(time_column)
        latest = t - F.pmod(t, F.lit(slide_us))  # the last window to start at or before t
        # bigint steps: k * slide in int would overflow past ~35 minutes of microseconds.
        back = F.sequence(F.lit(0).cast("bigint"), F.lit(self.length // self.slide - 1).cast("bigint"))
        return F.transform(
            back,
            lambda k: F.struct(
                F.lit(self.name).alias("window_kind"),
                F.timestamp_micros(latest - k * slide_us).alias("window_start"),
                F.timestamp_micros(latest - k * slide_us + length_us).alias("window_end"),
            ),
        )

    def window_days(self, event_days: Iterable[date]) -> set[date]:
        """The days (of window_start) whose windows can hold an event of ``event_days``:
        those days, and for sliding windows the day before (a window starting 23:30 holds
        events of the next day)."""
        days = set(event_days)
        return days if self.tumbling else days | {d - timedelta(days=1) for d in days}

    def event_days(self, window_days: Iterable[date]) -> set[date]:
        """The event days needed to compute every window starting on ``window_days``."""
        days = set(window_days)
        return days if self.tumbling else days | {d + timedelta(days=1) for d in days}


WINDOW_KINDS: tuple[WindowKind, ...] = (
    WindowKind(TUMBLING_5M, timedelta(minutes=5), timedelta(minutes=5)),
    WindowKind(SLIDING_1H, timedelta(hours=1), timedelta(minutes=5)),
)


def on_time(frame: DataFrame) -> DataFrame:
    """Rows that arrived in time; a missing flag counts as on time (nothing says it was late)."""
    return frame.where(~F.coalesce(F.col("is_late"), F.lit(False)))


def sales_events(orders: DataFrame, store_sales: DataFrame, clickstream: DataFrame) -> DataFrame:
    """On-time sales and web/app session starts as one frame of
    ``(event_time, channel, location_id, revenue_cents, orders, sessions)``, each row an
    order or sale (orders = 1) or a session start (sessions = 1)."""
    online = on_time(orders).select(
        "event_time",
        "channel",
        F.lit(ONLINE_LOCATION).alias("location_id"),
        F.col("total_cents").alias("revenue_cents"),
        F.lit(1).alias("orders"),
        F.lit(0).alias("sessions"),
    )
    stores = on_time(store_sales).select(
        "event_time",
        F.lit(STORE_CHANNEL).alias("channel"),
        F.col("store_id").alias("location_id"),
        F.col("total_cents").alias("revenue_cents"),
        F.lit(1).alias("orders"),
        F.lit(0).alias("sessions"),
    )
    starts = (
        on_time(clickstream)
        .where(F.col("event_type") == SESSION_START)
        .select(
            "event_time",
            "channel",
            F.lit(ONLINE_LOCATION).alias("location_id"),
            F.lit(0).cast("bigint").alias("revenue_cents"),
            F.lit(0).alias("orders"),
            F.lit(1).alias("sessions"),
        )
    )
    return online.unionByName(stores).unionByName(starts)


def sales_windows(
    orders: DataFrame,
    store_sales: DataFrame,
    clickstream: DataFrame,
    kinds: tuple[WindowKind, ...] = WINDOW_KINDS,
) -> DataFrame:
    """Windowed revenue, orders, sessions and conversion, in the columns of SALES_WINDOWS.

    ``orders``, ``store_sales`` and ``clickstream`` are frames with the silver entity
    tables' columns (only the ones used here are needed). Every event is expanded into the
    windows of every kind that hold it, then all are aggregated at once (one shuffle).
    """
    events = sales_events(orders, store_sales, clickstream).where(F.col("event_time").isNotNull())
    windowed = events.select(
        F.explode(F.concat(*(kind.windows_of("event_time") for kind in kinds))).alias("w"),
        *_KEY,
        "revenue_cents",
        "orders",
        "sessions",
    )
    totals = windowed.groupBy("w.window_kind", "w.window_start", "w.window_end", *_KEY).agg(
        F.sum("revenue_cents").alias("revenue_cents"),
        F.sum("orders").alias("orders"),
        F.sum("sessions").alias("sessions"),
    )
    is_store = F.col("channel") == STORE_CHANNEL
    # A window with session starts but no order is a real zero; a store has no sessions.
    result = totals.withColumn("sessions", F.when(~is_store, F.col("sessions"))).withColumn(
        "conversion_rate", F.when(~is_store & (F.col("sessions") > 0), F.col("orders") / F.col("sessions"))
    )
    return result.select(*(F.col(name).cast(kind).alias(name) for name, kind in SALES_WINDOWS.columns))
