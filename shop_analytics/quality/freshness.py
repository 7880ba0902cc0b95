"""Freshness: how recently each layer's assets must have been updated, as Dagster 1.13 freshness
policies (``FreshnessPolicy.time_window``), and the last-update freshness checks built from them.

Windows follow how each asset is fed:

- bronze and silver event tables: the Kafka offsets sensor ingests new records within minutes,
  so 15 minutes without an update is worth a look (warn) and an hour means ingest stopped (fail);
  silver follows bronze, so it gets twice that.
- reference tables (customers, products, stores, promotions): compacted topics that change
  when the business changes its catalogue, so days.
- derived silver tables (sales windows, sessions, anomalies): the hourly schedule.
- gold marts: the daily dbt build.

``freshness_state`` evaluates a time-window policy the way Dagster documents it (age below
the warn window: PASS; below the fail window: WARN; beyond it: FAIL; never updated: UNKNOWN);
the freshness alert sensor uses it with a clock of its own, so it needs no daemon.
"""

from collections.abc import Iterable, Mapping, Sequence
from datetime import timedelta
from typing import TypeVar

from dagster import (
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetKey,
    AssetsDefinition,
    AssetSpec,
    FreshnessPolicy,
    apply_freshness_policy,
    build_last_update_freshness_checks,
    map_asset_specs,
)
from dagster._core.definitions.freshness import FreshnessState, TimeWindowFreshnessPolicy

from shop_analytics.schemas.topics import TOPICS, Family
from shop_analytics.silver import tables as t

STREAMING_EVENTS = FreshnessPolicy.time_window(fail_window=timedelta(hours=1), warn_window=timedelta(minutes=15))
SILVER_EVENTS = FreshnessPolicy.time_window(fail_window=timedelta(hours=2), warn_window=timedelta(minutes=30))
REFERENCE_DATA = FreshnessPolicy.time_window(fail_window=timedelta(days=3), warn_window=timedelta(days=1))
HOURLY_AGGREGATES = FreshnessPolicy.time_window(fail_window=timedelta(hours=3), warn_window=timedelta(minutes=90))
DAILY_MARTS = FreshnessPolicy.time_window(fail_window=timedelta(hours=48), warn_window=timedelta(hours=26))

REFERENCE_FAMILIES = frozenset(spec.family.value for spec in TOPICS if spec.reference)
EVENT_FAMILIES = frozenset(
    spec.family.value for spec in TOPICS if not spec.reference and spec.family is not Family.DEAD_LETTER
)
SILVER_REFERENCE_TABLES = frozenset(table.name for table in (t.CUSTOMERS, t.PRODUCTS, t.STORES, t.PROMOTIONS))
SILVER_DERIVED_TABLES = frozenset(table.name for table in (t.SALES_WINDOWS, t.SESSIONS, t.ANOMALIES))
SILVER_EVENT_TABLES = frozenset(
    table.name
    for table in (t.CLICKSTREAM, t.ORDERS, t.ORDER_LINES, t.ORDER_STATUS, t.STORE_SALES, t.STORE_SALE_LINES,
                  t.RETURNS, t.RETURN_LINES, t.INVENTORY)
)  # fmt: skip
STREAMING_LAYERS = frozenset({"bronze", "silver"})

A = TypeVar("A", AssetsDefinition, AssetSpec)


def freshness_policy_for(key: AssetKey) -> TimeWindowFreshnessPolicy | None:
    """The policy of the asset at ``key`` by its layer and name; None for assets without one."""
    if len(key.path) != 2:
        return None
    layer, name = key.path
    if layer == "bronze":
        return REFERENCE_DATA if name in REFERENCE_FAMILIES else STREAMING_EVENTS if name in EVENT_FAMILIES else None
    if layer == "silver":
        if name in SILVER_REFERENCE_TABLES:
            return REFERENCE_DATA
        if name in SILVER_DERIVED_TABLES:
            return HOURLY_AGGREGATES
        return SILVER_EVENTS if name in SILVER_EVENT_TABLES else None
    if layer == "gold":
        return DAILY_MARTS
    return None


def apply_freshness_policies(assets_defs: Sequence[A]) -> list[A]:
    """``assets_defs`` with each asset's layer policy; a policy an asset already has is kept."""

    def with_policy(spec: AssetSpec) -> AssetSpec:
        policy = freshness_policy_for(spec.key)
        return apply_freshness_policy(spec, policy, overwrite_existing=False) if policy else spec

    return list(map_asset_specs(with_policy, assets_defs))  # type: ignore[arg-type]


def freshness_policies(keys: Iterable[AssetKey]) -> dict[AssetKey, TimeWindowFreshnessPolicy]:
    """The layer policies of ``keys`` (those that have one)."""
    return {key: policy for key in keys if (policy := freshness_policy_for(key)) is not None}


def freshness_policies_of(
    assets_defs: Iterable[AssetsDefinition | AssetSpec],
) -> dict[AssetKey, TimeWindowFreshnessPolicy]:
    """The time-window policies the given assets carry (after ``apply_freshness_policies``)."""
    found: dict[AssetKey, TimeWindowFreshnessPolicy] = {}
    for item in assets_defs:
        for spec in [item] if isinstance(item, AssetSpec) else item.specs:
            if isinstance(spec.freshness_policy, TimeWindowFreshnessPolicy):
                found[spec.key] = spec.freshness_policy
    return found


def window_seconds(policy: TimeWindowFreshnessPolicy) -> tuple[float | None, float]:
    """(warn window, fail window) in seconds."""
    warn = policy.warn_window.to_timedelta().total_seconds() if policy.warn_window else None
    return warn, policy.fail_window.to_timedelta().total_seconds()


def freshness_state(policy: TimeWindowFreshnessPolicy, last_update: float | None, now: float) -> FreshnessState:
    if last_update is None:
        return FreshnessState.UNKNOWN
    warn, fail = window_seconds(policy)
    age = now - last_update
    if age >= fail:
        return FreshnessState.FAIL
    if warn is not None and age >= warn:
        return FreshnessState.WARN
    return FreshnessState.PASS


def build_freshness_checks(policies: Mapping[AssetKey, TimeWindowFreshnessPolicy]) -> list[AssetChecksDefinition]:
    """Last-update freshness checks (name ``freshness_check``), failing with ERROR severity past each
    asset's fail window. Never blocking: a late asset is no reason to stop the next run."""
    by_window: dict[timedelta, list[AssetKey]] = {}
    for key, policy in sorted(policies.items(), key=lambda item: item[0].to_user_string()):
        by_window.setdefault(policy.fail_window.to_timedelta(), []).append(key)
    checks: list[AssetChecksDefinition] = []
    for window, keys in sorted(by_window.items()):
        checks.extend(
            build_last_update_freshness_checks(
                assets=keys, lower_bound_delta=window, severity=AssetCheckSeverity.ERROR, blocking=False
            )
        )
    return checks
