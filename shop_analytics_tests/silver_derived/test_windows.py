"""Windowed sales on hand-built frames: boundaries, late rows, sessions and conversion.

Each scenario has its own day; one Spark job computes them all (the machine is small).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from pyspark.sql import functions as F

from shop_analytics.silver.tables import CLICKSTREAM, ORDERS, SALES_WINDOWS, STORE_SALES
from shop_analytics.silver.windows import SLIDING_1H, TUMBLING_5M, WINDOW_KINDS, sales_windows
from shop_analytics_tests.silver_derived.frames import frame, records

KINDS = {kind.name: kind for kind in WINDOW_KINDS}
BOUNDARY, LATE, CONVERSION, SLIDING = "2026-01-05", "2026-01-06", "2026-01-07", "2026-01-08"


def order(event_time: str, total: int, channel: str = "web", late: bool = False) -> dict:
    return {"event_time": event_time, "order_id": "o", "channel": channel, "total_cents": total, "is_late": late}


def sale(event_time: str, total: int, late: bool = False) -> dict:
    return {"event_time": event_time, "sale_id": "s", "store_id": "store-1", "total_cents": total, "is_late": late}


def click(event_time: str, event_type: str = "session_start", late: bool = False) -> dict:
    return {"event_time": event_time, "event_type": event_type, "visitor_id": "v", "channel": "web", "is_late": late}


ORDERS_ROWS = [
    order(f"{BOUNDARY} 10:05:00", 700),
    order(f"{BOUNDARY} 10:04:59", 300),
    order(f"{LATE} 10:01:00", 1_000),
    order(f"{LATE} 10:02:00", 5_000, late=True),
    order(f"{CONVERSION} 10:01:00", 100, "web"),
    order(f"{CONVERSION} 10:02:00", 200, "app"),
    order(f"{SLIDING} 10:07:00", 100),
]
SALES_ROWS = [sale(f"{LATE} 10:03:00", 9_999, late=True), sale(f"{CONVERSION} 10:03:00", 500)]
CLICK_ROWS = [
    click(f"{LATE} 10:00:30"),
    click(f"{LATE} 10:00:40", late=True),
    click(f"{CONVERSION} 10:00:00"),
    click(f"{CONVERSION} 10:00:10"),
    click(f"{CONVERSION} 10:00:20", "page_view"),
]


@pytest.fixture(scope="module")
def result(spark):
    return sales_windows(
        frame(spark, ORDERS, ORDERS_ROWS), frame(spark, STORE_SALES, SALES_ROWS), frame(spark, CLICKSTREAM, CLICK_ROWS)
    )


@pytest.fixture(scope="module")
def rows(result) -> list[dict]:
    return records(result)


def on(rows: list[dict], day: str, kind: str = TUMBLING_5M) -> list[dict]:
    return [r for r in rows if r["window_kind"] == kind and r["window_start"].startswith(day)]


def test_output_has_exactly_the_contract_columns_and_types(result) -> None:
    assert result.dtypes == list(SALES_WINDOWS.columns)


def test_event_at_a_window_boundary_belongs_to_the_window_it_starts(rows) -> None:
    assert [(r["window_start"], r["window_end"], r["revenue_cents"], r["orders"]) for r in on(rows, BOUNDARY)] == [
        (f"{BOUNDARY} 10:00:00", f"{BOUNDARY} 10:05:00", 300, 1),
        (f"{BOUNDARY} 10:05:00", f"{BOUNDARY} 10:10:00", 700, 1),
    ]


def test_late_rows_are_left_out_of_windows(rows) -> None:
    # The late store sale alone would have made a store window.
    assert [(r["channel"], r["revenue_cents"], r["orders"], r["sessions"]) for r in on(rows, LATE)] == [
        ("web", 1_000, 1, 1)
    ]


def test_conversion_is_orders_per_session_online_and_null_for_stores(rows) -> None:
    by_channel = {r["channel"]: r for r in on(rows, CONVERSION)}
    web, app, store = by_channel["web"], by_channel["app"], by_channel["store"]
    assert (web["location_id"], web["sessions"], web["conversion_rate"]) == ("online", 2, pytest.approx(0.5))
    # Orders but no session started in the window: zero sessions, no rate (not a division by zero).
    assert (app["sessions"], app["conversion_rate"]) == (0, None)
    assert (store["location_id"], store["revenue_cents"], store["sessions"], store["conversion_rate"]) == (
        "store-1",
        500,
        None,
        None,
    )


def test_sliding_windows_cover_the_hour_before_each_event(rows) -> None:
    # An order at 10:07 is in the twelve hour-long windows starting 09:10, 09:15, ..., 10:05.
    first = datetime.fromisoformat(f"{SLIDING} 09:10:00")
    expected = [f"{first + timedelta(minutes=5 * i)}" for i in range(12)]
    sliding = on(rows, SLIDING, SLIDING_1H)
    assert [r["window_start"] for r in sliding] == expected
    assert all(r["orders"] == 1 and r["revenue_cents"] == 100 for r in sliding)


def test_window_assignment_is_spark_window_rule(spark) -> None:
    times = ["2026-01-05 10:05:00", "2026-01-05 10:07:31.5", "2026-01-05 23:59:59.999999", "1969-12-31 23:58:00"]
    events = spark.createDataFrame([(t,) for t in times], "t string").select(F.col("t").cast("timestamp").alias("t"))
    for kind, (length, slide) in {TUMBLING_5M: ("5 minutes", "5 minutes"), SLIDING_1H: ("1 hour", "5 minutes")}.items():
        ours = events.select("t", F.explode(KINDS[kind].windows_of("t")).alias("w")).select(
            "t", "w.window_start", "w.window_end"
        )
        spark_rule = events.select("t", F.window("t", length, slide).alias("w")).select(
            "t", F.col("w.start").alias("window_start"), F.col("w.end").alias("window_end")
        )
        assert records(ours) == records(spark_rule), kind


def test_window_days_spill_to_the_previous_day_only_for_sliding_windows() -> None:
    day = date(2026, 1, 5)
    assert KINDS[TUMBLING_5M].window_days([day]) == {day}
    assert KINDS[SLIDING_1H].window_days([day]) == {date(2026, 1, 4), day}
    assert KINDS[SLIDING_1H].event_days([day]) == {day, date(2026, 1, 6)}
