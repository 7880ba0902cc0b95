"""Jar resolution through mvn into the cache: what lands, that it happens once, clear errors."""

import time
from pathlib import Path

import pytest

from shop_analytics.platform import jars
from shop_analytics.platform.errors import PlatformError
from shop_analytics.platform.settings import PlatformSettings


def _names(folder: Path) -> set[str]:
    return {p.name.rsplit("-", 1)[0] for p in folder.glob("*.jar")}


def test_spark_group_holds_exactly_the_connectors_pyspark_lacks(platform_settings: PlatformSettings) -> None:
    folder = jars.resolve(platform_settings, jars.SPARK)
    names = {p.name for p in folder.glob("*.jar")}
    assert any(n.startswith("spark-sql-kafka-0-10_2.12-3.5") for n in names)
    assert any(n.startswith("spark-avro_2.12-3.5") for n in names)
    assert any(n.startswith("iceberg-spark-runtime-3.5_2.12-") for n in names)
    assert any(n.startswith("sqlite-jdbc-") for n in names)
    assert any(n.startswith("kafka-clients-") for n in names)
    # pyspark already bundles these; a second copy on the classpath would clash.
    assert not any(n.startswith(("scala-library", "slf4j-api", "hadoop-client")) for n in names)


def test_kafka_broker_group_holds_the_broker_and_its_runtime(platform_settings: PlatformSettings) -> None:
    folder = jars.resolve(platform_settings, jars.KAFKA_BROKER)
    names = {p.name for p in folder.glob("*.jar")}
    assert any(n.startswith("kafka_2.13-4.") for n in names)
    assert any(n.startswith("kafka-clients-") for n in names)
    assert any(n.startswith("kafka-raft-") for n in names)
    assert any(n.startswith("log4j-slf4j-impl-") for n in names)


def test_registry_archive_is_unpacked_into_a_runnable_app(platform_settings: PlatformSettings) -> None:
    folder = jars.resolve(platform_settings, jars.SCHEMA_REGISTRY)
    assert list(folder.rglob("quarkus-run.jar"))


def test_a_resolved_group_is_not_resolved_again(platform_settings: PlatformSettings) -> None:
    jars.resolve(platform_settings, jars.SPARK)
    broken = platform_settings.replace(mvn="/nonexistent/mvn")
    started = time.monotonic()
    # mvn cannot run here: this only succeeds because the marker says "already resolved".
    assert jars.resolve(broken, jars.SPARK) == jars.group_dir(platform_settings, jars.SPARK)
    assert time.monotonic() - started < 1.0


def test_missing_maven_is_a_one_line_error(tmp_path: Path) -> None:
    settings = PlatformSettings.from_env({}, cache_dir=tmp_path, mvn="/nonexistent/mvn")
    with pytest.raises(PlatformError, match=r"Maven .* is not installed.*SHOP_MVN") as info:
        jars.resolve(settings, jars.SPARK)
    assert "\n" not in str(info.value)


def test_an_unwritable_cache_is_a_one_line_error(tmp_path: Path) -> None:
    # A regular file where the cache folder should be cannot be written into, even as root.
    blocker = tmp_path / "cache"
    blocker.write_text("not a folder")
    settings = PlatformSettings.from_env({}, cache_dir=blocker)
    with pytest.raises(PlatformError, match=r"jar cache .* is not writable.*SHOP_CACHE_DIR") as info:
        jars.resolve(settings, jars.SPARK)
    assert "\n" not in str(info.value)


def test_an_unknown_artifact_names_the_maven_error(tmp_path: Path) -> None:
    bogus = jars.MavenArchive("bogus", "org.example.none:does-not-exist:0.0.1:tar.gz:all", "nothing")
    settings = PlatformSettings.from_env({}, cache_dir=tmp_path)
    with pytest.raises(PlatformError, match="mvn could not resolve bogus"):
        jars.resolve(settings, bogus)
    assert not jars.group_dir(settings, bogus).exists()
