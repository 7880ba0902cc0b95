"""The dashboards' data functions without Streamlit: frames in, numbers out."""

from __future__ import annotations

import json
import os
import sqlite3
import time
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from shop_analytics.dashboard import (
    alert_history,
    config,
    dbt_timings,
    executive,
    formatting,
    launcher,
    operational,
    processes,
    technical,
)
from shop_analytics.dashboard.columns import FCT_ORDERS, Kind, TableSpec
from shop_analytics.dashboard.lakehouse import MissingColumns, absent_reason, empty_frame, typed_frame

UTC = "UTC"


def day(text: str) -> pd.Timestamp:
    return pd.Timestamp(text)


def test_typed_frame_turns_decimals_naive_times_and_dates_into_uniform_types() -> None:
    spec = TableSpec(
        "t",
        {
            "amount": ("amount_col", Kind.NUMBER),
            "at": ("at", Kind.TIMESTAMP),
            "on": ("on", Kind.DATE),
            "flag": ("flag", Kind.BOOL),
        },
    )
    data = pa.table(
        {
            "amount_col": pa.array([Decimal("1.50"), None], type=pa.decimal128(10, 2)),
            "at": pa.array([pd.Timestamp("2026-11-20 10:00"), None], type=pa.timestamp("us")),  # no zone: UTC
            "on": pa.array([pd.Timestamp("2026-11-20").date(), None], type=pa.date32()),
            "flag": pa.array([True, None]),
            "ignored": pa.array([1, 2]),
        }
    )

    frame = typed_frame(data, spec, "ns.t")

    assert list(frame.columns) == ["amount", "at", "on", "flag"]
    assert frame["amount"].tolist()[0] == 1.5 and pd.isna(frame["amount"].tolist()[1])
    assert frame["at"].iloc[0] == pd.Timestamp("2026-11-20 10:00", tz=UTC)
    assert frame["on"].iloc[0] == pd.Timestamp("2026-11-20")
    assert frame["flag"].tolist()[0] is True and pd.isna(frame["flag"].tolist()[1])


def test_a_renamed_mart_column_is_reported_by_name_with_the_file_to_fix() -> None:
    data = pa.table({"order_id": ["o1"]})
    with pytest.raises(MissingColumns, match=r"gold\.fct_orders has no column channel, .*dashboard/columns\.py"):
        typed_frame(data, FCT_ORDERS, "gold.fct_orders")


def test_a_missing_sqlite_catalog_is_a_reason_not_a_new_file(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'catalog.db'}"
    assert absent_reason({"uri": uri}).startswith("No lakehouse yet")
    assert not (tmp_path / "catalog.db").exists()
    (tmp_path / "catalog.db").touch()
    assert absent_reason({"uri": uri}) is None
    assert absent_reason({"uri": "glue"}) is None  # only a local SQLite file can be missing


def orders_frame(rows: list[tuple[str, str, str, float, bool]]) -> pd.DataFrame:
    frame = empty_frame(FCT_ORDERS)
    data = pd.DataFrame(rows, columns=["order_id", "channel", "order_date", "total_cents", "is_revenue"])
    data["order_date"] = pd.to_datetime(data["order_date"])
    data["currency"] = "USD"
    return pd.concat([frame, data], ignore_index=True)


def test_periods_end_on_the_newest_order_day_and_compare_the_same_length_before() -> None:
    orders = orders_frame([("a", "web", "2026-11-20", 100, True), ("b", "web", "2026-11-01", 100, True)])

    period = executive.latest_period(orders, 7)

    assert period is not None
    assert (period.first, period.last) == (day("2026-11-14"), day("2026-11-20"))
    assert (period.previous.first, period.previous.last) == (day("2026-11-07"), day("2026-11-13"))
    assert executive.latest_period(orders.iloc[0:0], 7) is None


