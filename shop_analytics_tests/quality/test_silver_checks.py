"""Silver suites run as Dagster checks on small silver tables with injected corruption."""

from __future__ import annotations

from datetime import timedelta

from dagster import AssetKey, DagsterInstance

from shop_analytics.silver import tables as t
from shop_analytics_tests.quality.checks_harness import run_check
from shop_analytics_tests.quality.lake import TestLake, order_line_row, order_row, orders, write_products

ORDERS_KEY = AssetKey(["silver", "orders"])
ORDER_LINES_KEY = AssetKey(["silver", "order_lines"])


def test_clean_orders_pass_every_expectation_with_a_full_score(lake: TestLake) -> None:
    lake.write_silver(t.ORDERS, orders(12))

    run = run_check(lake, ORDERS_KEY)

    assert run.success
    assert run.evaluation is not None and run.evaluation.passed
    assert run.meta("expectations_failed") == 0
    assert run.meta("quality_score") == 1.0
    assert run.meta("rows_checked") == 12
    assert run.meta("failing_expectations") == []


def test_negative_total_fails_the_range_and_reconciliation_expectations_and_names_them(lake: TestLake) -> None:
    lake.write_silver(t.ORDERS, [*orders(10), order_row(10, total_cents=-500)])

    run = run_check(lake, ORDERS_KEY)

    assert run.evaluation is not None and not run.evaluation.passed
    assert run.evaluation.severity.value == "ERROR"  # critical: blocks downstream
    assert not run.success  # a failed blocking check fails its step
    failing = run.failing()
    assert set(failing) == {"total_cents is not negative", "total_cents = subtotal_cents - discount_cents + tax_cents"}
    negative = failing["total_cents is not negative"]
    assert negative["unexpected_count"] == 1 and negative["element_count"] == 11
    assert negative["sample_values"] == [-500]
    assert negative["sample_rows"][0]["event_id"] == "ev-10"
    assert negative["severity"] == "critical" and negative["dimension"] == "validity"
    reconciliation = failing["total_cents = subtotal_cents - discount_cents + tax_cents"]
    assert reconciliation["sample_rows"][0]["_expected_total_cents"] == 1_980
    assert "total_cents is not negative" in run.meta("sample_failing_rows")
    assert run.meta("quality_score") < 1.0


def test_duplicate_event_id_fails_uniqueness_and_shows_both_rows(lake: TestLake) -> None:
    duplicate = order_row(3, order_id="o-dup", kafka_offset=99, event_time=order_row(3)["event_time"])
    lake.write_silver(t.ORDERS, [*orders(8), duplicate])

    run = run_check(lake, ORDERS_KEY)

    failing = run.failing()
    assert list(failing) == ["event_id is unique"]
    unique = failing["event_id is unique"]
    assert unique["unexpected_count"] == 2
    assert {row["kafka_offset"] for row in unique["sample_rows"]} == {3, 99}
    assert run.meta("consistency") < 1.0 and run.meta("validity") == 1.0


def test_unknown_product_fails_referential_integrity_against_silver_products(lake: TestLake) -> None:
    write_products(lake, ["p-1", "p-2"])
    lake.write_silver(t.ORDER_LINES, [order_line_row(1), order_line_row(2, "p-2"), order_line_row(3, "p-404")])

    run = run_check(lake, ORDER_LINES_KEY)

    failing = run.failing()
    assert list(failing) == ["product_id exists in silver.products"]
    assert failing["product_id exists in silver.products"]["sample_values"] == ["p-404"]


def test_missing_reference_table_is_named_and_fails_the_reference(lake: TestLake) -> None:
    lake.write_silver(t.ORDER_LINES, [order_line_row(1)])

    run = run_check(lake, ORDER_LINES_KEY)

    assert run.meta("missing_inputs") == [f"{lake.names.silver}.products"]
    assert "product_id exists in silver.products" in run.failing()


def test_only_the_newest_day_partition_is_read(lake: TestLake) -> None:
    old_bad = order_row(50, total_cents=-1, event_time=order_row(0)["event_time"] - timedelta(days=2))
    lake.write_silver(t.ORDERS, [*orders(5), old_bad])

    run = run_check(lake, ORDERS_KEY)

    assert run.evaluation is not None and run.evaluation.passed
    assert run.meta("rows_checked") == 5
    assert run.meta("scope").startswith("event_time >= 2026-11-24T00:00:00")


def test_each_run_appends_its_score_to_ops_quality_scores(lake: TestLake) -> None:
    lake.write_silver(t.ORDERS, [*orders(9), order_row(9, total_cents=-1)])
    instance = DagsterInstance.ephemeral()

    first = run_check(lake, ORDERS_KEY, instance)
    lake.write_silver(t.ORDERS, orders(9))
    second = run_check(lake, ORDERS_KEY, instance)

    scores = lake.catalog.load_table(f"{lake.ops}.quality_scores").scan().to_pandas().sort_values("checked_at")
    assert list(scores["asset_key"]) == ["silver/orders", "silver/orders"]
    assert list(scores["score"]) == [first.meta("quality_score"), second.meta("quality_score")]
    assert list(scores["failed_expectations"]) == [2, 0]
    assert list(scores["suite"]) == ["silver.orders", "silver.orders"]
    assert second.meta("score_recorded_in") == f"{lake.ops}.quality_scores"


def test_score_below_the_sla_is_flagged_in_metadata(lake: TestLake) -> None:
    lake.write_silver(t.ORDERS, [*orders(2), order_row(2, currency="usd")])  # only a warning fails

    run = run_check(lake, ORDERS_KEY, layer_slas={"silver": 0.999})

    assert run.evaluation is not None and run.evaluation.severity.value == "WARN"
    assert run.success  # warnings do not fail (or block) anything
    assert run.meta("below_sla") is True and run.meta("quality_sla") == 0.999


def test_an_event_stamped_weeks_ahead_does_not_take_over_the_newest_day(lake: TestLake) -> None:
    lake.write_silver(t.ORDERS, orders(6))
    ahead = order_row(99, event_time=order_row(0)["event_time"] + timedelta(days=20))
    lake.append_silver(t.ORDERS, [ahead])  # a second data file, holding only the future day

    run = run_check(lake, ORDERS_KEY)

    assert run.meta("rows_checked") == 7  # the newest real day, and the future row with it
    assert run.meta("scope").startswith("event_time >= 2026-11-24T00:00:00")
    (future,) = [e for d, e in run.failing().items() if d.startswith("event_time is at most")]
    assert future["sample_rows"][0]["event_id"] == "ev-99" and future["severity"] == "warning"
