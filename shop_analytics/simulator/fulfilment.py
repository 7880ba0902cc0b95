"""Online orders from placement to delivery, and returns some days after delivery.

``place_online_order`` turns a cart into an order: it takes stock at the warehouse
(lines that are gone by now are dropped), prices the lines with the day's promotion,
adds the destination's sales tax and picks a payment method. The order's lifecycle is
then a process: payment (authorized or failed), shipping, delivery, and maybe a return
by mail or at a store in the customer's city.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING

from shop_analytics.simulator import events as ev
from shop_analytics.simulator.places import TAX_RATE_BY_REGION
from shop_analytics.simulator.promotions import DayPromotions
from shop_analytics.simulator.sampling import Weighted
from shop_analytics.simulator.world import Customer, Location

if TYPE_CHECKING:
    from shop_analytics.simulator.behaviour import Session
    from shop_analytics.simulator.engine import Simulation

MINUTE_MS = 60_000
HOUR_MS = 3_600_000
DAY_MS = 86_400_000
ONLINE_PAYMENT_METHODS = ("card", "paypal", "apple_pay", "google_pay", "klarna", "gift_card")
ONLINE_PAYMENT = {
    "web": Weighted(ONLINE_PAYMENT_METHODS, (0.55, 0.2, 0.05, 0.05, 0.1, 0.05)),
    "app": Weighted(ONLINE_PAYMENT_METHODS, (0.35, 0.1, 0.3, 0.15, 0.07, 0.03)),
}
CARRIERS = ("UPS", "FedEx", "USPS", "DHL")
RETURN_REASON = Weighted(
    ("wrong_size", "not_as_described", "damaged", "changed_mind", "late_delivery"), (0.35, 0.2, 0.1, 0.3, 0.05)
)
PAYMENT_FAILURE_RATE = 0.03
CUSTOMER_CANCEL_RATE = 0.02
TIER_RETURN_FACTOR = (1.2, 1.0, 0.9, 0.8)


def price_lines(
    sim: Simulation, cart: dict[int, int], channel: str, promos: DayPromotions, location: Location
) -> tuple[list[ev.Record], str | None, list[tuple[int, int, int]]]:
    """Take stock for each cart line and price it; returns (lines, promotion_id, [(product, qty, stock_after)])."""
    world = sim.world
    lines: list[ev.Record] = []
    taken: list[tuple[int, int, int]] = []
    promotion_id: str | None = None
    for product, wanted in cart.items():
        quantity = sim.stock.take(location.index, product, wanted)
        if quantity == 0:
            continue
        p = world.products[product]
        promo = promos.for_category(world.categories[p.category].name, channel)
        discount = 0
        if promo is not None:
            discount = quantity * p.list_price_cents * promo.discount_pct // 100
            promotion_id = promotion_id or promo.promotion_id
        lines.append(ev.order_line(len(lines) + 1, p.product_id, quantity, p.list_price_cents, discount))
        taken.append((product, quantity, sim.stock.level(location.index, product)))
    return lines, promotion_id, taken


def place_online_order(
    sim: Simulation, customer: Customer, session: Session, cart: dict[int, int], promos: DayPromotions
) -> str | None:
    """Place the order of a checkout; None if nothing in the cart was left in stock."""
    rng, ids, t = sim.rng, sim.ids, sim.now
    warehouse = sim.world.warehouse
    lines, promotion_id, taken = price_lines(sim, cart, session.channel, promos, warehouse)
    if not lines:
        return None
    order_id = ids.order_id()
    method = ONLINE_PAYMENT[session.channel].draw(rng.random)
    coupon = f"SALE{promos.sitewide.discount_pct}" if promos.sitewide is not None and rng.random() < 0.6 else None
    order = ev.order_placed(
        ids.event_id(),
        t,
        order_id,
        customer.customer_id,
        session.session_id,
        session.channel,
        lines,
        TAX_RATE_BY_REGION[customer.city.region],
        method,
        promotion_id,
        customer.city.name,
        coupon,
    )
    sim.emit(order)
    for product, quantity, after in taken:
        sim.emit(
            ev.inventory_movement(
                ids.event_id(),
                "sale",
                t,
                warehouse.location_id,
                warehouse.location_type,
                sim.world.products[product].product_id,
                -quantity,
                after,
                order_id,
            )
        )
    sim.last_purchase_ms[customer.index] = t
    sim.spawn(t, order_lifecycle(sim, customer, order[2], taken))
    return order_id


def order_lifecycle(
    sim: Simulation, customer: Customer, order: ev.Record, taken: list[tuple[int, int, int]]
) -> Generator[int, None, None]:
    rng, ids, emit = sim.rng, sim.ids, sim.emit
    order_id, customer_id = order["order_id"], customer.customer_id
    method, total = order["payment_method"], order["total_cents"]
    t = sim.now + 2_000 + int(rng.expovariate(1 / 20_000))
    yield t
    if rng.random() < PAYMENT_FAILURE_RATE:
        emit(
            ev.order_status(
                ids.event_id(),
                "payment_failed",
                t,
                order_id,
                customer_id,
                "payment_failed",
                payment_method=method,
                amount_cents=total,
                reason="card_declined",
            )
        )
        t += MINUTE_MS
        yield t
        _cancel(sim, t, order_id, customer_id, taken, "payment_failed")
        return
    emit(
        ev.order_status(
            ids.event_id(),
            "payment_authorized",
            t,
            order_id,
            customer_id,
            "paid",
            payment_method=method,
            amount_cents=total,
        )
    )
    if rng.random() < CUSTOMER_CANCEL_RATE:
        t += int(rng.uniform(0.2, 5) * HOUR_MS)
        yield t
        _cancel(sim, t, order_id, customer_id, taken, "customer_request")
        return
    t += int(rng.uniform(6, 40) * HOUR_MS)
    yield t
    carrier = rng.choice(CARRIERS)
    emit(ev.order_status(ids.event_id(), "order_shipped", t, order_id, customer_id, "shipped", carrier=carrier))
    t += int(rng.uniform(1, 4.5) * DAY_MS)
    yield t
    emit(ev.order_status(ids.event_id(), "order_delivered", t, order_id, customer_id, "delivered", carrier=carrier))
    returned = returned_lines(sim, customer, order["lines"])
    if returned:
        t += int(rng.uniform(1, 20) * DAY_MS)
        yield t
        _process_return(sim, customer, order_id, order["channel"], returned)


def _cancel(
    sim: Simulation, t: int, order_id: str, customer_id: str, taken: list[tuple[int, int, int]], reason: str
) -> None:
    ids, warehouse = sim.ids, sim.world.warehouse
    sim.emit(ev.order_status(ids.event_id(), "order_cancelled", t, order_id, customer_id, "cancelled", reason=reason))
    for product, quantity, _ in taken:
        after = sim.stock.put(warehouse.index, product, quantity)
        sim.emit(
            ev.inventory_movement(
                ids.event_id(),
                "release",
                t,
                warehouse.location_id,
                warehouse.location_type,
                sim.world.products[product].product_id,
                quantity,
                after,
                order_id,
            )
        )


def returned_lines(sim: Simulation, customer: Customer, lines: list[ev.Record]) -> list[ev.Record]:
    """Lines (possibly partial quantities) the customer sends back, refunded at the price paid."""
    rng, world = sim.rng, sim.world
    returned = []
    for line in lines:
        product = world.products[world.product_index[line["product_id"]]]
        if rng.random() < product.return_rate * TIER_RETURN_FACTOR[customer.tier]:
            quantity = line["quantity"] if rng.random() < 0.8 else 1
            paid = line["line_total_cents"] - line["discount_cents"]
            refund = paid * quantity // line["quantity"]
            returned.append({"product_id": line["product_id"], "quantity": quantity, "refund_cents": refund})
    return returned


def _process_return(
    sim: Simulation,
    customer: Customer,
    order_id: str,
    purchase_channel: str,
    lines: list[ev.Record],
    store: Location | None = None,
) -> None:
    """Emit the return and put the goods back into stock where they arrive."""
    rng, ids, world, t = sim.rng, sim.ids, sim.world, sim.now
    if store is None:
        local = [s for s in world.stores if s.city.name == customer.city.name]
        store = local[0] if local and rng.random() < 0.4 else None
    location = store or world.warehouse
    channel = "store" if store is not None else "mail"
    reason = RETURN_REASON.draw(rng.random)
    return_id = ids.return_id()
    sim.emit(
        ev.return_processed(
            ids.event_id(),
            t,
            return_id,
            order_id,
            customer.customer_id,
            purchase_channel,
            channel,
            location.location_id,
            lines,
            reason,
        )
    )
    for line in lines:
        product = world.product_index[line["product_id"]]
        after = sim.stock.put(location.index, product, line["quantity"])
        sim.emit(
            ev.inventory_movement(
                ids.event_id(),
                "return",
                t,
                location.location_id,
                location.location_type,
                line["product_id"],
                line["quantity"],
                after,
                return_id,
            )
        )


def store_return_process(
    sim: Simulation, customer: Customer, sale_id: str, store: Location, lines: list[ev.Record]
) -> Generator[int, None, None]:
    """A store sale's items brought back to the same store (spawn it at the return time)."""
    _process_return(sim, customer, sale_id, "store", lines, store)
    return
    yield  # pragma: no cover - makes this a generator
