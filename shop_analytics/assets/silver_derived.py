"""The derived silver tables as Dagster assets: sales windows, sessions and anomalies.

Each asset rebuilds only the days touched since it last ran, not the whole table:

1. **What changed.** Each derived table's Iceberg snapshots carry, in the summary property
   ``shop.source-watermark``, a JSON map ``{source entity: newest silver_processed_at seen,
   in microseconds}``. A run finds the event days of source rows processed after that
   watermark (less ``processed_lookback``, so rows of a silver batch that commits a little
   after a newer one are not skipped; re-reading them only recomputes a day twice).
2. **What to recompute.** Those days plus the spill-over: sliding windows starting the day
   before; sessions started the day before (running over midnight); anomalies of the day
   after (baselines reach back up to a day). See ``window_days``, ``session_days`` and
   ``anomaly_days``.
3. **Replace.** The recomputed days are replaced in one Iceberg commit with
   ``writeTo(...).overwrite(<those days>)``, which carries the new watermark. Not
   ``overwritePartitions()``: that replaces only partitions the new rows fall in, so a day
   whose rows all disappeared (two sessions merged by a late click, an anomaly gone once
   its baseline filled in) would keep stale rows. The condition is on whole day
   partitions, so Iceberg drops whole files.

The watermark is read from the newest snapshot of the table's current history that has
it, so maintenance commits (compaction) without it are skipped over. If snapshot expiry
ever removes every snapshot carrying it, the next run rebuilds everything (correct, slower).

Anomalies are bounded by sales_windows: they only consume source rows up to the
watermark sales_windows has reached, so they never score windows not yet rebuilt.

Missing source tables fail the run with a ``Failure`` naming them and the asset to
materialize first; sources that exist but hold nothing new write nothing and say so.
Two runs of the same asset must not overlap (the watermark is read, then written).
"""

import json
import time
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from functools import reduce

from dagster import AssetExecutionContext, AssetKey, AssetsDefinition, Failure, MaterializeResult, MetadataValue, asset
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from shop_analytics.lakehouse import create_table_if_missing
from shop_analytics.resources.spark import LakehouseSparkResource
from shop_analytics.silver.anomalies import AnomalyConfig, anomaly_days, detect_anomalies, window_days_for
from shop_analytics.silver.sessions import event_days_for, session_days, sessionize
from shop_analytics.silver.tables import (
    ANOMALIES,
    CLICKSTREAM,
    ORDERS,
    SALES_WINDOWS,
    SESSIONS,
    SILVER_NAMESPACE,
    STORE_SALES,
    SilverTable,
)
from shop_analytics.silver.windows import WINDOW_KINDS, sales_windows

WATERMARK_PROPERTY = "shop.source-watermark"
RECOMPUTED_PROPERTY = "shop.recomputed-days"
DEFAULT_PROCESSED_LOOKBACK = timedelta(minutes=10)


def asset_key(table: SilverTable) -> AssetKey:
    return AssetKey([SILVER_NAMESPACE, table.name])


# --- Iceberg I/O ---------------------------------------------------------------------------


def ensure_table(spark: SparkSession, name: str, table: SilverTable) -> None:
    """Create ``name`` with ``table``'s columns and partitioning if it does not exist."""
    create_table_if_missing(spark, name, table.columns, table.partitioning)


def require_tables(spark: SparkSession, names: Mapping[str, AssetKey]) -> None:
    """Fail with the missing tables and the assets that create them."""
    missing = {name: key for name, key in names.items() if not spark.catalog.tableExists(name)}
    if missing:
        listed = ", ".join(f"{name} (asset {key.to_user_string()})" for name, key in missing.items())
        raise Failure(
            description=f"Source tables not found: {listed}. Materialize those assets first.",
            metadata={"missing_tables": MetadataValue.json(sorted(missing))},
            # A missing table does not appear by waiting: the retry policy (meant for a
            # commit lost to a concurrent writer) would only run the step three more times.
            allow_retries=False,
        )


