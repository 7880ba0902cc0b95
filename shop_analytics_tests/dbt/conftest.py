"""One real ``dbt build`` (local target, through the Dagster assets) for the whole dbt suite.

The session's SparkSession writes a small silver layer into ``dbt_test_silver``; Dagster
then materializes every dbt asset with the ``dbt`` resource pointed at that namespace
and at ``dbt_test_gold``. dbt runs in its own process with its own SparkSession on the
same SQLite catalog; the test session leaves the tables alone until dbt is done.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from shop_analytics.platform import lakehouse
from shop_analytics.platform.settings import PlatformSettings
from shop_analytics.resources.dbt import DBT_PROJECT_DIR, LakehouseDbtCliResource
from shop_analytics.resources.iceberg import IcebergCatalogResource
from shop_analytics_tests.dbt.silver_fixture import Expected, build_silver_data, write_silver

SILVER_NAMESPACE = "dbt_test_silver"
GOLD_NAMESPACE = "dbt_test_gold"


@dataclass(frozen=True)
class GoldBuild:
    result: Any  # dagster ExecuteInProcessResult
    run_results: dict[str, Any]  # dbt's run_results.json
    wall_seconds: float
    expected: Expected
    target_dir: Path


def dbt_resource(settings: PlatformSettings) -> LakehouseDbtCliResource:
    return LakehouseDbtCliResource(
        project_dir=str(DBT_PROJECT_DIR),
        profiles_dir=str(DBT_PROJECT_DIR),
        target="local",
        spark_config=lakehouse.spark_conf(settings),
        sql_catalog=lakehouse.pyiceberg_properties(settings),
        gold_schema=GOLD_NAMESPACE,
        silver_schema=SILVER_NAMESPACE,
    )


@pytest.fixture(scope="session")
def gold_build(spark: Any, platform_settings: PlatformSettings, tmp_path_factory: pytest.TempPathFactory) -> GoldBuild:
    from dagster import materialize

    from shop_analytics.assets.dbt import gold_dbt_assets

    data, expected = build_silver_data()
    write_silver(spark, SILVER_NAMESPACE, data)
    target_dir = tmp_path_factory.mktemp("dbt_target")
    with pytest.MonkeyPatch.context() as patch:
        # dagster-dbt puts each invocation's artifacts under $DBT_TARGET_PATH/<op>-<run>-<id>.
        patch.setenv("DBT_TARGET_PATH", str(target_dir))
        started = time.monotonic()
        result = materialize(
            [gold_dbt_assets],
            resources={
                "dbt": dbt_resource(platform_settings),
                "iceberg": IcebergCatalogResource(
                    properties={"type": "sql", **lakehouse.pyiceberg_properties(platform_settings)}
                ),
            },
            raise_on_error=False,
        )
        wall_seconds = time.monotonic() - started
    run_results_files = sorted(target_dir.glob("*/run_results.json"))
    assert run_results_files, f"dbt wrote no run_results.json under {target_dir}"
    run_results = json.loads(run_results_files[-1].read_text())
    print(f"\ndbt build through Dagster: {wall_seconds:.1f} s wall, {len(run_results['results'])} nodes")
    return GoldBuild(result, run_results, wall_seconds, expected, run_results_files[-1].parent)


@pytest.fixture(scope="session")
def dbt_environ(platform_settings: PlatformSettings) -> Iterator[dict[str, str]]:
    """The environment a plain ``dbt`` command needs for the test namespaces."""
    yield {**os.environ, **dbt_resource(platform_settings).dbt_environ()}
