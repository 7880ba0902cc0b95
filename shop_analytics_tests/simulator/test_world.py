"""The seeded world the behaviour model draws from."""

from __future__ import annotations

from statistics import mean

from shop_analytics.simulator.world import WorldSize, build_world
from shop_analytics_tests.simulator.conftest import FIXED_END_MS

SIZE = WorldSize(customers=2_000, products=120)


def test_same_seed_builds_the_same_world_and_another_seed_another():
    a, b, c = build_world(1, FIXED_END_MS, SIZE), build_world(1, FIXED_END_MS, SIZE), build_world(2, FIXED_END_MS, SIZE)
    assert a.customers == b.customers and a.products == b.products and a.stores == b.stores
    assert a.promotions == b.promotions
    assert a.customers != c.customers


def test_at_least_eight_stores_in_different_cities_with_coordinates_timezone_and_hours():
    world = build_world(3, FIXED_END_MS, WorldSize(customers=10, products=40, stores=8))
    assert len(world.stores) >= 8
    assert len({s.city.name for s in world.stores}) == len(world.stores)
    assert len({s.city.timezone for s in world.stores}) >= 4
    for store in world.stores:
        assert -90 <= store.city.latitude <= 90 and -180 <= store.city.longitude <= 180
        assert 0 <= store.opens_minute < store.closes_minute <= 24 * 60
        assert store.assortment and all(stock > 0 for stock in store.initial_stock)
    assert world.warehouse.location_type == "warehouse"


def test_products_cost_less_than_their_price_and_span_all_categories():
    world = build_world(3, FIXED_END_MS, SIZE)
    assert all(0 < p.unit_cost_cents < p.list_price_cents for p in world.products)
    assert {p.category for p in world.products} == set(range(len(world.categories)))
    assert len({p.brand for p in world.products}) > 10


def test_higher_value_tiers_visit_more_often_and_buy_on_a_shorter_cycle():
    world = build_world(4, FIXED_END_MS, SIZE)
    by_tier = {t: [c for c in world.customers if c.tier == t] for t in range(4)}
    visits = [mean(c.sessions_per_day for c in by_tier[t]) for t in range(4)]
    cycles = [mean(c.purchase_cycle_days for c in by_tier[t]) for t in range(4)]
    assert visits == sorted(visits)
    assert cycles == sorted(cycles, reverse=True)


def test_customers_signed_up_before_the_anchor_with_devices_for_their_channels():
    world = build_world(5, FIXED_END_MS, SIZE)
    assert all(c.signup_ms <= FIXED_END_MS for c in world.customers)
    assert {c.web_device for c in world.customers} <= {"desktop", "mobile", "tablet"}
    assert {c.app_device for c in world.customers} <= {"ios", "android"}
    assert len({c.customer_id for c in world.customers}) == len(world.customers)
