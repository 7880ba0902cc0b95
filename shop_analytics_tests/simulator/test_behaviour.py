"""Invariants of the generated events: the behaviour model produces a consistent shop."""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from datetime import datetime
from itertools import pairwise
from zoneinfo import ZoneInfo

from shop_analytics.demo import DEMO_PRODUCTS
from shop_analytics.schemas import event_topics
from shop_analytics.simulator import WorldSize, simulation_events
from shop_analytics.simulator.events import CLICKSTREAM, INVENTORY, ORDER_STATUS, ORDERS, RETURNS, STORE_SALES
from shop_analytics.simulator.seasonality import DAY_MS
from shop_analytics.simulator.serialization import fast_serializers
from shop_analytics.simulator.store_sales import (
    STORE_RETURN_MIN_DAYS,
    STORE_RETURN_WINDOW_DAYS,
    store_return_delay_days,
)
from shop_analytics_tests.simulator.conftest import small_config


def _of(events, topic):
    return [r for t, _, r in events if t == topic]


def _fingerprint(events) -> str:
    encode = fast_serializers(event_topics(), {s.name: 0 for s in event_topics()})
    digest = hashlib.sha256()
    for topic, key, record in events:
        digest.update(topic.encode() + key.encode() + encode[topic](record))
    return digest.hexdigest()


def test_same_seed_and_window_give_byte_identical_events(backfill_events):
    again = list(simulation_events(small_config()))
    assert len(again) == len(backfill_events)
    assert _fingerprint(again) == _fingerprint(backfill_events)


def test_another_seed_gives_other_events(backfill_events):
    other = list(simulation_events(small_config(seed=8)))
    assert _fingerprint(other) != _fingerprint(backfill_events)


def test_every_event_family_is_produced(backfill_events):
    topics = {t for t, _, _ in backfill_events}
    assert {CLICKSTREAM, ORDERS, ORDER_STATUS, STORE_SALES, RETURNS, INVENTORY} <= topics


def test_event_ids_are_unique_uuids(backfill_events):
    ids = [r["event_id"] for _, _, r in backfill_events]
    assert len(set(ids)) == len(ids)
    assert all(len(i) == 36 and i[14] == "4" for i in ids)


def test_events_after_the_snapshot_come_in_event_time_order(backfill_events):
    times = [r["event_time"] for t, _, r in backfill_events if not r["event_type"].endswith("_snapshot")]
    assert times == sorted(times)


def test_keys_are_the_catalog_key_fields(backfill_events):
    from shop_analytics.schemas import topic

    for t, key, record in backfill_events:
        assert key == record[topic(t).key_field]


def test_order_totals_equal_lines_minus_discount_plus_tax(backfill_events):
    orders = _of(backfill_events, ORDERS) + _of(backfill_events, STORE_SALES)
    assert len(orders) > 100
    for o in orders:
        assert o["lines"], o
        for line in o["lines"]:
            assert line["quantity"] > 0
            assert line["line_total_cents"] == line["quantity"] * line["unit_price_cents"]
            assert 0 <= line["discount_cents"] <= line["line_total_cents"]
        assert o["subtotal_cents"] == sum(line["line_total_cents"] for line in o["lines"])
        assert o["discount_cents"] == sum(line["discount_cents"] for line in o["lines"])
        assert o["tax_cents"] >= 0
        assert o["total_cents"] == o["subtotal_cents"] - o["discount_cents"] + o["tax_cents"]
        assert (o["promotion_id"] is None) == (o["discount_cents"] == 0)


def test_line_prices_are_the_catalog_list_prices(backfill_events):
    prices = {r["product_id"]: r["list_price_cents"] for t, _, r in backfill_events if t.endswith("products")}
    for o in _of(backfill_events, ORDERS) + _of(backfill_events, STORE_SALES):
        for line in o["lines"]:
            assert line["unit_price_cents"] == prices[line["product_id"]]


