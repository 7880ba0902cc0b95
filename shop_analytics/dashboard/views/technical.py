"""Technical view: micro-batches, latency, Iceberg tables, dbt timings, local resource use."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from shop_analytics.dashboard import charts, columns, technical, ui
from shop_analytics.dashboard import formatting as fmt
from shop_analytics.dashboard.config import DashboardConfig
from shop_analytics.dashboard.lakehouse import Lakehouse


def render() -> None:
    cfg = ui.config()
    st.title("Technical")
    window = st.selectbox("Window", list(ui.WINDOWS), index=list(ui.WINDOWS).index(ui.DEFAULT_WINDOW), key="window")
    body = ui.refreshing(cfg)(_body)
    body(cfg, window)


def _body(cfg: DashboardConfig, window: str) -> None:
    lake = ui.lakehouse()
    now = pd.Timestamp.now(tz="UTC")
    since = ui.window_start(window, now)
    if lake.catalog is None:
        ui.empty(lake.absent_reason or "No lakehouse yet.")
    else:
        _batches(cfg, lake, since, window)
        _latency(cfg, lake, since, window)
        _tables(cfg, lake)
    _dbt(cfg)
    _resources(cfg)
    ui.footer(cfg, lake, now)


def _batches(cfg: DashboardConfig, lake: Lakehouse, since: pd.Timestamp | None, window: str) -> None:
    st.subheader(f"Micro-batches ({window})")
    batches = ui.read(lake, cfg.ops(columns.SILVER_BATCHES.name), columns.SILVER_BATCHES)
    runs = ui.read(lake, cfg.ops(columns.INGEST_RUNS.name), columns.INGEST_RUNS)
    timeline = technical.batch_timeline(batches, runs, since)
    if timeline.empty:
        ui.empty(
            f"No micro-batches in the {window}: {cfg.ops(columns.SILVER_BATCHES.name)} and "
            f"{cfg.ops(columns.INGEST_RUNS.name)} gain a row per batch and per run as the pipeline runs."
        )
        return
    silver = timeline[timeline["stage"] == "silver"]
    kpis = st.columns(4)
    kpis[0].metric("Silver batches", fmt.count(len(silver)), border=True)
    kpis[1].metric("Batch duration p50", fmt.seconds(silver["duration_s"].median() if len(silver) else None), border=True)
    kpis[2].metric("Batch duration p95", fmt.seconds(silver["duration_s"].quantile(0.95) if len(silver) else None), border=True)
    total_s = silver["duration_s"].sum()
    kpis[3].metric(
        "Silver throughput", f"{silver['rows'].sum() / total_s:,.0f} rows/s" if total_s > 0 else fmt.NONE, border=True
    )
    left, right = st.columns(2)
    left.plotly_chart(charts.batch_durations(timeline), key="batch_durations")
    right.plotly_chart(charts.throughput(timeline), key="throughput")
    ui.show(technical.batch_summary(timeline), "batch_summary")


def _latency(cfg: DashboardConfig, lake: Lakehouse, since: pd.Timestamp | None, window: str) -> None:
    st.subheader(f"Event → silver latency (rows that reached silver in the {window})")
    frames = {}
    for spec in columns.LATENCY_TABLES:
        frame = ui.read(
            lake, cfg.silver(spec.name), spec, since=None if since is None else ("silver_processed_at", since)
        )
        if frame is not None and len(frame):
            frames[spec.name] = frame
    latency = technical.latency_percentiles(frames)
    if latency.empty:
        ui.empty(f"No rows reached {cfg.silver_namespace} in the {window}.")
        return
    if technical.looks_like_backfill(latency):
        st.warning(
            "Backfill: events reached silver hours after they happened (a simulation of past days or a replay), "
            "so event → silver is the events' age here, not the pipeline's delay. Bronze → silver is the "
            "pipeline's own part.",
            icon=":material/history:",
        )
    else:
        st.caption(
            "Event → silver = silver_processed_at - event_time (in a backfill: the events' age). "
            "Bronze → silver = silver_processed_at - bronze_ingested_at (the pipeline's own part)."
        )
    left, right = st.columns([2, 3])
    left.plotly_chart(charts.latency_bars(latency), key="latency_chart")
    with right:
        shown = latency.copy()
        for column in shown.columns:
            if column.endswith("_s"):
                shown[column.removesuffix("_s")] = shown.pop(column).map(fmt.seconds)
        ui.show(shown, "latency")


def _tables(cfg: DashboardConfig, lake: Lakehouse) -> None:
    st.subheader("Iceberg tables")
    pairs = []
    for layer, namespace in cfg.namespaces.items():
        for identifier in lake.list_tables(namespace):
            stats = ui.table_stats(lake, identifier)
            if stats is not None:
                pairs.append((layer, stats))
    stats_frame = technical.table_stats_frame(pairs)
    if stats_frame.empty:
        ui.empty("No Iceberg tables yet.")
        return
    kpis = st.columns(4)
    kpis[0].metric("Tables", fmt.count(len(stats_frame)), border=True)
    kpis[1].metric("Data files", fmt.count(stats_frame["data_files"].sum()), border=True)
    kpis[2].metric("Small files", fmt.count(stats_frame["small_files"].sum()), border=True)
    kpis[3].metric("Size", f"{stats_frame['size_mib'].sum():,.1f} MiB", border=True)
    st.plotly_chart(charts.table_files(stats_frame), key="table_files")
    ui.show(
        stats_frame,
        "table_stats",
        size_mib=st.column_config.NumberColumn(format="%.2f"),
        avg_file_kib=st.column_config.NumberColumn(format="%.1f"),
    )


def _dbt(cfg: DashboardConfig) -> None:
    st.subheader("dbt model timings")
    run = ui.dbt_run(cfg)
    if isinstance(run, str):
        ui.empty(run)
        return
    models = run.results[run.results["resource_type"] == "model"]
    tests = run.results[run.results["resource_type"].isin(["test", "unit_test"])]
    outcomes = ", ".join(f"{n} {status}" for status, n in tests["status"].value_counts().sort_index().items())
    st.caption(
        f"`dbt {run.command}` at {fmt.timestamp(run.generated_at)} took {fmt.seconds(run.elapsed_s)}: "
        f"{len(models)} models, {len(tests)} tests" + (f" ({outcomes})" if outcomes else "")
    )
    if len(models):
        left, right = st.columns(2)
        left.plotly_chart(charts.dbt_timings(models), key="dbt_timings")
        with right:
            ui.show(models[["model", "status", "execution_time_s", "started_at"]], "dbt_models")


def _resources(cfg: DashboardConfig) -> None:
    st.subheader("Local services")
    procs = ui.service_processes(cfg)
    if procs.empty:
        ui.empty("No platform process is running (`make up` starts the broker and the registry).")
        return
    left, right = st.columns(2)
    left.plotly_chart(charts.process_memory(procs), key="process_memory")
    with right:
        ui.show(
            procs.assign(uptime=procs["uptime_s"].map(fmt.seconds)).drop(columns="uptime_s"),
            "processes",
            rss_mib=st.column_config.NumberColumn(format="%.0f"),
            cpu_percent=st.column_config.NumberColumn(format="%.1f"),
        )


if __name__ == "__main__":
    render()
