"""Anomaly rules: z-scores against a rolling baseline (spike, flat and short baselines) and
impossible values.

Each scenario is its own store (or order); one Spark job scores them all.
"""

from __future__ import annotations

import math
import statistics
from datetime import datetime, timedelta

import pytest

from shop_analytics.silver.anomalies import (
    IMPLAUSIBLE_VALUE,
    IMPOSSIBLE_VALUE,
    ZSCORE_REVENUE,
    AnomalyConfig,
    detect_anomalies,
    zscore_anomalies,
)
from shop_analytics.silver.tables import ANOMALIES, ORDERS, SALES_WINDOWS, STORE_SALES
from shop_analytics.silver.windows import SLIDING_1H, TUMBLING_5M
from shop_analytics_tests.silver_derived.frames import frame, records

START = datetime(2026, 1, 5, 9, 0)
BASELINE = [1_000, 1_100, 900, 1_050, 950, 1_000, 1_020, 980, 1_010, 990, 1_000, 1_000]
SPIKE_AT = "2026-01-05 10:00:00"  # the 13th window of a series


def series(
    store: str, revenues: list[int], start: datetime = START, kind: str = TUMBLING_5M, orders: list[int] | None = None
) -> list[dict]:
    """Consecutive 5-minute windows of one store, one order each unless ``orders`` says."""
    rows = []
    for i, revenue in enumerate(revenues):
        begin = start + timedelta(minutes=5 * i)
        rows.append({
            "window_kind": kind,
            "window_start": f"{begin}",
            "window_end": f"{begin + timedelta(minutes=5)}",
            "channel": "store",
            "location_id": store,
            "revenue_cents": revenue,
            "orders": orders[i] if orders else 1,
        })  # fmt: skip
    return rows


SHORT = [1_000, 1_010, 990, 1_000, 1_005, 100_000]
CONVERSION = {
    "window_start": "2026-01-05 10:00:00", "window_end": "2026-01-05 11:00:00", "channel": "web",
    "location_id": "online", "revenue_cents": 300, "orders": 3, "sessions": 2, "conversion_rate": 1.5,
}  # fmt: skip
WINDOWS = [
    *series("spike", [*BASELINE, 10_000]),
    *series("calm", [*BASELINE, 1_080]),
    *series("flat-same", [1_000] * 13),
    *series("flat-above", [1_000] * 12 + [1_001]),
    *series("flat-below", [1_000] * 12 + [10]),
    *series("short", SHORT),
    *series("stale", BASELINE, start=START - timedelta(days=2)),
    *series("stale", [10_000]),
    *series("sliding", [*BASELINE, 10_000], kind=SLIDING_1H),
    {**CONVERSION, "window_kind": SLIDING_1H},
    {**CONVERSION, "window_kind": TUMBLING_5M},
]


def order(order_id: str, total: int, items: int, lines: int, **extra) -> dict:
    return {"event_time": "2026-01-05 10:00:00", "order_id": order_id, "channel": "web",
            "total_cents": total, "item_count": items, "line_count": lines, **extra}  # fmt: skip


ORDERS_ROWS = [
    order("ok", 1_000, 2, 1),
    order("free", 0, 1, 1),
    order("empty", 500, 0, 0),
    order("bulk", 500, 101, 3),
    order("lines", 500, 2, 3),
    order("free", 0, 1, 1, event_id="duplicate", is_late=True),
]
SALES_ROWS = [{"event_time": "2026-01-05 11:00:00", "sale_id": "refund", "store_id": "s1",
               "total_cents": -5, "item_count": 1, "line_count": 1}]  # fmt: skip


@pytest.fixture(scope="module")
def result(spark):
    return detect_anomalies(
        frame(spark, SALES_WINDOWS, WINDOWS), frame(spark, ORDERS, ORDERS_ROWS), frame(spark, STORE_SALES, SALES_ROWS)
    )


@pytest.fixture(scope="module")
def by_entity(result) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = {}
    for row in records(result):
        grouped.setdefault(row["entity_id"], []).append(row)
    return grouped


def test_output_has_exactly_the_contract_columns_and_types(result) -> None:
    assert result.dtypes == list(ANOMALIES.columns)