def test_no_web_or_app_order_without_a_logged_in_session_before_it(backfill_events):
    sessions = defaultdict(list)
    for r in _of(backfill_events, CLICKSTREAM):
        sessions[r["session_id"]].append(r)
    for order in _of(backfill_events, ORDERS):
        steps = sessions[order["session_id"]]
        assert steps, f"order {order['order_id']} has no session"
        assert all(s["customer_id"] == order["customer_id"] for s in steps)
        before = {s["event_type"] for s in steps if s["event_time"] <= order["event_time"]}
        assert {"session_start", "add_to_cart", "checkout_start"} <= before
        purchase = [s for s in steps if s["event_type"] == "purchase"]
        assert [p["order_id"] for p in purchase] == [order["order_id"]]


def test_anonymous_visitors_never_buy(backfill_events):
    anonymous = [r for r in _of(backfill_events, CLICKSTREAM) if r["customer_id"] is None]
    assert anonymous
    assert not [r for r in anonymous if r["event_type"] == "purchase"]


def test_stock_never_goes_negative_and_movements_add_up(backfill_events):
    last: dict[tuple[str, str], int] = {}
    kinds = Counter()
    for r in _of(backfill_events, INVENTORY):
        kinds[r["event_type"]] += 1
        assert r["stock_after"] >= 0, r
        key = (r["location_id"], r["product_id"])
        if key in last:
            assert last[key] + r["quantity_delta"] == r["stock_after"], r
        last[key] = r["stock_after"]
    assert {"sale", "restock", "return"} <= set(kinds)


def test_every_sale_line_has_its_inventory_movement(backfill_events):
    moved = Counter()
    for r in _of(backfill_events, INVENTORY):
        if r["event_type"] == "sale":
            moved[(r["reference_id"], r["product_id"])] -= r["quantity_delta"]
    for o in _of(backfill_events, ORDERS):
        for line in o["lines"]:
            assert moved[(o["order_id"], line["product_id"])] == line["quantity"]
    for s in _of(backfill_events, STORE_SALES):
        for line in s["lines"]:
            assert moved[(s["sale_id"], line["product_id"])] == line["quantity"]


def test_returns_follow_their_purchase_and_refund_at_most_what_was_paid(backfill_events):
    bought = {o["order_id"]: o for o in _of(backfill_events, ORDERS)}
    bought.update({s["sale_id"]: s for s in _of(backfill_events, STORE_SALES)})
    delivered = {
        r["order_id"]: r["event_time"]
        for r in _of(backfill_events, ORDER_STATUS)
        if r["event_type"] == "order_delivered"
    }
    returns = _of(backfill_events, RETURNS)
    assert returns
    for ret in returns:
        purchase = bought[ret["order_id"]]
        assert ret["event_time"] > purchase["event_time"]
        assert ret["customer_id"] == purchase["customer_id"]
        if ret["purchase_channel"] != "store":
            assert ret["event_time"] > delivered[ret["order_id"]]
        paid = {line["product_id"]: line["line_total_cents"] - line["discount_cents"] for line in purchase["lines"]}
        for line in ret["lines"]:
            assert 0 < line["refund_cents"] <= paid[line["product_id"]]
        assert ret["refund_cents"] == sum(line["refund_cents"] for line in ret["lines"])


def test_order_status_follows_the_order_in_a_sensible_sequence(backfill_events):
    placed = {o["order_id"]: o["event_time"] for o in _of(backfill_events, ORDERS)}
    steps = defaultdict(list)
    for r in _of(backfill_events, ORDER_STATUS):
        steps[r["order_id"]].append(r["event_type"])
        assert r["event_time"] > placed[r["order_id"]]
    allowed_next = {
        "payment_authorized": {"order_shipped", "order_cancelled"},
        "payment_failed": {"order_cancelled"},
        "order_shipped": {"order_delivered"},
    }
    for order_id, seq in steps.items():
        assert seq[0] in {"payment_authorized", "payment_failed"}, (order_id, seq)
        for a, b in pairwise(seq):
            assert b in allowed_next.get(a, set()), (order_id, seq)


