"""Fixtures of the dashboard tests: one sample world per session (lakehouse tables in the
tests' own namespaces, Dagster runs, alerts, dbt results) and the environment that points
the app at it.

The catalog is the session's (the root conftest's ``platform_settings`` state folder); no
broker, registry or Spark is started: the data is written through PyIceberg.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pyiceberg.catalog import load_catalog

from shop_analytics.platform import lakehouse
from shop_analytics.platform.settings import PlatformSettings
from shop_analytics_tests.dashboard import sample_data
from shop_analytics_tests.dashboard.sample_data import Namespaces

# Environment variables that would point the app elsewhere than the test's catalog.
FOREIGN_SETTINGS = ("SHOP_WAREHOUSE", "SHOP_S3_ENDPOINT", "SHOP_DASHBOARD_REFRESH_S")


@dataclass(frozen=True)
class World:
    state_dir: Path
    namespaces: Namespaces
    dagster_home: Path
    alerts_db: Path
    dbt_target: Path
    now: datetime

    def environ(self, namespaces: Namespaces | None = None) -> dict[str, str]:
        return {
            "SHOP_ENV": "local",
            "SHOP_STATE_DIR": str(self.state_dir),
            **(namespaces or self.namespaces).environ(),
            "DAGSTER_HOME": str(self.dagster_home),
            "SHOP_DASHBOARD_ALERTS_DB": str(self.alerts_db),
            "SHOP_DASHBOARD_DBT_TARGET": str(self.dbt_target),
        }


def write_dagster_runs(dagster_home: Path) -> None:
    """One successful silver_job run and one failed gold_job run, in a real Dagster instance."""
    from dagster import DagsterInstance, Definitions, asset, define_asset_job

    @asset(key_prefix=["silver"], group_name="silver")
    def orders() -> int:
        return 1

    @asset(key_prefix=["gold"], group_name="gold", deps=[orders])
    def fct_orders() -> None:
        raise RuntimeError("dbt build failed (test)")

    defs = Definitions(
        assets=[orders, fct_orders],
        jobs=[define_asset_job("silver_job", [orders]), define_asset_job("gold_job", [fct_orders])],
    )
    instance = DagsterInstance.from_config(str(dagster_home))
    try:
        defs.resolve_job_def("silver_job").execute_in_process(instance=instance)
        defs.resolve_job_def("gold_job").execute_in_process(instance=instance, raise_on_error=False)
    finally:
        instance.dispose()


@pytest.fixture(scope="session")
def world(platform_settings: PlatformSettings, tmp_path_factory: pytest.TempPathFactory) -> World:
    properties = {"type": "sql", **lakehouse.pyiceberg_properties(platform_settings)}
    lakehouse.ensure_catalog_tables(properties)
    catalog = load_catalog(lakehouse.CATALOG_NAME, **properties)
    root = tmp_path_factory.mktemp("dashboard")
    now = datetime.now(UTC)
    namespaces = Namespaces.fresh()
    sample_data.write_gold(catalog, namespaces)
    sample_data.write_pipeline_records(catalog, namespaces, now)
    sample_data.write_alerts(root / "alerts" / "incidents.db", now)
    sample_data.write_run_results(root / "dbt-target")
    (root / "dagster").mkdir()
    write_dagster_runs(root / "dagster")
    return World(
        state_dir=platform_settings.state_dir,
        namespaces=namespaces,
        dagster_home=root / "dagster",
        alerts_db=root / "alerts" / "incidents.db",
        dbt_target=root / "dbt-target",
        now=now,
    )


@pytest.fixture
def dashboard_env(world: World, monkeypatch: pytest.MonkeyPatch) -> World:
    """The process environment pointing the app at ``world`` (AppTest runs the app in-process)."""
    for name in FOREIGN_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    for name, value in world.environ().items():
        monkeypatch.setenv(name, value)
    return world