def test_clear_spike_is_flagged_with_its_z_score(by_entity) -> None:
    (row,) = by_entity["spike"]  # orders: 1 in every window, equal to a flat baseline, no anomaly
    mean, stdev = statistics.mean(BASELINE), statistics.stdev(BASELINE)
    assert (row["rule"], row["entity_type"], row["metric"], row["window_start"], row["observed"]) == (
        ZSCORE_REVENUE, "store", "revenue_cents", SPIKE_AT, 10_000,
    )  # fmt: skip
    assert row["baseline_mean"] == pytest.approx(mean) and row["baseline_stddev"] == pytest.approx(stdev)
    assert row["score"] == pytest.approx((10_000 - mean) / stdev)


def test_values_inside_the_threshold_are_not_anomalies(by_entity) -> None:
    assert "calm" not in by_entity


def test_zero_variance_baseline_flags_only_a_different_value_with_infinite_score(by_entity) -> None:
    assert "flat-same" not in by_entity
    (above,) = by_entity["flat-above"]
    (below,) = by_entity["flat-below"]
    assert (above["metric"], above["baseline_stddev"], above["score"]) == ("revenue_cents", 0.0, math.inf)
    assert (below["metric"], below["baseline_stddev"], below["score"]) == ("revenue_cents", 0.0, -math.inf)


def test_too_short_baseline_gives_no_score(spark, by_entity) -> None:
    assert "short" not in by_entity
    # The same spike is scored once fewer baseline windows are enough.
    scored = zscore_anomalies(frame(spark, SALES_WINDOWS, series("short", SHORT)), AnomalyConfig(min_baseline=5))
    assert [(r["rule"], r["observed"]) for r in records(scored)] == [(ZSCORE_REVENUE, 100_000.0)]


def test_a_sale_in_a_quiet_channel_is_not_scored(spark) -> None:
    # Twelve active windows without an order (visits only), then one order: no baseline of sales to judge by.
    quiet = series("quiet", [0] * 12 + [3_000], orders=[0] * 12 + [1])
    assert records(zscore_anomalies(frame(spark, SALES_WINDOWS, quiet), AnomalyConfig())) == []
    busy_enough = AnomalyConfig(min_baseline_orders=0.0)
    assert {r["score"] for r in records(zscore_anomalies(frame(spark, SALES_WINDOWS, quiet), busy_enough))} == {
        math.inf
    }


def test_windows_older_than_the_horizon_are_not_baseline(by_entity) -> None:
    assert "stale" not in by_entity


def test_sliding_windows_are_not_scored(by_entity) -> None:
    assert "sliding" not in by_entity


def test_conversion_above_one_is_implausible_on_hour_windows_only(by_entity) -> None:
    assert [(r["rule"], r["entity_type"], r["metric"], r["window_end"], r["observed"]) for r in by_entity["web"]] == [
        (IMPLAUSIBLE_VALUE, "channel", "conversion_rate", "2026-01-05 11:00:00", 1.5)
    ]


def test_impossible_order_and_sale_values_are_flagged_once(by_entity) -> None:
    found = [
        (r["rule"], r["entity_type"], r["entity_id"], r["metric"], r["observed"])
        for rows in by_entity.values()
        for r in rows
        if r["rule"] == IMPOSSIBLE_VALUE
    ]
    assert sorted(found) == [
        (IMPOSSIBLE_VALUE, "order", "bulk", "item_count", 101.0),
        (IMPOSSIBLE_VALUE, "order", "empty", "item_count", 0.0),
        (IMPOSSIBLE_VALUE, "order", "free", "total_cents", 0.0),  # once, though sent twice
        (IMPOSSIBLE_VALUE, "order", "lines", "line_count", 3.0),
        (IMPOSSIBLE_VALUE, "store_sale", "refund", "total_cents", -5.0),
    ]
    assert all(r["window_start"] == r["window_end"] and r["score"] is None for r in by_entity["bulk"])


@pytest.mark.parametrize(
    "kwargs", [{"min_baseline": 1}, {"min_baseline": 13}, {"threshold": 0}, {"baseline_horizon": timedelta(days=2)}]
)
def test_config_rejects_settings_the_rules_cannot_honour(kwargs) -> None:
    with pytest.raises(ValueError):
        AnomalyConfig(**kwargs)
