"""A small hand-made silver layer: a few customers, products and locations and ten days of
orders, store sales, returns, stock movements, sessions and clicks, with known totals.

Tables are created from the contract (shop_analytics/silver/tables.py): same columns,
types and partitioning as the silver writers', in a namespace of the test's own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from shop_analytics.silver import tables as silver

SILVER_TABLES: tuple[silver.SilverTable, ...] = (
    silver.CLICKSTREAM,
    silver.ORDERS,
    silver.ORDER_LINES,
    silver.ORDER_STATUS,
    silver.STORE_SALES,
    silver.STORE_SALE_LINES,
    silver.RETURNS,
    silver.INVENTORY,
    silver.SESSIONS,
    silver.CUSTOMERS,
    silver.PRODUCTS,
    silver.STORES,
)

Row = dict[str, Any]


def at(day: int, hour: int = 12, minute: int = 0) -> datetime:
    """A UTC timestamp on 2025-01-<day>."""
    return datetime(2025, 1, day, hour, minute, tzinfo=UTC)


def create_table_sql(namespace: str, table: silver.SilverTable) -> str:
    columns = ", ".join(f"{name} {kind}" for name, kind in table.columns)
    partitioning = f" PARTITIONED BY ({table.partitioning})" if table.partitioning else ""
    return f"CREATE TABLE {namespace}.{table.name} ({columns}) USING iceberg{partitioning}"


def _lineage(event_time: datetime) -> Row:
    return {
        "is_late": False,
        "schema_id": 1,
        "kafka_partition": 0,
        "kafka_offset": 0,
        "bronze_ingested_at": event_time,
        "silver_processed_at": event_time,
    }


@dataclass
class SilverData:
    """Rows per silver table; every column of the contract not given is null."""

    rows: dict[str, list[Row]] = field(default_factory=dict)
    _event_seq: int = 0

    def add(self, table: silver.SilverTable, **values: Any) -> Row:
        unknown = set(values) - set(table.column_names)
        assert not unknown, f"{table.name} has no columns {unknown}"
        row = {name: values.get(name) for name in table.column_names}
        self.rows.setdefault(table.name, []).append(row)
        return row

    def event_id(self) -> str:
        self._event_seq += 1
        return f"ev-{self._event_seq:04d}"

    # Entities --------------------------------------------------------------------------

    def order(
        self,
        order_id: str,
        customer_id: str,
        when: datetime,
        lines: list[tuple[str, int, int]],
        channel: str = "web",
        session_id: str | None = None,
        statuses: Iterable[tuple[str, datetime]] = (),
    ) -> int:
        """An online order of (product, quantity, unit price) lines; returns its total."""
        total = self._lines(silver.ORDER_LINES, "order_id", order_id, customer_id, when, lines, channel=channel)
        self.add(
            silver.ORDERS,
            event_id=self.event_id(),
            event_type="order_placed",
            event_time=when,
            order_id=order_id,
            customer_id=customer_id,
            session_id=session_id,
            channel=channel,
            subtotal_cents=total,
            discount_cents=0,
            tax_cents=0,
            total_cents=total,
            currency="EUR",
            payment_method="card",
            line_count=len(lines),
            item_count=sum(q for _, q, _ in lines),
            **_lineage(when),
        )
        for status, changed in statuses:
            self.status(order_id, customer_id, status, changed)
        return total

    def status(self, order_id: str, customer_id: str, status: str, changed: datetime) -> None:
        self.add(
            silver.ORDER_STATUS,
            event_id=self.event_id(),
            event_type=f"order_{status}",
            event_time=changed,
            order_id=order_id,
            customer_id=customer_id,
            status=status,
            **_lineage(changed),
        )

    def store_sale(
        self, sale_id: str, store_id: str, customer_id: str | None, when: datetime, lines: list[tuple[str, int, int]]
    ) -> int:
        total = self._lines(silver.STORE_SALE_LINES, "sale_id", sale_id, customer_id, when, lines, store_id=store_id)
        self.add(
            silver.STORE_SALES,
            event_id=self.event_id(),
            event_type="store_sale",
            event_time=when,
            sale_id=sale_id,
            store_id=store_id,
            customer_id=customer_id,
            register_id=f"{store_id}-r1",
            subtotal_cents=total,
            discount_cents=0,
            tax_cents=0,
            total_cents=total,
            currency="EUR",
            payment_method="card",
            line_count=len(lines),
            item_count=sum(q for _, q, _ in lines),
            **_lineage(when),
        )
        return total

    def _lines(
        self,
        table: silver.SilverTable,
        id_column: str,
        parent_id: str,
        customer_id: str | None,
        when: datetime,
        lines: Iterable[tuple[str, int, int]],
        **extra: Any,
    ) -> int:
        total = 0
        for number, (product_id, quantity, price) in enumerate(lines, start=1):
            self.add(
                table,
                event_id=self.event_id(),
                event_time=when,
                customer_id=customer_id,
                line_number=number,
                product_id=product_id,
                quantity=quantity,
                unit_price_cents=price,
                line_total_cents=quantity * price,
                discount_cents=0,
                is_late=False,
                **{id_column: parent_id},
                **extra,
            )
            total += quantity * price
        return total

    def clicks(
        self, session_id: str, visitor_id: str, customer_id: str | None, start: datetime, steps: list[str]
    ) -> None:
        """One clickstream session: ``steps`` are event types one minute apart (add_to_cart: one unit at 1000 cents)."""
        for minute, event_type in enumerate(steps):
            when = start.replace(minute=start.minute + minute)
            cart = event_type in ("add_to_cart", "remove_from_cart")
            self.add(
                silver.CLICKSTREAM,
                event_id=self.event_id(),
                event_type=event_type,
                event_time=when,
                session_id=session_id,
                visitor_id=visitor_id,
                customer_id=customer_id,
                channel="web",
                device="desktop",
                page_type="product",
                product_id="p1" if cart or event_type == "product_view" else None,
                quantity=1 if cart else None,
                unit_price_cents=1000 if cart else None,
                **_lineage(when),
            )


@dataclass(frozen=True)
class Expected:
    """What the marts must show for the fixture's data."""

    revenue_by_day: Mapping[date, int]  # every order and store sale placed, cents
    orders_by_day: Mapping[date, int]
    revenue_orders: int  # neither cancelled nor failed
    store_revenue: int
    customers_with_revenue: int


