"""Session reconstruction: the 30-minute gap rule, the session's figures, late clicks.

Each scenario is its own visitor; one Spark job sessionizes them all.
"""

from __future__ import annotations

from datetime import date

import pytest

from shop_analytics.silver.sessions import event_days_for, session_days, sessionize
from shop_analytics.silver.tables import CLICKSTREAM, SESSIONS
from shop_analytics_tests.silver_derived.frames import frame, records

_ids = iter(range(1_000_000))


def click(visitor: str, event_time: str, event_type: str = "page_view", **extra) -> dict:
    return {
        "event_id": f"e{next(_ids):06d}",
        "visitor_id": visitor,
        "event_time": event_time,
        "event_type": event_type,
        "channel": "web",
        "device": "desktop",
        "session_id": "sim-session",
        **extra,
    }


FUNNEL = [
    "session_start", "page_view", "search", "product_view", "add_to_cart",
    "remove_from_cart", "checkout_start", "purchase", "session_end",
]  # fmt: skip

CLICKS = [
    # gap: exactly 30 minutes continues, a microsecond more splits
    click("gap", "2026-01-05 10:00:00"),
    click("gap", "2026-01-05 10:30:00"),
    click("gap", "2026-01-05 11:00:00.000001"),
    # one whole funnel, minute by minute
    *(
        click(
            "funnel",
            f"2026-01-05 10:{minute:02d}:00",
            kind,
            customer_id="c1" if minute else None,
            order_id="o-1" if kind == "purchase" else None,
            device="ios" if minute == 0 else "android",
        )
        for minute, kind in enumerate(FUNNEL)
    ),
    # the simulator's session ids are not what cuts sessions
    click("ids", "2026-01-05 10:00:00", session_id="a"),
    click("ids", "2026-01-05 10:05:00", session_id="b"),
    # a late click bridging a 40-minute silence
    click("late", "2026-01-05 10:00:00"),
    click("late", "2026-01-05 10:20:00", is_late=True),
    click("late", "2026-01-05 10:40:00"),
    click("midnight", "2026-01-05 23:50:00"),
    click("midnight", "2026-01-06 00:10:00"),
]


@pytest.fixture(scope="module")
def result(spark):
    return sessionize(frame(spark, CLICKSTREAM, CLICKS))


@pytest.fixture(scope="module")
def by_visitor(result) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = {}
    for row in records(result):
        grouped.setdefault(row["visitor_id"], []).append(row)
    return grouped


def test_output_has_exactly_the_contract_columns_and_types(result) -> None:
    assert result.dtypes == list(SESSIONS.columns)


def test_click_exactly_thirty_minutes_after_the_last_continues_the_session(by_visitor) -> None:
    # Spark merges a click at t <= previous click + gap.
    assert [(r["session_start"], r["session_end"], r["events"]) for r in by_visitor["gap"]] == [
        ("2026-01-05 10:00:00", "2026-01-05 10:30:00", 2),
        ("2026-01-05 11:00:00.000001", "2026-01-05 11:00:00.000001", 1),
    ]


def test_session_figures_and_key(by_visitor) -> None:
    assert by_visitor["funnel"] == [
        {
            "session_key": "funnel|2026-01-05T10:00:00.000000Z",
            "visitor_id": "funnel",
            "customer_id": "c1",
            "channel": "web",
            "device": "ios",  # the first click's
            "session_start": "2026-01-05 10:00:00",
            "session_end": "2026-01-05 10:08:00",
            "duration_s": 480.0,
            "events": 9,
            "pages": 6,  # not the cart add/remove (actions on a shown page) nor session_end
            "product_views": 1,
            "cart_adds": 1,
            "converted": True,
            "order_id": "o-1",
        }
    ]


def test_simulator_session_id_is_ignored(by_visitor) -> None:
    assert [(r["events"], r["converted"], r["order_id"]) for r in by_visitor["ids"]] == [(2, False, None)]


def test_late_clicks_are_part_of_sessions_unless_excluded(spark, by_visitor) -> None:
    assert [r["events"] for r in by_visitor["late"]] == [3]
    late_only = frame(spark, CLICKSTREAM, [c for c in CLICKS if c["visitor_id"] == "late"])
    # Without the late click the silence is 40 minutes: two sessions.
    assert [r["events"] for r in records(sessionize(late_only, include_late=False))] == [1, 1]


def test_session_over_midnight_belongs_to_its_start_day(by_visitor) -> None:
    assert [(r["session_start"], r["session_end"], r["duration_s"]) for r in by_visitor["midnight"]] == [
        ("2026-01-05 23:50:00", "2026-01-06 00:10:00", 1200.0)
    ]


def test_a_touched_day_recomputes_sessions_started_the_day_before() -> None:
    touched = {date(2026, 1, 5)}
    assert session_days(touched) == {date(2026, 1, 4), date(2026, 1, 5)}
    assert event_days_for(session_days(touched)) == {date(2026, 1, d) for d in (3, 4, 5, 6)}
