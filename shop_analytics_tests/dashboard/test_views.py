"""Each view through Streamlit's headless harness (AppTest) on the sample world: the numbers
on the page are the numbers the data says (sample_data.EXPECTED, worked out by hand)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit import config as streamlit_config
from streamlit.testing.v1 import AppTest

from shop_analytics.dashboard.launcher import APP, STREAMLIT_RUNNER_OPTIONS
from shop_analytics_tests.dashboard.conftest import FOREIGN_SETTINGS, World
from shop_analytics_tests.dashboard.sample_data import EXPECTED, Namespaces

# The first run imports Dagster, PyIceberg and Plotly into the test process.
TIMEOUT_S = 90


def open_view(page: str | None = None) -> AppTest:
    for key, value in STREAMLIT_RUNNER_OPTIONS.items():
        streamlit_config.set_option(key, value)
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT_S).run()
    if page is not None:
        at.switch_page(f"views/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metrics(at: AppTest) -> dict[str, tuple[str, str | None]]:
    return {m.label: (m.value, m.delta or None) for m in at.metric}


def table(at: AppTest, key: str) -> pd.DataFrame:
    return at.container(f"table-{key}").dataframe[0].value


def infos(at: AppTest) -> list[str]:
    return [i.value for i in at.info]


def test_executive_view_shows_kpis_products_stores_and_customers_from_the_marts(dashboard_env: World) -> None:
    at = open_view()

    shown = metrics(at)
    for label, (value, delta) in EXPECTED["executive"].items():
        assert shown[label] == (value, delta), label
    assert at.title[0].value == "Executive"
    assert "2026-11-14 - 2026-11-20 compared with 2026-11-07 - 2026-11-13" in at.caption[0].value

    top = table(at, "top_products")
    assert top[["product_name", "revenue", "units"]].values.tolist() == [
        ["Desk Lamp", 190.0, 4.0],  # o2 cancelled line (70.00) left out
        ["Trail Shoe", 180.0, 6.0],  # previous-period line (200.00) left out
        ["Wool Sock", 130.0, 3.0],
    ]
    assert table(at, "top_categories")[["category", "revenue"]].values.tolist() == [
        ["Footwear", 310.0],
        ["Home", 190.0],
    ]
    assert table(at, "period_over_period").values.tolist() == [
        ["Revenue", "500.00 USD", "400.00 USD", "+25.0 %"],
        ["Orders", "4", "2", "+100.0 %"],
        ["Average order value", "125.00 USD", "200.00 USD", "-37.5 %"],
        ["Conversion (web + app)", "6.0 %", "4.0 %", "+2.0 pp"],
    ]
    stores = table(at, "store_performance")
    assert stores[["store_name", "revenue", "revenue_rank_in_region"]].values.tolist() == [
        ["Loop", 150.0, 1.0],
        ["Fifth Avenue", 400.0, 1.0],
    ]
    segments = table(at, "segments")
    assert segments[["segment", "customers", "revenue"]].values.tolist() == [
        ["champions", 2, 1000.0],
        ["at_risk", 1, 200.0],
        ["hibernating", 1, 50.0],
    ]


def test_executive_period_choice_compares_equal_periods(dashboard_env: World) -> None:
    at = open_view()
    at.selectbox(key="period").set_value("14 days").run()

    # Nov 7-20 holds every order: 900.00 over 6; there is nothing before it to compare with.
    assert metrics(at)["Revenue"] == ("900.00 USD", None)
    assert metrics(at)["Orders"] == ("6", None)


def test_operational_view_shows_runs_lag_rejects_anomalies_quality_and_alerts(dashboard_env: World) -> None:
    at = open_view("operational")

    shown = metrics(at)
    for label, value in EXPECTED["operational"].items():
        assert shown[label][0] == value, label
    assert shown["Failed runs"][0] == "1"
    assert shown["Assets with failures"][0] == "1"

    jobs = table(at, "jobs").set_index("job")
    assert jobs.loc["gold_job", ["runs", "failed", "last_status"]].tolist() == [1, 1, "FAILURE"]
    assert jobs.loc["silver_job", ["runs", "succeeded", "last_status"]].tolist() == [1, 1, "SUCCESS"]
    assets = table(at, "assets").set_index("asset")
    assert assets.loc["gold/fct_orders", "failures"] == 1
    assert pd.isna(assets.loc["gold/fct_orders", "last_materialized"])
    assert assets.loc["silver/orders", "failures"] == 0
    assert assets.loc["silver/orders", "freshness"] == "no policy evaluation"

    lag = table(at, "consumer_lag")
    assert lag[["topic", "consumer_lag"]].values.tolist() == [["shop.clickstream", 7.0], ["shop.orders", 42.0]]
    dead = table(at, "dead_letter_rates").set_index("topic")
    assert dead.loc["shop.orders", ["rows_in", "dead_lettered"]].tolist() == [1500.0, 15.0]
    assert dead.loc["shop.orders", "dead_letter_rate"] == pytest.approx(0.01)
    quarantine = table(at, "quarantine_rates").set_index("entity")
    assert quarantine.loc["orders", ["batches", "rows_in", "quarantined", "duplicates", "late"]].tolist() == [
        2,
        150,
        6,
        4,
        2,
    ]
    assert quarantine.loc["clickstream", "quarantine_rate"] == pytest.approx(0.01)

    anomalies = table(at, "anomalies")
    assert anomalies[["rule", "entity_id", "score"]].values.tolist() == [
        ["zscore_revenue", "S1", 6.83],  # newest window first
        ["zscore_orders", "app", 7.0],
    ]
    quality = table(at, "quality")
    assert quality.iloc[0][["asset_key", "score", "below_sla"]].tolist() == ["silver/orders", 0.9, True]
    alerts = table(at, "alerts")
    assert alerts[["status", "level", "title"]].values.tolist() == [
        ["open", "critical", "silver_job failed"],
        ["resolved", "warning", "gold/fct_orders is stale"],
    ]


def test_operational_window_everything_includes_older_runs(dashboard_env: World) -> None:
    at = open_view("operational")
    at.selectbox(key="window").set_value("everything recorded").run()

    # The ingest run three days ago (100,000 in, 5,000 dead-lettered) now counts:
    # (15 + 5000) / (3500 + 100000) = 4.85 %.
    assert metrics(at)["Dead-letter rate"][0] == "4.85 %"


def test_technical_view_shows_batches_latency_tables_and_dbt_timings(dashboard_env: World) -> None:
    at = open_view("technical")

    shown = metrics(at)
    for label, value in EXPECTED["technical"].items():
        assert shown[label][0] == value, label
    summary = table(at, "batch_summary").set_index(["stage", "stream"])
    assert summary.loc[("silver", "orders"), ["batches", "rows", "duration_max_s"]].tolist() == [2, 150.0, 4.0]
    assert summary.loc[("silver", "orders"), "rows_per_s"] == pytest.approx(25.0)
    # Bronze: the 3-day-old run is outside 24 h; 1500 rows over runs of 4.0 + 3.0 s.
    assert summary.loc[("bronze", "shop.orders"), ["batches", "rows", "duration_max_s"]].tolist() == [2, 1500.0, 2.0]
    assert summary.loc[("bronze", "shop.orders"), "rows_per_s"] == pytest.approx(1500 / 7.0)

    latency = table(at, "latency").set_index("table")
    assert latency.loc[
        "orders", ["rows", "late_rows", "event_to_silver_p50", "event_to_silver_max", "bronze_to_silver_p50"]
    ].tolist() == [3, 1, "20.0 s", "30.0 s", "2.0 s"]
    assert not at.warning, "a 20-second latency is live, not a backfill"

    stats = table(at, "table_stats").set_index("table")
    ns = dashboard_env.namespaces
    assert stats.loc[f"{ns.gold}.fct_orders", ["layer", "snapshots", "records"]].tolist() == ["gold", 1, 7]
    assert stats.loc[f"{ns.ops}.ingest_runs", "records"] == 4
    assert (stats["small_files"] == stats["data_files"]).all(), "test-sized files are all small"
    assert shown["Tables"][0] == str(len(stats))

    dbt = table(at, "dbt_models")
    assert dbt[["model", "execution_time_s"]].values.tolist() == [
        ["fct_orders", 12.5],
        ["dim_customers", 4.25],
        ["customer_rfm", 2.0],
    ]
    assert any("dbt build" in c.value and "3 models, 1 tests (1 pass)" in c.value for c in at.caption)
    assert any(s.value == "Local services" for s in at.subheader)


@pytest.mark.parametrize("page", [None, "operational", "technical"])
def test_every_view_says_what_is_missing_when_there_is_no_data(
    world: World, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, page: str | None
) -> None:
    """A catalog with none of the tables (fresh namespaces), no Dagster home, no alerts, no dbt run."""
    for name in (*FOREIGN_SETTINGS, "DAGSTER_HOME"):
        monkeypatch.delenv(name, raising=False)
    empty = Namespaces.fresh()
    for name, value in world.environ(empty).items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("DAGSTER_HOME")
    monkeypatch.setenv("SHOP_DASHBOARD_ALERTS_DB", str(tmp_path / "none.db"))
    monkeypatch.setenv("SHOP_DASHBOARD_DBT_TARGET", str(tmp_path / "no-target"))

    at = open_view(page)

    messages = infos(at)
    expected = {
        None: [f"No orders in {empty.gold}.fct_orders yet"],
        "operational": [
            "DAGSTER_HOME is not set",
            f"No ingest runs in {empty.ops}.ingest_runs yet",
            f"No anomalies in {empty.silver}.anomalies",
            f"No quality scores in {empty.ops}.quality_scores yet",
            f"No alert store at {tmp_path / 'none.db'}",
        ],
        "technical": [
            "No micro-batches in the last 24 hours",
            f"No rows reached {empty.silver}",
            "No Iceberg tables yet",
            "No dbt run_results.json",
        ],
    }[page]
    for start in expected:
        assert any(m.startswith(start) for m in messages), (start, messages)
    assert not at.error


def test_views_say_there_is_no_lakehouse_before_the_first_run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in (*FOREIGN_SETTINGS, "DAGSTER_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SHOP_ENV", "local")
    monkeypatch.setenv("SHOP_STATE_DIR", str(tmp_path / "state"))

    at = open_view()

    assert any(m.startswith("No lakehouse yet") for m in infos(at)), infos(at)
    assert not (tmp_path / "state" / "catalog.db").exists(), "the dashboard must not create the catalog"
