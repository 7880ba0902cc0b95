"""Small Iceberg tables for quality and alert tests, written with PyIceberg and pyarrow.

Each test gets namespaces of its own (``TestLake``), so tests never see each other's tables
or the developer's; rows are built from the silver table specs so columns stay in one place.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pyarrow as pa
from pyiceberg.catalog import Catalog

from shop_analytics.assets.checks import namespaces
from shop_analytics.quality.suite import Namespaces
from shop_analytics.resources.iceberg import IcebergCatalogResource
from shop_analytics.resources.quality import QualityResource
from shop_analytics.silver import tables as t
from shop_analytics.silver.tables import SilverTable

ARROW_TYPES: Mapping[str, pa.DataType] = {
    "string": pa.string(),
    "timestamp": pa.timestamp("us", tz="UTC"),
    "bigint": pa.int64(),
    "int": pa.int32(),
    "boolean": pa.bool_(),
    "double": pa.float64(),
    "date": pa.date32(),
    "binary": pa.binary(),
    "array<string>": pa.list_(pa.string()),
}

# A fixed day: checks read the newest day, so fixed times keep tests away from midnight.
DAY = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def arrow_schema(columns: Sequence[tuple[str, str]]) -> pa.Schema:
    return pa.schema([(name, ARROW_TYPES[kind]) for name, kind in columns])


@dataclass
class TestLake:
    catalog: Catalog
    properties: dict[str, str]
    names: Namespaces
    ops: str

    __test__ = False  # not a pytest class

    @property
    def iceberg(self) -> IcebergCatalogResource:
        return IcebergCatalogResource(name="lakehouse", properties=self.properties)

    def quality(self, **overrides: Any) -> QualityResource:
        return QualityResource(
            bronze_namespace=self.names.bronze,
            silver_namespace=self.names.silver,
            gold_namespace=self.names.gold,
            ops_namespace=self.ops,
            **overrides,
        )

    def write(self, namespace: str, name: str, columns: Sequence[tuple[str, str]], rows: Iterable[Mapping]) -> None:
        """Create (or replace) ``namespace.name`` holding ``rows``."""
        self.catalog.create_namespace_if_not_exists(namespace)
        identifier = f"{namespace}.{name}"
        if self.catalog.table_exists(identifier):
            self.catalog.drop_table(identifier)
        schema = arrow_schema(columns)
        table = self.catalog.create_table(identifier, schema=schema)
        table.append(pa.Table.from_pylist([dict(r) for r in rows], schema=schema))

    def write_silver(self, spec: SilverTable, rows: Iterable[Mapping]) -> None:
        self.write(self.names.silver, spec.name, spec.columns, rows)

    def append_silver(self, spec: SilverTable, rows: Iterable[Mapping]) -> None:
        """Append ``rows`` to an existing silver table (a new data file)."""
        schema = arrow_schema(spec.columns)
        table = self.catalog.load_table(f"{self.names.silver}.{spec.name}")
        table.append(pa.Table.from_pylist([dict(r) for r in rows], schema=schema))


def new_lake(catalog: Catalog, properties: dict[str, str]) -> TestLake:
    tag = uuid.uuid4().hex[:8]
    names = Namespaces(bronze=f"qb_{tag}", silver=f"qs_{tag}", gold=f"qg_{tag}")
    lake = TestLake(catalog=catalog, properties=properties, names=names, ops=f"qo_{tag}")
    assert namespaces(lake.quality()) == names
    return lake


# --- Rows ------------------------------------------------------------------------------------

LINEAGE = {
    "is_late": False,
    "schema_id": 1,
    "kafka_partition": 0,
    "bronze_ingested_at": DAY,
    "silver_processed_at": DAY,
}


def order_row(i: int, **changes: Any) -> dict[str, Any]:
    row = {
        "event_id": f"ev-{i}",
        "event_type": "order_placed",
        "event_time": DAY - timedelta(minutes=i),
        "order_id": f"o-{i}",
        "customer_id": f"c-{i % 3}",
        "session_id": f"s-{i}",
        "channel": "web" if i % 2 else "app",
        "subtotal_cents": 2_000,
        "discount_cents": 200,
        "tax_cents": 180,
        "total_cents": 1_980,
        "currency": "USD",
        "payment_method": "card",
        "promotion_id": None,
        "shipping_city": "Lyon",
        "line_count": 1,
        "item_count": 2,
        "kafka_offset": i,
        **LINEAGE,
    }
    return {**row, **changes}


def orders(count: int) -> list[dict[str, Any]]:
    return [order_row(i) for i in range(count)]


def order_line_row(i: int, product_id: str = "p-1", **changes: Any) -> dict[str, Any]:
    row = {
        "event_id": f"ev-{i}",
        "event_time": DAY - timedelta(minutes=i),
        "order_id": f"o-{i}",
        "customer_id": "c-1",
        "channel": "web",
        "line_number": 1,
        "product_id": product_id,
        "quantity": 2,
        "unit_price_cents": 1_000,
        "line_total_cents": 2_000,
        "discount_cents": 200,
        "is_late": False,
    }
    return {**row, **changes}


def product_row(product_id: str) -> dict[str, Any]:
    return {
        "product_id": product_id,
        "name": f"Product {product_id}",
        "category": "shoes",
        "brand": "Acme",
        "list_price_cents": 1_000,
        "unit_cost_cents": 600,
        "updated_at": DAY,
        "event_id": f"ev-{product_id}",
    }


def write_products(lake: TestLake, ids: Sequence[str]) -> None:
    lake.write_silver(t.PRODUCTS, [product_row(p) for p in ids])


# --- Gold ------------------------------------------------------------------------------------

FCT_ORDERS_COLUMNS = (
    ("order_id", "string"), ("channel", "string"), ("store_id", "string"), ("customer_id", "string"),
    ("order_date", "date"), ("subtotal_cents", "bigint"), ("discount_cents", "bigint"), ("tax_cents", "bigint"),
    ("total_cents", "bigint"), ("order_status", "string"), ("is_revenue", "boolean"),
)  # fmt: skip
DAILY_STORE_SALES_COLUMNS = (
    ("daily_store_sales_id", "string"), ("store_id", "string"), ("sale_date", "date"),
    ("transaction_count", "bigint"), ("revenue_cents", "bigint"), ("refund_cents", "bigint"),
)  # fmt: skip
RFM_COLUMNS = (
    ("customer_id", "string"), ("as_of_date", "date"), ("recency_days", "int"), ("frequency", "bigint"),
    ("monetary_cents", "bigint"), ("recency_score", "int"), ("frequency_score", "int"), ("monetary_score", "int"),
    ("rfm_cell", "string"), ("segment", "string"),
)  # fmt: skip
CLV_COLUMNS = (
    ("customer_id", "string"), ("order_count", "bigint"), ("revenue_cents", "bigint"), ("refund_cents", "bigint"),
    ("historical_clv_cents", "bigint"), ("predicted_clv_cents", "bigint"), ("total_clv_cents", "bigint"),
)  # fmt: skip

SALE_DAY = date(2026, 11, 24)


def fct_order_row(i: int, channel: str = "store", store_id: str | None = "st-1", **changes: Any) -> dict[str, Any]:
    row = {
        "order_id": f"o-{i}",
        "channel": channel,
        "store_id": store_id if channel == "store" else None,
        "customer_id": f"c-{i}",
        "order_date": SALE_DAY,
        "subtotal_cents": 1_000,
        "discount_cents": 0,
        "tax_cents": 100,
        "total_cents": 1_100,
        "order_status": "completed" if channel == "store" else "paid",
        "is_revenue": True,
    }
    return {**row, **changes}


def rfm_row(customer: str, r: int, f: int, m: int, segment: str, monetary: int = 1_000) -> dict[str, Any]:
    return {
        "customer_id": customer,
        "as_of_date": SALE_DAY,
        "recency_days": 3,
        "frequency": 2,
        "monetary_cents": monetary,
        "recency_score": r,
        "frequency_score": f,
        "monetary_score": m,
        "rfm_cell": f"{r}{f}{m}",
        "segment": segment,
    }


def clv_row(customer: str, revenue: int = 1_200, refund: int = 200, predicted: int = 300) -> dict[str, Any]:
    return {
        "customer_id": customer,
        "order_count": 2,
        "revenue_cents": revenue,
        "refund_cents": refund,
        "historical_clv_cents": revenue - refund,
        "predicted_clv_cents": predicted,
        "total_clv_cents": revenue - refund + predicted,
    }
