"""A small lakehouse, run history and alert store whose every dashboard number is known.

Written through PyIceberg into the test's own namespaces. Silver, bronze and ops tables
take their columns from the pipeline's own definitions (silver/tables.py,
silver/writer.py, streaming/bronze.py, ops/ingest_runs.py, quality/scores_table.py), so a
change there shows up here; gold tables have the columns and types the dbt models produce.

``EXPECTED`` holds what the views must show for this data, worked out by hand below.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
from pyiceberg.catalog import Catalog

from shop_analytics.alerts.incidents import IncidentStore
from shop_analytics.alerts.model import Level
from shop_analytics.ops.ingest_runs import IngestRunRecord, append_ingest_runs
from shop_analytics.quality.scores_table import ScoreRecord, append_scores
from shop_analytics.silver import tables as silver
from shop_analytics.silver.writer import SILVER_BATCH_COLUMNS
from shop_analytics.streaming.bronze import DEAD_LETTER_COLUMNS

SPARK_TO_ARROW: dict[str, pa.DataType] = {
    "string": pa.string(),
    "bigint": pa.int64(),
    "int": pa.int32(),
    "double": pa.float64(),
    "boolean": pa.bool_(),
    "timestamp": pa.timestamp("us", tz="UTC"),
    "binary": pa.binary(),
    "array<string>": pa.list_(pa.string()),
}


@dataclass(frozen=True)
class Namespaces:
    gold: str
    silver: str
    bronze: str
    ops: str

    @classmethod
    def fresh(cls) -> Namespaces:
        tag = uuid.uuid4().hex[:8]
        return cls(f"dash_{tag}_gold", f"dash_{tag}_silver", f"dash_{tag}_bronze", f"dash_{tag}_ops")

    def environ(self) -> dict[str, str]:
        return {
            "SHOP_DASHBOARD_GOLD_NAMESPACE": self.gold,
            "SHOP_DASHBOARD_SILVER_NAMESPACE": self.silver,
            "SHOP_DASHBOARD_BRONZE_NAMESPACE": self.bronze,
            "SHOP_DASHBOARD_OPS_NAMESPACE": self.ops,
        }


def spark_schema(columns: tuple[tuple[str, str], ...]) -> pa.Schema:
    return pa.schema([(name, SPARK_TO_ARROW[kind]) for name, kind in columns])


def write(catalog: Catalog, identifier: str, rows: list[dict[str, object]], schema: pa.Schema) -> None:
    catalog.create_namespace_if_not_exists(identifier.rsplit(".", 1)[0])
    table = catalog.create_table(identifier, schema=schema)
    if rows:
        table.append(pa.Table.from_pylist(rows, schema=schema))


# Gold ------------------------------------------------------------------------------------
# Newest order day 2026-11-20: the 7-day period is Nov 14-20, the previous one Nov 7-13.

D = date
ORDERS_SCHEMA = pa.schema(
    [
        ("order_id", pa.string()),
        ("channel", pa.string()),
        ("store_id", pa.string()),
        ("customer_id", pa.string()),
        ("ordered_at", pa.timestamp("us", tz="UTC")),
        ("order_date", pa.date32()),
        ("total_cents", pa.int64()),
        ("currency", pa.string()),
        ("order_status", pa.string()),
        ("is_revenue", pa.bool_()),
    ]
)


def _order(order_id: str, channel: str, day: date, total: int, revenue: bool = True, store: str | None = None) -> dict:
    return {
        "order_id": order_id,
        "channel": channel,
        "store_id": store,
        "customer_id": "C1",
        "ordered_at": datetime(day.year, day.month, day.day, 12, tzinfo=UTC),
        "order_date": day,
        "total_cents": total,
        "currency": "USD",
        "order_status": "completed" if revenue else "cancelled",
        "is_revenue": revenue,
    }


ORDERS = [
    # this period: revenue 100 + 50 + 200 + 150 = 500.00 over 4 orders (o4 is cancelled)
    _order("o1", "web", D(2026, 11, 20), 10_000),
    _order("o2", "app", D(2026, 11, 19), 5_000),
    _order("o3", "store", D(2026, 11, 18), 20_000, store="S1"),
    _order("o4", "web", D(2026, 11, 18), 7_000, revenue=False),
    _order("o5", "store", D(2026, 11, 15), 15_000, store="S2"),
    # previous period: 400.00 over 2 orders
    _order("p1", "web", D(2026, 11, 10), 20_000),
    _order("p2", "store", D(2026, 11, 8), 20_000, store="S1"),
]

LINES_SCHEMA = pa.schema(
    [
        ("order_id", pa.string()),
        ("line_number", pa.int32()),
        ("product_id", pa.string()),
        ("order_date", pa.date32()),
        ("quantity", pa.int32()),
        ("line_total_cents", pa.int64()),
    ]
)
LINES = [
    {"order_id": o, "line_number": n, "product_id": p, "order_date": d, "quantity": q, "line_total_cents": c}
    for o, n, p, d, q, c in [
        ("o1", 1, "P1", D(2026, 11, 20), 2, 6_000),
        ("o1", 2, "P2", D(2026, 11, 20), 1, 4_000),
        ("o2", 1, "P3", D(2026, 11, 19), 1, 5_000),
        ("o3", 1, "P1", D(2026, 11, 18), 4, 12_000),
        ("o3", 2, "P3", D(2026, 11, 18), 2, 8_000),
        ("o4", 1, "P2", D(2026, 11, 18), 10, 7_000),  # cancelled order: not counted
        ("o5", 1, "P2", D(2026, 11, 15), 3, 15_000),
        ("p1", 1, "P1", D(2026, 11, 10), 5, 20_000),  # previous period: not counted
    ]
]
PRODUCTS_SCHEMA = pa.schema([("product_id", pa.string()), ("product_name", pa.string()), ("category", pa.string())])
PRODUCTS = [
    {"product_id": "P1", "product_name": "Trail Shoe", "category": "Footwear"},
    {"product_id": "P2", "product_name": "Desk Lamp", "category": "Home"},
    {"product_id": "P3", "product_name": "Wool Sock", "category": "Footwear"},
]
STORES_SCHEMA = pa.schema(
    [
        ("location_id", pa.string()),
        ("location_type", pa.string()),
        ("location_name", pa.string()),
        ("city", pa.string()),
        ("region", pa.string()),
        ("latitude", pa.float64()),
        ("longitude", pa.float64()),
        ("is_store", pa.bool_()),
    ]
)
STORES = [
    {
        "location_id": "S1",
        "location_type": "store",
        "location_name": "Fifth Avenue",
        "city": "New York",
        "region": "Northeast",
        "latitude": 40.7128,
        "longitude": -74.0060,
        "is_store": True,
    },
    {
        "location_id": "S2",
        "location_type": "store",
        "location_name": "Loop",
        "city": "Chicago",
        "region": "Midwest",
        "latitude": 41.8781,
        "longitude": -87.6298,
        "is_store": True,
    },
    {
        "location_id": "W1",
        "location_type": "warehouse",
        "location_name": "Columbus DC",
        "city": "Columbus",
        "region": "Midwest",
        "latitude": 39.9612,
        "longitude": -82.9988,
        "is_store": False,
    },
]
DAILY_SCHEMA = pa.schema(
    [
        ("store_id", pa.string()),
        ("sale_date", pa.date32()),
        ("transaction_count", pa.int64()),
        ("revenue_cents", pa.int64()),
    ]
)
DAILY = [
    {"store_id": "S1", "sale_date": D(2026, 11, 18), "transaction_count": 1, "revenue_cents": 20_000},
    {"store_id": "S2", "sale_date": D(2026, 11, 15), "transaction_count": 1, "revenue_cents": 15_000},
    {"store_id": "S1", "sale_date": D(2026, 11, 8), "transaction_count": 1, "revenue_cents": 20_000},
]
PERFORMANCE_SCHEMA = pa.schema(
    [
        ("store_id", pa.string()),
        ("store_name", pa.string()),
        ("city", pa.string()),
        ("region", pa.string()),
        ("revenue_cents", pa.int64()),
        ("avg_basket_cents", pa.int64()),
        ("revenue_last_7d_cents", pa.int64()),
        ("week_over_week_growth", pa.float64()),
        ("revenue_rank_in_region", pa.int32()),
    ]
)
PERFORMANCE = [
    {
        "store_id": "S1",
        "store_name": "Fifth Avenue",
        "city": "New York",
        "region": "Northeast",
        "revenue_cents": 40_000,
        "avg_basket_cents": 20_000,
        "revenue_last_7d_cents": 20_000,
        "week_over_week_growth": 0.0,
        "revenue_rank_in_region": 1,
    },
    {
        "store_id": "S2",
        "store_name": "Loop",
        "city": "Chicago",
        "region": "Midwest",
        "revenue_cents": 15_000,
        "avg_basket_cents": 15_000,
        "revenue_last_7d_cents": 15_000,
        "week_over_week_growth": None,
        "revenue_rank_in_region": 1,
    },
]
FUNNEL_SCHEMA = pa.schema(
    [
        ("session_date", pa.date32()),
        ("channel", pa.string()),
        ("device", pa.string()),
        ("sessions", pa.int64()),
        ("product_view_sessions", pa.int64()),
        ("cart_sessions", pa.int64()),
        ("checkout_sessions", pa.int64()),
        ("purchase_sessions", pa.int64()),
    ]
)
FUNNEL = [
    # this period: 3 purchases / 50 sessions = 6.0 %; previous: 2 / 50 = 4.0 %
    {
        "session_date": D(2026, 11, 20),
        "channel": "web",
        "device": "desktop",
        "sessions": 40,
        "product_view_sessions": 30,
        "cart_sessions": 10,
        "checkout_sessions": 5,
        "purchase_sessions": 2,
    },
    {
        "session_date": D(2026, 11, 19),
        "channel": "app",
        "device": "mobile",
        "sessions": 10,
        "product_view_sessions": 8,
        "cart_sessions": 3,
        "checkout_sessions": 2,
        "purchase_sessions": 1,
    },
    {
        "session_date": D(2026, 11, 10),
        "channel": "web",
        "device": "desktop",
        "sessions": 50,
        "product_view_sessions": 35,
        "cart_sessions": 9,
        "checkout_sessions": 4,
        "purchase_sessions": 2,
    },
]
RFM_SCHEMA = pa.schema(
    [
        ("customer_id", pa.string()),
        ("segment", pa.string()),
        ("recency_days", pa.int32()),
        ("frequency", pa.int64()),
        ("monetary_cents", pa.int64()),
    ]
)
RFM = [
    {"customer_id": "C1", "segment": "champions", "recency_days": 0, "frequency": 5, "monetary_cents": 60_000},
    {"customer_id": "C2", "segment": "champions", "recency_days": 1, "frequency": 4, "monetary_cents": 40_000},
    {"customer_id": "C3", "segment": "at_risk", "recency_days": 20, "frequency": 3, "monetary_cents": 20_000},
    {"customer_id": "C4", "segment": "hibernating", "recency_days": 25, "frequency": 1, "monetary_cents": 5_000},
]
CLV_SCHEMA = pa.schema(
    [
        ("customer_id", pa.string()),
        ("historical_clv_cents", pa.int64()),
        ("predicted_clv_cents", pa.int64()),
        ("total_clv_cents", pa.int64()),
    ]
)
CLV = [
    # totals 100, 200, 300, 1000.00: median 250.00; predicted 10 + 20 + 30 + 40 = 100.00
    {"customer_id": c, "historical_clv_cents": t - p, "predicted_clv_cents": p, "total_clv_cents": t}
    for c, t, p in [("C1", 10_000, 1_000), ("C2", 20_000, 2_000), ("C3", 30_000, 3_000), ("C4", 100_000, 4_000)]
]


def write_gold(catalog: Catalog, ns: Namespaces) -> None:
    for name, rows, schema in [
        ("fct_orders", ORDERS, ORDERS_SCHEMA),
        ("fct_order_lines", LINES, LINES_SCHEMA),
        ("dim_products", PRODUCTS, PRODUCTS_SCHEMA),
        ("dim_stores", STORES, STORES_SCHEMA),
        ("fct_daily_store_sales", DAILY, DAILY_SCHEMA),
        ("store_performance", PERFORMANCE, PERFORMANCE_SCHEMA),
        ("conversion_funnel", FUNNEL, FUNNEL_SCHEMA),
        ("customer_rfm", RFM, RFM_SCHEMA),
        ("customer_lifetime_value", CLV, CLV_SCHEMA),
    ]:
        write(catalog, f"{ns.gold}.{name}", rows, schema)


# Silver, bronze, ops: times relative to ``now`` (the operational windows end now) --------


def _row(columns: tuple[tuple[str, str], ...], **values: object) -> dict[str, object]:
    return {name: values.get(name) for name, _ in columns}


def write_pipeline_records(catalog: Catalog, ns: Namespaces, now: datetime) -> None:
    ago = lambda **kw: now - timedelta(**kw)  # noqa: E731 - reads as "ago(minutes=5)"

    # ops.ingest_runs through the pipeline's own writer. In the last 24 h: orders 1500 in,
    # 15 dead-lettered (1.00 %), clickstream 2000 in, none; all topics 15 / 3500 = 0.43 %.
    # The run three days ago is outside the 24-hour window. Latest lag: orders 42, clickstream 7.
    def run(run_id: str, topic: str, rows: int, dead: int, lag: int, at: datetime, batch_s: float, rate: float):
        return IngestRunRecord(
            run_id,
            topic,
            f"{ns.bronze}.{topic.split('.')[-1]}",
            rows,
            rows - dead,
            dead,
            2,
            batch_s * 2,
            batch_s,
            rate,
            lag,
            30.0,
            at,
        )

    append_ingest_runs(
        catalog,
        [
            run("r0", "shop.orders", 100_000, 5_000, 900, ago(days=3), 9.0, 900.0),
            run("r1", "shop.orders", 1_000, 10, 0, ago(minutes=30), 2.0, 250.0),
            run("r2", "shop.orders", 500, 5, 42, ago(minutes=5), 1.5, 200.0),
            run("r2", "shop.clickstream", 2_000, 0, 7, ago(minutes=5), 2.5, 400.0),
        ],
        table=f"{ns.ops}.ingest_runs",
    )

    # ops.silver_batches: 450 rows in, 9 quarantined (2.00 %); durations 4, 2, 3 s:
    # p50 3.0 s, throughput 450 / 9 s = 50 rows/s.
    batches = [
        _row(
            SILVER_BATCH_COLUMNS,
            stream="s-orders",
            entity="orders",
            batch_id=0,
            rows_in=100,
            accepted=90,
            quarantined=6,
            duplicates=4,
            late=2,
            quarantined_by_reason=json.dumps({"unknown_product": 4, "price_mismatch": 2}),
            newest_event_time=ago(minutes=21),
            started_at=ago(minutes=20),
            duration_s=4.0,
        ),
        _row(
            SILVER_BATCH_COLUMNS,
            stream="s-orders",
            entity="orders",
            batch_id=1,
            rows_in=50,
            accepted=50,
            quarantined=0,
            duplicates=0,
            late=0,
            quarantined_by_reason="{}",
            newest_event_time=ago(minutes=11),
            started_at=ago(minutes=10),
            duration_s=2.0,
        ),
        _row(
            SILVER_BATCH_COLUMNS,
            stream="s-click",
            entity="clickstream",
            batch_id=0,
            rows_in=300,
            accepted=297,
            quarantined=3,
            duplicates=0,
            late=0,
            quarantined_by_reason=json.dumps({"future_timestamp": 3}),
            newest_event_time=ago(minutes=16),
            started_at=ago(minutes=15),
            duration_s=3.0,
        ),
    ]
    write(catalog, f"{ns.ops}.silver_batches", batches, spark_schema(SILVER_BATCH_COLUMNS))

    # bronze.dead_letter: three records of shop.orders.
    dead = [
        _row(
            DEAD_LETTER_COLUMNS,
            kafka_topic="shop.orders",
            kafka_partition=0,
            kafka_offset=i,
            kafka_timestamp=ago(minutes=6),
            reason=reason,
            error="test",
            ingested_at=ago(minutes=5),
        )
        for i, reason in enumerate(["not_confluent_framed", "not_confluent_framed", "unknown_schema_id"])
    ]
    write(catalog, f"{ns.bronze}.dead_letter", dead, spark_schema(DEAD_LETTER_COLUMNS))

    # silver.orders for latency: events 10, 20 and 30 s old when processed (p50 20 s),
    # ingested to bronze 2 s before silver.
    processed = ago(minutes=10)
    orders = [
        _row(
            silver.ORDERS.columns,
            event_id=f"e{i}",
            event_type="order_placed",
            event_time=processed - timedelta(seconds=s),
            order_id=f"o{i}",
            channel="web",
            is_late=(i == 0),
            bronze_ingested_at=processed - timedelta(seconds=2),
            silver_processed_at=processed,
        )
        for i, s in enumerate([10, 20, 30])
    ]
    write(catalog, f"{ns.silver}.orders", orders, spark_schema(silver.ORDERS.columns))

    anomalies = [
        _row(
            silver.ANOMALIES.columns,
            rule="zscore_revenue",
            entity_type="store",
            entity_id="S1",
            metric="revenue_cents",
            window_start=ago(hours=2),
            window_end=ago(hours=2) + timedelta(minutes=5),
            observed=171_685.0,
            baseline_mean=36_034.6,
            baseline_stddev=19_862.7,
            score=6.83,
            detected_at=ago(hours=1),
        ),
        _row(
            silver.ANOMALIES.columns,
            rule="zscore_orders",
            entity_type="channel",
            entity_id="app",
            metric="orders",
            window_start=ago(hours=3),
            window_end=ago(hours=3) + timedelta(minutes=5),
            observed=5.0,
            baseline_mean=1.5,
            baseline_stddev=0.5,
            score=7.0,
            detected_at=ago(hours=1),
        ),
    ]
    write(catalog, f"{ns.silver}.anomalies", anomalies, spark_schema(silver.ANOMALIES.columns))

    windows = [
        _row(
            silver.SALES_WINDOWS.columns,
            window_kind="tumbling_5m",
            window_start=ago(minutes=m),
            window_end=ago(minutes=m - 5),
            channel=c,
            location_id="online",
            revenue_cents=r,
            orders=1,
        )
        for m, c, r in [(30, "web", 1_000), (25, "web", 2_000), (25, "app", 1_500)]
    ]
    write(catalog, f"{ns.silver}.sales_windows", windows, spark_schema(silver.SALES_WINDOWS.columns))

    # ops.quality_scores through the quality package's writer: silver/orders below its SLA.
    def score(asset: str, value: float, sla: float, at: datetime) -> ScoreRecord:
        return ScoreRecord(
            at,
            asset,
            asset.split("/")[0],
            f"{asset}_suite",
            1,
            "great_expectations",
            None,
            "batch",
            100,
            1.0,
            value,
            1.0,
            value,
            sla,
            value < sla,
            10,
            0 if value >= sla else 2,
            0,
        )

    append_scores(
        catalog,
        f"{ns.ops}.quality_scores",
        [score("silver/orders", 0.9, 0.98, ago(minutes=9)), score("gold/fct_orders", 1.0, 0.99, ago(minutes=8))],
    )


def write_alerts(path: Path, now: datetime) -> None:
    """One open critical incident and one resolved warning, through the alerting's own store."""
    store = IncidentStore(path)
    start = now.timestamp()
    store.open("run:silver_job", Level.CRITICAL, "silver_job failed", start - 600)
    store.open("freshness:gold/fct_orders", Level.WARNING, "gold/fct_orders is stale", start - 3600)
    store.resolve("freshness:gold/fct_orders", start - 1800)


