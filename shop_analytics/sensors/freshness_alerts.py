"""Freshness alerting and the sensor that runs the freshness checks.

``freshness_alert_sensor`` evaluates each asset's time-window freshness policy against its
last materialization: past the warn window a warning, past the fail window a critical alert
(an escalation of the same incident), and a resolution once the asset is fresh again. It
evaluates the policies itself, with an injectable clock, so it works (and is tested) without
the freshness daemon.

``freshness_checks_sensor`` is Dagster's ``build_sensor_for_freshness_checks``: it launches
the last-update freshness checks when they are due, so their results show on each asset.
"""

import time
from collections.abc import Callable, Mapping, Sequence

from dagster import (
    AssetChecksDefinition,
    AssetKey,
    DefaultSensorStatus,
    SensorDefinition,
    SensorEvaluationContext,
    SkipReason,
    build_sensor_for_freshness_checks,
    sensor,
)
from dagster._core.definitions.freshness import FreshnessState, TimeWindowFreshnessPolicy

from shop_analytics.alerts.messages import Staleness, freshness_key, resolved, stale
from shop_analytics.alerts.model import Link
from shop_analytics.quality.freshness import STREAMING_LAYERS, freshness_state, window_seconds
from shop_analytics.resources.alerts import SlackAlertsResource


def last_updates(context: SensorEvaluationContext, keys: Sequence[AssetKey]) -> dict[AssetKey, float]:
    """Timestamp of each asset's latest materialization (assets never materialized are absent)."""
    found: dict[AssetKey, float] = {}
    for record in context.instance.get_asset_records(list(keys)):
        entry = record.asset_entry
        if entry.last_materialization is not None:
            found[entry.asset_key] = entry.last_materialization.timestamp
    return found


def build_freshness_alert_sensor(
    policies: Mapping[AssetKey, TimeWindowFreshnessPolicy],
    clock: Callable[[], float] = time.time,
    name: str = "freshness_alert_sensor",
    minimum_interval_seconds: int = 60,
    default_status: DefaultSensorStatus = DefaultSensorStatus.RUNNING,
) -> SensorDefinition:
    """Warning, critical and resolution alerts for the assets in ``policies``."""
    keys = sorted(policies, key=lambda k: k.to_user_string())

    @sensor(
        name=name,
        minimum_interval_seconds=minimum_interval_seconds,
        default_status=default_status,
        description="Slack warning past an asset's freshness warn window, critical past its fail window, "
        "resolution when it is fresh again.",
    )
    def _freshness_alerts(context: SensorEvaluationContext, alerts: SlackAlertsResource) -> SkipReason:
        notifier, links = alerts.notifier(context.log), alerts.links()
        updated = last_updates(context, keys)
        now = clock()
        states: dict[str, int] = {}
        for key in keys:
            policy, last = policies[key], updated.get(key)
            state = freshness_state(policy, last, now)
            states[state.value] = states.get(state.value, 0) + 1
            if state is FreshnessState.PASS:
                notifier.resolve(
                    freshness_key(key.path),
                    lambda incident, k=key: resolved(
                        incident, f"{k.to_user_string()} is fresh again.", [Link("Open asset", links.asset(k.path))]
                    ),
                )
            elif state in (FreshnessState.WARN, FreshnessState.FAIL) and last is not None:
                warn, fail = window_seconds(policy)
                notifier.open(
                    stale(
                        Staleness(
                            asset=tuple(key.path),
                            failing=state is FreshnessState.FAIL,
                            age_s=now - last,
                            warn_window_s=warn,
                            fail_window_s=fail,
                            streaming=key.path[0] in STREAMING_LAYERS,
                        ),
                        links,
                    )
                )
        return SkipReason("freshness: " + ", ".join(f"{n} {s}" for s, n in sorted(states.items())))

    return _freshness_alerts


def build_freshness_checks_sensor(
    freshness_checks: Sequence[AssetChecksDefinition],
    minimum_interval_seconds: int = 300,
    default_status: DefaultSensorStatus = DefaultSensorStatus.RUNNING,
) -> SensorDefinition:
    """Dagster's sensor that runs the freshness checks when they are due."""
    return build_sensor_for_freshness_checks(
        freshness_checks=freshness_checks,
        minimum_interval_seconds=minimum_interval_seconds,
        name="freshness_checks_sensor",
        default_status=default_status,
    )
