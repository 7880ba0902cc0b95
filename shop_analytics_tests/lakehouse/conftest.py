"""Fixtures of the Iceberg feature tests: the shared catalog opened through PyIceberg."""

from __future__ import annotations

import pytest
from pyiceberg.catalog.sql import SqlCatalog

from shop_analytics.platform import lakehouse
from shop_analytics.platform.settings import PlatformSettings


@pytest.fixture(scope="session")
def catalog(spark, platform_settings: PlatformSettings) -> SqlCatalog:
    """The catalog the ``spark`` fixture writes to (requested after it: Spark's jars, catalog tables)."""
    return SqlCatalog(lakehouse.CATALOG_NAME, **lakehouse.pyiceberg_properties(platform_settings))
