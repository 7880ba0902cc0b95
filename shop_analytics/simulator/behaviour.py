"""A web or app session as a walk through the shop's funnel.

landing -> (category browse | search | product view)* with add/remove cart ->
checkout -> purchase or abandon -> session end. Probabilities depend on the customer's
latent tier, promo sensitivity, device and the promotions of the day; anonymous
visitors browse and may reach checkout but cannot buy (checkout needs an account), so
every order has a logged-in session behind it. Only products in stock at the
warehouse can go into the cart.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Generator
from math import log
from typing import TYPE_CHECKING

from shop_analytics.simulator import events as ev
from shop_analytics.simulator.events import CLICKSTREAM
from shop_analytics.simulator.fulfilment import place_online_order
from shop_analytics.simulator.promotions import DayPromotions, Promotion
from shop_analytics.simulator.sampling import Weighted
from shop_analytics.simulator.world import TIER_CONVERSION, Customer

if TYPE_CHECKING:
    from shop_analytics.simulator.engine import Simulation

MAX_STEPS = 60
MEAN_GAP_MS = 32_000
MIN_GAP_MS = 2_000
# chance that a session ends by itself at each step: 0.05 + 0.012 * step, computed once
LEAVE_AT_STEP = tuple(0.05 + 0.012 * step for step in range(MAX_STEPS))


class Session:
    __slots__ = ("channel", "customer_id", "device", "session_id", "visitor_id")

    def __init__(self, session_id: str, visitor_id: str, customer_id: str | None, channel: str, device: str) -> None:
        self.session_id = session_id
        self.visitor_id = visitor_id
        self.customer_id = customer_id
        self.channel = channel
        self.device = device


class _Catalog:
    """Per-world lookup tables for the session loop, built once per run.

    A product view needs the product's category name, id and price, a popularity draw
    within a category and the day's promotion for that category and channel: flat tables
    turn each into an index instead of attribute reads and method calls per event.
    """

    def __init__(self, sim: Simulation) -> None:
        world = sim.world
        self.by_category = world.products_by_category
        # popularity draws per category, as the tables of Weighted.draw (inlined in the loop)
        self.draw_tables = [
            Weighted(ids, [world.products[i].popularity for i in ids]).table() for ids in world.products_by_category
        ]
        self.category_names = [c.name for c in world.categories]
        self.search_terms = [tuple(n.lower() for n in c.nouns) for c in world.categories]
        # by product index: (category index, category name, product id, list price)
        self.product_rows = [
            (p.category, self.category_names[p.category], p.product_id, p.list_price_cents) for p in world.products
        ]
        self._promo_tables: dict[tuple[int, str], tuple[DayPromotions, list[Promotion | None]]] = {}

    def promotions_by_category(self, promos: DayPromotions, channel: str) -> list[Promotion | None]:
        """``promos.for_category(name, channel)`` for every category, by category index (cached)."""
        key = (id(promos), channel)
        entry = self._promo_tables.get(key)
        if entry is None or entry[0] is not promos:  # the object check makes a reused id harmless
            entry = self._promo_tables[key] = (promos, [promos.for_category(n, channel) for n in self.category_names])
        return entry[1]


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
    """The session's steps; one clickstream record per step, made from the session's template.

    The hot loop of the simulator (about nine events in ten): records are filled inline
    rather than through a helper, and draws read flat tables (see ``_Catalog``). The order
    of random draws is the model's contract with the seed: change it and every event
    after it changes.
    """
    rng, ids, emit = sim.rng, sim.ids, sim.emit
    random, event_id, ln = rng.random, ids.event_id, log
    cat = catalog(sim)
    draw_tables, product_rows, category_names = cat.draw_tables, cat.product_rows, cat.category_names
    warehouse_stock = sim.stock.levels(sim.world.warehouse.index)
    session_id = ids.session_id()
    customer_id = customer.customer_id if customer else None
    copy = ev.click_template(session_id, visitor_id, customer_id, channel, device).copy
    conversion = TIER_CONVERSION[customer.tier] if customer else 0.6
    sensitivity = customer.promo_sensitivity if customer else 0.3
    favourites = customer.favourite_categories if customer else ()
    mobile_penalty = 0.8 if device in ("mobile", "ios", "android") else 1.0
    promos = sim.promotions(sim.now)
    promo_of_category = cat.promotions_by_category(promos, channel)
    add_base = 0.055 * conversion  # p_add = 0.055 * conversion * promo factor, evaluated left to right
    promo_pull = 2.0 + 6.0 * sensitivity
    checkout_share = 0.22 * conversion

    t = sim.now
    r = copy()
    r["event_id"] = event_id()
    r["event_type"] = "session_start"
    r["event_time"] = t
    r["page_type"] = "landing"
    r["referrer"] = referrer
    emit((CLICKSTREAM, visitor_id, r))
    if random() < (0.45 if customer is None else 0.28):
        t += MIN_GAP_MS + int(-ln(1.0 - random()) * MEAN_GAP_MS)
        yield t
        r = copy()
        r["event_id"] = event_id()
        r["event_type"] = "session_end"
        r["event_time"] = t
        r["page_type"] = "landing"
        emit((CLICKSTREAM, visitor_id, r))
        return

    cart: dict[int, int] = {}
    n_categories = len(cat.by_category)
    category = (
        favourites[int(random() * len(favourites))] if favourites and random() < 0.7 else int(random() * n_categories)
    )
    for leave_chance in LEAVE_AT_STEP:
        t += MIN_GAP_MS + int(-ln(1.0 - random()) * MEAN_GAP_MS)
        yield t
        u = random()
        if cart and u < checkout_share:
            r = copy()
            r["event_id"] = event_id()
            r["event_type"] = "checkout_start"
            r["event_time"] = t
            r["page_type"] = "checkout"
            emit((CLICKSTREAM, visitor_id, r))
            p_buy = 0.5 * conversion * mobile_penalty * (1.0 + 0.5 * sensitivity * (promos.sitewide is not None))
            if customer is not None and random() < p_buy:
                t += 20_000 + int(-ln(1.0 - random()) * 60_000)
                yield t
                session = Session(session_id, visitor_id, customer_id, channel, device)
                order_id = place_online_order(sim, customer, session, cart, promos)
                if order_id is not None:
                    r = copy()
                    r["event_id"] = event_id()
                    r["event_type"] = "purchase"
                    r["event_time"] = t
                    r["page_type"] = "confirmation"
                    r["order_id"] = order_id
                    emit((CLICKSTREAM, visitor_id, r))
            break
        if u < leave_chance:
            break
        u = random()
        if u < 0.22:
            if not favourites or random() < 0.35:
                category = int(random() * n_categories)
            else:
                category = favourites[int(random() * len(favourites))]
            r = copy()
            r["event_id"] = event_id()
            r["event_type"] = "page_view"
            r["event_time"] = t
            r["page_type"] = "category"
            r["category"] = category_names[category]
            emit((CLICKSTREAM, visitor_id, r))
            continue
        if u < 0.36:
            category = int(random() * n_categories)
            terms = cat.search_terms[category]
            r = copy()
            r["event_id"] = event_id()
            r["event_type"] = "search"
            r["event_time"] = t
            r["page_type"] = "search"
            r["search_query"] = terms[int(random() * len(terms))]
            emit((CLICKSTREAM, visitor_id, r))
            continue
        if u < 0.40 and cart:
            product = rng.choice(list(cart))
            r = copy()
            r["event_id"] = event_id()
            r["event_type"] = "remove_from_cart"
            r["event_time"] = t
            r["page_type"] = "cart"
            r["product_id"] = product_rows[product][2]
            r["quantity"] = cart.pop(product)
            emit((CLICKSTREAM, visitor_id, r))
            continue
        # product view (a popularity draw in the category, as Weighted.draw), then maybe add to cart
        cum, total, items, last = draw_tables[category]
        i = bisect_right(cum, random() * total)
        product = items[i if i <= last else last]
        product_category, category_name, product_id, price = product_rows[product]
        promo = promo_of_category[product_category]
        promo_id = promo.promotion_id if promo is not None else None
        r = copy()
        r["event_id"] = event_id()
        r["event_type"] = "product_view"
        r["event_time"] = t
        r["page_type"] = "product"
        r["category"] = category_name
        r["product_id"] = product_id
        r["unit_price_cents"] = price
        r["promotion_id"] = promo_id
        emit((CLICKSTREAM, visitor_id, r))
        p_add = add_base * (1.0 + (promo.discount_pct / 100.0) * promo_pull if promo else 1.0)
        if random() < p_add and warehouse_stock.get(product, 0) > 0:
            quantity = 1 if random() < 0.85 else 2
            cart[product] = cart.get(product, 0) + quantity
            t += MIN_GAP_MS + int(-ln(1.0 - random()) * 8_000)
            yield t
            r = copy()
            r["event_id"] = event_id()
            r["event_type"] = "add_to_cart"
            r["event_time"] = t
            r["page_type"] = "product"
            r["category"] = category_name
            r["product_id"] = product_id
            r["quantity"] = quantity
            r["unit_price_cents"] = price
            r["promotion_id"] = promo_id
            emit((CLICKSTREAM, visitor_id, r))
    t += MIN_GAP_MS + int(-ln(1.0 - random()) * MEAN_GAP_MS)
    yield t
    r = copy()
    r["event_id"] = event_id()
    r["event_type"] = "session_end"
    r["event_time"] = t
    r["page_type"] = "exit"
    emit((CLICKSTREAM, visitor_id, r))