def test_store_sales_happen_within_local_opening_hours(backfill_events):
    stores = {r["location_id"]: r for t, _, r in backfill_events if t.endswith("stores")}
    sales = _of(backfill_events, STORE_SALES)
    assert len({s["store_id"] for s in sales}) >= 8
    for sale in sales:
        store = stores[sale["store_id"]]
        local = datetime.fromtimestamp(sale["event_time"] / 1000, ZoneInfo(store["timezone"]))
        assert store["opens_at"] <= f"{local:%H:%M}" < store["closes_at"], (sale["sale_id"], local, store)


def test_web_traffic_peaks_in_the_local_evening_not_at_night(backfill_events):
    homes = {r["customer_id"]: r["home_city"] for t, _, r in backfill_events if t.endswith("customers")}
    from shop_analytics.simulator.places import CITIES

    tz = {c.name: c.timezone for c in CITIES}
    hours = Counter()
    for r in _of(backfill_events, CLICKSTREAM):
        if r["event_type"] == "session_start" and r["customer_id"] is not None:
            local = datetime.fromtimestamp(r["event_time"] / 1000, ZoneInfo(tz[homes[r["customer_id"]]]))
            hours[local.hour] += 1
    evening = sum(hours[h] for h in (19, 20, 21))
    night = sum(hours[h] for h in (2, 3, 4))
    assert evening > 4 * night


def test_promotions_raise_add_to_cart_conversion(backfill_events):
    views = Counter()
    adds = Counter()
    for r in _of(backfill_events, CLICKSTREAM):
        promo = r["promotion_id"] is not None
        if r["event_type"] == "product_view":
            views[promo] += 1
        elif r["event_type"] == "add_to_cart":
            adds[promo] += 1
    assert views[True] > 100 and views[False] > 1000
    assert adds[True] / views[True] > 1.2 * adds[False] / views[False]


def test_sessions_start_and_end_once(backfill_events):
    starts, ends = Counter(), Counter()
    for r in _of(backfill_events, CLICKSTREAM):
        if r["event_type"] == "session_start":
            starts[r["session_id"]] += 1
        elif r["event_type"] == "session_end":
            ends[r["session_id"]] += 1
    assert set(starts.values()) == {1}
    assert set(ends.values()) == {1}
    assert set(ends) <= set(starts)


def test_records_have_exactly_the_fields_of_their_schema(backfill_events):
    from shop_analytics.schemas import load_schema, topic

    fields = {}
    for t, _, record in backfill_events:
        if t not in fields:
            fields[t] = [f["name"] for f in load_schema(topic(t).value_schema)["fields"]]
        assert list(record) == fields[t] if t == CLICKSTREAM else set(record) == set(fields[t]), (t, record)


def test_store_returns_come_mostly_in_the_first_days_and_within_the_window() -> None:
    assert store_return_delay_days(lambda: 0.0) == STORE_RETURN_MIN_DAYS
    assert store_return_delay_days(lambda: 0.5) < 4  # the median: 2 h + 5 ln 2 days
    assert store_return_delay_days(lambda: 0.999999) == STORE_RETURN_WINDOW_DAYS


def test_store_returns_follow_their_sale_by_the_delay_model(backfill_events) -> None:
    sold = {s["sale_id"]: s["event_time"] for s in _of(backfill_events, STORE_SALES)}
    delays = [
        (r["event_time"] - sold[r["order_id"]]) / DAY_MS
        for r in _of(backfill_events, RETURNS)
        if r["purchase_channel"] == "store"
    ]
    assert delays
    assert all(STORE_RETURN_MIN_DAYS <= d <= STORE_RETURN_WINDOW_DAYS for d in delays)


def test_a_two_day_demo_shop_already_has_returns() -> None:
    """The demo simulates two days: its returns tables and checks need some rows to show."""
    demo = small_config(days=2, world=WorldSize(customers=2000, products=DEMO_PRODUCTS), seed=42)
    assert len(_of(list(simulation_events(demo)), RETURNS)) >= 3
