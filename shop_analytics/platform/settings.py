"""Declared settings of the local platform: hosts, ports and folders.

Every field has a loopback/local default and can be set by an environment variable
named ``SHOP_<FIELD>`` (for example ``SHOP_KAFKA_PORT=29092``). This is the only place
the platform reads its environment.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

from shop_analytics.platform.errors import PlatformError

ENV_PREFIX = "SHOP_"


def _default_state_dir() -> Path:
    return Path.cwd() / ".platform"


def _default_cache_dir() -> Path:
    return Path.home() / ".cache" / "shop-analytics"


@dataclass(frozen=True)
class PlatformSettings:
    """Where the local services listen and where they keep their files."""

    host: str = "127.0.0.1"
    kafka_port: int = 9092
    kafka_controller_port: int = 9093
    registry_port: int = 8081
    # The Spark Connect server (platform/spark_connect.py) that bronze ingest runs reuse;
    # SHOP_SPARK_CONNECT=false leaves it out, and each run then starts its own Spark.
    spark_connect: bool = True
    spark_connect_port: int = 15002
    spark_connect_memory: str = "2g"
    # Run one record through the bronze ingest when `up` starts the server, so the first run
    # starts warm (platform/warm_up.py); SHOP_SPARK_CONNECT_WARM_UP=false skips it.
    spark_connect_warm_up: bool = True
    # Runtime state: broker log dirs, registry storage, Iceberg warehouse and catalog,
    # Spark checkpoints, service logs and PID files.
    state_dir: Path = field(default_factory=_default_state_dir)
    # Jars and the registry application, resolved once from Maven Central and shared
    # by every checkout on the machine.
    cache_dir: Path = field(default_factory=_default_cache_dir)
    java: str = "java"
    mvn: str = "mvn"
    kafka_heap: str = "512m"
    registry_heap: str = "384m"
    start_timeout_s: float = 120.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> PlatformSettings:
        """Build settings from ``SHOP_*`` variables; explicit ``overrides`` win."""
        environ = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = environ.get(ENV_PREFIX + f.name.upper())
            if raw is None or raw == "":
                continue
            values[f.name] = _parse(f.name, f.type, raw)
        if "java" not in values and environ.get("JAVA_HOME"):
            values["java"] = str(Path(environ["JAVA_HOME"]) / "bin" / "java")
        values.update(overrides)
        for key in ("state_dir", "cache_dir"):
            if key in values:
                values[key] = Path(str(values[key])).expanduser().resolve()
        return cls(**values)  # type: ignore[arg-type]

    def replace(self, **changes: object) -> PlatformSettings:
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    # Derived locations -----------------------------------------------------------------

    @property
    def kafka_bootstrap(self) -> str:
        return f"{self.host}:{self.kafka_port}"

    @property
    def registry_url(self) -> str:
        """Base URL of the Confluent-compatible API (what confluent-kafka's client takes)."""
        return f"http://{self.host}:{self.registry_port}/apis/ccompat/v7"

    @property
    def spark_connect_url(self) -> str:
        """What ``SparkSession.builder.remote`` takes to reach the platform's Connect server."""
        return f"sc://{self.host}:{self.spark_connect_port}"

    @property
    def jars_dir(self) -> Path:
        return self.cache_dir / "jars"

    @property
    def run_dir(self) -> Path:
        """PID files and service logs."""
        return self.state_dir / "run"

    @property
    def kafka_data_dir(self) -> Path:
        return self.state_dir / "kafka"

    @property
    def registry_data_dir(self) -> Path:
        return self.state_dir / "registry"

    @property
    def warehouse_dir(self) -> Path:
        return self.state_dir / "warehouse"

    @property
    def catalog_db(self) -> Path:
        return self.state_dir / "catalog.db"

    @property
    def checkpoints_dir(self) -> Path:
        return self.state_dir / "checkpoints"


def _parse(name: str, type_name: object, raw: str) -> object:
    kind = str(type_name)
    if kind == "int":
        try:
            return int(raw)
        except ValueError:
            raise PlatformError(f"{ENV_PREFIX}{name.upper()}={raw!r} is not a whole number") from None
    if kind == "float":
        try:
            return float(raw)
        except ValueError:
            raise PlatformError(f"{ENV_PREFIX}{name.upper()}={raw!r} is not a number") from None
    if kind == "Path":
        return Path(raw).expanduser().resolve()
    if kind == "bool":
        value = raw.strip().lower()
        if value in ("1", "true", "yes", "on"):
            return True
        if value in ("0", "false", "no", "off"):
            return False
        raise PlatformError(f"{ENV_PREFIX}{name.upper()}={raw!r} is not true or false")
    return raw
