"""Resolve the platform's jars from Maven Central with ``mvn``, once, into the cache.

Each group is a small pom in ``poms/`` (or one archive coordinate); its resolved folder
carries a marker with the hash of what was asked for, so a second call is free and a
changed pom resolves again.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from shop_analytics.platform.errors import PlatformError
from shop_analytics.platform.settings import PlatformSettings

log = logging.getLogger(__name__)

MARKER = ".resolved"


@dataclass(frozen=True)
class PomJars:
    """Jars listed by a pom shipped in ``shop_analytics/platform/poms``."""

    name: str
    pom: str
    description: str

    def fingerprint(self) -> str:
        return hashlib.sha256(_pom_text(self.pom).encode()).hexdigest()


@dataclass(frozen=True)
class MavenArchive:
    """An application published on Maven Central as an archive, unpacked into the cache."""

    name: str
    coordinate: str  # group:artifact:version:type:classifier
    description: str

    def fingerprint(self) -> str:
        return hashlib.sha256(self.coordinate.encode()).hexdigest()


KAFKA_BROKER = PomJars("kafka-broker", "kafka-broker.xml", "the Kafka broker")
SPARK = PomJars("spark", "spark.xml", "Spark's Kafka source, Avro, Iceberg and sqlite-jdbc")
SPARK_CONNECT = PomJars("spark-connect", "spark-connect.xml", "the Spark Connect server")
SCHEMA_REGISTRY = MavenArchive(
    "apicurio-registry",
    "io.apicurio:apicurio-registry-app:3.3.3:tar.gz:all",
    "the Apicurio schema registry (about 160 MB, once)",
)
ALL_GROUPS: tuple[PomJars | MavenArchive, ...] = (KAFKA_BROKER, SPARK, SPARK_CONNECT, SCHEMA_REGISTRY)


def group_dir(settings: PlatformSettings, group: PomJars | MavenArchive) -> Path:
    return settings.jars_dir / group.name


def is_resolved(settings: PlatformSettings, group: PomJars | MavenArchive) -> bool:
    marker = group_dir(settings, group) / MARKER
    return marker.is_file() and marker.read_text().strip() == group.fingerprint()


def resolve(settings: PlatformSettings, group: PomJars | MavenArchive) -> Path:
    """Return the group's folder, resolving it with mvn first if needed."""
    target = group_dir(settings, group)
    if is_resolved(settings, group):
        return target
    _check_cache_writable(settings.jars_dir)
    mvn = _find_mvn(settings)
    log.info("Resolving %s from Maven Central into %s", group.description, target)
    staging = target.with_name(target.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        if isinstance(group, PomJars):
            pom = staging / "pom.xml"
            pom.write_text(_pom_text(group.pom))
            _run_mvn(
                [mvn, "-B", "-q", "-f", str(pom), "dependency:copy-dependencies",
                 f"-DoutputDirectory={staging}", "-DincludeScope=runtime"],
                group.name,
            )
            pom.unlink()
        else:
            download = staging / "download"
            _run_mvn(
                [mvn, "-B", "-q", "dependency:copy", f"-Dartifact={group.coordinate}",
                 f"-DoutputDirectory={download}"],
                group.name,
            )
            for archive in download.iterdir():
                with tarfile.open(archive) as tar:
                    tar.extractall(staging, filter="data")
            shutil.rmtree(download)
        (staging / MARKER).write_text(group.fingerprint())
        shutil.rmtree(target, ignore_errors=True)
        staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def resolve_all(settings: PlatformSettings) -> dict[str, Path]:
    return {group.name: resolve(settings, group) for group in ALL_GROUPS}


def jar_files(settings: PlatformSettings, group: PomJars) -> list[Path]:
    """The group's jars, resolving them first if needed."""
    return sorted(resolve(settings, group).glob("*.jar"))


def _pom_text(name: str) -> str:
    return resources.files("shop_analytics.platform").joinpath("poms", name).read_text()


def _check_cache_writable(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / f".write-test-{os.getpid()}"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        raise PlatformError(
            f"the jar cache {path} is not writable ({exc.strerror}): "
            "set SHOP_CACHE_DIR to a folder you can write"
        ) from None


def _find_mvn(settings: PlatformSettings) -> str:
    found = shutil.which(settings.mvn)
    if not found:
        raise PlatformError(
            f"Maven ({settings.mvn!r}) is not installed: run `apt-get install maven` "
            "or set SHOP_MVN to the mvn executable"
        )
    return found


def _run_mvn(cmd: list[str], what: str) -> None:
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        lines = (result.stdout + result.stderr).splitlines()
        errors = [line for line in lines if "[ERROR]" in line and line.strip() != "[ERROR]"]
        reason = errors[0].replace("[ERROR]", "").strip() if errors else f"exit {result.returncode}"
        raise PlatformError(f"mvn could not resolve {what}: {reason[:300]}")

# Not in ALL_GROUPS: only SHOP_ENV=aws and a warehouse on S3 need it (resolved on first use
# by the resources that do, and by the image build).
SPARK_AWS = PomJars(
    "spark-aws", "spark-aws.xml", "Iceberg's AWS bundle (Glue catalog, S3FileIO) and the MSK IAM auth jar"
)