def last_build(spark: SparkSession, name: str) -> dict[str, str]:
    """The summary of ``name``'s newest snapshot in its current history that carries a source
    watermark (one this module wrote; maintenance commits in between are skipped), or {}."""
    rows = spark.sql(
        f"SELECT s.summary FROM {name}.snapshots s JOIN {name}.history h ON s.snapshot_id = h.snapshot_id "
        f"WHERE h.is_current_ancestor AND s.summary['{WATERMARK_PROPERTY}'] IS NOT NULL "
        "ORDER BY s.committed_at DESC LIMIT 1"
    ).collect()
    return dict(rows[0]["summary"]) if rows else {}


def read_watermark(spark: SparkSession, name: str) -> dict[str, int]:
    """The source watermark ``name`` was last built to ({} if never)."""
    summary = last_build(spark, name)
    return {str(k): int(v) for k, v in json.loads(summary[WATERMARK_PROPERTY]).items()} if summary else {}


def touched_days(
    spark: SparkSession,
    sources: Mapping[str, str],
    since: Mapping[str, int],
    lookback: timedelta,
    until: Mapping[str, int] | None = None,
) -> tuple[set[date], dict[str, int]]:
    """Event days of source rows processed after ``since`` (per source, micros; less
    ``lookback``) and up to ``until`` when given; and the newest processing time seen.

    ``sources`` maps a source entity (the watermark key) to its table name. A source
    missing from ``since`` is read whole (first run); one missing from ``until`` is not
    read (the bounding table has not consumed it yet). One query for every source.
    """
    lookback_us = int(lookback.total_seconds() * 1_000_000)
    per_source = []
    for entity, name in sources.items():
        rows = spark.table(name)
        if entity in since:
            rows = rows.where(F.col("silver_processed_at") > F.timestamp_micros(F.lit(since[entity] - lookback_us)))
        if until is not None:
            if entity not in until:
                continue
            rows = rows.where(F.col("silver_processed_at") <= F.timestamp_micros(F.lit(until[entity])))
        per_source.append(
            rows.select(F.lit(entity).alias("entity"), F.to_date("event_time").alias("day"), "silver_processed_at")
        )
    days: set[date] = set()
    watermark = dict(since)
    if not per_source:
        return days, watermark
    touched = reduce(DataFrame.unionByName, per_source)
    for row in touched.groupBy("entity", "day").agg(F.unix_micros(F.max("silver_processed_at")).alias("wm")).collect():
        if row["day"] is not None:
            days.add(row["day"])
        if row["wm"] is not None:
            watermark[row["entity"]] = max(watermark.get(row["entity"], row["wm"]), row["wm"])
    return days, watermark


def day_ranges(days: Iterable[date]) -> list[tuple[date, date]]:
    """Sorted days as half-open ``[first, after_last)`` runs of consecutive days."""
    ranges: list[tuple[date, date]] = []
    for day in sorted(set(days)):
        if ranges and ranges[-1][1] == day:
            ranges[-1] = (ranges[-1][0], day + timedelta(days=1))
        else:
            ranges.append((day, day + timedelta(days=1)))
    return ranges


def _midnight(day: date) -> datetime:
    # Aware, so pyspark turns it into the right instant whatever the local time zone.
    return datetime.combine(day, clock(), tzinfo=UTC)


def in_days(column: str, days: Iterable[date]) -> Column:
    """``column`` (a timestamp) falls on one of ``days`` (UTC), as ranges Iceberg can prune by."""
    condition = F.lit(False)
    for first, after in day_ranges(days):
        condition = condition | ((F.col(column) >= F.lit(_midnight(first))) & (F.col(column) < F.lit(_midnight(after))))
    return condition


def read_days(spark: SparkSession, name: str, column: str, days: Iterable[date]) -> DataFrame:
    return spark.table(name).where(in_days(column, days))


def replace_days(
    frame: DataFrame, name: str, condition: Column, watermark: Mapping[str, int], days: Iterable[date]
) -> None:
    """Replace the rows of ``name`` matching ``condition`` with ``frame``'s in one commit."""
    (
        frame.where(condition)
        .writeTo(name)
        .option(f"snapshot-property.{WATERMARK_PROPERTY}", json.dumps(dict(sorted(watermark.items()))))
        .option(f"snapshot-property.{RECOMPUTED_PROPERTY}", ",".join(d.isoformat() for d in sorted(set(days))))
        .overwrite(condition)
    )


def last_commit(spark: SparkSession, name: str) -> dict[str, int]:
    """Records added and deleted by the build just committed."""
    summary = last_build(spark, name)
    return {key: int(summary.get(f"{key}-records", 0)) for key in ("added", "deleted")}


