"""Reference data as events: the world's products, locations, promotions and customers.

A run starts with a snapshot of everything that exists at its start (``*_snapshot``);
customers who sign up during the run appear as ``customer_registered`` at their signup
time (see ``arrivals``). Downstream dimensions are built from these compacted topics.
The latent value tier is never published.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from shop_analytics.simulator import events as ev
from shop_analytics.simulator.world import Customer

if TYPE_CHECKING:
    from shop_analytics.simulator.engine import Simulation


def customer_event(event_id: str, event_type: str, t: int, c: Customer) -> ev.Event:
    return (
        ev.CUSTOMERS,
        c.customer_id,
        {
            "event_id": event_id,
            "event_type": event_type,
            "event_time": t,
            "customer_id": c.customer_id,
            "full_name": c.full_name,
            "email": c.email,
            "home_city": c.city.name,
            "home_region": c.city.region,
            "signup_time": c.signup_ms,
            "preferred_channel": c.preferred_channel,
            "preferred_device": c.web_device if c.preferred_channel == "web" else c.app_device,
            "loyalty_member": c.loyalty_member,
        },
    )


def snapshot(sim: Simulation) -> Iterator[ev.Event]:
    world, t, ids = sim.world, sim.start_ms, sim.ids
    for loc in world.locations:
        yield (
            ev.STORES,
            loc.location_id,
            {
                "event_id": ids.event_id(),
                "event_type": "location_snapshot",
                "event_time": t,
                "location_id": loc.location_id,
                "location_type": loc.location_type,
                "name": loc.name,
                "city": loc.city.name,
                "region": loc.city.region,
                "latitude": loc.city.latitude,
                "longitude": loc.city.longitude,
                "timezone": loc.city.timezone,
                "opens_at": loc.opens_at,
                "closes_at": loc.closes_at,
            },
        )
    for p in world.products:
        yield (
            ev.PRODUCTS,
            p.product_id,
            {
                "event_id": ids.event_id(),
                "event_type": "product_snapshot",
                "event_time": t,
                "product_id": p.product_id,
                "name": p.name,
                "category": world.categories[p.category].name,
                "brand": p.brand,
                "list_price_cents": p.list_price_cents,
                "unit_cost_cents": p.unit_cost_cents,
            },
        )
    for promo in world.promotions:
        yield (
            ev.PROMOTIONS,
            promo.promotion_id,
            {
                "event_id": ids.event_id(),
                "event_type": "promotion_snapshot",
                "event_time": t,
                "promotion_id": promo.promotion_id,
                "name": promo.name,
                "category": promo.category,
                "discount_pct": promo.discount_pct,
                "channels": list(promo.channels),
                "starts_at": promo.starts_ms,
                "ends_at": promo.ends_ms,
            },
        )
    for c in world.customers:
        if c.signup_ms <= t:
            yield customer_event(ids.event_id(), "customer_snapshot", t, c)
