"""Fixtures of the quality tests: the session's Iceberg catalog (PyIceberg, no Spark) and a
lake of fresh namespaces per test."""

from __future__ import annotations

import pytest
from pyiceberg.catalog import Catalog, load_catalog

from shop_analytics.platform import lakehouse
from shop_analytics.platform.settings import PlatformSettings
from shop_analytics_tests.quality.lake import TestLake, new_lake


@pytest.fixture(scope="session")
def catalog_properties(platform_settings: PlatformSettings) -> dict[str, str]:
    properties = lakehouse.pyiceberg_properties(platform_settings)
    lakehouse.ensure_catalog_tables(properties)
    return {"type": "sql", **properties}


@pytest.fixture(scope="session")
def catalog(catalog_properties: dict[str, str]) -> Catalog:
    return load_catalog(lakehouse.CATALOG_NAME, **catalog_properties)


@pytest.fixture
def lake(catalog: Catalog, catalog_properties: dict[str, str]) -> TestLake:
    return new_lake(catalog, catalog_properties)
