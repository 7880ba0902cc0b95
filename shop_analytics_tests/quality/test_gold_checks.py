"""Gold suites on small marts built in a test namespace."""

from __future__ import annotations

from dagster import AssetKey

from shop_analytics_tests.quality.checks_harness import run_check
from shop_analytics_tests.quality.lake import (
    CLV_COLUMNS,
    DAILY_STORE_SALES_COLUMNS,
    FCT_ORDERS_COLUMNS,
    RFM_COLUMNS,
    SALE_DAY,
    TestLake,
    clv_row,
    fct_order_row,
    rfm_row,
)

RFM = AssetKey(["gold", "customer_rfm"])
DAILY = AssetKey(["gold", "fct_daily_store_sales"])
FCT_ORDERS = AssetKey(["gold", "fct_orders"])


def _daily(store: str, revenue: int, transactions: int = 2) -> dict:
    return {
        "daily_store_sales_id": f"{store}-{SALE_DAY}",
        "store_id": store,
        "sale_date": SALE_DAY,
        "transaction_count": transactions,
        "revenue_cents": revenue,
        "refund_cents": 0,
    }


def test_mart_not_built_yet_skips_the_check_and_says_so(lake: TestLake) -> None:
    run = run_check(lake, RFM)

    assert run.success
    assert run.evaluation is None  # no result: Dagster shows the check as skipped
    assert any("customer_rfm: table not built yet" in message for message in run.log_messages)


def test_rfm_scores_out_of_range_and_a_customer_in_two_segments_fail(lake: TestLake) -> None:
    lake.write(lake.names.gold, "customer_lifetime_value", CLV_COLUMNS, [clv_row("a"), clv_row("b")])
    rows = [
        rfm_row("a", 5, 4, 6, "champions"),
        rfm_row("b", 3, 2, 2, "need_attention"),
        rfm_row("b", 1, 1, 1, "hibernating"),
    ]
    lake.write(lake.names.gold, "customer_rfm", RFM_COLUMNS, rows)

    run = run_check(lake, RFM)

    failing = run.failing()
    assert failing["monetary_score is between 1 and 5"]["sample_values"] == [6]
    assert failing["customer_id is unique"]["unexpected_count"] == 2
    assert run.evaluation is not None and run.evaluation.severity.value == "ERROR"
    assert "recency_score is between 1 and 5" not in failing


def test_rfm_monetary_value_reconciles_with_clv(lake: TestLake) -> None:
    lake.write(lake.names.gold, "customer_lifetime_value", CLV_COLUMNS, [clv_row("a"), clv_row("b")])
    rows = [rfm_row("a", 5, 4, 3, "champions"), rfm_row("b", 3, 2, 2, "need_attention", monetary=999)]
    lake.write(lake.names.gold, "customer_rfm", RFM_COLUMNS, rows)

    run = run_check(lake, RFM)

    assert list(run.failing()) == ["monetary_cents = customer_lifetime_value.historical_clv_cents"]
    assert run.evaluation is not None and run.evaluation.severity.value == "WARN"


def test_daily_store_revenue_reconciles_with_store_orders(lake: TestLake) -> None:
    orders = [fct_order_row(1), fct_order_row(2), fct_order_row(3, store_id="st-2"), fct_order_row(4, channel="web")]
    lake.write(lake.names.gold, "fct_orders", FCT_ORDERS_COLUMNS, orders)
    lake.write(
        lake.names.gold,
        "fct_daily_store_sales",
        DAILY_STORE_SALES_COLUMNS,
        [_daily("st-1", 2_200), _daily("st-2", 1_100, 1)],
    )

    assert run_check(lake, DAILY).meta("expectations_failed") == 0

    lake.write(
        lake.names.gold,
        "fct_daily_store_sales",
        DAILY_STORE_SALES_COLUMNS,
        [_daily("st-1", 2_000), _daily("st-2", 1_100, 1)],
    )
    failing = run_check(lake, DAILY).failing()

    entry = failing["revenue_cents = sum of fct_orders.total_cents of the store's sales that day"]
    assert entry["sample_rows"] == [
        {"store_id": "st-1", "sale_date": "2026-11-24", "revenue_cents": 2_000, "_orders_revenue_cents": 2_200}
    ]


def test_negative_order_revenue_is_critical(lake: TestLake) -> None:
    rows = [fct_order_row(1), fct_order_row(2, subtotal_cents=-1_100, total_cents=-1_000)]
    lake.write(lake.names.gold, "fct_orders", FCT_ORDERS_COLUMNS, rows)

    run = run_check(lake, FCT_ORDERS)

    assert {"total_cents is not negative", "subtotal_cents is not negative"} <= set(run.failing())
    assert run.evaluation is not None and run.evaluation.severity.value == "ERROR"
