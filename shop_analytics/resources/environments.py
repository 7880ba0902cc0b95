"""Resources per environment, chosen by one setting (``SHOP_ENV``), in this one place.

Asset code never asks which environment it runs in: it receives these resources.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

from shop_analytics.platform import lakehouse
from shop_analytics.platform.settings import PlatformSettings
from shop_analytics.resources.iceberg import IcebergCatalogResource
from shop_analytics.resources.ingest import IngestSettingsResource
from shop_analytics.resources.kafka import KafkaResource
from shop_analytics.resources.schema_registry import SchemaRegistryResource
from shop_analytics.resources.spark import LakehouseSparkResource

ENV_VAR = "SHOP_ENV"
DEFAULT_ENV = "local"


def local_resources(settings: PlatformSettings) -> dict[str, Any]:
    """The embedded platform: local broker and registry, Spark local[2], SQLite Iceberg catalog."""
    return {
        "kafka": KafkaResource(bootstrap_servers=settings.kafka_bootstrap),
        "schema_registry": SchemaRegistryResource(url=settings.registry_url),
        "spark": LakehouseSparkResource(spark_config=lakehouse.spark_conf(settings)),
        "iceberg": IcebergCatalogResource(
            name=lakehouse.CATALOG_NAME,
            properties={"type": "sql", **lakehouse.pyiceberg_properties(settings)},
        ),
        "ingest": IngestSettingsResource(checkpoint_root=str(settings.checkpoints_dir)),
    }


ENVIRONMENTS: Mapping[str, Callable[[PlatformSettings], dict[str, Any]]] = {
    "local": local_resources,
}


def build_resources(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    environ = os.environ if environ is None else environ
    name = environ.get(ENV_VAR, DEFAULT_ENV) or DEFAULT_ENV
    try:
        builder = ENVIRONMENTS[name]
    except KeyError:
        raise ValueError(f"{ENV_VAR}={name!r} is not an environment here: use one of {sorted(ENVIRONMENTS)}") from None
    return builder(PlatformSettings.from_env(environ))
