"""The silver tables: names and columns, the contract between the silver writers, the
derived silver assets (windows, sessions, anomalies) and the dbt sources.

Entity tables hold typed, validated, de-duplicated events, one row per event (``*_lines``
tables one row per line), partitioned by event day. Every entity table ends with the
``LINEAGE_COLUMNS``: whether the event arrived behind its stream's watermark, and where it
came from. Reference tables hold the latest state per key.
"""

from __future__ import annotations

from dataclasses import dataclass

SILVER_NAMESPACE = "silver"
OPS_NAMESPACE = "ops"

Columns = tuple[tuple[str, str], ...]

LINEAGE_COLUMNS: Columns = (
    ("is_late", "boolean"),  # event_time behind the stream's watermark when it arrived
    ("schema_id", "int"),
    ("kafka_partition", "int"),
    ("kafka_offset", "bigint"),
    ("bronze_ingested_at", "timestamp"),
    ("silver_processed_at", "timestamp"),
)

MONEY_TOTALS: Columns = (
    ("subtotal_cents", "bigint"),
    ("discount_cents", "bigint"),
    ("tax_cents", "bigint"),
    ("total_cents", "bigint"),
    ("currency", "string"),
    ("payment_method", "string"),
    ("promotion_id", "string"),
)

SALE_LINE_COLUMNS: Columns = (
    ("line_number", "int"),
    ("product_id", "string"),
    ("quantity", "int"),
    ("unit_price_cents", "bigint"),
    ("line_total_cents", "bigint"),
    ("discount_cents", "bigint"),
)


@dataclass(frozen=True)
class SilverTable:
    name: str  # table name in the silver namespace
    columns: Columns
    partitioning: str = "days(event_time)"
    key: tuple[str, ...] = ("event_id",)

    @property
    def qualified(self) -> str:
        return f"{SILVER_NAMESPACE}.{self.name}"

    def qualified_in(self, namespace: str | None) -> str:
        """The table's name in ``namespace`` (the silver namespace when None): tests use their own."""
        return f"{namespace or SILVER_NAMESPACE}.{self.name}"

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.columns)


CLICKSTREAM = SilverTable(
    "clickstream",
    (
        ("event_id", "string"),
        ("event_type", "string"),
        ("event_time", "timestamp"),
        ("session_id", "string"),
        ("visitor_id", "string"),
        ("customer_id", "string"),
        ("channel", "string"),  # web | app
        ("device", "string"),
        ("page_type", "string"),
        ("referrer", "string"),
        ("search_query", "string"),
        ("category", "string"),
        ("product_id", "string"),
        ("quantity", "int"),
        ("unit_price_cents", "bigint"),
        ("promotion_id", "string"),
        ("order_id", "string"),
        *LINEAGE_COLUMNS,
    ),
)

ORDERS = SilverTable(
    "orders",
    (
        ("event_id", "string"),
        ("event_type", "string"),
        ("event_time", "timestamp"),
        ("order_id", "string"),
        ("customer_id", "string"),
        ("session_id", "string"),
        ("channel", "string"),  # web | app
        *MONEY_TOTALS,
        ("shipping_city", "string"),
        ("line_count", "int"),
        ("item_count", "int"),
        *LINEAGE_COLUMNS,
        # coupon_code (orders v2) is added by schema evolution when the first v2 event arrives.
    ),
)

ORDER_LINES = SilverTable(
    "order_lines",
    (
        ("event_id", "string"),
        ("event_time", "timestamp"),
        ("order_id", "string"),
        ("customer_id", "string"),
        ("channel", "string"),
        *SALE_LINE_COLUMNS,
        ("is_late", "boolean"),
    ),
    key=("order_id", "line_number"),
)

ORDER_STATUS = SilverTable(
    "order_status",
    (
        ("event_id", "string"),
        ("event_type", "string"),
        ("event_time", "timestamp"),
        ("order_id", "string"),
        ("customer_id", "string"),
        ("status", "string"),  # paid | shipped | delivered | cancelled | ...
        ("payment_method", "string"),
        ("amount_cents", "bigint"),
        ("carrier", "string"),
        ("reason", "string"),
        *LINEAGE_COLUMNS,
    ),
)

STORE_SALES = SilverTable(
    "store_sales",
    (
        ("event_id", "string"),
        ("event_type", "string"),
        ("event_time", "timestamp"),
        ("sale_id", "string"),
        ("store_id", "string"),
        ("customer_id", "string"),
        ("register_id", "string"),
        *MONEY_TOTALS,
        ("line_count", "int"),
        ("item_count", "int"),
        *LINEAGE_COLUMNS,
    ),
)

STORE_SALE_LINES = SilverTable(
    "store_sale_lines",
    (
        ("event_id", "string"),
        ("event_time", "timestamp"),
        ("sale_id", "string"),
        ("store_id", "string"),
        ("customer_id", "string"),
        *SALE_LINE_COLUMNS,
        ("is_late", "boolean"),
    ),
    key=("sale_id", "line_number"),
)

RETURNS = SilverTable(
    "returns",
    (
        ("event_id", "string"),
        ("event_type", "string"),
        ("event_time", "timestamp"),
        ("return_id", "string"),
        ("order_id", "string"),
        ("customer_id", "string"),
        ("purchase_channel", "string"),
        ("return_channel", "string"),
        ("location_id", "string"),
        ("refund_cents", "bigint"),
        ("reason", "string"),
        ("item_count", "int"),
        *LINEAGE_COLUMNS,
    ),
)

