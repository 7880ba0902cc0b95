"""Session-wide fixtures: one real Kafka broker, one schema registry and one SparkSession,
started on free loopback ports in a temporary state folder and stopped at the end.

They never touch a platform the developer runs by hand: ports and folders are the tests'
own. Jars come from the shared cache (resolved with mvn on first use).
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from shop_analytics.platform import lakehouse, services
from shop_analytics.platform.settings import PlatformSettings


def free_port(pairs: int = 1) -> int:
    """A free TCP port p on 127.0.0.1 such that p .. p+pairs-1 are all free."""
    for _ in range(100):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if port + pairs > 65535:
            continue
        if all(_can_bind(port + i) for i in range(pairs)):
            return port
    raise RuntimeError("no free port range found on 127.0.0.1")


def _can_bind(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def make_settings(state_dir: Path) -> PlatformSettings:
    return PlatformSettings.from_env(
        state_dir=state_dir,
        kafka_port=free_port(),
        kafka_controller_port=free_port(),
        registry_port=free_port(pairs=2),
        spark_connect_port=free_port(),
    )


def settings_environ(settings: PlatformSettings) -> dict[str, str]:
    """The SHOP_* variables that describe ``settings`` (for code that reads the environment)."""
    return {
        "SHOP_ENV": "local",
        "SHOP_STATE_DIR": str(settings.state_dir),
        "SHOP_CACHE_DIR": str(settings.cache_dir),
        "SHOP_KAFKA_PORT": str(settings.kafka_port),
        "SHOP_KAFKA_CONTROLLER_PORT": str(settings.kafka_controller_port),
        "SHOP_REGISTRY_PORT": str(settings.registry_port),
        "SHOP_SPARK_CONNECT": "true" if settings.spark_connect else "false",
        "SHOP_SPARK_CONNECT_PORT": str(settings.spark_connect_port),
    }


@pytest.fixture(scope="session")
def platform_settings(tmp_path_factory: pytest.TempPathFactory) -> PlatformSettings:
    return make_settings(tmp_path_factory.mktemp("platform"))


@pytest.fixture(scope="session")
def platform(platform_settings: PlatformSettings) -> Iterator[PlatformSettings]:
    """The broker, the registry and the Spark Connect server, up for the whole session, stopped by PID at its end."""
    try:
        services.up(platform_settings)
        yield platform_settings
    finally:
        services.down(platform_settings)


@pytest.fixture(scope="session")
def kafka_bootstrap(platform: PlatformSettings) -> str:
    return platform.kafka_bootstrap


@pytest.fixture(scope="session")
def schema_registry_url(platform: PlatformSettings) -> str:
    return platform.registry_url


@pytest.fixture(scope="session")
def spark(platform_settings: PlatformSettings):
    """One SparkSession for the suite, configured exactly as the pyspark resource is."""
    from pyspark.sql import SparkSession

    from shop_analytics.platform import jars

    jars.resolve(platform_settings, jars.SPARK)
    lakehouse.ensure_catalog_tables(lakehouse.pyiceberg_properties(platform_settings))
    builder = SparkSession.builder
    for key, value in lakehouse.expand_jar_globs(lakehouse.spark_conf(platform_settings)).items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
