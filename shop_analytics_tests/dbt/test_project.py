"""The dbt project without a warehouse: both targets parse, and the Dagster assets read it
as one lineage from the silver assets to the marts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from dagster import AssetKey

from shop_analytics.platform import lakehouse
from shop_analytics.platform.settings import PlatformSettings
from shop_analytics.resources.dbt import DBT_PROJECT_DIR, SPARK_CONF_VAR, LakehouseDbtCliResource, local_dbt_resource
from shop_analytics.resources.iceberg import IcebergCatalogResource
from shop_analytics.silver import tables as silver

DBT = str(Path(sys.executable).with_name("dbt"))
SOURCE_TABLES = {
    silver.CLICKSTREAM.name,
    silver.ORDERS.name,
    silver.ORDER_LINES.name,
    silver.ORDER_STATUS.name,
    silver.STORE_SALES.name,
    silver.STORE_SALE_LINES.name,
    silver.RETURNS.name,
    silver.INVENTORY.name,
    silver.SESSIONS.name,
    silver.CUSTOMERS.name,
    silver.PRODUCTS.name,
    silver.STORES.name,
}
# Dummy values: parsing never connects, so nothing here is called.
AWS_DUMMY_ENVIRON = {
    "SHOP_GLUE_SESSION_ROLE_ARN": "arn:aws:iam::000000000000:role/dummy-glue-session",
    "SHOP_AWS_REGION": "eu-west-1",
    "SHOP_GLUE_DATABASE_GOLD": "dummy_gold",
    "SHOP_GLUE_DATABASE_SILVER": "dummy_silver",
    "SHOP_WAREHOUSE": "s3://dummy-bucket/warehouse",
}


def parse(target: str, target_path: Path, extra_env: dict[str, str]) -> dict:
    env = {**os.environ, **extra_env, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    # No AWS credentials or endpoints reach dbt: a stray call would fail, not cost.
    for name in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        env.pop(name, None)
    result = subprocess.run(
        [
            DBT,
            "parse",
            "--target",
            target,
            "--profiles-dir",
            ".",
            "--target-path",
            str(target_path),
            "--log-path",
            str(target_path),
        ],
        cwd=DBT_PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    return json.loads((target_path / "manifest.json").read_text())


def test_dbt_parse_passes_for_the_aws_target_with_dummy_settings(tmp_path: Path) -> None:
    manifest = parse("aws", tmp_path, AWS_DUMMY_ENVIRON)
    models = {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "model"}
    assert models["fct_orders"]["schema"] == "dummy_gold"
    assert models["fct_orders"]["config"]["file_format"] == "iceberg"
    assert models["fct_orders"]["config"]["incremental_strategy"] == "merge"
    sources = {s["name"]: s for s in manifest["sources"].values()}
    assert set(sources) == SOURCE_TABLES
    assert {s["schema"] for s in sources.values()} == {"dummy_silver"}


def test_sources_follow_the_silver_contract_and_map_onto_silver_assets(tmp_path: Path) -> None:
    manifest = parse("local", tmp_path, {})
    for source in manifest["sources"].values():
        assert source["schema"] == silver.SILVER_NAMESPACE
        assert source["meta"]["dagster"]["asset_key"] == ["silver", source["name"]]
    columns_used = {(source["name"], column) for source in manifest["sources"].values() for column in source["columns"]}
    contract = {t.name: set(t.column_names) for t in (silver.ORDERS, silver.STORE_SALES, silver.CLICKSTREAM)}
    assert all(column in contract[table] for table, column in columns_used)


def test_gold_assets_hang_off_the_silver_assets_with_tests_as_checks() -> None:
    from shop_analytics.assets.dbt import gold_dbt_assets

    keys = set(gold_dbt_assets.keys)
    assert all(key.path[0] == "gold" for key in keys)
    assert AssetKey(["gold", "fct_orders"]) in keys
    # Staging and intermediate models are inlined (ephemeral): no assets of their own.
    assert not any(key.path[-1].startswith("stg_") for key in keys)
    upstream = {dep for key in keys for dep in gold_dbt_assets.asset_deps[key]} - keys
    assert upstream == {AssetKey(["silver", name]) for name in SOURCE_TABLES}
    assert gold_dbt_assets.asset_deps[AssetKey(["gold", "fct_orders"])] >= {
        AssetKey(["silver", "orders"]),
        AssetKey(["silver", "store_sales"]),
        AssetKey(["silver", "order_status"]),
    }
    checks = {check.asset_key for check in gold_dbt_assets.check_keys}
    assert AssetKey(["gold", "customer_rfm"]) in checks
    assert {gold_dbt_assets.group_names_by_key[key] for key in keys} == {"gold"}


def test_dbt_session_gets_the_lakehouse_catalog_with_expanded_jars(tmp_path: Path) -> None:
    settings = PlatformSettings.from_env({}, state_dir=tmp_path / "state", cache_dir=tmp_path / "cache")
    jar_dir = Path(lakehouse.spark_conf(settings)["spark.jars"]).parent
    jar_dir.mkdir(parents=True)
    (jar_dir / "iceberg-spark-runtime.jar").write_bytes(b"")
    resource = local_dbt_resource(lakehouse.spark_conf(settings), lakehouse.pyiceberg_properties(settings))
    conf = json.loads(resource.dbt_environ()[SPARK_CONF_VAR])
    assert conf["spark.jars"] == str(jar_dir / "iceberg-spark-runtime.jar")
    assert conf["spark.sql.defaultCatalog"] == lakehouse.CATALOG_NAME
    assert conf["spark.sql.catalog.lakehouse.uri"] == f"jdbc:sqlite:{settings.catalog_db}"
    assert conf["spark.sql.catalogImplementation"] == "in-memory"
    assert settings.catalog_db.exists()  # the catalog's tables are created before dbt's Spark opens it


def test_aws_resource_sets_no_spark_session() -> None:
    resource = LakehouseDbtCliResource(project_dir=str(DBT_PROJECT_DIR), target="aws")
    assert resource.dbt_environ() == {}


def test_gold_assets_load_in_definitions_with_the_dbt_resource(tmp_path: Path) -> None:
    from dagster import Definitions

    from shop_analytics.assets.dbt import gold_dbt_assets

    settings = PlatformSettings.from_env({}, state_dir=tmp_path)
    defs = Definitions(
        assets=[gold_dbt_assets],
        resources={
            "dbt": local_dbt_resource(lakehouse.spark_conf(settings), lakehouse.pyiceberg_properties(settings)),
            "iceberg": IcebergCatalogResource(properties={"type": "sql", **lakehouse.pyiceberg_properties(settings)}),
        },
    )
    Definitions.validate_loadable(defs)
    graph = defs.resolve_asset_graph()
    assert AssetKey(["gold", "customer_rfm"]) in graph.get_all_asset_keys()
    assert graph.get(AssetKey(["gold", "store_performance"])).parent_keys == {
        AssetKey(["gold", "fct_daily_store_sales"]),
        AssetKey(["gold", "dim_stores"]),
    }