RETURN_LINES = SilverTable(
    "return_lines",
    (
        ("event_id", "string"),
        ("event_time", "timestamp"),
        ("return_id", "string"),
        ("order_id", "string"),
        ("line_number", "int"),
        ("product_id", "string"),
        ("quantity", "int"),
        ("refund_cents", "bigint"),
        ("is_late", "boolean"),
    ),
    key=("return_id", "line_number"),
)

INVENTORY = SilverTable(
    "inventory",
    (
        ("event_id", "string"),
        ("event_type", "string"),  # restock | sale | return | ...
        ("event_time", "timestamp"),
        ("location_id", "string"),
        ("location_type", "string"),  # store | warehouse
        ("product_id", "string"),
        ("quantity_delta", "int"),
        ("stock_after", "int"),
        ("reference_id", "string"),
        *LINEAGE_COLUMNS,
    ),
)

# Reference tables: the latest state per key (upserted), not partitioned.
CUSTOMERS = SilverTable(
    "customers",
    (
        ("customer_id", "string"),
        ("full_name", "string"),
        ("email", "string"),
        ("home_city", "string"),
        ("home_region", "string"),
        ("signup_time", "timestamp"),
        ("preferred_channel", "string"),
        ("preferred_device", "string"),
        ("loyalty_member", "boolean"),
        ("updated_at", "timestamp"),
        ("event_id", "string"),
    ),
    partitioning="",
    key=("customer_id",),
)

PRODUCTS = SilverTable(
    "products",
    (
        ("product_id", "string"),
        ("name", "string"),
        ("category", "string"),
        ("brand", "string"),
        ("list_price_cents", "bigint"),
        ("unit_cost_cents", "bigint"),
        ("updated_at", "timestamp"),
        ("event_id", "string"),
    ),
    partitioning="",
    key=("product_id",),
)

STORES = SilverTable(
    "stores",
    (
        ("location_id", "string"),
        ("location_type", "string"),  # store | warehouse
        ("name", "string"),
        ("city", "string"),
        ("region", "string"),
        ("latitude", "double"),
        ("longitude", "double"),
        ("timezone", "string"),
        ("opens_at", "string"),
        ("closes_at", "string"),
        ("updated_at", "timestamp"),
        ("event_id", "string"),
    ),
    partitioning="",
    key=("location_id",),
)

PROMOTIONS = SilverTable(
    "promotions",
    (
        ("promotion_id", "string"),
        ("name", "string"),
        ("category", "string"),
        ("discount_pct", "int"),
        ("channels", "array<string>"),
        ("starts_at", "timestamp"),
        ("ends_at", "timestamp"),
        ("updated_at", "timestamp"),
        ("event_id", "string"),
    ),
    partitioning="",
    key=("promotion_id",),
)

# Rows that failed validation, with a machine-readable reason and the original record.
QUARANTINE = SilverTable(
    "quarantine",
    (
        ("entity", "string"),  # the silver table the row was meant for
        ("event_id", "string"),
        ("event_type", "string"),
        ("event_time", "timestamp"),
        ("reason", "string"),  # a code from shop_analytics.silver.validation.REASONS
        ("detail", "string"),
        ("payload", "string"),  # the decoded record as JSON, or avro-base64:<bytes> if it did not decode
        ("schema_id", "int"),
        ("kafka_topic", "string"),
        ("kafka_partition", "int"),
        ("kafka_offset", "bigint"),
        ("bronze_ingested_at", "timestamp"),
        ("quarantined_at", "timestamp"),
    ),
    partitioning="entity",
)

# Derived silver tables (recomputed incrementally from the entity tables).
SALES_WINDOWS = SilverTable(
    "sales_windows",
    (
        ("window_kind", "string"),  # tumbling_5m | sliding_1h
        ("window_start", "timestamp"),
        ("window_end", "timestamp"),
        ("channel", "string"),  # web | app | store
        ("location_id", "string"),  # store id for channel store; 'online' for web/app
        ("revenue_cents", "bigint"),
        ("orders", "bigint"),
        ("sessions", "bigint"),  # web/app sessions started in the window; null for stores
        ("conversion_rate", "double"),  # orders / sessions; null for stores
    ),
    partitioning="window_kind, days(window_start)",
    key=("window_kind", "window_start", "channel", "location_id"),
)

SESSIONS = SilverTable(
    "sessions",
    (
        ("session_key", "string"),  # visitor_id + session start, from the 30-minute gap rule
        ("visitor_id", "string"),
        ("customer_id", "string"),
        ("channel", "string"),
        ("device", "string"),
        ("session_start", "timestamp"),
        ("session_end", "timestamp"),
        ("duration_s", "double"),
        ("events", "int"),
        ("pages", "int"),
        ("product_views", "int"),
        ("cart_adds", "int"),
        ("converted", "boolean"),
        ("order_id", "string"),
    ),
    partitioning="days(session_start)",
    key=("session_key",),
)

ANOMALIES = SilverTable(
    "anomalies",
    (
        ("rule", "string"),  # zscore_revenue | zscore_orders | impossible_value | ...
        ("entity_type", "string"),  # store | channel | order
        ("entity_id", "string"),
        ("metric", "string"),
        ("window_start", "timestamp"),
        ("window_end", "timestamp"),
        ("observed", "double"),
        ("baseline_mean", "double"),
        ("baseline_stddev", "double"),
        ("score", "double"),
        ("detected_at", "timestamp"),
    ),
    partitioning="days(window_start)",
    key=("rule", "entity_type", "entity_id", "metric", "window_start"),
)

# One row per silver micro-batch and stream, written as the batch commits.
SILVER_BATCHES_TABLE = f"{OPS_NAMESPACE}.silver_batches"
