"""The suites as a catalogue: they cover the layers' tables, read only columns those tables
have, declare the reference tables they look up, and target assets the code location has."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from dagster import AssetKey

from shop_analytics.assets.checks import ALL_SUITES, QUALITY_CHECKS, build_quality_checks
from shop_analytics.quality.bronze_suites import BRONZE_SUITES
from shop_analytics.quality.gold_suites import GOLD_SUITES
from shop_analytics.quality.silver_suites import SILVER_SUITES
from shop_analytics.quality.suite import Layer, SuiteInputs, TableSuite
from shop_analytics.schemas.topics import event_topics
from shop_analytics.silver import tables as t
from shop_analytics.streaming.bronze import BRONZE_COLUMNS

MARTS = Path(__file__).resolve().parents[2] / "dbt_models" / "models" / "marts"
INPUTS = SuiteInputs(references={}, now=datetime(2026, 11, 24, tzinfo=UTC))
SILVER_SPECS = {spec.name: spec for spec in vars(t).values() if isinstance(spec, t.SilverTable)}


def _columns_read(suite: TableSuite) -> set[str]:
    columns: set[str] = set()
    for expectation in suite.build(INPUTS):
        kwargs = expectation.kwargs
        columns.update(c for c in (kwargs.get("column"), kwargs.get("column_A"), kwargs.get("column_B")) if c)
        columns.update(kwargs.get("column_list") or [])
    return {c for c in columns if not c.startswith("_")}  # derived reconciliation columns


def test_every_bronze_topic_and_silver_table_with_an_asset_has_a_suite() -> None:
    assert {s.table for s in BRONZE_SUITES} == {spec.family.value for spec in event_topics()}
    assert {s.table for s in SILVER_SUITES} == set(SILVER_SPECS) - {t.QUARANTINE.name}


@pytest.mark.parametrize("suite", SILVER_SUITES, ids=lambda s: s.name)
def test_silver_suites_read_only_columns_of_their_table(suite: TableSuite) -> None:
    assert _columns_read(suite) <= set(SILVER_SPECS[suite.table].column_names)


def test_bronze_suites_read_only_bronze_columns() -> None:
    for suite in BRONZE_SUITES:
        assert _columns_read(suite) <= {name for name, _ in BRONZE_COLUMNS}


@pytest.mark.parametrize("suite", GOLD_SUITES, ids=lambda s: s.name)
def test_gold_suites_guard_marts_that_exist_and_columns_they_select(suite: TableSuite) -> None:
    (model,) = MARTS.rglob(f"{suite.table}.sql")
    sql = model.read_text()
    for column in _columns_read(suite):
        assert re.search(rf"\b{column}\b", sql), f"{column} is not in {model.name}"


@pytest.mark.parametrize("suite", ALL_SUITES, ids=lambda s: s.name)
def test_reference_lookups_are_declared(suite: TableSuite) -> None:
    looked_up = {e.description.split(" exists in ")[1] for e in suite.build(INPUTS) if " exists in " in e.description}
    assert looked_up == {f"{r.layer.value}.{r.table}" for r in suite.references}


def test_checks_target_their_layer_assets_and_block_on_critical_expectations() -> None:
    keys = {key for check in QUALITY_CHECKS for key in check.check_keys}
    assert AssetKey(["silver", "orders"]) in {k.asset_key for k in keys}
    assert {k.name for k in keys} == {"great_expectations"}
    assert len(QUALITY_CHECKS) == len(ALL_SUITES)
    specs = {spec.asset_key: spec for check in QUALITY_CHECKS for spec in check.check_specs}
    assert specs[AssetKey(["silver", "orders"])].blocking
    assert specs[AssetKey(["gold", "customer_rfm"])].blocking


def test_checks_can_be_limited_to_the_assets_a_code_location_has() -> None:
    checks = build_quality_checks([AssetKey(["gold", "fct_orders"]), AssetKey(["gold", "not_a_model"])])
    assert [next(iter(c.check_keys)).asset_key for c in checks] == [AssetKey(["gold", "fct_orders"])]


def test_silver_check_keys_match_the_silver_assets() -> None:
    from shop_analytics.assets.silver import SILVER_EVENT_ASSETS, SILVER_REFERENCE_ASSETS

    silver_keys = {key for asset in (*SILVER_EVENT_ASSETS, *SILVER_REFERENCE_ASSETS) for key in asset.keys}
    entity_suites = {
        AssetKey(list(s.key_path)) for s in SILVER_SUITES if s.table not in {"sales_windows", "sessions", "anomalies"}
    }
    assert entity_suites == silver_keys


def test_every_layer_has_suites() -> None:
    assert {s.layer for s in ALL_SUITES} == set(Layer)
