"""A web or app session as a walk through the shop's funnel.

landing -> (category browse | search | product view)* with add/remove cart ->
checkout -> purchase or abandon -> session end. Probabilities depend on the customer's
latent tier, promo sensitivity, device and the promotions of the day; anonymous
visitors browse and may reach checkout but cannot buy (checkout needs an account), so
every order has a logged-in session behind it. Only products in stock at the
warehouse can go into the cart.
"""

from __future__ import annotations

from collections.abc import Generator
from math import log
from typing import TYPE_CHECKING

from shop_analytics.simulator import events as ev
from shop_analytics.simulator.events import CLICKSTREAM
from shop_analytics.simulator.fulfilment import place_online_order
from shop_analytics.simulator.sampling import Weighted
from shop_analytics.simulator.world import TIER_CONVERSION, Customer

if TYPE_CHECKING:
    from shop_analytics.simulator.engine import Simulation

MAX_STEPS = 60
MEAN_GAP_MS = 32_000
MIN_GAP_MS = 2_000


class Session:
    __slots__ = ("channel", "customer_id", "device", "session_id", "visitor_id")

    def __init__(self, session_id: str, visitor_id: str, customer_id: str | None, channel: str, device: str) -> None:
        self.session_id = session_id
        self.visitor_id = visitor_id
        self.customer_id = customer_id
        self.channel = channel
        self.device = device


class _Catalog:
    """Popularity-weighted product draws per category, built once per world."""

    def __init__(self, sim: Simulation) -> None:
        world = sim.world
        self.by_category = world.products_by_category
        self.pick_product = [
            Weighted(ids, [world.products[i].popularity for i in ids]) for ids in world.products_by_category
        ]
        self.category_names = [c.name for c in world.categories]
        self.search_terms = [tuple(n.lower() for n in c.nouns) for c in world.categories]


def catalog(sim: Simulation) -> _Catalog:
    cat = sim.shared.get("catalog")
    if cat is None:
        cat = sim.shared["catalog"] = _Catalog(sim)
    return cat


def web_session(
    sim: Simulation,
    customer: Customer | None,
    visitor_id: str,
    channel: str,
    device: str,
    referrer: str,
) -> Generator[int, None, None]:
    rng, ids, world, emit = sim.rng, sim.ids, sim.world, sim.emit
    random, event_id = rng.random, ids.event_id
    products = world.products
    cat = catalog(sim)
    warehouse = world.warehouse.index
    stock = sim.stock
    s = Session(ids.session_id(), visitor_id, customer.customer_id if customer else None, channel, device)
    template = ev.click_template(s.session_id, visitor_id, s.customer_id, channel, device)
    copy = template.copy
    conversion = TIER_CONVERSION[customer.tier] if customer else 0.6
    sensitivity = customer.promo_sensitivity if customer else 0.3
    favourites = customer.favourite_categories if customer else ()
    mobile_penalty = 0.8 if device in ("mobile", "ios", "android") else 1.0
    promos = sim.promotions(sim.now)

    def click(event_type: str, t: int, page_type: str) -> ev.Record:
        """A new clickstream record of this session (emitted by the caller once complete)."""
        record = copy()
        record["event_id"] = event_id()
        record["event_type"] = event_type
        record["event_time"] = t
        record["page_type"] = page_type
        return record

    t = sim.now
    r = click("session_start", t, "landing")
    r["referrer"] = referrer
    emit((CLICKSTREAM, visitor_id, r))
    if random() < (0.45 if customer is None else 0.28):
        t += MIN_GAP_MS + int(-log(1.0 - random()) * MEAN_GAP_MS)
        yield t
        emit((CLICKSTREAM, visitor_id, click("session_end", t, "landing")))
        return

    cart: dict[int, int] = {}
    n_categories = len(cat.by_category)
    category = (
        favourites[int(random() * len(favourites))] if favourites and random() < 0.7 else int(random() * n_categories)
    )
    for step in range(MAX_STEPS):
        t += MIN_GAP_MS + int(-log(1.0 - random()) * MEAN_GAP_MS)
        yield t
        u = random()
        if cart and u < 0.22 * conversion:
            emit((CLICKSTREAM, visitor_id, click("checkout_start", t, "checkout")))
            p_buy = 0.5 * conversion * mobile_penalty * (1.0 + 0.5 * sensitivity * (promos.sitewide is not None))
            if customer is not None and random() < p_buy:
                t += 20_000 + int(-log(1.0 - random()) * 60_000)
                yield t
                order_id = place_online_order(sim, customer, s, cart, promos)
                if order_id is not None:
                    r = click("purchase", t, "confirmation")
                    r["order_id"] = order_id
                    emit((CLICKSTREAM, visitor_id, r))
            break
        if u < 0.05 + 0.012 * step:
            break
        u = random()
        if u < 0.22:
            if not favourites or random() < 0.35:
                category = int(random() * n_categories)
            else:
                category = favourites[int(random() * len(favourites))]
            r = click("page_view", t, "category")
            r["category"] = cat.category_names[category]
            emit((CLICKSTREAM, visitor_id, r))
            continue
        if u < 0.36:
            category = int(random() * n_categories)
            terms = cat.search_terms[category]
            r = click("search", t, "search")
            r["search_query"] = terms[int(random() * len(terms))]
            emit((CLICKSTREAM, visitor_id, r))
            continue
        if u < 0.40 and cart:
            product = rng.choice(list(cart))
            r = click("remove_from_cart", t, "cart")
            r["product_id"] = products[product].product_id
            r["quantity"] = cart.pop(product)
            emit((CLICKSTREAM, visitor_id, r))
            continue
        # product view, then maybe add to cart
        product = cat.pick_product[category].draw(random)
        p = products[product]
        category_name = cat.category_names[p.category]
        promo = promos.for_category(category_name, channel)
        promo_id = promo.promotion_id if promo is not None else None
        r = click("product_view", t, "product")
        r["category"] = category_name
        r["product_id"] = p.product_id
        r["unit_price_cents"] = p.list_price_cents
        r["promotion_id"] = promo_id
        emit((CLICKSTREAM, visitor_id, r))
        p_add = 0.055 * conversion * (1.0 + (promo.discount_pct / 100.0) * (2.0 + 6.0 * sensitivity) if promo else 1.0)
        if random() < p_add and stock.level(warehouse, product) > 0:
            quantity = 1 if random() < 0.85 else 2
            cart[product] = cart.get(product, 0) + quantity
            t += MIN_GAP_MS + int(-log(1.0 - random()) * 8_000)
            yield t
            r = click("add_to_cart", t, "product")
            r["category"] = category_name
            r["product_id"] = p.product_id
            r["quantity"] = quantity
            r["unit_price_cents"] = p.list_price_cents
            r["promotion_id"] = promo_id
            emit((CLICKSTREAM, visitor_id, r))
    t += MIN_GAP_MS + int(-log(1.0 - random()) * MEAN_GAP_MS)
    yield t
    emit((CLICKSTREAM, visitor_id, click("session_end", t, "exit")))