def test_change_is_relative_for_amounts_and_in_points_for_rates() -> None:
    assert executive.Kpi("Revenue", 150.0, 100.0, "money").change == pytest.approx(0.5)
    assert executive.Kpi("Conversion", 0.06, 0.04, "ratio").change == pytest.approx(0.02)
    assert executive.Kpi("Revenue", 150.0, 0.0, "money").change is None  # from nothing: no percentage
    assert formatting.change(0.02, "ratio") == "+2.0 pp"
    assert formatting.change(-0.375) == "-37.5 %"
    assert formatting.change(None) is None
    assert (formatting.money(9_999.5, "USD"), formatting.money(146_044.85, "USD")) == ("9,999.50 USD", "146,045 USD")


def test_cancelled_orders_are_not_revenue_and_a_first_period_has_no_comparison() -> None:
    orders = orders_frame([("a", "web", "2026-11-20", 10_000, True), ("b", "app", "2026-11-19", 5_000, False)])
    period = executive.latest_period(orders, 7)
    assert period is not None

    kpis = executive.headline(orders, None, period)

    assert (kpis["revenue"].current, kpis["orders"].current, kpis["aov"].current) == (100.0, 1.0, 100.0)
    assert kpis["revenue"].previous is None and kpis["revenue"].change is None
    assert kpis["conversion"].current is None  # no funnel mart yet
    daily = executive.revenue_by_day_and_channel(orders, period)
    assert daily.values.tolist() == [[day("2026-11-20"), "web", 100.0, 1]]


def test_store_map_keeps_stores_without_sales_and_leaves_out_warehouses() -> None:
    stores = pd.DataFrame(
        {
            "store_id": ["S1", "S2", "W1"],
            "store_name": ["A", "B", "DC"],
            "city": ["New York", "Boston", "Columbus"],
            "region": ["NE", "NE", "MW"],
            "latitude": [40.7, 42.4, 40.0],
            "longitude": [-74.0, -71.1, -83.0],
            "is_store": pd.array([True, True, False], dtype="boolean"),
        }
    )
    daily = pd.DataFrame(
        {
            "store_id": ["S1", "S1"],
            "sale_date": [day("2026-11-20"), day("2026-11-10")],
            "transaction_count": [2.0, 1.0],
            "revenue_cents": [30_000.0, 20_000.0],
        }
    )
    period = executive.Period(day("2026-11-14"), day("2026-11-20"))

    shown = executive.store_map(daily, stores, period)

    assert shown[["store_id", "revenue", "previous_revenue", "transactions"]].values.tolist() == [
        ["S1", 300.0, 200.0, 2.0],
        ["S2", 0.0, 0.0, 0.0],
    ]
    assert shown["change"].iloc[0] == pytest.approx(0.5)
    assert pd.isna(shown["change"].iloc[1])


def test_segments_are_ordered_best_first_and_unknown_segments_last() -> None:
    rfm = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d"],
            "segment": ["hibernating", "vip_new", "champions", "champions"],
            "monetary_cents": [100.0, 200.0, 300.0, 400.0],
        }
    )
    assert executive.segments(rfm)[["segment", "customers"]].values.tolist() == [
        ["champions", 2],
        ["hibernating", 1],
        ["vip_new", 1],
    ]


def test_live_sales_shows_the_newest_hours_of_tumbling_windows_only() -> None:
    start = pd.Timestamp("2026-11-20 12:00", tz=UTC)
    windows = pd.DataFrame(
        {
            "window_kind": ["tumbling_5m", "tumbling_5m", "sliding_1h", "tumbling_5m"],
            "window_start": [start, start, start, start - pd.Timedelta(hours=7)],
            "channel": ["web", "web", "web", "web"],
            "location_id": ["online"] * 4,
            "revenue_cents": [100.0, 50.0, 999.0, 5.0],
            "orders": [1.0, 1.0, 9.0, 1.0],
        }
    )
    assert executive.live_sales(windows).values.tolist() == [[start, "web", 1.5, 2.0]]