# --- Runs --------------------------------------------------------------------------------------


def _result(
    name: str,
    days: Iterable[date],
    watermark: Mapping[str, int],
    started: float,
    written: Mapping[str, int] | None = None,
    extra: Mapping[str, MetadataValue] | None = None,
) -> MaterializeResult:
    day_list = [d.isoformat() for d in sorted(set(days))]
    written = written or {"added": 0, "deleted": 0}
    return MaterializeResult(
        metadata={
            "table": MetadataValue.text(name),
            "rows_written": MetadataValue.int(written["added"]),
            "rows_replaced": MetadataValue.int(written["deleted"]),
            "days_recomputed": MetadataValue.int(len(day_list)),
            "recomputed_days": MetadataValue.json(day_list),
            "source_watermark": MetadataValue.json(dict(watermark)),
            **(extra or {}),
            "duration_s": MetadataValue.float(round(time.monotonic() - started, 3)),
        }
    )


def _nothing_new(
    context: AssetExecutionContext, name: str, watermark: Mapping[str, int], started: float
) -> MaterializeResult:
    context.log.info("%s: no source rows processed since the last build; nothing written", name)
    return _result(name, (), watermark, started)


def run_sales_windows(
    context: AssetExecutionContext, spark: SparkSession, namespace: str, lookback: timedelta
) -> MaterializeResult:
    started = time.monotonic()
    target = f"{namespace}.{SALES_WINDOWS.name}"
    sources = {t.name: f"{namespace}.{t.name}" for t in (ORDERS, STORE_SALES, CLICKSTREAM)}
    require_tables(spark, {sources[t.name]: asset_key(t) for t in (ORDERS, STORE_SALES, CLICKSTREAM)})
    ensure_table(spark, target, SALES_WINDOWS)
    touched, watermark = touched_days(spark, sources, read_watermark(spark, target), lookback)
    if not touched:
        return _nothing_new(context, target, watermark, started)

    days_by_kind = {kind.name: kind.window_days(touched) for kind in WINDOW_KINDS}
    needed = set().union(*(kind.event_days(days_by_kind[kind.name]) for kind in WINDOW_KINDS))
    frame = sales_windows(
        read_days(spark, sources[ORDERS.name], "event_time", needed),
        read_days(spark, sources[STORE_SALES.name], "event_time", needed),
        read_days(spark, sources[CLICKSTREAM.name], "event_time", needed),
    )
    condition = F.lit(False)
    for kind, days in days_by_kind.items():
        condition = condition | ((F.col("window_kind") == kind) & in_days("window_start", days))
    recomputed = set().union(*days_by_kind.values())
    context.log.info("%s: recomputing %d day(s): %s", target, len(recomputed), sorted(recomputed))
    replace_days(frame, target, condition, watermark, recomputed)
    return _result(target, recomputed, watermark, started, last_commit(spark, target))


def run_sessions(
    context: AssetExecutionContext, spark: SparkSession, namespace: str, lookback: timedelta
) -> MaterializeResult:
    started = time.monotonic()
    target = f"{namespace}.{SESSIONS.name}"
    clicks = f"{namespace}.{CLICKSTREAM.name}"
    require_tables(spark, {clicks: asset_key(CLICKSTREAM)})
    ensure_table(spark, target, SESSIONS)
    touched, watermark = touched_days(spark, {CLICKSTREAM.name: clicks}, read_watermark(spark, target), lookback)
    if not touched:
        return _nothing_new(context, target, watermark, started)

    days = session_days(touched)
    frame = sessionize(read_days(spark, clicks, "event_time", event_days_for(days)))
    context.log.info("%s: recomputing %d day(s): %s", target, len(days), sorted(days))
    replace_days(frame, target, in_days("session_start", days), watermark, days)
    return _result(target, days, watermark, started, last_commit(spark, target))


