"""The catalog of Kafka topics: one entry per event family, plus the dead-letter topic.

Producers and consumers both read this list; it is the single place that says which topic
holds which events, how it is keyed and partitioned, and which Avro schema its values use.
Subjects follow Confluent's TopicNameStrategy: ``<topic>-value``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Family(str, Enum):
    """Event families; each has exactly one topic."""

    CLICKSTREAM = "clickstream"
    ORDERS = "orders"
    ORDER_STATUS = "order_status"
    STORE_SALES = "store_sales"
    RETURNS = "returns"
    INVENTORY = "inventory"
    CUSTOMERS = "customers"
    PRODUCTS = "products"
    STORES = "stores"
    PROMOTIONS = "promotions"
    DEAD_LETTER = "dead_letter"


@dataclass(frozen=True)
class TopicSpec:
    """One Kafka topic of the platform.

    ``key_field`` names the value field whose UTF-8 bytes are the record key, so that one
    customer's (or one store's) events land in one partition and keep their order.
    ``value_schema`` is the schema file the simulator writes with (the latest version);
    ``schema_history`` lists every version in registration order, oldest first.
    """

    name: str
    family: Family
    partitions: int
    key_field: str
    value_schema: str
    schema_history: tuple[str, ...] = ()
    compacted: bool = False
    reference: bool = False
    config: tuple[tuple[str, str], ...] = ()

    @property
    def subject(self) -> str:
        """Schema registry subject of the values (TopicNameStrategy)."""
        return f"{self.name}-value"

    @property
    def versions(self) -> tuple[str, ...]:
        """Schema files to register, oldest first, ending with ``value_schema``."""
        return self.schema_history or (self.value_schema,)

    def topic_config(self) -> dict[str, str]:
        """Broker-side topic configuration for topic creation."""
        conf = {"cleanup.policy": "compact" if self.compacted else "delete"}
        conf.update(dict(self.config))
        return conf


TOPICS: tuple[TopicSpec, ...] = (
    TopicSpec("shop.clickstream", Family.CLICKSTREAM, 6, "visitor_id", "clickstream_v1.avsc"),
    TopicSpec(
        "shop.orders",
        Family.ORDERS,
        3,
        "customer_id",
        "orders_v2.avsc",
        schema_history=("orders_v1.avsc", "orders_v2.avsc"),
    ),
    # Same key and partition count as shop.orders: an order and its status changes are co-partitioned.
    TopicSpec("shop.order_status", Family.ORDER_STATUS, 3, "customer_id", "order_status_v1.avsc"),
    TopicSpec("shop.store_sales", Family.STORE_SALES, 3, "store_id", "store_sales_v1.avsc"),
    TopicSpec("shop.returns", Family.RETURNS, 3, "customer_id", "returns_v1.avsc"),
    TopicSpec("shop.inventory", Family.INVENTORY, 3, "location_id", "inventory_v1.avsc"),
    TopicSpec(
        "shop.customers", Family.CUSTOMERS, 3, "customer_id", "customers_v1.avsc", compacted=True, reference=True
    ),
    TopicSpec("shop.products", Family.PRODUCTS, 1, "product_id", "products_v1.avsc", compacted=True, reference=True),
    TopicSpec("shop.stores", Family.STORES, 1, "location_id", "stores_v1.avsc", compacted=True, reference=True),
    TopicSpec(
        "shop.promotions", Family.PROMOTIONS, 1, "promotion_id", "promotions_v1.avsc", compacted=True, reference=True
    ),
    TopicSpec("shop.dead_letter", Family.DEAD_LETTER, 1, "source_topic", "dead_letter_v1.avsc"),
)

DEAD_LETTER_TOPIC: TopicSpec = TOPICS[-1]

_BY_NAME = {spec.name: spec for spec in TOPICS}
_BY_FAMILY = {spec.family: spec for spec in TOPICS}


def topic(name: str) -> TopicSpec:
    """The catalog entry of a topic name; raises ``KeyError`` naming the known topics."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown topic {name!r}; the catalog has {sorted(_BY_NAME)}") from None


def topic_for_family(family: Family | str) -> TopicSpec:
    """The topic of an event family."""
    return _BY_FAMILY[Family(family)]


def event_topics() -> tuple[TopicSpec, ...]:
    """Topics the simulator writes to (all but the dead-letter topic, which consumers write)."""
    return tuple(spec for spec in TOPICS if spec.family is not Family.DEAD_LETTER)