def test_quarantine_reasons_sum_the_json_counts_per_entity() -> None:
    now = pd.Timestamp.now(tz=UTC)
    batches = pd.DataFrame(
        {
            "entity": ["orders", "orders", "clickstream"],
            "quarantined_by_reason": ['{"unknown_product": 2}', '{"unknown_product": 1, "price_mismatch": 1}', None],
            "started_at": [now, now, now],
        }
    )
    assert operational.quarantine_reasons(batches, None).values.tolist() == [
        ["orders", "unknown_product", 3],
        ["orders", "price_mismatch", 1],
    ]


def test_latency_percentiles_and_backfill_detection() -> None:
    processed = pd.Timestamp("2026-11-20 12:00", tz=UTC)
    live = pd.DataFrame(
        {
            "event_time": [processed - pd.Timedelta(seconds=s) for s in (10, 20, 30)],
            "bronze_ingested_at": [processed - pd.Timedelta(seconds=2)] * 3,
            "silver_processed_at": [processed] * 3,
            "is_late": pd.array([False, True, None], dtype="boolean"),
        }
    )
    backfill = live.assign(event_time=live["event_time"] - pd.Timedelta(days=1))

    live_latency = technical.latency_percentiles({"orders": live})
    assert live_latency[["rows", "late_rows", "event_to_silver_p50_s", "bronze_to_silver_p50_s"]].values.tolist() == [
        [3, 1, 20.0, 2.0]
    ]
    assert not technical.looks_like_backfill(live_latency)
    assert technical.looks_like_backfill(technical.latency_percentiles({"orders": backfill}))


def test_job_summary_counts_failures_and_reports_the_newest_run() -> None:
    t0 = pd.Timestamp("2026-11-20 12:00", tz=UTC)
    runs = pd.DataFrame(
        {
            "run_id": ["1", "2", "3"],
            "job_name": ["silver_job", "silver_job", "gold_job"],
            "status": ["FAILURE", "SUCCESS", "STARTED"],
            "started_at": [t0, t0 + pd.Timedelta(minutes=5), t0],
            "ended_at": [t0 + pd.Timedelta(seconds=30), t0 + pd.Timedelta(minutes=6), pd.NaT],
        }
    )
    summary = operational.job_summary(runs, None).set_index("job")
    assert summary.loc["silver_job", ["runs", "succeeded", "failed", "last_status", "last_duration_s"]].tolist() == [
        2, 1, 1, "SUCCESS", 60.0
    ]
    assert pd.isna(summary.loc["gold_job", "last_duration_s"])  # still running


def test_run_results_newest_file_wins_and_project_names_are_dropped(tmp_path: Path) -> None:
    def write(folder: str, seconds: float, mtime: float) -> None:
        path = tmp_path / folder / "run_results.json"
        path.parent.mkdir(parents=True)
        document = {
            "metadata": {"generated_at": "2026-11-20T12:00:00Z"},
            "elapsed_time": seconds,
            "args": {"which": "build"},
            "results": [{"unique_id": "model.shop_analytics.fct_orders", "status": "success", "execution_time": seconds}],
        }
        path.write_text(json.dumps(document))
        os.utime(path, (mtime, mtime))

    write("old", 1.0, time.time() - 100)
    write("new", 2.0, time.time())

    run = dbt_timings.latest_dbt_run(tmp_path)

    assert run is not None and run.elapsed_s == 2.0 and run.command == "build"
    assert run.results[["model", "resource_type", "execution_time_s"]].values.tolist() == [["fct_orders", "model", 2.0]]
    assert dbt_timings.latest_dbt_run(tmp_path / "missing") is None


def test_alert_history_is_read_without_creating_or_locking_the_store(tmp_path: Path) -> None:
    path = tmp_path / "incidents.db"
    assert alert_history.read_alerts(path) is None
    assert not path.exists()

    sqlite3.connect(path).close()  # a store the alerting created but never wrote to
    history = alert_history.read_alerts(path)
    assert history is not None and history.open.empty and history.resolved.empty