def run_anomalies(
    context: AssetExecutionContext,
    spark: SparkSession,
    namespace: str,
    lookback: timedelta,
    config: AnomalyConfig,
) -> MaterializeResult:
    started = time.monotonic()
    target = f"{namespace}.{ANOMALIES.name}"
    windows = f"{namespace}.{SALES_WINDOWS.name}"
    sources = {t.name: f"{namespace}.{t.name}" for t in (ORDERS, STORE_SALES, CLICKSTREAM)}
    require_tables(
        spark,
        {
            windows: asset_key(SALES_WINDOWS),
            **{sources[t.name]: asset_key(t) for t in (ORDERS, STORE_SALES, CLICKSTREAM)},
        },
    )
    ensure_table(spark, target, ANOMALIES)
    # Only what sales_windows has already consumed: its windows are rebuilt for those rows.
    windows_watermark = read_watermark(spark, windows)
    touched, watermark = touched_days(spark, sources, read_watermark(spark, target), lookback, until=windows_watermark)
    if not touched:
        return _nothing_new(context, target, watermark, started)

    changed_windows = set().union(*(kind.window_days(touched) for kind in WINDOW_KINDS))
    days = anomaly_days(changed_windows, touched)
    frame = detect_anomalies(
        read_days(spark, windows, "window_start", window_days_for(days)),
        read_days(spark, sources[ORDERS.name], "event_time", days),
        read_days(spark, sources[STORE_SALES.name], "event_time", days),
        config,
    )
    context.log.info("%s: recomputing %d day(s): %s", target, len(days), sorted(days))
    replace_days(frame, target, in_days("window_start", days), watermark, days)
    by_rule = {
        row["rule"]: row["n"]
        for row in read_days(spark, target, "window_start", days).groupBy("rule").agg(F.count("*").alias("n")).collect()
    }
    extra = {"anomalies_by_rule": MetadataValue.json(dict(sorted(by_rule.items())))}
    return _result(target, days, watermark, started, last_commit(spark, target), extra)


# --- Assets ------------------------------------------------------------------------------------


def build_silver_derived_assets(
    namespace: str = SILVER_NAMESPACE,
    anomaly_config: AnomalyConfig | None = None,
    processed_lookback: timedelta = DEFAULT_PROCESSED_LOOKBACK,
) -> tuple[AssetsDefinition, ...]:
    """The three derived assets, reading ``<namespace>.<entity>`` and writing ``<namespace>.<derived>``.

    Asset keys stay ``silver/...`` whatever the namespace (tests use their own namespace).
    """
    config = anomaly_config or AnomalyConfig()
    common = {"group_name": "silver", "kinds": {"spark", "iceberg"}}

    @asset(
        key=asset_key(SALES_WINDOWS),
        deps=[asset_key(ORDERS), asset_key(STORE_SALES), asset_key(CLICKSTREAM)],
        description=(
            "Revenue, orders, sessions and conversion per channel and location in tumbling 5-minute "
            "and sliding 1-hour windows; late events left out. Rebuilt for touched days only."
        ),
        **common,
    )
    def sales_windows_asset(context: AssetExecutionContext, spark: LakehouseSparkResource) -> MaterializeResult:
        return run_sales_windows(context, spark.spark_session, namespace, processed_lookback)

    @asset(
        key=asset_key(SESSIONS),
        deps=[asset_key(CLICKSTREAM)],
        description=(
            "Visitor sessions rebuilt from clicks with a 30-minute inactivity gap (late clicks included). "
            "Rebuilt for touched days only."
        ),
        **common,
    )
    def sessions_asset(context: AssetExecutionContext, spark: LakehouseSparkResource) -> MaterializeResult:
        return run_sessions(context, spark.spark_session, namespace, processed_lookback)

    @asset(
        key=asset_key(ANOMALIES),
        # clickstream too: the run reads its processing times to find touched days.
        deps=[asset_key(SALES_WINDOWS), asset_key(ORDERS), asset_key(STORE_SALES), asset_key(CLICKSTREAM)],
        description=(
            "Z-score anomalies of windowed revenue and orders per store and channel, and impossible "
            "values on orders and store sales. Rebuilt for touched days only."
        ),
        **common,
    )
    def anomalies_asset(context: AssetExecutionContext, spark: LakehouseSparkResource) -> MaterializeResult:
        return run_anomalies(context, spark.spark_session, namespace, processed_lookback, config)

    return (sales_windows_asset, sessions_asset, anomalies_asset)


SILVER_DERIVED_ASSETS: tuple[AssetsDefinition, ...] = build_silver_derived_assets()
