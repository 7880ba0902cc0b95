"""The main job end to end, then the dashboard on what it built, in a real Chromium.

`run_demo` as `make demo` runs it (on the session's platform): simulator → Kafka → sensor →
bronze run → run-status sensor → silver run → gold (dbt) run. Then the dashboard is started
as users start it: its executive view must show the revenue and orders that
gold.fct_orders holds, and the operational and technical views must load; a screenshot of
each is saved. Runs last (folder name): it writes the default topics and namespaces.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from pyiceberg.catalog.sql import SqlCatalog

from shop_analytics.dashboard import formatting
from shop_analytics.dashboard.launcher import dashboard_command, dashboard_url
from shop_analytics.demo import mart_rows, run_demo
from shop_analytics.platform import lakehouse
from shop_analytics.platform.settings import PlatformSettings
from shop_analytics_tests.conftest import free_port, settings_environ
from shop_analytics_tests.dashboard.chromium import INSTALL_HINT, Chromium, find_chromium

PERIOD_DAYS = 7  # the executive view's default period


@pytest.fixture(scope="module")
def demo(platform: PlatformSettings, tmp_path_factory: pytest.TempPathFactory):
    dagster_home = tmp_path_factory.mktemp("dagster_home")
    environ = {**settings_environ(platform), "DAGSTER_HOME": str(dagster_home)}
    saved = {k: os.environ.get(k) for k in environ}
    os.environ.update(environ)
    try:
        counts = run_demo(platform, days=0.5, customers=400, seed=11)
        yield counts, environ, mart_rows()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def test_the_demo_lands_every_record_and_builds_the_marts(demo) -> None:
    counts, _, marts = demo
    assert sum(c.in_kafka for c in counts) > 1_000
    for row in counts:
        assert row.in_kafka == row.in_bronze + row.dead_lettered, row
        assert row.in_silver <= row.in_bronze, row
    assert {"gold.fct_orders", "gold.customer_rfm", "gold.dim_customers"} <= set(marts)
    # Earlier tests of the session may have written customers of a bigger world to the same topics.
    assert marts["gold.fct_orders"] > 0 and marts["gold.dim_customers"] >= 400


def _expected_headline(platform: PlatformSettings) -> tuple[str, str]:
    """Revenue and orders of the newest 7 order days, computed from gold.fct_orders directly."""
    orders = (
        SqlCatalog(lakehouse.CATALOG_NAME, **lakehouse.pyiceberg_properties(platform))
        .load_table("gold.fct_orders")
        .scan(selected_fields=("order_date", "is_revenue", "total_cents"))
        .to_pandas()
    )
    last = orders["order_date"].max()
    period = orders[
        (orders["order_date"] > last - dt.timedelta(days=PERIOD_DAYS)) & orders["is_revenue"].fillna(False).astype(bool)
    ]
    return formatting.money(period["total_cents"].sum() / 100, "USD"), formatting.count(len(period))


def test_the_dashboard_shows_the_marts_numbers_in_chromium(demo, platform: PlatformSettings, tmp_path: Path) -> None:
    executable = find_chromium()
    if executable is None:
        pytest.skip(f"chromium is not installed, so the browser test cannot run: {INSTALL_HINT}")
    _, environ, _ = demo
    revenue, orders = _expected_headline(platform)
    port = free_port()
    log = (tmp_path / "streamlit.log").open("w")
    app = subprocess.Popen(
        dashboard_command("127.0.0.1", port), env={**os.environ, **environ}, stdout=log, stderr=subprocess.STDOUT
    )
    browser = Chromium(executable, tmp_path / "profile")
    try:
        url = dashboard_url("127.0.0.1", port)
        deadline = time.monotonic() + 60
        while True:
            assert app.poll() is None, (tmp_path / "streamlit.log").read_text()
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.read().strip() == b"ok":
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, "streamlit did not start within 60 s"
            time.sleep(0.3)
        browser.open(f"{url}/")
        text = " ".join(browser.wait_for_text(lambda t: "Revenue" in t and "USD" in t and "Orders" in t).split())
        assert f"Revenue {revenue}" in text, (revenue, text[:1500])
        assert f"Orders {orders}" in text, (orders, text[:1500])
        assert browser.count('[data-testid="stException"]') == 0, text[:2000]
        shot = browser.screenshot(tmp_path / "executive_after_demo.png")
        assert shot.stat().st_size > 20_000
        # The other two views load on the same data without an error, each with its own tiles.
        for view, labels in (
            ("operational", ("Dead-letter rate", "Quarantine rate", "Max consumer lag")),
            ("technical", ("Silver batches", "Batch duration p50")),
        ):
            browser.open(f"{url}/{view}")
            page = browser.wait_for_text(lambda t, labels=labels: all(label in t for label in labels))
            assert browser.count('[data-testid="stException"]') == 0, f"{view}:\n{page[:2000]}"
            assert browser.screenshot(tmp_path / f"{view}_after_demo.png").stat().st_size > 20_000
    finally:
        browser.close()
        app.terminate()
        try:
            app.wait(timeout=15)
        except subprocess.TimeoutExpired:
            app.kill()
            app.wait(timeout=10)
        log.close()
