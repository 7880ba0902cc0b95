"""Where the dashboard reads from and how often it refreshes, from the environment.

Every setting has the platform's default and an environment variable, so tests (and a
second deployment) point the app at their own namespaces and files without code changes:

=================================  ================================================
``SHOP_DASHBOARD_GOLD_NAMESPACE``   gold marts (dbt's target schema), default ``gold``
``SHOP_DASHBOARD_SILVER_NAMESPACE`` silver tables, default ``silver``
``SHOP_DASHBOARD_BRONZE_NAMESPACE`` bronze (the dead letter), default ``bronze``
``SHOP_DASHBOARD_OPS_NAMESPACE``    the pipeline's own records, default ``ops``
``SHOP_DASHBOARD_REFRESH_S``        seconds between refreshes, default 30
``SHOP_DASHBOARD_DBT_TARGET``       dbt's target folder (run_results.json), default dbt_models/target
``SHOP_DASHBOARD_ALERTS_DB``        the alert incident store (SQLite), default <state>/alerts/incidents.db
``DAGSTER_HOME``                    Dagster's instance (run history); unset: no run history
=================================  ================================================

The Iceberg catalog is the ``iceberg`` resource of the environment ``SHOP_ENV`` chooses
(shop_analytics/resources/environments.py), the same catalog the pipeline writes.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from shop_analytics.platform.settings import PlatformSettings

ENV_PREFIX = "SHOP_DASHBOARD_"
DEFAULT_REFRESH_S = 30.0
# dbt_models/ beside the package (resources/dbt.py names the same folder; importing it here
# would load dagster-dbt into every dashboard process for one path).
DEFAULT_DBT_TARGET = Path(__file__).resolve().parents[2] / "dbt_models" / "target"


@dataclass(frozen=True)
class DashboardConfig:
    gold_namespace: str = "gold"
    silver_namespace: str = "silver"
    bronze_namespace: str = "bronze"
    ops_namespace: str = "ops"
    refresh_s: float = DEFAULT_REFRESH_S
    dbt_target_dir: Path = DEFAULT_DBT_TARGET
    alerts_db: Path | None = None
    dagster_home: str | None = None
    run_dir: Path | None = None  # the platform's PID files (kafka.pid, registry.pid, ...)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> DashboardConfig:
        environ = os.environ if environ is None else environ

        def get(name: str) -> str | None:
            return (environ.get(ENV_PREFIX + name) or "").strip() or None

        settings = PlatformSettings.from_env(environ)
        refresh = get("REFRESH_S")
        try:
            refresh_s = float(refresh) if refresh else DEFAULT_REFRESH_S
        except ValueError:
            raise ValueError(f"{ENV_PREFIX}REFRESH_S={refresh!r} is not a number of seconds") from None
        if refresh_s <= 0:
            raise ValueError(f"{ENV_PREFIX}REFRESH_S={refresh!r} must be above 0")
        alerts = get("ALERTS_DB")
        target = get("DBT_TARGET")
        return cls(
            gold_namespace=get("GOLD_NAMESPACE") or "gold",
            silver_namespace=get("SILVER_NAMESPACE") or "silver",
            bronze_namespace=get("BRONZE_NAMESPACE") or "bronze",
            ops_namespace=get("OPS_NAMESPACE") or "ops",
            refresh_s=refresh_s,
            dbt_target_dir=Path(target).expanduser() if target else DEFAULT_DBT_TARGET,
            alerts_db=Path(alerts).expanduser() if alerts else settings.state_dir / "alerts" / "incidents.db",
            dagster_home=(environ.get("DAGSTER_HOME") or "").strip() or None,
            run_dir=settings.run_dir,
        )

    def gold(self, table: str) -> str:
        return f"{self.gold_namespace}.{table}"

    def silver(self, table: str) -> str:
        return f"{self.silver_namespace}.{table}"

    def bronze(self, table: str) -> str:
        return f"{self.bronze_namespace}.{table}"

    def ops(self, table: str) -> str:
        return f"{self.ops_namespace}.{table}"

    @property
    def namespaces(self) -> dict[str, str]:
        """Layer → namespace, in lineage order (for the table stats)."""
        return {
            "bronze": self.bronze_namespace,
            "silver": self.silver_namespace,
            "gold": self.gold_namespace,
            "ops": self.ops_namespace,
        }
