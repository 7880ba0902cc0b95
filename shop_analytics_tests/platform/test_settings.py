from pathlib import Path

import pytest

from shop_analytics.platform.errors import PlatformError
from shop_analytics.platform.settings import PlatformSettings


def test_defaults_bind_loopback_and_standard_ports() -> None:
    settings = PlatformSettings.from_env({})
    assert settings.host == "127.0.0.1"
    assert settings.kafka_bootstrap == "127.0.0.1:9092"
    assert settings.registry_url == "http://127.0.0.1:8081/apis/ccompat/v7"


def test_environment_variables_override_defaults(tmp_path: Path) -> None:
    settings = PlatformSettings.from_env(
        {"SHOP_KAFKA_PORT": "19092", "SHOP_STATE_DIR": str(tmp_path / "s"), "SHOP_REGISTRY_HEAP": "1g"}
    )
    assert settings.kafka_port == 19092
    assert settings.state_dir == (tmp_path / "s").resolve()
    assert settings.catalog_db == (tmp_path / "s" / "catalog.db").resolve()
    assert settings.registry_heap == "1g"


def test_java_home_selects_the_java_binary() -> None:
    settings = PlatformSettings.from_env({"JAVA_HOME": "/opt/jdk"})
    assert settings.java == "/opt/jdk/bin/java"


def test_a_non_numeric_port_is_a_one_line_error() -> None:
    with pytest.raises(PlatformError, match="SHOP_KAFKA_PORT='abc' is not a whole number"):
        PlatformSettings.from_env({"SHOP_KAFKA_PORT": "abc"})


def test_spark_connect_is_on_by_default_and_switched_by_a_boolean_setting() -> None:
    assert PlatformSettings.from_env({}).spark_connect is True
    assert PlatformSettings.from_env({}).spark_connect_url == "sc://127.0.0.1:15002"
    assert PlatformSettings.from_env({"SHOP_SPARK_CONNECT": "false"}).spark_connect is False
    assert PlatformSettings.from_env({"SHOP_SPARK_CONNECT": "0"}).spark_connect is False
    assert PlatformSettings.from_env({"SHOP_SPARK_CONNECT_PORT": "16002"}).spark_connect_url == "sc://127.0.0.1:16002"
    with pytest.raises(PlatformError, match="SHOP_SPARK_CONNECT='maybe' is not true or false"):
        PlatformSettings.from_env({"SHOP_SPARK_CONNECT": "maybe"})


def test_local_ingest_uses_the_connect_server_only_where_it_runs_the_same_lakehouse() -> None:
    from shop_analytics.resources.environments import build_resources

    on = build_resources({"SHOP_ENV": "local"})
    assert on["ingest_spark"].remote == "sc://127.0.0.1:15002"
    assert on["spark"].remote is None
    off = build_resources({"SHOP_ENV": "local", "SHOP_SPARK_CONNECT": "false"})
    assert off["ingest_spark"] is off["spark"]
    cluster = build_resources({"SHOP_ENV": "local", "SHOP_SPARK_MASTER": "spark://127.0.0.1:7077"})
    assert cluster["ingest_spark"] is cluster["spark"]
