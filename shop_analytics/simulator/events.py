"""Builders of the event records, one per event type, as (topic, key, value) triples.

Values are plain dicts shaped exactly like the Avro schemas in ``shop_analytics/schemas``
(money in integer cents, times in epoch milliseconds). Keys are the value's key field,
as named in the topic catalog.
"""

from __future__ import annotations

from typing import Any

from shop_analytics.schemas.topics import Family, topic_for_family

Record = dict[str, Any]
Event = tuple[str, str, Record]

CLICKSTREAM = topic_for_family(Family.CLICKSTREAM).name
ORDERS = topic_for_family(Family.ORDERS).name
ORDER_STATUS = topic_for_family(Family.ORDER_STATUS).name
STORE_SALES = topic_for_family(Family.STORE_SALES).name
RETURNS = topic_for_family(Family.RETURNS).name
INVENTORY = topic_for_family(Family.INVENTORY).name
CUSTOMERS = topic_for_family(Family.CUSTOMERS).name
PRODUCTS = topic_for_family(Family.PRODUCTS).name
STORES = topic_for_family(Family.STORES).name
PROMOTIONS = topic_for_family(Family.PROMOTIONS).name
CURRENCY = "USD"


CLICK_FIELDS = (
    "event_id", "event_type", "event_time", "session_id", "visitor_id", "customer_id", "channel", "device",
    "page_type", "referrer", "search_query", "category", "product_id", "quantity", "unit_price_cents",
    "promotion_id", "order_id",
)  # fmt: skip


def click_template(session_id: str, visitor_id: str, customer_id: str | None, channel: str, device: str) -> Record:
    """A clickstream record with a session's constant fields set and the rest None.

    The session copies it per event and fills event_id, event_type, event_time, page_type and
    whatever the step adds: a dict copy is half the cost of a 17-key literal.
    """
    record = _BLANK_CLICK.copy()  # a copy and five stores: no keyword dict, no key-by-key build
    record["session_id"] = session_id
    record["visitor_id"] = visitor_id
    record["customer_id"] = customer_id
    record["channel"] = channel
    record["device"] = device
    return record


_BLANK_CLICK: Record = dict.fromkeys(CLICK_FIELDS)


def order_line(line_number: int, product_id: str, quantity: int, unit_price_cents: int, discount_cents: int) -> Record:
    return {
        "line_number": line_number,
        "product_id": product_id,
        "quantity": quantity,
        "unit_price_cents": unit_price_cents,
        "line_total_cents": quantity * unit_price_cents,
        "discount_cents": discount_cents,
    }


def totals(lines: list[Record], tax_rate: float) -> tuple[int, int, int, int]:
    """(subtotal, discount, tax, total) of lines: total = subtotal - discount + tax."""
    subtotal = sum(line["line_total_cents"] for line in lines)
    discount = sum(line["discount_cents"] for line in lines)
    tax = round((subtotal - discount) * tax_rate)
    return subtotal, discount, tax, subtotal - discount + tax


def order_placed(
    event_id: str,
    t: int,
    order_id: str,
    customer_id: str,
    session_id: str,
    channel: str,
    lines: list[Record],
    tax_rate: float,
    payment_method: str,
    promotion_id: str | None,
    shipping_city: str,
    coupon_code: str | None,
) -> Event:
    subtotal, discount, tax, total = totals(lines, tax_rate)
    return (
        ORDERS,
        customer_id,
        {
            "event_id": event_id,
            "event_type": "order_placed",
            "event_time": t,
            "order_id": order_id,
            "customer_id": customer_id,
            "session_id": session_id,
            "channel": channel,
            "lines": lines,
            "subtotal_cents": subtotal,
            "discount_cents": discount,
            "tax_cents": tax,
            "total_cents": total,
            "currency": CURRENCY,
            "payment_method": payment_method,
            "promotion_id": promotion_id,
            "shipping_city": shipping_city,
            "coupon_code": coupon_code,
        },
    )


def order_status(
    event_id: str,
    event_type: str,
    t: int,
    order_id: str,
    customer_id: str,
    status: str,
    *,
    payment_method: str | None = None,
    amount_cents: int | None = None,
    carrier: str | None = None,
    reason: str | None = None,
) -> Event:
    return (
        ORDER_STATUS,
        customer_id,
        {
            "event_id": event_id,
            "event_type": event_type,
            "event_time": t,
            "order_id": order_id,
            "customer_id": customer_id,
            "status": status,
            "payment_method": payment_method,
            "amount_cents": amount_cents,
            "carrier": carrier,
            "reason": reason,
        },
    )


def store_sale(
    event_id: str,
    t: int,
    sale_id: str,
    store_id: str,
    customer_id: str | None,
    register_id: str,
    lines: list[Record],
    tax_rate: float,
    payment_method: str,
    promotion_id: str | None,
) -> Event:
    subtotal, discount, tax, total = totals(lines, tax_rate)
    return (
        STORE_SALES,
        store_id,
        {
            "event_id": event_id,
            "event_type": "store_sale",
            "event_time": t,
            "sale_id": sale_id,
            "store_id": store_id,
            "customer_id": customer_id,
            "register_id": register_id,
            "lines": lines,
            "subtotal_cents": subtotal,
            "discount_cents": discount,
            "tax_cents": tax,
            "total_cents": total,
            "currency": CURRENCY,
            "payment_method": payment_method,
            "promotion_id": promotion_id,
        },
    )


def return_processed(
    event_id: str,
    t: int,
    return_id: str,
    order_id: str,
    customer_id: str,
    purchase_channel: str,
    return_channel: str,
    location_id: str,
    lines: list[Record],
    reason: str,
) -> Event:
    return (
        RETURNS,
        customer_id,
        {
            "event_id": event_id,
            "event_type": "return_processed",
            "event_time": t,
            "return_id": return_id,
            "order_id": order_id,
            "customer_id": customer_id,
            "purchase_channel": purchase_channel,
            "return_channel": return_channel,
            "location_id": location_id,
            "lines": lines,
            "refund_cents": sum(line["refund_cents"] for line in lines),
            "reason": reason,
        },
    )


def inventory_movement(
    event_id: str,
    event_type: str,
    t: int,
    location_id: str,
    location_type: str,
    product_id: str,
    quantity_delta: int,
    stock_after: int,
    reference_id: str | None,
) -> Event:
    return (
        INVENTORY,
        location_id,
        {
            "event_id": event_id,
            "event_type": event_type,
            "event_time": t,
            "location_id": location_id,
            "location_type": location_type,
            "product_id": product_id,
            "quantity_delta": quantity_delta,
            "stock_after": stock_after,
            "reference_id": reference_id,
        },
    )