def test_processes_are_named_by_pid_file_then_by_command_line(tmp_path: Path) -> None:
    (tmp_path / "kafka.pid").write_text(str(os.getpid()))

    found = processes.service_processes(tmp_path, sample_s=0.05)

    mine = found[found["pid"] == os.getpid()]
    assert mine["service"].tolist() == ["Kafka broker"]
    assert mine["rss_mib"].iloc[0] > 10
    assert processes.classify(["/usr/bin/java", "-cp", "x", "kafka.Kafka", "server.properties"]) == "Kafka broker"
    assert processes.classify(["java", "-Dquarkus.http.host=127.0.0.1", "-jar", "r.jar"]) == "Schema registry"
    assert processes.classify(["/opt/jdk/bin/java", "Foo"]) == "Java (other)"
    assert processes.classify(["python", "-m", "pytest"]) is None


def test_config_reads_namespaces_and_rejects_a_bad_refresh(tmp_path: Path) -> None:
    cfg = config.DashboardConfig.from_env(
        {"SHOP_STATE_DIR": str(tmp_path), "SHOP_DASHBOARD_GOLD_NAMESPACE": "g", "SHOP_DASHBOARD_REFRESH_S": "5"}
    )
    assert (cfg.gold("fct_orders"), cfg.silver("orders"), cfg.refresh_s) == ("g.fct_orders", "silver.orders", 5.0)
    assert cfg.alerts_db == tmp_path.resolve() / "alerts" / "incidents.db"
    assert cfg.dagster_home is None
    with pytest.raises(ValueError, match="SHOP_DASHBOARD_REFRESH_S='soon' is not a number"):
        config.DashboardConfig.from_env({"SHOP_DASHBOARD_REFRESH_S": "soon"})


def test_the_launcher_binds_loopback_and_sends_no_usage_statistics() -> None:
    command = launcher.dashboard_command("127.0.0.1", 8765)

    assert command[1:4] == ["-m", "streamlit", "run"] and command[4].endswith("dashboard/app.py")
    options = dict(zip(command[5::2], command[6::2], strict=True))
    assert options["--server.address"] == "127.0.0.1"
    assert options["--server.port"] == "8765"
    assert options["--server.headless"] == "true"
    assert options["--browser.gatherUsageStats"] == "false"
    assert options["--runner.magicEnabled"] == "false"
    assert launcher.dashboard_url("127.0.0.1", 8765) == "http://127.0.0.1:8765"


def test_the_launcher_finds_the_platforms_dagster_home_when_none_is_set(tmp_path: Path) -> None:
    assert "DAGSTER_HOME" not in launcher.dashboard_environ({"SHOP_STATE_DIR": str(tmp_path)})
    (tmp_path / "dagster").mkdir()
    assert launcher.dashboard_environ({"SHOP_STATE_DIR": str(tmp_path)})["DAGSTER_HOME"] == str(tmp_path.resolve() / "dagster")
    assert launcher.dashboard_environ({"SHOP_STATE_DIR": str(tmp_path), "DAGSTER_HOME": "/elsewhere"})["DAGSTER_HOME"] == "/elsewhere"


def test_table_stats_of_an_emptied_table_are_zero_files(tmp_path: Path) -> None:
    """dbt's full refresh of a mart with no rows commits a snapshot without manifests."""
    from pyiceberg.catalog.sql import SqlCatalog

    from shop_analytics.dashboard.lakehouse import table_stats

    catalog = SqlCatalog("t", uri=f"sqlite:///{tmp_path / 'catalog.db'}", warehouse=(tmp_path / "w").as_uri())
    catalog.create_namespace("gold")
    table = catalog.create_table("gold.fct_returns", schema=pa.schema([("return_id", pa.string())]))
    table.append(pa.table({"return_id": ["r1", "r2"]}))
    assert (table_stats("gold.fct_returns", table).data_files, table_stats("gold.fct_returns", table).records) == (1, 2)

    table.overwrite(pa.table({"return_id": pa.array([], pa.string())}))

    stats = table_stats("gold.fct_returns", table)
    # The overwrite commits twice: a delete, then an append of nothing (no manifests).
    assert (stats.snapshots, stats.data_files, stats.small_files, stats.records) == (3, 0, 0, 0)
