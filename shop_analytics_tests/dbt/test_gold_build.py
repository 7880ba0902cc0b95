"""The gold layer built by a real ``dbt build`` on a small silver layer (see conftest.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from shop_analytics.platform import lakehouse
from shop_analytics.platform.settings import PlatformSettings
from shop_analytics_tests.dbt.conftest import GOLD_NAMESPACE, SILVER_NAMESPACE, GoldBuild

pytestmark = pytest.mark.integration

MARTS = {
    "dim_customers",
    "dim_products",
    "dim_stores",
    "dim_date",
    "dim_channel",
    "fct_orders",
    "fct_order_lines",
    "fct_sessions",
    "fct_returns",
    "fct_daily_store_sales",
    "fct_inventory_position",
    "customer_rfm",
    "customer_lifetime_value",
    "cohort_retention",
    "conversion_funnel",
    "cart_abandonment",
    "store_performance",
}
MATERIALIZED_INTERMEDIATES = {"int_clickstream_sessions_summarized", "int_customer_orders_summarized"}
UNIT_TESTS = {
    "rfm_scores_five_customers_one_per_quintile",
    "rfm_tied_customers_share_the_lower_score",
    "rfm_segments_cover_the_remaining_cells",
    "clv_historical_is_net_revenue_and_predicted_follows_the_stated_formula",
    "customer_orders_count_only_revenue_orders_up_to_the_as_of_day",
}


def results_of(build: GoldBuild, kind: str) -> dict[str, str]:
    """dbt node name → status, for nodes of one kind (model, test, unit_test)."""
    statuses: dict[str, str] = {}
    for result in build.run_results["results"]:
        # model.<project>.<name>, test.<project>.<name>.<hash>, unit_test.<project>.<model>.<name>
        parts = result["unique_id"].split(".")
        if parts[0] == kind:
            statuses[parts[-1] if kind == "unit_test" else parts[2]] = result["status"]
    return statuses


def rows(spark: Any, sql: str) -> list[dict[str, Any]]:
    return [row.asDict() for row in spark.sql(sql).collect()]


def test_dbt_build_builds_every_mart_and_passes_every_test(gold_build: GoldBuild) -> None:
    failed = [
        (r["unique_id"], r["status"], (r.get("message") or "")[:300])
        for r in gold_build.run_results["results"]
        if r["status"] not in ("success", "pass")
    ]
    assert failed == []
    assert set(results_of(gold_build, "model")) == MARTS | MATERIALIZED_INTERMEDIATES
    assert len(results_of(gold_build, "test")) >= 100
    assert gold_build.result.success


def test_rfm_segment_and_clv_unit_tests_pass(gold_build: GoldBuild) -> None:
    assert results_of(gold_build, "unit_test") == dict.fromkeys(UNIT_TESTS, "pass")


def test_dbt_tests_surface_as_passing_asset_checks(gold_build: GoldBuild) -> None:
    evaluations = gold_build.result.get_asset_check_evaluations()
    assert len(evaluations) == len(results_of(gold_build, "test")) - 5  # the silver source tests are observations
    assert all(e.passed for e in evaluations)
    checked = {e.asset_key.path[-1] for e in evaluations}
    assert MARTS <= checked


def test_materializations_carry_the_row_counts_of_their_tables(gold_build: GoldBuild) -> None:
    counts = {
        event.asset_key.path[-1]: event.materialization.metadata["dagster/row_count"].value
        for event in gold_build.result.get_asset_materialization_events()
    }
    assert set(counts) == MARTS | MATERIALIZED_INTERMEDIATES
    assert (counts["fct_orders"], counts["fct_order_lines"], counts["dim_channel"], counts["store_performance"]) == (
        10,
        13,
        3,
        2,
    )


def test_marts_are_iceberg_tables_pyiceberg_reads(gold_build: GoldBuild, platform_settings: PlatformSettings) -> None:
    from pyiceberg.catalog.sql import SqlCatalog

    catalog = SqlCatalog(lakehouse.CATALOG_NAME, **lakehouse.pyiceberg_properties(platform_settings))
    tables = {name for _, name in catalog.list_tables(GOLD_NAMESPACE)}
    assert MARTS | MATERIALIZED_INTERMEDIATES <= tables
    orders = catalog.load_table(f"{GOLD_NAMESPACE}.fct_orders").scan().to_arrow()
    assert sorted(orders.column("order_id").to_pylist()) == sorted(
        ["o1", "o2", "o3", "o4", "o5", "o6", "sa1", "sa2", "sa3", "sa4"]
    )


def test_order_revenue_and_counts_per_day_reconcile_with_silver(gold_build: GoldBuild, spark: Any) -> None:
    silver = rows(
        spark,
        f"""
        select order_date, count(*) as orders, sum(total_cents) as revenue from (
            select cast(event_time as date) as order_date, total_cents from {SILVER_NAMESPACE}.orders
            union all
            select cast(event_time as date), total_cents from {SILVER_NAMESPACE}.store_sales
        ) group by order_date
        """,
    )
    gold = rows(
        spark,
        f"select order_date, count(*) as orders, sum(total_cents) as revenue from {GOLD_NAMESPACE}.fct_orders group by order_date",
    )
    by_day = {r["order_date"]: (r["orders"], r["revenue"]) for r in gold}
    assert by_day == {r["order_date"]: (r["orders"], r["revenue"]) for r in silver}
    expected = gold_build.expected
    assert by_day == {d: (expected.orders_by_day[d], expected.revenue_by_day[d]) for d in expected.revenue_by_day}


def test_order_lines_add_up_to_their_orders(gold_build: GoldBuild, spark: Any) -> None:
    mismatched = rows(
        spark,
        f"""
        select o.order_id, o.total_cents, l.lines_cents
        from {GOLD_NAMESPACE}.fct_orders o
        join (select order_id, sum(line_total_cents) as lines_cents
              from {GOLD_NAMESPACE}.fct_order_lines group by order_id) l
            on o.order_id = l.order_id
        where o.total_cents != l.lines_cents
        """,
    )
    assert mismatched == []
    assert rows(spark, f"select count(*) as n from {GOLD_NAMESPACE}.fct_order_lines")[0]["n"] == 13


def test_daily_store_sales_reconcile_with_store_sales(gold_build: GoldBuild, spark: Any) -> None:
    daily = rows(
        spark,
        f"select store_id, sale_date, transaction_count, revenue_cents, refund_cents "
        f"from {GOLD_NAMESPACE}.fct_daily_store_sales order by store_id, sale_date",
    )
    assert [
        (r["store_id"], r["sale_date"], r["transaction_count"], r["revenue_cents"], r["refund_cents"]) for r in daily
    ] == [
        ("s1", date(2025, 1, 1), 2, 3500, 0),
        ("s2", date(2025, 1, 6), 1, 6000, 1000),
        ("s2", date(2025, 1, 10), 1, 2500, 0),
    ]
    assert sum(r["revenue_cents"] for r in daily) == gold_build.expected.store_revenue


def test_order_status_decides_what_counts_as_revenue(gold_build: GoldBuild, spark: Any) -> None:
    orders = {
        r["order_id"]: (r["order_status"], r["is_revenue"])
        for r in rows(spark, f"select order_id, order_status, is_revenue from {GOLD_NAMESPACE}.fct_orders")
    }
    assert orders["o1"] == ("delivered", True)
    assert orders["o2"] == ("cancelled", False)
    assert orders["o3"] == ("payment_failed", False)
    assert orders["o6"] == ("placed", True)
    assert orders["sa2"] == ("completed", True)
    assert sum(1 for _, revenue in orders.values() if revenue) == gold_build.expected.revenue_orders


def test_clv_and_rfm_cover_every_customer_with_revenue(gold_build: GoldBuild, spark: Any) -> None:
    clv = {r["customer_id"]: r for r in rows(spark, f"select * from {GOLD_NAMESPACE}.customer_lifetime_value")}
    assert len(clv) == gold_build.expected.customers_with_revenue
    # c1: o1 4500 + o4 5000 + store sale sa4 2500, minus the 1000 refund on o1.
    assert (clv["c1"]["order_count"], clv["c1"]["historical_clv_cents"]) == (3, 11000)
    assert all(r["predicted_clv_cents"] > 0 for r in clv.values())
    rfm = rows(spark, f"select customer_id, segment, as_of_date from {GOLD_NAMESPACE}.customer_rfm")
    assert {r["customer_id"] for r in rfm} == set(clv)
    assert {r["as_of_date"] for r in rfm} == {date(2025, 1, 10)}


def test_dim_customers_starts_each_customer_with_one_current_version(gold_build: GoldBuild, spark: Any) -> None:
    versions = rows(
        spark,
        f"select customer_id, valid_from, valid_to, is_current, signed_up_at from {GOLD_NAMESPACE}.dim_customers",
    )
    assert len(versions) == 5
    assert all(v["is_current"] and v["valid_to"] is None and v["valid_from"] == v["signed_up_at"] for v in versions)


def test_funnel_and_cart_abandonment_follow_the_clickstream(gold_build: GoldBuild, spark: Any) -> None:
    funnel = {
        r["session_date"]: (
            r["sessions"],
            r["product_view_sessions"],
            r["cart_sessions"],
            r["checkout_sessions"],
            r["purchase_sessions"],
        )
        for r in rows(spark, f"select * from {GOLD_NAMESPACE}.conversion_funnel")
    }
    assert funnel == {date(2025, 1, 1): (1, 1, 1, 1, 1), date(2025, 1, 2): (2, 1, 1, 0, 0)}
    abandoned = rows(spark, f"select * from {GOLD_NAMESPACE}.cart_abandonment where session_date = date'2025-01-02'")
    assert [(r["abandoned_carts"], r["abandoned_value_cents"], r["abandonment_rate"]) for r in abandoned] == [
        (1, 2000, 1.0)
    ]


def test_store_performance_ranks_stores_within_their_region(gold_build: GoldBuild, spark: Any) -> None:
    stores = {r["store_id"]: r for r in rows(spark, f"select * from {GOLD_NAMESPACE}.store_performance")}
    assert set(stores) == {"s1", "s2"}  # the warehouse is not a store
    assert (stores["s2"]["revenue_cents"], stores["s2"]["transaction_count"], stores["s2"]["refund_cents"]) == (
        8500,
        2,
        1000,
    )
    assert stores["s1"]["revenue_rank_in_region"] == stores["s2"]["revenue_rank_in_region"] == 1
