"""Alert sensors besides run failures, each sending through the ``alerts`` resource:

- ``check_alert_sensor``: the latest result of every asset check. A failed blocking check
  (ERROR severity) is critical, any other failed check a warning, a quality score below its
  SLA critical (unless the check's own alert is already critical: it names score and SLA); a
  passing result resolves its incident.
- ``run_summary_sensor``: an info summary of every successful run that materialized assets,
  and the resolution of the job's open run-failure incident.
- ``pipeline_health_sensor``: warnings for Kafka consumer lag or event latency rising above
  a threshold over the last runs, and for a spike of anomalies; resolved when back to normal.
- ``capacity_summary_sensor``: once a day, an info summary of the lakehouse's size per
  namespace, small-file tables, yesterday's runs and free disk.

All sensors are state-based: each tick looks at the latest state and lets the incident store
decide what is new, a repeat (suppressed) or over (resolved).
"""

import itertools
import json
import shutil
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from dagster import (
    AssetCheckKey,
    AssetKey,
    DagsterRunStatus,
    DefaultSensorStatus,
    RunsFilter,
    RunStatusSensorContext,
    SensorDefinition,
    SensorEvaluationContext,
    SkipReason,
    run_status_sensor,
    sensor,
)
from pyiceberg.catalog import Catalog

from shop_analytics.alerts.messages import (
    NamespaceUsage,
    anomaly_spike,
    capacity_summary,
    check_failed,
    check_key,
    metric_rising,
    quality_below_sla,
    quality_key,
    resolved,
    run_summary,
)
from shop_analytics.alerts.model import Link
from shop_analytics.alerts.notifier import Outcome
from shop_analytics.resources.alerts import SlackAlertsResource
from shop_analytics.resources.iceberg import IcebergCatalogResource
from shop_analytics.resources.quality import QualityResource
from shop_analytics.schemas.topics import event_topics
from shop_analytics.sensors.alert_events import (
    check_failure,
    numeric,
    plain_metadata,
    run_check_evaluations,
    run_duration,
    run_materializations,
)
from shop_analytics.silver.entities import EVENT_ENTITIES

# Freshness checks are alerted by the freshness alert sensor (warning, then critical).
FRESHNESS_CHECK_NAME = "freshness_check"
DIMENSIONS = ("completeness", "validity", "consistency")


# --- Checks and quality scores -----------------------------------------------------------------


def build_check_alert_sensor(
    check_keys: Sequence[AssetCheckKey] | None = None,
    name: str = "check_alert_sensor",
    minimum_interval_seconds: int = 60,
    default_status: DefaultSensorStatus = DefaultSensorStatus.RUNNING,
) -> SensorDefinition:
    """Alerts from the latest result of ``check_keys`` (every check of the code location when None)."""

    @sensor(
        name=name,
        minimum_interval_seconds=minimum_interval_seconds,
        default_status=default_status,
        description="Slack alerts for failed asset checks and quality scores below their SLA; resolutions.",
    )
    def _check_alerts(context: SensorEvaluationContext, alerts: SlackAlertsResource) -> SkipReason:
        if check_keys is None and context.repository_def is None:
            raise RuntimeError(
                f"{name} needs the code location's checks: pass check_keys or evaluate it in Definitions"
            )
        keys = list(check_keys) if check_keys is not None else sorted(
            context.repository_def.asset_graph.asset_check_keys, key=lambda k: k.to_user_string()
        )  # fmt: skip
        keys = [k for k in keys if k.name != FRESHNESS_CHECK_NAME]
        notifier, links = alerts.notifier(context.log), alerts.links()
        summaries = context.instance.event_log_storage.get_asset_check_summary_records(keys)
        tally: dict[str, int] = {}
        for key in keys:
            summary = summaries.get(key)
            record = summary.last_completed_check_execution_record if summary else None
            event = record.event.dagster_event if record and record.event else None
            if record is None or event is None:
                continue
            evaluation = event.event_specific_data
            failure = check_failure(evaluation, record.run_id)
            check_link = Link("Open check", links.asset_check(failure.asset, failure.check))
            if evaluation.passed:
                outcome = notifier.resolve(
                    check_key(failure.asset, failure.check),
                    lambda incident, link=check_link: resolved(incident, "The check passes again.", [link]),
                )
            else:
                outcome = notifier.open(check_failed(failure, links))
            tally[outcome.value] = tally.get(outcome.value, 0) + 1
            meta = plain_metadata(evaluation.metadata)
            score, sla = numeric(meta.get("quality_score")), numeric(meta.get("quality_sla"))
            # A critical check alert already shows the score and its SLA: one message per problem.
            if score is None or sla is None or failure.blocking_error:
                continue
            if score < sla:
                dimensions = {d: v for d in DIMENSIONS if (v := numeric(meta.get(d))) is not None}
                outcome = notifier.open(quality_below_sla(failure.asset, score, sla, dimensions, record.run_id, links))
            else:
                outcome = notifier.resolve(
                    quality_key(failure.asset),
                    lambda incident, s=score, t=sla, link=check_link: resolved(
                        incident, f"The score is {s:.4f} again (SLA {t:g}).", [link]
                    ),
                )
            tally[outcome.value] = tally.get(outcome.value, 0) + 1
        return SkipReason(f"{len(keys)} checks looked at; alerts: {json.dumps(tally, sort_keys=True)}")

    return _check_alerts


