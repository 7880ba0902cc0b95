"""The technical view's numbers: micro-batches, latency, table stats. Pure functions of frames.

Event → silver latency is ``silver_processed_at - event_time``: how old an event was when
it reached silver. On a live stream that is the pipeline's delay; in a backfill (a
simulation of past days, a replay) it is mostly the events' age, so the view shows bronze →
silver (``silver_processed_at - bronze_ingested_at``, the pipeline's own part) beside it and
says which reading applies.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from shop_analytics.dashboard.lakehouse import TableStats

# Event → silver above this median reads as a backfill (events older than any live delay).
BACKFILL_MEDIAN_S = 3600.0
TIMELINE_COLUMNS = ["stage", "stream", "at", "duration_s", "busy_s", "rows", "rows_per_s"]


def _since(frame: pd.DataFrame, column: str, since: pd.Timestamp | None) -> pd.DataFrame:
    return frame if since is None else frame[frame[column] >= since]


def batch_timeline(
    silver_batches: pd.DataFrame | None, ingest_runs: pd.DataFrame | None, since: pd.Timestamp | None
) -> pd.DataFrame:
    """Every silver micro-batch and bronze ingest run in the window with its duration and throughput.

    A silver batch is one ``foreachBatch`` call (``at`` = its start); a bronze row is one
    ingest run of a topic (``at`` = its end; ``duration_s`` is the longest micro-batch in it).
    ``busy_s`` is the time spent on the rows: the batch, or the whole ingest run.
    """
    parts = []
    if silver_batches is not None and len(silver_batches):
        silver = _since(silver_batches, "started_at", since)
        parts.append(
            pd.DataFrame(
                {
                    "stage": "silver",
                    "stream": silver["entity"],
                    "at": silver["started_at"],
                    "duration_s": silver["duration_s"],
                    "busy_s": silver["duration_s"],
                    "rows": silver["rows_in"],
                    "rows_per_s": silver["rows_in"] / silver["duration_s"].where(silver["duration_s"] > 0),
                }
            )
        )
    if ingest_runs is not None and len(ingest_runs):
        bronze = _since(ingest_runs, "finished_at", since)
        parts.append(
            pd.DataFrame(
                {
                    "stage": "bronze",
                    "stream": bronze["topic"],
                    "at": bronze["finished_at"],
                    "duration_s": bronze["batch_duration_s_max"],
                    "busy_s": bronze["duration_s"],
                    "rows": bronze["rows_in"],
                    "rows_per_s": bronze["rows_per_s"],
                }
            )
        )
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=TIMELINE_COLUMNS)
    return pd.concat(parts, ignore_index=True).sort_values(["at", "stage", "stream"]).reset_index(drop=True)


def batch_summary(timeline: pd.DataFrame) -> pd.DataFrame:
    """Per stage and stream: batches, rows, duration p50/p95/max and mean throughput."""
    columns = ["stage", "stream", "batches", "rows", "duration_p50_s", "duration_p95_s", "duration_max_s", "rows_per_s"]
    if timeline.empty:
        return pd.DataFrame(columns=columns)
    grouped = timeline.groupby(["stage", "stream"])
    summary = grouped.agg(
        batches=("duration_s", "count"),
        rows=("rows", "sum"),
        duration_p50_s=("duration_s", "median"),
        duration_p95_s=("duration_s", lambda s: s.quantile(0.95)),
        duration_max_s=("duration_s", "max"),
        busy_s=("busy_s", "sum"),
    ).reset_index()
    # Throughput over the window: rows over the time spent on them, not the mean of per-batch rates.
    summary["rows_per_s"] = summary["rows"] / summary.pop("busy_s").where(lambda d: d > 0)
    return summary[columns].sort_values(["stage", "stream"]).reset_index(drop=True)


def latency_percentiles(frames: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Per silver table: rows, late rows, event → silver and bronze → silver percentiles (s)."""
    columns = [
        "table",
        "rows",
        "late_rows",
        "event_to_silver_p50_s",
        "event_to_silver_p95_s",
        "event_to_silver_p99_s",
        "event_to_silver_max_s",
        "bronze_to_silver_p50_s",
        "bronze_to_silver_p95_s",
    ]
    rows = []
    for table, frame in frames.items():
        if frame.empty:
            continue
        event = (frame["silver_processed_at"] - frame["event_time"]).dt.total_seconds().dropna()
        bronze = (frame["silver_processed_at"] - frame["bronze_ingested_at"]).dt.total_seconds().dropna()
        rows.append(
            {
                "table": table,
                "rows": len(frame),
                "late_rows": int(frame["is_late"].fillna(False).astype(bool).sum()),
                "event_to_silver_p50_s": event.quantile(0.5),
                "event_to_silver_p95_s": event.quantile(0.95),
                "event_to_silver_p99_s": event.quantile(0.99),
                "event_to_silver_max_s": event.max(),
                "bronze_to_silver_p50_s": bronze.quantile(0.5),
                "bronze_to_silver_p95_s": bronze.quantile(0.95),
            }
        )
    return pd.DataFrame(rows, columns=columns)


def looks_like_backfill(latency: pd.DataFrame) -> bool:
    """True when events reached silver hours after they happened (a backfill, not live delay)."""
    medians = latency["event_to_silver_p50_s"].dropna()
    return bool(len(medians)) and float(medians.median()) > BACKFILL_MEDIAN_S


def table_stats_frame(stats: Iterable[tuple[str, TableStats]]) -> pd.DataFrame:
    """(layer, stats) pairs as a table: snapshots, files, small files, size, records, last commit."""
    rows = [
        {
            "layer": layer,
            "table": s.table,
            "snapshots": s.snapshots,
            "data_files": s.data_files,
            "small_files": s.small_files,
            "size_mib": s.size_bytes / 2**20,
            "avg_file_kib": (s.size_bytes / s.data_files / 1024) if s.data_files else None,
            "records": s.records,
            "last_commit": s.last_commit,
        }
        for layer, s in stats
    ]
    columns = ["layer", "table", "snapshots", "data_files", "small_files", "size_mib", "avg_file_kib", "records", "last_commit"]
    return pd.DataFrame(rows, columns=columns)
