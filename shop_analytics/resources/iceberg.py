"""The Iceberg catalog for Python readers and writers (PyIceberg)."""

from __future__ import annotations

from dagster import ConfigurableResource
from pydantic import Field
from pyiceberg.catalog import Catalog, load_catalog


class IcebergCatalogResource(ConfigurableResource):
    """The same catalog Spark writes to, opened through PyIceberg."""

    name: str = "lakehouse"
    properties: dict[str, str] = Field(
        description="PyIceberg catalog properties, e.g. type=sql, uri, warehouse"
    )

    def load(self) -> Catalog:
        return load_catalog(self.name, **self.properties)
