"""Every table and column the dashboards read, with the type the views expect.

The views use the names on the left; ``TableSpec.columns`` maps each to the column in the
table. The gold marts are dbt models (dbt_models/models/marts/core and marts/customer), so
when a model renames a column, the mapping here is the one line to change, and a column
that is missing is reported by name on the page instead of failing somewhere in a chart.

Kinds make the frames uniform whatever engine wrote the table: Spark writes
``count * 30.0`` as a decimal and timestamps with or without a zone, PyIceberg reads dates
as Python objects; the reader turns them all into floats, UTC timestamps and days.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum

from shop_analytics.ops.ingest_runs import INGEST_RUNS_TABLE
from shop_analytics.silver import tables as silver


class Kind(str, Enum):
    TEXT = "text"
    NUMBER = "number"  # int, bigint, double or decimal: read as float
    BOOL = "bool"
    TIMESTAMP = "timestamp"  # UTC, tz-aware
    DATE = "date"  # a day: midnight timestamp without zone


@dataclass(frozen=True)
class TableSpec:
    """A table (name inside its namespace) and the columns read from it."""

    name: str
    columns: Mapping[str, tuple[str, Kind]]  # dashboard name → (column in the table, kind)

    @property
    def source_columns(self) -> tuple[str, ...]:
        return tuple(column for column, _ in self.columns.values())


def _same(**kinds: Kind) -> dict[str, tuple[str, Kind]]:
    """Columns whose dashboard name is the table's column name."""
    return {name: (name, kind) for name, kind in kinds.items()}


T, N, B, TS, D = Kind.TEXT, Kind.NUMBER, Kind.BOOL, Kind.TIMESTAMP, Kind.DATE

# Gold (namespace: config.gold_namespace) -------------------------------------------------

FCT_ORDERS = TableSpec(
    "fct_orders",
    _same(
        order_id=T,
        channel=T,
        store_id=T,
        customer_id=T,
        ordered_at=TS,
        order_date=D,
        total_cents=N,
        currency=T,
        order_status=T,
        is_revenue=B,
    ),
)
FCT_ORDER_LINES = TableSpec(
    "fct_order_lines",
    _same(order_id=T, product_id=T, order_date=D, quantity=N, line_total_cents=N),
)
DIM_PRODUCTS = TableSpec("dim_products", _same(product_id=T, product_name=T, category=T))
DIM_STORES = TableSpec(
    "dim_stores",
    {
        "store_id": ("location_id", T),
        "store_name": ("location_name", T),
        "city": ("city", T),
        "region": ("region", T),
        "latitude": ("latitude", N),
        "longitude": ("longitude", N),
        "is_store": ("is_store", B),
    },
)
FCT_DAILY_STORE_SALES = TableSpec(
    "fct_daily_store_sales", _same(store_id=T, sale_date=D, transaction_count=N, revenue_cents=N)
)
STORE_PERFORMANCE = TableSpec(
    "store_performance",
    _same(
        store_id=T,
        store_name=T,
        city=T,
        region=T,
        revenue_cents=N,
        avg_basket_cents=N,
        revenue_last_7d_cents=N,
        week_over_week_growth=N,
        revenue_rank_in_region=N,
    ),
)
CONVERSION_FUNNEL = TableSpec(
    "conversion_funnel",
    _same(
        session_date=D,
        channel=T,
        device=T,
        sessions=N,
        product_view_sessions=N,
        cart_sessions=N,
        checkout_sessions=N,
        purchase_sessions=N,
    ),
)
CUSTOMER_RFM = TableSpec(
    "customer_rfm", _same(customer_id=T, segment=T, recency_days=N, frequency=N, monetary_cents=N)
)
CUSTOMER_LIFETIME_VALUE = TableSpec(
    "customer_lifetime_value",
    _same(customer_id=T, historical_clv_cents=N, predicted_clv_cents=N, total_clv_cents=N),
)

# Silver (namespace: config.silver_namespace; names from shop_analytics/silver/tables.py) ---

SALES_WINDOWS = TableSpec(
    silver.SALES_WINDOWS.name,
    _same(window_kind=T, window_start=TS, channel=T, location_id=T, revenue_cents=N, orders=N),
)
ANOMALIES = TableSpec(
    silver.ANOMALIES.name,
    _same(
        rule=T,
        entity_type=T,
        entity_id=T,
        metric=T,
        window_start=TS,
        observed=N,
        baseline_mean=N,
        score=N,
        detected_at=TS,
    ),
)
# The event tables whose rows carry the lineage timestamps (event → bronze → silver latency).
LATENCY_COLUMNS = _same(event_time=TS, bronze_ingested_at=TS, silver_processed_at=TS, is_late=B)
LATENCY_TABLES: tuple[TableSpec, ...] = tuple(
    TableSpec(table.name, LATENCY_COLUMNS)
    for table in (silver.CLICKSTREAM, silver.ORDERS, silver.ORDER_STATUS, silver.STORE_SALES, silver.RETURNS, silver.INVENTORY)
)

# Bronze (namespace: config.bronze_namespace; columns: streaming/bronze.py DEAD_LETTER_COLUMNS)

DEAD_LETTER = TableSpec("dead_letter", _same(kafka_topic=T, reason=T, ingested_at=TS))

# Ops (namespace: config.ops_namespace) -----------------------------------------------------

INGEST_RUNS = TableSpec(
    INGEST_RUNS_TABLE.split(".", 1)[1],  # shop_analytics/ops/ingest_runs.py
    _same(
        run_id=T,
        topic=T,
        rows_in=N,
        bronze_rows=N,
        dead_lettered=N,
        micro_batches=N,
        duration_s=N,
        batch_duration_s_max=N,
        rows_per_s=N,
        consumer_lag=N,
        newest_event_age_s=N,
        finished_at=TS,
    ),
)
SILVER_BATCHES = TableSpec(
    silver.SILVER_BATCHES_TABLE.split(".", 1)[1],  # columns: silver/writer.py SILVER_BATCH_COLUMNS
    _same(
        entity=T,
        batch_id=N,
        rows_in=N,
        accepted=N,
        quarantined=N,
        duplicates=N,
        late=N,
        quarantined_by_reason=T,
        newest_event_time=TS,
        started_at=TS,
        duration_s=N,
    ),
)
QUALITY_SCORES = TableSpec(
    "quality_scores",  # shop_analytics/quality/scores_table.py
    _same(checked_at=TS, asset_key=T, layer=T, check_name=T, score=N, sla=N, below_sla=B, failed_expectations=N),
)

# The alert incident store (SQLite, shop_analytics/alerts/incidents.py).
OPEN_INCIDENTS_TABLE = "open_incidents"
INCIDENT_HISTORY_TABLE = "incident_history"