# --- Run summaries -----------------------------------------------------------------------------


def build_run_summary_sensor(
    name: str = "run_summary_sensor",
    monitored_jobs: Sequence | None = None,
    default_status: DefaultSensorStatus = DefaultSensorStatus.RUNNING,
) -> SensorDefinition:
    """Info summary of each successful run that materialized something; resolves ``run:<job>``."""

    @run_status_sensor(
        run_status=DagsterRunStatus.SUCCESS,
        name=name,
        monitored_jobs=monitored_jobs,
        default_status=default_status,
        description="Info summary in Slack of each successful run that materialized assets.",
    )
    def _run_summary(context: RunStatusSensorContext, alerts: SlackAlertsResource) -> None:
        run = context.dagster_run
        notifier, links = alerts.notifier(context.log), alerts.links()
        notifier.resolve(
            f"run:{run.job_name}",
            lambda incident: resolved(
                incident,
                f"Run `{run.run_id[:8]}` of {run.job_name} succeeded.",
                [Link("Open run", links.run(run.run_id))],
            ),
        )
        assets = run_materializations(context.instance, run.run_id)
        if not assets:  # check-only runs (freshness checks every few minutes) are not news
            return
        evaluations = run_check_evaluations(context.instance, run.run_id)
        passed = sum(1 for e in evaluations if e.passed)
        notifier.inform(
            run_summary(
                run.job_name,
                run.run_id,
                run_duration(context.instance, run.run_id),
                assets,
                passed,
                len(evaluations) - passed,
                links,
            )
        )

    return _run_summary


# --- Lag, latency, anomalies ---------------------------------------------------------------------


@dataclass(frozen=True)
class MetricRule:
    """``metric`` of the asset's materializations rising over ``runs`` runs to ``threshold`` or above."""

    kind: str  # lag | latency: the incident's prefix
    metric: str
    threshold: float
    runs: int = 3


DEFAULT_LAG = MetricRule("lag", "consumer_lag", threshold=50_000)
DEFAULT_LATENCY = MetricRule("latency", "newest_event_age_s", threshold=900)
BRONZE_EVENT_KEYS = tuple(AssetKey(["bronze", spec.family.value]) for spec in event_topics() if not spec.reference)
SILVER_EVENT_KEYS = tuple(AssetKey(["silver", entity.table.name]) for entity in EVENT_ENTITIES)
ANOMALIES_KEY = AssetKey(["silver", "anomalies"])


def _values(context: SensorEvaluationContext, key: AssetKey, metric: str, runs: int) -> list[float]:
    """``metric`` of the newest ``runs`` materializations of ``key``, oldest first."""
    records = context.instance.fetch_materializations(key, limit=runs).records
    values = []
    for record in reversed(records):
        materialization = record.asset_materialization
        value = plain_metadata(materialization.metadata).get(metric) if materialization else None
        if isinstance(value, dict):  # a count per category, e.g. anomalies_by_rule
            value = sum(v for v in value.values() if numeric(v) is not None)
        if (number := numeric(value)) is not None:
            values.append(number)
    return values


def build_pipeline_health_sensor(
    lag_keys: Sequence[AssetKey] = BRONZE_EVENT_KEYS,
    latency_keys: Sequence[AssetKey] = (*BRONZE_EVENT_KEYS, *SILVER_EVENT_KEYS),
    lag: MetricRule = DEFAULT_LAG,
    latency: MetricRule = DEFAULT_LATENCY,
    anomalies_key: AssetKey | None = ANOMALIES_KEY,
    anomaly_metric: str = "anomalies_by_rule",
    anomaly_factor: float = 3.0,
    anomaly_minimum: float = 10,
    name: str = "pipeline_health_sensor",
    minimum_interval_seconds: int = 120,
    default_status: DefaultSensorStatus = DefaultSensorStatus.RUNNING,
) -> SensorDefinition:
    """Warnings from the materialization metadata the ingest, silver and anomaly assets record."""

    @sensor(
        name=name,
        minimum_interval_seconds=minimum_interval_seconds,
        default_status=default_status,
        description="Slack warnings for rising Kafka lag or event latency and for anomaly spikes; resolutions.",
    )
    def _pipeline_health(context: SensorEvaluationContext, alerts: SlackAlertsResource) -> SkipReason:
        notifier, links = alerts.notifier(context.log), alerts.links()
        sent = 0
        for rule, keys in ((lag, lag_keys), (latency, latency_keys)):
            for key in keys:
                values = _values(context, key, rule.metric, rule.runs)
                if not values:
                    continue
                incident = f"{rule.kind}:{key.to_user_string()}"
                rising = len(values) >= rule.runs and all(a < b for a, b in itertools.pairwise(values))
                if rising and values[-1] >= rule.threshold:
                    outcome = notifier.open(
                        metric_rising(rule.kind, key.path, rule.metric, values, rule.threshold, links)
                    )
                elif values[-1] < rule.threshold:
                    outcome = notifier.resolve(
                        incident,
                        lambda i, v=values[-1], r=rule: resolved(
                            i, f"{r.metric} is down to {v:,.0f}, under {r.threshold:,.0f}."
                        ),
                    )
                else:
                    continue  # above the threshold but not rising: leave any incident as it is
                sent += outcome is Outcome.SENT
        if anomalies_key is not None:
            history = _values(context, anomalies_key, anomaly_metric, 11)
            if len(history) >= 4:
                latest, baseline = history[-1], statistics.median(history[:-1])
                incident = f"anomalies:{anomalies_key.to_user_string()}"
                if latest >= max(anomaly_minimum, anomaly_factor * baseline):
                    by_rule = _latest_breakdown(context, anomalies_key, anomaly_metric)
                    outcome = notifier.open(anomaly_spike(anomalies_key.path, latest, baseline, by_rule, links))
                else:
                    outcome = notifier.resolve(
                        incident, lambda i, n=latest: resolved(i, f"The latest run found {n:,.0f} anomalies.")
                    )
                sent += outcome is Outcome.SENT
        return SkipReason(f"pipeline health evaluated; {sent} message(s) sent")

    return _pipeline_health


