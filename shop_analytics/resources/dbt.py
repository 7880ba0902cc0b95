"""dbt for the gold layer: a DbtCliResource that hands dbt its Spark session settings.

dbt runs in its own process (``dbt build``, started by dagster-dbt). On the ``local``
target, dbt-spark's session method builds a SparkSession in that process from the
profile's ``server_side_parameters``, which dbt_models/profiles.yml reads from one
environment variable, ``SHOP_DBT_SPARK_CONF``: the JSON object of Spark settings. This
resource computes it at invocation time from the same settings the ``spark`` resource
uses (jars, the Iceberg JDBC catalog, its warehouse, ``defaultCatalog=lakehouse``), so
dbt, the streaming jobs and PyIceberg share one catalog. On the ``aws`` target dbt-glue
starts Glue interactive sessions and needs no Spark settings here.

For a shell: ``eval "$(python -m shop_analytics.resources.dbt)"`` exports the variable
for the platform that the ``SHOP_*`` variables describe, then ``cd dbt_models && dbt build``.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from dagster_dbt import DbtCliInvocation, DbtCliResource
from pydantic import Field

from shop_analytics.platform import lakehouse
from shop_analytics.platform.settings import PlatformSettings

SPARK_CONF_VAR = "SHOP_DBT_SPARK_CONF"
# The namespaces dbt reads and writes (profiles.yml, dbt_project.yml); tests point them elsewhere.
GOLD_SCHEMA_VAR = "SHOP_DBT_GOLD_SCHEMA"
SILVER_SCHEMA_VAR = "SHOP_DBT_SILVER_SCHEMA"

DBT_PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_models"
# dbt on PATH, else the one installed beside this interpreter (a venv that is not activated).
DBT_EXECUTABLE = shutil.which("dbt") or str(Path(sys.executable).with_name("dbt"))

# dbt-spark's session method calls SparkSession.builder.enableHiveSupport(), which would
# start a Derby metastore (metastore_db/ in the working directory) for spark_catalog. The
# models only use the Iceberg catalog, so spark_catalog stays in memory.
DBT_SESSION_OVERRIDES: Mapping[str, str] = {
    "spark.sql.catalogImplementation": "in-memory",
    "spark.app.name": "shop-analytics-dbt",
}


def dbt_spark_conf(spark_config: Mapping[str, str]) -> dict[str, str]:
    """The Spark settings of dbt's session: ``spark_config`` with jar globs expanded.

    Raises PlatformError (saying which command resolves them) when the jars are missing.
    """
    return {**lakehouse.expand_jar_globs(dict(spark_config)), **DBT_SESSION_OVERRIDES}


def dbt_session_environ(
    spark_config: Mapping[str, str], gold_schema: str | None = None, silver_schema: str | None = None
) -> dict[str, str]:
    """The environment variables dbt's ``local`` target reads."""
    environ = {SPARK_CONF_VAR: json.dumps(dbt_spark_conf(spark_config), sort_keys=True)}
    if gold_schema:
        environ[GOLD_SCHEMA_VAR] = gold_schema
    if silver_schema:
        environ[SILVER_SCHEMA_VAR] = silver_schema
    return environ


@contextmanager
def _environ(extra: Mapping[str, str]) -> Iterator[None]:
    """``os.environ`` with ``extra`` for the duration (dagster-dbt builds dbt's env from it)."""
    saved = {name: os.environ.get(name) for name in extra}
    os.environ.update(extra)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class LakehouseDbtCliResource(DbtCliResource):
    """dagster-dbt's DbtCliResource, plus the environment dbt's profile target reads.

    With ``spark_config`` (the ``local`` target), every invocation gets
    ``SHOP_DBT_SPARK_CONF`` built from it, after the shared SQL catalog's tables exist.
    """

    spark_config: dict[str, str] = Field(
        default_factory=dict,
        description="Spark settings of dbt's session (local target); jar globs are expanded per invocation",
    )
    sql_catalog: dict[str, str] | None = Field(
        default=None, description="PyIceberg SqlCatalog properties of the shared catalog, when it is a SQL one"
    )
    gold_schema: str | None = Field(default=None, description="Namespace of the marts (default: the target's)")
    silver_schema: str | None = Field(default=None, description="Namespace of the silver sources (default: silver)")

    def __init__(self, *, dbt_executable: str = DBT_EXECUTABLE, **kwargs: Any) -> None:
        # DbtCliResource's own default is `dbt` on PATH, which an unactivated venv lacks.
        super().__init__(dbt_executable=dbt_executable, **kwargs)

    def dbt_environ(self) -> dict[str, str]:
        environ: dict[str, str] = {}
        if self.spark_config:
            if self.sql_catalog:
                lakehouse.ensure_catalog_tables(self.sql_catalog)
            environ.update(dbt_session_environ(self.spark_config))
        if self.gold_schema:
            environ[GOLD_SCHEMA_VAR] = self.gold_schema
        if self.silver_schema:
            environ[SILVER_SCHEMA_VAR] = self.silver_schema
        return environ

    def cli(self, args: Sequence[str], **kwargs: Any) -> DbtCliInvocation:
        # dbt's process starts inside this call, with a copy of os.environ.
        with _environ(self.dbt_environ()):
            return super().cli(args, **kwargs)


def local_dbt_resource(
    spark_config: Mapping[str, str],
    sql_catalog: Mapping[str, str] | None = None,
    project_dir: Path = DBT_PROJECT_DIR,
) -> LakehouseDbtCliResource:
    """The ``dbt`` resource of the local environment: dbt-spark's session on the lakehouse.

    Pass the ``spark`` resource's ``spark_config`` and ``sql_catalog``.
    """
    return LakehouseDbtCliResource(
        project_dir=str(project_dir),
        profiles_dir=str(project_dir),
        target="local",
        spark_config=dict(spark_config),
        sql_catalog=dict(sql_catalog) if sql_catalog else None,
    )


def aws_dbt_resource(project_dir: Path = DBT_PROJECT_DIR) -> LakehouseDbtCliResource:
    """The ``dbt`` resource of the AWS environment: dbt-glue (credentials from the environment)."""
    return LakehouseDbtCliResource(project_dir=str(project_dir), profiles_dir=str(project_dir), target="aws")


def main() -> None:
    """Print ``export`` lines that point dbt's local target at the platform the SHOP_* variables describe."""
    settings = PlatformSettings.from_env()
    for name, value in dbt_session_environ(lakehouse.spark_conf(settings)).items():
        print(f"export {name}={shlex.quote(value)}")


if __name__ == "__main__":
    main()