def build_silver_data() -> tuple[SilverData, Expected]:
    data = SilverData()
    for customer_id, city, region, signup_day in (
        ("c1", "Lyon", "south", 1),
        ("c2", "Lille", "north", 1),
        ("c3", "Lyon", "south", 2),
        ("c4", "Paris", "north", 3),
        ("c5", "Nice", "south", 5),
    ):
        data.add(
            silver.CUSTOMERS,
            customer_id=customer_id,
            full_name=f"Customer {customer_id}",
            email=f"{customer_id}@example.com",
            home_city=city,
            home_region=region,
            signup_time=at(signup_day, 8),
            preferred_channel="web",
            preferred_device="desktop",
            loyalty_member=customer_id in ("c1", "c2"),
            updated_at=at(signup_day, 8),
            event_id=data.event_id(),
        )
    for product_id, category, price, cost in (
        ("p1", "shoes", 1000, 400),
        ("p2", "shirts", 2500, 1000),
        ("p3", "bags", 4000, 2500),
    ):
        data.add(
            silver.PRODUCTS,
            product_id=product_id,
            name=f"Product {product_id}",
            category=category,
            brand="Acme",
            list_price_cents=price,
            unit_cost_cents=cost,
            updated_at=at(1, 0),
            event_id=data.event_id(),
        )
    for location_id, kind, city, region, lat, lon in (
        ("s1", "store", "Lyon", "south", 45.76, 4.84),
        ("s2", "store", "Lille", "north", 50.63, 3.06),
        ("w1", "warehouse", "Paris", "north", 48.85, 2.35),
    ):
        data.add(
            silver.STORES,
            location_id=location_id,
            location_type=kind,
            name=f"Location {location_id}",
            city=city,
            region=region,
            latitude=lat,
            longitude=lon,
            timezone="Europe/Paris",
            opens_at="09:00",
            closes_at="19:00",
            updated_at=at(1, 0),
            event_id=data.event_id(),
        )

    revenue: dict[date, int] = {}
    counts: dict[date, int] = {}

    def placed(when: datetime, total: int) -> None:
        revenue[when.date()] = revenue.get(when.date(), 0) + total
        counts[when.date()] = counts.get(when.date(), 0) + 1

    delivered = [("paid", at(1, 13)), ("shipped", at(2, 9)), ("delivered", at(4, 15))]
    placed(
        at(1), data.order("o1", "c1", at(1), [("p1", 2, 1000), ("p2", 1, 2500)], session_id="k1", statuses=delivered)
    )
    placed(
        at(2), data.order("o2", "c2", at(2), [("p3", 1, 4000)], statuses=[("paid", at(2, 13)), ("cancelled", at(3, 9))])
    )
    placed(
        at(3), data.order("o3", "c3", at(3), [("p1", 1, 1000)], channel="app", statuses=[("payment_failed", at(3, 13))])
    )
    placed(at(5), data.order("o4", "c1", at(5), [("p2", 2, 2500)], channel="app", statuses=[("paid", at(5, 13))]))
    placed(at(8), data.order("o5", "c4", at(8), [("p3", 1, 4000), ("p1", 1, 1000)], statuses=[("paid", at(8, 13))]))
    placed(at(10), data.order("o6", "c5", at(10), [("p1", 3, 1000)]))  # no status event yet
    store_revenue = 0
    for sale_id, store_id, customer_id, when, lines in (
        ("sa1", "s1", "c3", at(1, 10), [("p1", 1, 1000)]),
        ("sa2", "s1", None, at(1, 11), [("p2", 1, 2500)]),
        ("sa3", "s2", "c2", at(6, 16), [("p3", 1, 4000), ("p1", 2, 1000)]),
        ("sa4", "s2", "c1", at(10, 17), [("p2", 1, 2500)]),
    ):
        total = data.store_sale(sale_id, store_id, customer_id, when, lines)
        placed(when, total)
        store_revenue += total

    data.add(
        silver.RETURNS,
        event_id=data.event_id(),
        event_type="return_processed",
        event_time=at(7),
        return_id="r1",
        order_id="o1",
        customer_id="c1",
        purchase_channel="web",
        return_channel="mail",
        location_id="w1",
        refund_cents=1000,
        reason="too_small",
        item_count=1,
        **_lineage(at(7)),
    )
    data.add(
        silver.RETURNS,
        event_id=data.event_id(),
        event_type="return_processed",
        event_time=at(6, 17),
        return_id="r2",
        order_id="sa3",
        customer_id="c2",
        purchase_channel="store",
        return_channel="store",
        location_id="s2",
        refund_cents=1000,
        reason="changed_mind",
        item_count=1,
        **_lineage(at(6, 17)),
    )

    for when, location, kind, product, delta, after in (
        (at(1, 6), "w1", "warehouse", "p1", 100, 100),
        (at(1, 12), "w1", "warehouse", "p1", -2, 98),
        (at(1, 12, 1), "w1", "warehouse", "p2", 50, 50),
        (at(1, 10), "s1", "store", "p1", -1, 19),
        (at(6, 16), "s2", "store", "p3", -1, 9),
    ):
        data.add(
            silver.INVENTORY,
            event_id=data.event_id(),
            event_type="restock" if delta > 0 else "sale",
            event_time=when,
            location_id=location,
            location_type=kind,
            product_id=product,
            quantity_delta=delta,
            stock_after=after,
            reference_id=None,
            **_lineage(when),
        )

    for key, visitor, customer, start, product_views, cart_adds, converted, order_id in (
        ("k1", "v1", "c1", at(1, 11, 30), 3, 2, True, "o1"),
        ("k2", "v2", None, at(2, 10), 1, 1, False, None),
        ("k3", "v3", None, at(2, 11), 0, 0, False, None),
    ):
        data.add(
            silver.SESSIONS,
            session_key=key,
            visitor_id=visitor,
            customer_id=customer,
            channel="web",
            device="desktop",
            session_start=start,
            session_end=start.replace(minute=start.minute + 10),
            duration_s=600.0,
            events=5,
            pages=4,
            product_views=product_views,
            cart_adds=cart_adds,
            converted=converted,
            order_id=order_id,
        )
    data.clicks(
        "k1", "v1", "c1", at(1, 11, 30), ["session_start", "product_view", "add_to_cart", "checkout_start", "purchase"]
    )
    data.clicks("k2", "v2", None, at(2, 10), ["session_start", "product_view", "add_to_cart", "add_to_cart"])
    data.clicks("k3", "v3", None, at(2, 11), ["session_start", "page_view", "session_end"])

    expected = Expected(
        revenue_by_day=revenue,
        orders_by_day=counts,
        revenue_orders=8,  # o2 cancelled and o3 payment_failed are out
        store_revenue=store_revenue,
        customers_with_revenue=5,
    )
    return data, expected


def write_silver(spark: Any, namespace: str, data: SilverData) -> None:
    """Create every silver table in ``namespace`` and append the fixture's rows."""
    spark.sql(f"CREATE NAMESPACE IF NOT EXISTS {namespace}")
    for table in SILVER_TABLES:
        spark.sql(f"DROP TABLE IF EXISTS {namespace}.{table.name}")
        spark.sql(create_table_sql(namespace, table))
    write_rows(spark, namespace, data)


def write_rows(spark: Any, namespace: str, data: SilverData) -> None:
    """Append the rows of ``data`` to the silver tables in ``namespace``."""
    for table in SILVER_TABLES:
        rows = data.rows.get(table.name, [])
        if rows:
            schema = ", ".join(f"{name} {kind}" for name, kind in table.columns)
            frame = spark.createDataFrame([tuple(row[c] for c in table.column_names) for row in rows], schema=schema)
            frame.writeTo(f"{namespace}.{table.name}").append()
