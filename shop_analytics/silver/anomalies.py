"""Anomalies in sales (silver.anomalies): z-scores of windowed figures and impossible values.

Pure DataFrame functions; I/O lives in ``shop_analytics.assets.silver_derived``. The
table holds anomalies only (no row per scored window).

Rules:

- ``zscore_revenue`` / ``zscore_orders``: each ``tumbling_5m`` window of an entity (a store,
  or the web or app channel) against a baseline of the same entity's previous
  ``baseline_windows`` windows (default 12) that started within ``baseline_horizon``
  (default 24 h) before it. Windows are sparse (sales_windows has no rows for idle
  windows), so the baseline is the previous *active* windows: the first sales after a
  closed night are compared with last evening, not with a night of zeros; the price is
  that a drop to nothing is not seen by this rule. Sliding windows are not scored: their
  neighbours share most of their events, so they would make a baseline of near copies.

  ``score = (observed - mean) / stddev`` (sample stddev); a window is an anomaly when
  ``|score| >= threshold`` (default 3). Edge cases, explicitly:

  - fewer than ``min_baseline`` baseline windows (default 12, the full baseline): no score,
    never an anomaly (too little history to judge);
  - a baseline averaging fewer than ``min_baseline_orders`` orders per window (default 1):
    no score (too few sales to judge; one order in a quiet channel is not an anomaly);
  - zero-variance baseline (every baseline window had the same value): when the
    observation equals it, no score and no anomaly; when it differs, the z-score is
    unbounded, so ``score`` is +/-Infinity (sign of the deviation) and the window is an
    anomaly. ``baseline_stddev = 0`` marks these rows.
- ``impossible_value`` on single silver.orders / silver.store_sales rows (late ones too: a
  broken record is broken whenever it arrived): ``total_cents <= 0``, ``item_count`` below 1
  or above ``max_item_count``, ``line_count > item_count`` (every line has at least one
  item). ``entity_type`` is ``order`` (``order_id``) or ``store_sale`` (``sale_id``);
  ``window_start = window_end = event_time``; no baseline and no score.
- ``implausible_value``: a web/app ``sliding_1h`` window whose ``conversion_rate > 1``
  (more orders than sessions started in an hour: clicks are missing). Not checked on
  5-minute windows, where orders of sessions started earlier make it normal.

``detected_at`` is when the anomaly was computed (a recomputation renews it).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from shop_analytics.silver.tables import ANOMALIES
from shop_analytics.silver.windows import SLIDING_1H, STORE_CHANNEL, TUMBLING_5M

ZSCORE_REVENUE = "zscore_revenue"
ZSCORE_ORDERS = "zscore_orders"
IMPOSSIBLE_VALUE = "impossible_value"
IMPLAUSIBLE_VALUE = "implausible_value"
RULES: tuple[str, ...] = (ZSCORE_REVENUE, ZSCORE_ORDERS, IMPOSSIBLE_VALUE, IMPLAUSIBLE_VALUE)

ENTITY_STORE = "store"
ENTITY_CHANNEL = "channel"
ENTITY_ORDER = "order"
ENTITY_STORE_SALE = "store_sale"

# Window metric -> its z-score rule.
ZSCORE_METRICS: tuple[tuple[str, str], ...] = (("revenue_cents", ZSCORE_REVENUE), ("orders", ZSCORE_ORDERS))


@dataclass(frozen=True)
class AnomalyConfig:
    """Parameters of the anomaly rules (see the module docstring)."""

    baseline_windows: int = 12
    min_baseline: int = 12
    threshold: float = 3.0
    baseline_horizon: timedelta = timedelta(hours=24)
    zscore_window_kind: str = TUMBLING_5M
    conversion_window_kind: str = SLIDING_1H
    max_item_count: int = 100
    # Too few sales to judge: a quiet channel's baseline of zero-order windows would make
    # every single order an unbounded z-score. Below this many orders per baseline window
    # on average, windows are not z-scored.
    min_baseline_orders: float = 1.0

    def __post_init__(self) -> None:
        if not 2 <= self.min_baseline <= self.baseline_windows:
            raise ValueError("min_baseline must be between 2 (a stddev needs two values) and baseline_windows")
        if self.threshold <= 0:
            raise ValueError("threshold must be positive")
        # The incremental rebuild reads one day back for baselines (window_days_for).
        if not timedelta(0) < self.baseline_horizon <= timedelta(days=1):
            raise ValueError("baseline_horizon must be positive and at most one day")


def _entity_columns() -> list[Column]:
    is_store = F.col("channel") == STORE_CHANNEL
    return [
        F.when(is_store, F.lit(ENTITY_STORE)).otherwise(F.lit(ENTITY_CHANNEL)).alias("entity_type"),
        F.when(is_store, F.col("location_id")).otherwise(F.col("channel")).alias("entity_id"),
    ]


def _values(metric: str):
    """The lambda that takes ``metric`` out of a history entry (bound here, not in a loop)."""
    return lambda entry: entry[metric]


def zscore_anomalies(windows: DataFrame, config: AnomalyConfig) -> DataFrame:
    """Windows whose revenue or orders stand out from their entity's recent windows.

    Columns: rule, entity_type, entity_id, metric, window_start, window_end, observed,
    baseline_mean, baseline_stddev, score (no detected_at).
    """
    scored_kind = windows.where(F.col("window_kind") == config.zscore_window_kind)
    previous = (
        Window.partitionBy("channel", "location_id").orderBy("window_start").rowsBetween(-config.baseline_windows, -1)
    )
    metrics = [metric for metric, _ in ZSCORE_METRICS]
    # One window pass collects every metric's history.
    entry = F.struct(F.unix_seconds("window_start").alias("t"), *(F.col(m).cast("double").alias(m) for m in metrics))
    # Of the previous windows, only those inside the horizon count (a rows-based frame
    # cannot also be bounded by time, so the collected list is trimmed).
    cutoff = F.unix_seconds("window_start") - F.lit(int(config.baseline_horizon.total_seconds()))
    history = F.filter(F.collect_list(entry).over(previous), lambda h: h["t"] >= cutoff)
    per_metric = F.array(
        *(
            F.struct(
                F.lit(rule).alias("rule"),
                F.lit(metric).alias("metric"),
                F.col(metric).cast("double").alias("observed"),
                F.transform("history", _values(metric)).alias("baseline"),
            )
            for metric, rule in ZSCORE_METRICS
        )
    )
    orders_level = F.aggregate(
        F.transform("history", _values("orders")), F.lit(0.0), lambda acc, x: acc + x
    ) / F.greatest(F.size("history"), F.lit(1))
    keys = ("channel", "location_id", "window_start", "window_end", "orders_level")
    frame = (
        scored_kind.select("channel", "location_id", "window_start", "window_end", *metrics, history.alias("history"))
        .withColumn("orders_level", orders_level)
        .select(*keys, F.explode(per_metric).alias("m"))
        .select(*keys, "m.*")
        .withColumn("n", F.size("baseline"))
    )
    frame = frame.withColumn(
        "baseline_mean", F.aggregate("baseline", F.lit(0.0), lambda acc, x: acc + x) / F.col("n")
    ).withColumn(
        "baseline_stddev",
        F.sqrt(
            F.aggregate("baseline", F.lit(0.0), lambda acc, x: acc + (x - F.col("baseline_mean")) ** 2)
            / (F.col("n") - 1)
        ),
    )
    observed, mean, stddev = F.col("observed"), F.col("baseline_mean"), F.col("baseline_stddev")
    unbounded = F.when(observed > mean, F.lit(float("inf"))).otherwise(F.lit(float("-inf")))
    score = (
        F.when(F.col("n") < config.min_baseline, F.lit(None))
        .when(F.col("orders_level") < config.min_baseline_orders, F.lit(None))
        .when(stddev > 0, (observed - mean) / stddev)
        .when(observed == mean, F.lit(None))
        .otherwise(unbounded)
    )
    return (
        frame.withColumn("score", score.cast("double"))
        .where(F.col("score").isNotNull() & (F.abs("score") >= config.threshold))
        .select(
            "rule",
            *_entity_columns(),
            "metric",
            "window_start",
            "window_end",
            "observed",
            "baseline_mean",
            "baseline_stddev",
            "score",
        )
    )


def _no_baseline(frame: DataFrame) -> DataFrame:
    return (
        frame.withColumn("baseline_mean", F.lit(None).cast("double"))
        .withColumn("baseline_stddev", F.lit(None).cast("double"))
        .withColumn("score", F.lit(None).cast("double"))
    )


def conversion_anomalies(windows: DataFrame, config: AnomalyConfig) -> DataFrame:
    """Web/app windows of ``conversion_window_kind`` converting more than one order per session."""
    bad = windows.where((F.col("window_kind") == config.conversion_window_kind) & (F.col("conversion_rate") > 1))
    return _no_baseline(
        bad.select(
            F.lit(IMPLAUSIBLE_VALUE).alias("rule"),
            *_entity_columns(),
            F.lit("conversion_rate").alias("metric"),
            "window_start",
            "window_end",
            F.col("conversion_rate").cast("double").alias("observed"),
        )
    )


def record_anomalies(frame: DataFrame, entity_type: str, id_column: str, config: AnomalyConfig) -> DataFrame:
    """Rows of an orders-like frame (silver.orders or silver.store_sales) with impossible values."""
    checks: tuple[tuple[str, Column], ...] = (
        ("total_cents", F.col("total_cents") <= 0),
        ("item_count", (F.col("item_count") < 1) | (F.col("item_count") > config.max_item_count)),
        ("line_count", F.col("line_count") > F.col("item_count")),
    )
    # Every check in one pass over the rows: an array of verdicts, the failed ones exploded.
    verdicts = F.array(
        *(
            F.struct(F.lit(metric).alias("metric"), bad.alias("bad"), F.col(metric).cast("double").alias("observed"))
            for metric, bad in checks
        )
    )
    failed = frame.select(
        F.col(id_column).alias("entity_id"),
        "event_time",
        F.explode(F.filter(verdicts, lambda v: F.coalesce(v["bad"], F.lit(False)))).alias("v"),
    )
    return _no_baseline(
        failed.select(
            F.lit(IMPOSSIBLE_VALUE).alias("rule"),
            F.lit(entity_type).alias("entity_type"),
            "entity_id",
            "v.metric",
            F.col("event_time").alias("window_start"),
            F.col("event_time").alias("window_end"),
            "v.observed",
        )
    )


def detect_anomalies(
    windows: DataFrame,
    orders: DataFrame,
    store_sales: DataFrame,
    config: AnomalyConfig | None = None,
    detected_at: Column | None = None,
) -> DataFrame:
    """Every rule's anomalies, in the columns of ANOMALIES, one row per key.

    ``windows`` has SALES_WINDOWS columns; ``orders``/``store_sales`` the silver entity
    columns. ``detected_at`` defaults to the query's current timestamp.
    """
    config = config or AnomalyConfig()
    # A duplicated source event (same order, new event id) must not give a duplicate key;
    # window rules are unique per window already.
    records = (
        record_anomalies(orders, ENTITY_ORDER, "order_id", config)
        .unionByName(record_anomalies(store_sales, ENTITY_STORE_SALE, "sale_id", config))
        .dropDuplicates(list(ANOMALIES.key))
    )
    found = (
        zscore_anomalies(windows, config)
        .unionByName(conversion_anomalies(windows, config))
        .unionByName(records)
        .withColumn("detected_at", detected_at if detected_at is not None else F.current_timestamp())
    )
    return found.select(*(F.col(name).cast(kind).alias(name) for name, kind in ANOMALIES.columns))


def anomaly_days(window_days: Iterable[date], event_days: Iterable[date] = ()) -> set[date]:
    """Days (of window_start) whose anomalies change when windows of ``window_days`` or
    orders/sales of ``event_days`` change: those days, and the day after for the windows
    whose baseline reaches back into a changed day (the horizon is at most a day)."""
    changed = set(window_days)
    return changed | {d + timedelta(days=1) for d in changed} | set(event_days)


def window_days_for(days: Iterable[date]) -> set[date]:
    """Window days to read to score every window of ``days``: those and the day before (baselines)."""
    wanted = set(days)
    return wanted | {d - timedelta(days=1) for d in wanted}
