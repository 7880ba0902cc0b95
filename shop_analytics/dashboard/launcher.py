"""Start the dashboard: ``streamlit run`` on a loopback address, with the URL printed.

Streamlit's own settings are passed on the command line so nothing depends on a
~/.streamlit folder: headless (no browser, no first-run e-mail prompt), no usage
statistics sent anywhere, no file watcher (the app is installed code, not edited live).
Magic is off: the app writes everything through ``st.*`` calls, and magic's ``ast.parse``
of every page can fail with CPython 3.11's "AST constructor recursion depth mismatch"
(the AST builder's depth counter is interpreter-wide state; see CPython gh-106905).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import click

from shop_analytics.platform.settings import PlatformSettings

APP = Path(__file__).resolve().parent / "app.py"

# Options the tests' in-process harness (AppTest) applies too, so it runs the app as served.
STREAMLIT_RUNNER_OPTIONS = {"runner.magicEnabled": False}


def dashboard_command(host: str = "127.0.0.1", port: int = 8501) -> list[str]:
    """The ``streamlit run`` command line (the tests start the app with the same one)."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP),
        "--server.address",
        host,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
        "--global.developmentMode",
        "false",
        "--client.toolbarMode",
        "viewer",
    ] + [part for key, value in STREAMLIT_RUNNER_OPTIONS.items() for part in (f"--{key}", str(value).lower())]


def dashboard_url(host: str = "127.0.0.1", port: int = 8501) -> str:
    return f"http://{host}:{port}"


def dashboard_environ(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The app's environment: DAGSTER_HOME defaults to the platform's (<state>/dagster, where
    `make demo` and `make dev` keep the runs) when that folder exists and nothing set it."""
    env = dict(os.environ if environ is None else environ)
    if not env.get("DAGSTER_HOME"):
        home = PlatformSettings.from_env(env).state_dir / "dagster"
        if home.is_dir():
            env["DAGSTER_HOME"] = str(home)
    return env


def run_dashboard(host: str = "127.0.0.1", port: int = 8501) -> int:
    """Run the dashboard in the foreground until Ctrl-C; returns streamlit's exit code."""
    url = dashboard_url(host, port)
    click.echo(f"Dashboard: {url}/  (views: {url}/  {url}/operational  {url}/technical)")
    click.echo("Ctrl-C stops it.")
    try:
        return subprocess.call(dashboard_command(host, port), env=dashboard_environ())
    except KeyboardInterrupt:
        return 0
