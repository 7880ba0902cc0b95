"""Streamlit plumbing shared by the views: config, cached sources, empty states, refresh.

Reads are cached per table *snapshot*: a refresh re-reads a table only when a commit made
a new snapshot, so many open browsers cost one read per commit, and a new commit always
shows on the next refresh (never stale within the cache's lifetime).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st
from pyiceberg.catalog import Catalog

from shop_analytics.dashboard import alert_history, dagster_history, dbt_timings, processes
from shop_analytics.dashboard.columns import TableSpec
from shop_analytics.dashboard.config import DashboardConfig
from shop_analytics.dashboard.lakehouse import Lakehouse, MissingColumns, TableStats, absent_reason, catalog_key

WINDOWS: dict[str, pd.Timedelta | None] = {
    "last hour": pd.Timedelta(hours=1),
    "last 24 hours": pd.Timedelta(hours=24),
    "last 7 days": pd.Timedelta(days=7),
    "everything recorded": None,
}
DEFAULT_WINDOW = "last 24 hours"


def config() -> DashboardConfig:
    return DashboardConfig.from_env()


def catalog_properties() -> tuple[str, dict[str, str]]:
    """The ``iceberg`` resource of the environment SHOP_ENV chooses: the pipeline's own catalog."""
    from shop_analytics.resources.environments import build_resources

    resource = build_resources()["iceberg"]
    return resource.name, dict(resource.properties)


@st.cache_resource(show_spinner=False)
def _catalog(name: str, properties: tuple[tuple[str, str], ...]) -> Catalog:
    from pyiceberg.catalog import load_catalog

    return load_catalog(name, **dict(properties))


def lakehouse() -> Lakehouse:
    """The catalog (opened once per process); without a catalog yet, a Lakehouse that says why."""
    name, properties = catalog_properties()
    reason = absent_reason(properties)
    if reason is not None:
        return Lakehouse(None, reason)
    return Lakehouse(_catalog(name, tuple(sorted(properties.items()))), key=catalog_key(name, properties))


@st.cache_data(show_spinner=False, max_entries=256)
def _read_snapshot(
    _lake: Lakehouse, _spec: TableSpec, catalog: str, identifier: str, snapshot_id: int, since_key: str | None
) -> pd.DataFrame | None:
    since = None
    if since_key is not None:
        column, at = since_key.split("|", 1)
        since = (column, datetime.fromisoformat(at))
    return _lake.read(identifier, _spec, since=since)


def read(lake: Lakehouse, identifier: str, spec: TableSpec, since: tuple[str, pd.Timestamp] | None = None) -> pd.DataFrame | None:
    """The table's mapped columns; None when absent or unreadable (the reason shown on the page)."""
    # Keys by the minute, so a time-window read is reused within the minute.
    since_key = None if since is None else f"{since[0]}|{since[1].floor('min').isoformat()}"
    try:
        snapshot = lake.snapshot_id(identifier)
        if snapshot is None:
            return None
        return _read_snapshot(lake, spec, lake.key, identifier, snapshot, since_key)
    except MissingColumns as error:
        st.error(str(error))
        return None
    except Exception as error:
        # A commit in flight (SQLite catalog busy, metadata being replaced) fails one read;
        # the rest of the page still shows, and the next refresh tries again.
        st.warning(f"{identifier} could not be read ({type(error).__name__}: {error}); retrying on the next refresh.")
        return None


@st.cache_data(show_spinner=False, max_entries=512)
def _stats_snapshot(_lake: Lakehouse, catalog: str, identifier: str, snapshot_id: int) -> TableStats | None:
    return _lake.stats(identifier)


def table_stats(lake: Lakehouse, identifier: str) -> TableStats | None:
    try:
        snapshot = lake.snapshot_id(identifier)
        return None if snapshot is None else _stats_snapshot(lake, lake.key, identifier, snapshot)
    except Exception as error:  # as in read(): one table mid-commit must not fail the page
        st.warning(f"{identifier}: no stats this time ({type(error).__name__}: {error}).")
        return None


@st.cache_resource(show_spinner=False)
def _dagster_instance(dagster_home: str) -> Any:
    return dagster_history.open_instance(dagster_home)


def dagster(cfg: DashboardConfig, since: datetime) -> dagster_history.DagsterHistory | str:
    """Run history, or the reason there is none (shown as the empty state)."""
    if not cfg.dagster_home:
        return "DAGSTER_HOME is not set, so there is no run history to show (`make dashboard` sets it)."
    if not Path(cfg.dagster_home).is_dir():
        return f"No Dagster instance at DAGSTER_HOME={cfg.dagster_home} yet: run `make demo` or `make dev`."
    try:
        return dagster_history.read_history(_dagster_instance(cfg.dagster_home), since)
    except Exception as error:  # a broken or migrating run storage must not hide the lakehouse figures
        return f"Dagster's run history in {cfg.dagster_home} could not be read: {error}"


def alerts(cfg: DashboardConfig) -> alert_history.AlertHistory | None:
    return alert_history.read_alerts(cfg.alerts_db) if cfg.alerts_db is not None else None


def dbt_run(cfg: DashboardConfig) -> dbt_timings.DbtRun | str:
    """The newest dbt run, or why there is none to show."""
    try:
        run = dbt_timings.latest_dbt_run(cfg.dbt_target_dir)
    except (OSError, ValueError) as error:  # dbt may be writing the file right now
        return f"dbt's run_results.json could not be read ({error}); it is retried on the next refresh."
    return run if run is not None else f"No dbt run_results.json under {cfg.dbt_target_dir} yet: dbt writes one per run."


def service_processes(cfg: DashboardConfig) -> pd.DataFrame:
    return processes.service_processes(cfg.run_dir)


def window_start(label: str, now: pd.Timestamp) -> pd.Timestamp | None:
    span = WINDOWS[label]
    return None if span is None else now - span


def empty(message: str) -> None:
    st.info(message, icon=":material/hourglass_empty:")


def refreshing(cfg: DashboardConfig) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """The view body as a fragment that reruns every ``cfg.refresh_s`` seconds."""
    return st.fragment(run_every=cfg.refresh_s)


def footer(cfg: DashboardConfig, lake: Lakehouse, now: pd.Timestamp) -> None:
    source = lake.absent_reason or "catalog " + (getattr(lake.catalog, "name", "") or "")
    st.caption(f"Refreshed {now:%H:%M:%S} UTC · every {cfg.refresh_s:g} s · {source}")


def show(frame: pd.DataFrame, key: str, **column_config: Any) -> None:
    """A table in a container keyed ``table-<key>``: the name tests find it by (AppTest looks up
    containers by key; a display-only st.dataframe keeps no key of its own)."""
    with st.container(key=f"table-{key}"):
        st.dataframe(frame, hide_index=True, width="stretch", column_config=column_config or None)
