"""End to end: the dashboard started as users start it (``streamlit run`` on 127.0.0.1),
each view loaded in a real headless Chromium, the numbers read off the rendered page and
a screenshot saved per view.

Screenshots go to the test's temp folder, and a copy of each to /tmp/dashboard_screens/
for people reviewing a run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from shop_analytics.dashboard.launcher import dashboard_command, dashboard_url
from shop_analytics_tests.conftest import free_port
from shop_analytics_tests.dashboard.chromium import INSTALL_HINT, Chromium, find_chromium
from shop_analytics_tests.dashboard.conftest import FOREIGN_SETTINGS, World
from shop_analytics_tests.dashboard.sample_data import EXPECTED

SCREENS_FOR_REVIEW = Path("/tmp/dashboard_screens")
START_TIMEOUT_S = 60.0


@pytest.fixture
def dashboard(world: World, tmp_path: Path) -> Iterator[str]:
    """The app on a free loopback port, pointed at the sample world; stopped by PID."""
    port = free_port()
    environ = {k: v for k, v in os.environ.items() if k not in FOREIGN_SETTINGS}
    environ.update(world.environ())
    log = (tmp_path / "streamlit.log").open("w")
    process = subprocess.Popen(dashboard_command("127.0.0.1", port), env=environ, stdout=log, stderr=subprocess.STDOUT)
    url = dashboard_url("127.0.0.1", port)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if process.poll() is not None:
                pytest.fail(f"streamlit exited with {process.returncode}:\n{(tmp_path / 'streamlit.log').read_text()}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.read().strip() == b"ok":
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"streamlit did not answer on {url} within {START_TIMEOUT_S:.0f} s")
            time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Chromium]:
    executable = find_chromium()
    if executable is None:
        pytest.skip(f"chromium is not installed, so the browser test cannot run: {INSTALL_HINT}")
    chromium = Chromium(executable, tmp_path / "chromium-profile")
    try:
        yield chromium
    finally:
        chromium.close()


def has_all(*parts: str):
    return lambda text: all(part in text for part in parts)


def test_each_view_renders_the_sample_numbers_in_chromium(dashboard: str, browser: Chromium, tmp_path: Path) -> None:
    executive, operational, technical = EXPECTED["executive"], EXPECTED["operational"], EXPECTED["technical"]
    views = {
        # The default page: Revenue 500.00 USD (+25.0 %), Orders 4, AOV 125.00 USD, conversion 6.0 % (+2.0 pp).
        "executive": (
            f"{dashboard}/",
            has_all(
                "Revenue",
                executive["Revenue"][0],
                executive["Revenue"][1],
                executive["Average order value"][0],
                executive["Conversion (web + app)"][0],
                executive["Conversion (web + app)"][1],
                executive["Median lifetime value"][0],
            ),
        ),
        "operational": (
            f"{dashboard}/operational",
            has_all(
                "Max consumer lag",
                operational["Dead-letter rate"],
                operational["Quarantine rate"],
                "Pipeline health",
                "Alerts",
            ),
        ),
        "technical": (
            f"{dashboard}/technical",
            has_all("Silver batches", technical["Batch duration p50"], technical["Silver throughput"], "dbt model timings"),
        ),
    }
    SCREENS_FOR_REVIEW.mkdir(parents=True, exist_ok=True)
    for name, (url, ready) in views.items():
        browser.open(url)
        text = browser.wait_for_text(ready)
        shot = browser.screenshot(tmp_path / f"{name}.png")
        assert shot.stat().st_size > 20_000, f"{name}: the screenshot is nearly blank"
        shutil.copy(shot, SCREENS_FOR_REVIEW / f"{name}.png")
        assert browser.count('[data-testid="stException"]') == 0, f"{name} raised:\n{text[:2000]}"
        assert "has no column" not in text, f"{name}: a table lacks a mapped column:\n{text[:2000]}"
    # Each metric's value sits right under its label: the numbers belong to the right tiles.
    browser.open(f"{dashboard}/operational")
    text = " ".join(browser.wait_for_text(has_all("Max consumer lag", "Open alerts")).split())
    for label, value in operational.items():
        assert f"{label} {value}" in text, (label, text[:1500])