RUN_RESULTS = {
    "metadata": {"dbt_version": "1.10.23", "generated_at": "2026-11-20T12:00:00Z", "invocation_id": "test"},
    "elapsed_time": 64.5,
    "args": {"which": "build"},
    "results": [
        {
            "unique_id": f"model.shop_analytics.{name}",
            "status": "success",
            "execution_time": seconds,
            "timing": [
                {"name": "execute", "started_at": "2026-11-20T11:59:00Z", "completed_at": "2026-11-20T11:59:10Z"}
            ],
        }
        for name, seconds in [("fct_orders", 12.5), ("dim_customers", 4.25), ("customer_rfm", 2.0)]
    ]
    + [
        {
            "unique_id": "test.shop_analytics.not_null_fct_orders_order_id.abc",
            "status": "pass",
            "execution_time": 0.5,
            "timing": [],
        }
    ],
}


def write_run_results(target_dir: Path) -> None:
    run_dir = target_dir / "run-1"  # dagster-dbt writes one folder per invocation
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "run_results.json").write_text(json.dumps(RUN_RESULTS))


# What the views must show for this data.
EXPECTED = {
    "executive": {
        "Revenue": ("500.00 USD", "+25.0 %"),
        "Orders": ("4", "+100.0 %"),
        "Average order value": ("125.00 USD", "-37.5 %"),
        "Conversion (web + app)": ("6.0 %", "+2.0 pp"),
        "Customers with orders": ("4", None),
        "Median lifetime value": ("250.00 USD", None),
        "90th percentile lifetime value": ("790.00 USD", None),  # 300 + 0.7 x (1000 - 300)
        "Predicted next 12 months": ("100.00 USD", None),
    },
    "operational": {
        "Max consumer lag": "42",
        "Dead-letter rate": "0.43 %",
        "Quarantine rate": "2.00 %",
        "Open alerts": "1",
    },
    "technical": {
        "Silver batches": "3",
        "Batch duration p50": "3.0 s",
        "Silver throughput": "50 rows/s",
    },
}
