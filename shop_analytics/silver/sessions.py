"""Visitor sessions rebuilt from clicks with a 30-minute inactivity gap (silver.sessions).

Pure DataFrame functions; I/O lives in ``shop_analytics.assets.silver_derived``.

The simulator's ``session_id`` is ignored: a session is a run of one visitor's clicks
(any channel or device) with no silence longer than the gap, found with Spark's
``session_window``. Its rule, checked in Spark 3.5's MergingSessionsIterator and pinned by
a test: each click opens ``[t, t + gap)`` and a click merges into the current session
when ``t <= end``, so a click **exactly** 30 minutes after the previous one continues
the session; only a silence strictly longer than 30 minutes starts a new one.

Late clicks (``is_late``) are included: they are real clicks, and a session is not a
windowed figure emitted once; the derived table is recomputed when they arrive.

Columns (SESSIONS):

- ``session_key``: ``visitor_id|<session_start as yyyy-MM-ddTHH:mm:ss.SSSSSSZ>``,
  deterministic, so a recomputation gives the same keys. A click that lands before a
  session's first click (late) moves its start and so its key.
- ``session_start`` / ``session_end``: the first and the last click (not the window's end,
  which adds the gap); ``duration_s`` is their difference in seconds.
- ``customer_id``: the visitor's customer id if any click carries one (the largest if
  several do); ``channel``/``device``: those of the first click.
- ``events``: every click; ``pages``: clicks that load a page (``PAGE_EVENT_TYPES``:
  landing, category, search results, product, checkout and confirmation pages; cart
  adds/removes are actions on a page already shown and ``session_end`` shows none);
  ``product_views``; ``cart_adds``.
- ``converted``: the session holds a ``purchase`` click; ``order_id``: that purchase's
  order (the first one if the session bought twice).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from shop_analytics.silver.tables import SESSIONS
from shop_analytics.silver.windows import on_time

SESSION_GAP = "30 minutes"
PAGE_EVENT_TYPES: tuple[str, ...] = (
    "session_start",
    "page_view",
    "search",
    "product_view",
    "checkout_start",
    "purchase",
)
PRODUCT_VIEW = "product_view"
ADD_TO_CART = "add_to_cart"
PURCHASE = "purchase"


def _count_where(condition: Column) -> Column:
    return F.count(F.when(condition, F.lit(1))).cast("int")


def sessionize(clickstream: DataFrame, gap: str = SESSION_GAP, include_late: bool = True) -> DataFrame:
    """Sessions of ``clickstream`` (silver.clickstream columns), in the columns of SESSIONS."""
    clicks = clickstream if include_late else on_time(clickstream)
    clicks = clicks.where(F.col("visitor_id").isNotNull() & F.col("event_time").isNotNull())
    # Ties on event_time are broken by event_id so channel/device/order_id are deterministic.
    order = F.struct("event_time", "event_id")
    sessions = clicks.groupBy("visitor_id", F.session_window("event_time", gap).alias("sw")).agg(
        F.min("event_time").alias("session_start"),
        F.max("event_time").alias("session_end"),
        F.max("customer_id").alias("customer_id"),
        F.min_by("channel", order).alias("channel"),
        F.min_by("device", order).alias("device"),
        F.count("*").cast("int").alias("events"),
        _count_where(F.col("event_type").isin(*PAGE_EVENT_TYPES)).alias("pages"),
        _count_where(F.col("event_type") == PRODUCT_VIEW).alias("product_views"),
        _count_where(F.col("event_type") == ADD_TO_CART).alias("cart_adds"),
        F.max(F.col("event_type") == PURCHASE).alias("converted"),
        F.min_by(F.col("order_id"), F.when(F.col("event_type") == PURCHASE, order)).alias("order_id"),
    )
    result = sessions.withColumn(
        "session_key",
        F.concat_ws("|", "visitor_id", F.date_format("session_start", "yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'")),
    ).withColumn(
        "duration_s",
        (F.unix_micros("session_end") - F.unix_micros("session_start")) / 1e6,
    )
    return result.select(*(F.col(name).cast(kind).alias(name) for name, kind in SESSIONS.columns))


def session_days(event_days: Iterable[date]) -> set[date]:
    """Days (of session_start) whose sessions a click on ``event_days`` can change.

    A click can extend or merge a session that started the day before (one running over
    midnight), so that day is recomputed too. Sessions longer than a day are not followed
    further back (a known limit: a recomputation does not reach a session started two days
    before the click).
    """
    days = set(event_days)
    return days | {d - timedelta(days=1) for d in days}


def event_days_for(days: Iterable[date]) -> set[date]:
    """Click days to read to rebuild every session starting on ``days``.

    The day after, for sessions that run over midnight; the day before, so a click just
    after midnight that continues yesterday's session is not taken for a new one.
    """
    wanted = set(days)
    return wanted | {d + timedelta(days=1) for d in wanted} | {d - timedelta(days=1) for d in wanted}
