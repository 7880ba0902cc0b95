"""What silver does with each event family: its tables and the rules its rows must meet."""

from __future__ import annotations

from dataclasses import dataclass

from shop_analytics.schemas.topics import Family
from shop_analytics.silver import tables
from shop_analytics.silver.tables import SilverTable


@dataclass(frozen=True)
class EventEntity:
    """An event family's path through silver.

    ``required``: payload fields that must be set. ``price_rule``: ``sale_totals`` (line
    totals, subtotal, discount and total add up), ``list_price`` (the catalog's price) or
    ``refund_totals`` (the refund is the sum of the lines). ``location_field``: a field that
    must name a known store or warehouse.
    """

    family: Family
    table: SilverTable
    lines_table: SilverTable | None = None
    required: tuple[str, ...] = ()
    quantity_field: str | None = None  # a flat quantity that must be positive
    stock_field: str | None = None  # a stock level that must not be negative
    product_field: str | None = None  # a flat product id that must be in the catalog
    price_rule: str | None = None
    location_field: str | None = None

    @property
    def name(self) -> str:
        return self.family.value

    @property
    def has_lines(self) -> bool:
        return self.lines_table is not None


@dataclass(frozen=True)
class ReferenceEntity:
    """A compacted reference topic kept as the latest state per key."""

    family: Family
    table: SilverTable

    @property
    def name(self) -> str:
        return self.family.value

    @property
    def key(self) -> str:
        return self.table.key[0]


EVENT_ENTITIES: tuple[EventEntity, ...] = (
    EventEntity(
        Family.CLICKSTREAM,
        tables.CLICKSTREAM,
        required=("session_id", "visitor_id", "channel"),
        quantity_field="quantity",
        product_field="product_id",
        price_rule="list_price",
    ),
    EventEntity(
        Family.ORDERS,
        tables.ORDERS,
        tables.ORDER_LINES,
        required=("order_id", "customer_id", "channel"),
        price_rule="sale_totals",
    ),
    EventEntity(Family.ORDER_STATUS, tables.ORDER_STATUS, required=("order_id", "status")),
    EventEntity(
        Family.STORE_SALES,
        tables.STORE_SALES,
        tables.STORE_SALE_LINES,
        required=("sale_id", "store_id"),
        price_rule="sale_totals",
        location_field="store_id",
    ),
    EventEntity(
        Family.RETURNS,
        tables.RETURNS,
        tables.RETURN_LINES,
        required=("return_id", "order_id"),
        price_rule="refund_totals",
    ),
    EventEntity(
        Family.INVENTORY,
        tables.INVENTORY,
        required=("location_id", "product_id"),
        stock_field="stock_after",
        product_field="product_id",
        location_field="location_id",
    ),
)

REFERENCE_ENTITIES: tuple[ReferenceEntity, ...] = (
    ReferenceEntity(Family.CUSTOMERS, tables.CUSTOMERS),
    ReferenceEntity(Family.PRODUCTS, tables.PRODUCTS),
    ReferenceEntity(Family.STORES, tables.STORES),
    ReferenceEntity(Family.PROMOTIONS, tables.PROMOTIONS),
)


def event_entity(name: str) -> EventEntity:
    for entity in EVENT_ENTITIES:
        if entity.name == name:
            return entity
    raise KeyError(f"no silver event entity {name!r}; known: {', '.join(e.name for e in EVENT_ENTITIES)}")
