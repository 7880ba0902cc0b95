"""Point-of-sale transactions at the retail stores, only within their opening hours.

Each store runs one process: per local day it opens at its opening time, draws shoppers
as a Poisson process thinned by the store's hourly profile (lunch and after-work peaks,
busier Saturdays, more traffic on promotion days) and closes at closing time. A basket
holds items the store carries and has in stock; a loyalty card ties the sale to a
customer of that city, whose items may come back to the store some days later.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from math import log
from typing import TYPE_CHECKING

from shop_analytics.simulator import events as ev
from shop_analytics.simulator.fulfilment import price_lines, returned_lines, store_return_process
from shop_analytics.simulator.sampling import Weighted
from shop_analytics.simulator.seasonality import DAY_MS, HOUR_MS, HOURLY, WEEKDAY
from shop_analytics.simulator.world import Location

if TYPE_CHECKING:
    from shop_analytics.simulator.engine import Simulation

# In-store returns come mostly in the first days after the sale (receipt at hand, tags on)
# and thin out towards the end of the return window: an exponential delay, a couple of hours
# at least, cut at the window. (Before: uniform over 1-25 days, so a two-day demo saw none.)
STORE_RETURN_MIN_DAYS = 2 / 24
STORE_RETURN_MEAN_DAYS = 5.0
STORE_RETURN_WINDOW_DAYS = 30.0


def store_return_delay_days(random: Callable[[], float]) -> float:
    """Days from a store sale to its return, from one draw of ``random`` (uniform on [0, 1))."""
    exponential = -log(1.0 - random()) * STORE_RETURN_MEAN_DAYS
    return min(STORE_RETURN_MIN_DAYS + exponential, STORE_RETURN_WINDOW_DAYS)


STORE_PAYMENT = Weighted(("card", "contactless", "cash", "gift_card"), (0.45, 0.3, 0.2, 0.05))
LOYALTY_SCAN_RATE = 0.45


def store_process(sim: Simulation, store: Location) -> Generator[int, None, None]:
    rng, clock = sim.rng, sim.clock
    random = rng.random
    tz = store.city.timezone
    profile = HOURLY["store"]
    open_hours = [h for h in range(24) if store.opens_minute < (h + 1) * 60 and h * 60 < store.closes_minute]
    peak = max(profile[h] for h in open_hours)
    mean_open_weight = sum(profile[h] for h in open_hours) / len(open_hours)
    assortment = Weighted(store.assortment, [sim.world.products[i].popularity for i in store.assortment])
    locals_ = sim.world.customers_by_city.get(store.city.name, ())

    day = sim.now - sim.now % DAY_MS
    while True:
        midnight = clock.local_midnight_ms(tz, day)
        opens, closes = midnight + store.opens_minute * 60_000, midnight + store.closes_minute * 60_000
        day += DAY_MS
        if closes <= sim.now:
            continue
        weekday = clock.local_weekday(tz, opens)
        promos = sim.promotions(opens)
        expected = store.daily_visits * WEEKDAY["store"][weekday] * (1.0 + 0.5 * (promos.traffic_boost - 1.0))
        open_ms = closes - opens
        # candidate arrivals at the peak rate, kept with probability profile(hour) / peak
        peak_rate = expected * peak / mean_open_weight / open_ms
        t = max(opens, sim.now)
        while True:
            t += int(-log(1.0 - random()) / peak_rate) + 1
            if t >= closes:
                break
            if random() * peak > profile[(t - midnight) // HOUR_MS % 24]:
                continue
            yield t
            _sale(sim, store, assortment, locals_)


def _sale(sim: Simulation, store: Location, assortment: Weighted[int], locals_: tuple[int, ...]) -> None:
    rng, ids, world, t = sim.rng, sim.ids, sim.world, sim.now
    customer = None
    if locals_ and rng.random() < LOYALTY_SCAN_RATE:
        candidate = world.customers[rng.choice(locals_)]
        if candidate.signup_ms <= t:
            customer = candidate
    items = 1 + int(rng.expovariate(1 / (customer.basket_items if customer else 1.2)))
    basket: dict[int, int] = {}
    for _ in range(min(items, 8)):
        product = assortment.draw(rng.random)
        basket[product] = basket.get(product, 0) + 1
    promos = sim.promotions(t)
    lines, promotion_id, taken = price_lines(sim, basket, "store", promos, store)
    if not lines:
        return  # left empty-handed: what they wanted was sold out
    sale_id = ids.sale_id()
    method = STORE_PAYMENT.draw(rng.random)
    register = f"{store.location_id}-R{rng.randrange(store.registers) + 1}"
    sim.emit(
        ev.store_sale(
            ids.event_id(),
            t,
            sale_id,
            store.location_id,
            customer.customer_id if customer else None,
            register,
            lines,
            store.tax_rate,
            method,
            promotion_id,
        )
    )
    for product, quantity, after in taken:
        sim.emit(
            ev.inventory_movement(
                ids.event_id(),
                "sale",
                t,
                store.location_id,
                "store",
                world.products[product].product_id,
                -quantity,
                after,
                sale_id,
            )
        )
    if customer is not None:
        sim.last_purchase_ms[customer.index] = t
        returned = returned_lines(sim, customer, lines)
        if returned:
            back_at = t + int(store_return_delay_days(rng.random) * DAY_MS)
            sim.spawn(back_at, store_return_process(sim, customer, sale_id, store, returned))
