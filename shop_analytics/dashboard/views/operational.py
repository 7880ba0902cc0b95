"""Operational view: runs and failures, freshness, Kafka lag, rejects, anomalies, quality, alerts."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from shop_analytics.dashboard import charts, columns, operational, ui
from shop_analytics.dashboard import formatting as fmt
from shop_analytics.dashboard.alert_history import AlertHistory
from shop_analytics.dashboard.config import DashboardConfig
from shop_analytics.dashboard.lakehouse import Lakehouse


def render() -> None:
    cfg = ui.config()
    st.title("Operational")
    window = st.selectbox("Window", list(ui.WINDOWS), index=list(ui.WINDOWS).index(ui.DEFAULT_WINDOW), key="window")
    body = ui.refreshing(cfg)(_body)
    body(cfg, window)


def _body(cfg: DashboardConfig, window: str) -> None:
    lake = ui.lakehouse()
    now = pd.Timestamp.now(tz="UTC")
    since = ui.window_start(window, now)

    history = ui.dagster(cfg, (since if since is not None else pd.Timestamp(0, tz="UTC")).to_pydatetime())
    ingest_runs = ui.read(lake, cfg.ops(columns.INGEST_RUNS.name), columns.INGEST_RUNS)
    batches = ui.read(lake, cfg.ops(columns.SILVER_BATCHES.name), columns.SILVER_BATCHES)
    dead_letters = operational.dead_letter_rates(ingest_runs, since) if ingest_runs is not None else None
    quarantines = operational.quarantine_rates(batches, since) if batches is not None else None
    lag = operational.consumer_lag(ingest_runs) if ingest_runs is not None else None
    alert_store = ui.alerts(cfg)
    totals = operational.reject_totals(
        dead_letters if dead_letters is not None else pd.DataFrame(columns=["rows_in", "dead_lettered"]),
        quarantines if quarantines is not None else pd.DataFrame(columns=["rows_in", "quarantined"]),
    )

    jobs = operational.job_summary(history.runs, since) if not isinstance(history, str) else None
    assets = operational.asset_health(history.assets, now) if not isinstance(history, str) else None
    kpis = st.columns(6)
    kpis[0].metric("Failed runs", fmt.count(jobs["failed"].sum()) if jobs is not None else fmt.NONE, border=True)
    kpis[1].metric(
        "Assets with failures", fmt.count((assets["failures"] > 0).sum()) if assets is not None else fmt.NONE, border=True
    )
    kpis[2].metric("Max consumer lag", fmt.count(lag["consumer_lag"].max()) if lag is not None and len(lag) else fmt.NONE, border=True)
    kpis[3].metric("Dead-letter rate", fmt.ratio(totals.dead_letter_rate, 2), border=True)
    kpis[4].metric("Quarantine rate", fmt.ratio(totals.quarantine_rate, 2), border=True)
    kpis[5].metric(
        "Open alerts", fmt.count(len(alert_store.open)) if alert_store is not None else fmt.NONE, border=True
    )

    st.subheader("Pipeline health")
    if isinstance(history, str):
        ui.empty(history)
    else:
        assert jobs is not None and assets is not None
        left, right = st.columns(2)
        with left:
            st.caption(f"Runs per job ({window})")
            if jobs.empty:
                ui.empty(f"No Dagster runs in the {window}.")
            else:
                ui.show(jobs, "jobs")
        with right:
            st.caption("Assets: last materialization, failures in the window, freshness against policy")
            if assets.empty:
                ui.empty("No asset has been materialized yet.")
            else:
                ui.show(assets.assign(age=assets["age_s"].map(fmt.seconds)).drop(columns="age_s"), "assets")

    if lake.catalog is None:
        ui.empty(lake.absent_reason or "No lakehouse yet.")
        ui.footer(cfg, lake, now)
        return

    st.subheader("Kafka consumer lag")
    if lag is None or lag.empty:
        ui.empty(f"No ingest runs in {cfg.ops(columns.INGEST_RUNS.name)} yet: each bronze ingest run records its lag.")
    else:
        left, right = st.columns([3, 2])
        left.plotly_chart(charts.lag_bars(lag), key="lag_chart")
        with right:
            ui.show(lag, "consumer_lag")

    _rejects(cfg, lake, dead_letters, quarantines, batches, since, window)
    _anomalies(cfg, lake)
    _quality(cfg, lake)
    _alerts(cfg, alert_store)
    ui.footer(cfg, lake, now)


def _rejects(
    cfg: DashboardConfig,
    lake: Lakehouse,
    dead_letters: pd.DataFrame | None,
    quarantines: pd.DataFrame | None,
    batches: pd.DataFrame | None,
    since: pd.Timestamp | None,
    window: str,
) -> None:
    st.subheader(f"Dead letter and quarantine ({window})")
    left, right = st.columns(2)
    with left:
        st.caption("Kafka records dead-lettered by bronze (unreadable: framing, schema id, Avro)")
        if dead_letters is None or dead_letters.empty:
            ui.empty("No ingest runs recorded in the window.")
        else:
            ui.show(dead_letters, "dead_letter_rates", dead_letter_rate=st.column_config.NumberColumn(format="percent"))
        dead_letter = ui.read(
            lake, cfg.bronze(columns.DEAD_LETTER.name), columns.DEAD_LETTER, since=None if since is None else ("ingested_at", since)
        )
        if dead_letter is not None and len(dead_letter):
            reasons = operational.dead_letter_reasons(dead_letter, since)
            if len(reasons):
                st.plotly_chart(charts.reason_bars(reasons, "topic", "Dead-letter reasons"), key="dead_letter_reasons")
    with right:
        st.caption("Silver rows quarantined by validation, duplicates dropped, late events")
        if quarantines is None or quarantines.empty:
            ui.empty("No silver batches recorded in the window.")
        else:
            ui.show(quarantines, "quarantine_rates", quarantine_rate=st.column_config.NumberColumn(format="percent"))
            reasons = operational.quarantine_reasons(batches, since) if batches is not None else None
            if reasons is not None and len(reasons):
                st.plotly_chart(charts.reason_bars(reasons, "entity", "Quarantine reasons"), key="quarantine_reasons")


def _anomalies(cfg: DashboardConfig, lake: Lakehouse) -> None:
    st.subheader("Anomalies")
    anomalies = ui.read(lake, cfg.silver(columns.ANOMALIES.name), columns.ANOMALIES)
    if anomalies is None or anomalies.empty:
        ui.empty(f"No anomalies in {cfg.silver(columns.ANOMALIES.name)}.")
        return
    ui.show(operational.recent_anomalies(anomalies), "anomalies")


def _quality(cfg: DashboardConfig, lake: Lakehouse) -> None:
    st.subheader("Data quality")
    scores = ui.read(lake, cfg.ops(columns.QUALITY_SCORES.name), columns.QUALITY_SCORES)
    if scores is None or scores.empty:
        ui.empty(f"No quality scores in {cfg.ops(columns.QUALITY_SCORES.name)} yet: asset checks write one per run.")
        return
    ui.show(operational.latest_quality(scores), "quality", score=st.column_config.NumberColumn(format="%.4f"))


def _alerts(cfg: DashboardConfig, store: AlertHistory | None) -> None:
    st.subheader("Alerts")
    if store is None:
        ui.empty(f"No alert store at {cfg.alerts_db}: no alert has been raised yet.")
        return
    table = operational.alert_table(store.open, store.resolved)
    if table.empty:
        ui.empty("No alerts: no incident opened so far.")
        return
    ui.show(table, "alerts")


if __name__ == "__main__":
    render()