def _latest_breakdown(context: SensorEvaluationContext, key: AssetKey, metric: str) -> dict[str, float]:
    records = context.instance.fetch_materializations(key, limit=1).records
    materialization = records[0].asset_materialization if records else None
    value = plain_metadata(materialization.metadata).get(metric) if materialization else None
    return dict(value) if isinstance(value, dict) else {}


# --- Daily capacity summary ----------------------------------------------------------------------

SMALL_FILE_BYTES = 8 * 1024 * 1024
SMALL_FILE_MIN_FILES = 20  # a handful of small files is no problem worth a compaction


def namespace_usage(catalog: Catalog, namespace: str) -> NamespaceUsage | None:
    """Size of a namespace from each table's current snapshot summary (metadata only)."""
    if not catalog.namespace_exists(namespace):
        return None
    rows = files = size = tables = 0
    small: list[str] = []
    for identifier in sorted(catalog.list_tables(namespace)):
        snapshot = catalog.load_table(identifier).current_snapshot()
        tables += 1
        if snapshot is None or snapshot.summary is None:
            continue
        summary = snapshot.summary.additional_properties
        table_files = int(summary.get("total-data-files", 0))
        table_bytes = int(summary.get("total-files-size", 0))
        rows += int(summary.get("total-records", 0))
        files += table_files
        size += table_bytes
        if table_files >= SMALL_FILE_MIN_FILES and table_bytes / table_files < SMALL_FILE_BYTES:
            small.append(".".join(identifier))
    return NamespaceUsage(namespace, tables, rows, files, size, tuple(small))


def build_capacity_summary_sensor(
    send_hour_utc: int = 7,
    clock: Callable[[], float] = time.time,
    name: str = "capacity_summary_sensor",
    minimum_interval_seconds: int = 900,
    default_status: DefaultSensorStatus = DefaultSensorStatus.RUNNING,
) -> SensorDefinition:
    """Once a day after ``send_hour_utc``: the lakehouse's size, small-file tables, runs and disk."""

    @sensor(
        name=name,
        minimum_interval_seconds=minimum_interval_seconds,
        default_status=default_status,
        description="Daily info summary in Slack of the lakehouse's size, yesterday's runs and free disk.",
    )
    def _capacity_summary(
        context: SensorEvaluationContext,
        alerts: SlackAlertsResource,
        iceberg: IcebergCatalogResource,
        quality: QualityResource,
    ) -> SkipReason:
        now = datetime.fromtimestamp(clock(), UTC)
        state = json.loads(context.cursor) if context.cursor else {}
        day = now.date().isoformat()
        if state.get("day") == day or now.hour < send_hour_utc:
            return SkipReason(f"capacity summary of {state.get('day')} already sent; next after {send_hour_utc}:00 UTC")
        catalog = iceberg.load()
        names = [quality.namespace_of(layer) for layer in ("bronze", "silver", "gold")] + [quality.ops_namespace]
        usage = [u for ns in names if (u := namespace_usage(catalog, ns)) is not None]
        total = sum(u.bytes for u in usage)
        since = now - timedelta(days=1)
        succeeded = len(
            context.instance.get_run_records(RunsFilter(statuses=[DagsterRunStatus.SUCCESS], updated_after=since))
        )
        failed = len(
            context.instance.get_run_records(RunsFilter(statuses=[DagsterRunStatus.FAILURE], updated_after=since))
        )
        disk = shutil.disk_usage(
            Path(alerts.incidents_path).parent if Path(alerts.incidents_path).parent.exists() else "/"
        )
        growth = total - state["bytes"] if "bytes" in state else None
        alerts.notifier(context.log).inform(
            capacity_summary(day, usage, growth, succeeded, failed, disk.free, disk.total, alerts.links())
        )
        context.update_cursor(json.dumps({"day": day, "bytes": total}))
        return SkipReason(f"capacity summary of {day} sent")

    return _capacity_summary
