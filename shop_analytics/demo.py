"""The main job on the embedded platform: start it, stream events, run the asset graph,
and print what landed where.

Steps: platform up (jars resolved once) → a seeded backfill simulation into Kafka → the
Kafka offsets sensor's tick → the bronze run it requests → the bronze-to-silver sensor's
evaluation of that run → the silver run it requests → the gold (dbt) run; runs execute against the Dagster
instance in DAGSTER_HOME (so `dagster dev` shows them afterwards) → counts per topic,
bronze, silver and quarantine, and rows per gold mart.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

from dagster import (
    DagsterInstance,
    RunRequest,
    SensorResult,
    build_run_status_sensor_context,
    build_sensor_context,
)
from pyiceberg.expressions import EqualTo

from shop_analytics.assets.streams import BRONZE_STREAMS
from shop_analytics.definitions import build_definitions
from shop_analytics.lakehouse import snapshot_row_count
from shop_analytics.platform import jars, services
from shop_analytics.platform.settings import PlatformSettings
from shop_analytics.resources.environments import build_resources
from shop_analytics.silver.entities import EVENT_ENTITIES, REFERENCE_ENTITIES
from shop_analytics.silver.tables import QUARANTINE
from shop_analytics.simulator.config import SimulationConfig
from shop_analytics.simulator.faults import FaultRates
from shop_analytics.simulator.runner import run_simulation
from shop_analytics.simulator.world import WorldSize

log = logging.getLogger(__name__)

DEMO_PRODUCTS = 200
DEMO_FAULTS = FaultRates(malformed=0.01, invalid=0.01, duplicate=0.01, late=0.01)
QUIET_RUN_CONFIG = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}


@dataclass(frozen=True)
class StreamCount:
    topic: str
    table: str
    in_kafka: int
    in_bronze: int
    dead_lettered: int = 0
    in_silver: int = 0
    quarantined: int = 0


def run_demo(
    settings: PlatformSettings, days: float, customers: int, seed: int, faults: FaultRates | None = None
) -> list[StreamCount]:
    log.info("1/6 platform: starting the broker and the schema registry (jars resolve once)")
    services.up(settings)
    jars.resolve(settings, jars.SPARK)

    log.info("2/6 simulator: %.1f day(s) of a shop with %d customers, seed %d", days, customers, seed)
    summary = run_simulation(
        SimulationConfig(
            days=days,
            world=WorldSize(customers=customers, products=DEMO_PRODUCTS),
            seed=seed,
            bootstrap=settings.kafka_bootstrap,
            schema_registry_url=settings.registry_url,
            faults=faults or FaultRates(),
            manifest_path=str(settings.state_dir / "demo-faults.jsonl") if faults else None,
        )
    )
    log.info("simulator: %s records delivered, %s failed", f"{summary.delivered:,}", summary.failed)

    # The same wiring as `dagster dev` (SHOP_* overrides, SHOP_SPARK_MASTER), on the local platform.
    resources = build_resources({**os.environ, "SHOP_ENV": "local"})
    defs = build_definitions(resources)
    with _instance() as instance:
        log.info("3/6 sensor: comparing topic end offsets with what bronze committed")
        sensor = defs.get_sensor_def("kafka_offsets_sensor")
        result = sensor(
            build_sensor_context(instance=instance, resources={"kafka": resources["kafka"]}, definitions=defs)
        )
        assert isinstance(result, SensorResult)
        for request in result.run_requests or []:
            log.info(
                "4/6 run %s: bronze ingest of %d topic(s) through Spark availableNow",
                request.run_key,
                len(request.asset_selection or []),
            )
            bronze_run = _execute(defs, instance, "bronze_ingest_job", request)
            log.info("5/6 bronze_to_silver_sensor: silver for the bronze tables that run wrote")
            silver_request = defs.get_sensor_def("bronze_to_silver_sensor")(
                build_run_status_sensor_context(
                    sensor_name="bronze_to_silver_sensor",
                    dagster_event=bronze_run.get_run_success_event(),
                    dagster_instance=instance,
                    dagster_run=bronze_run.dagster_run,
                    repository_def=defs.get_repository_def(),
                )
            )
            if isinstance(silver_request, RunRequest):
                _execute(defs, instance, "silver_job", silver_request)
                log.info("6/6 gold: dbt build of the marts on silver (dbt-spark session)")
                _execute(defs, instance, "gold_job", RunRequest(tags={"shop/trigger": "demo"}))
        if not result.run_requests:
            log.info("sensor: %s", result.skip_reason.skip_message if result.skip_reason else "nothing to do")

    kafka = resources["kafka"]
    catalog = resources["iceberg"].load()
    counts = []
    for stream in BRONZE_STREAMS:
        try:
            in_kafka = sum(kafka.end_offsets(stream.topic).values())
        except LookupError:
            continue
        table = f"{resources['ingest'].bronze_namespace}.{stream.table}"
        in_bronze = snapshot_row_count(catalog, table)
        dead_lettered = _count_where(catalog, resources["ingest"].dead_letter_table_name, "kafka_topic", stream.topic)
        silver, quarantined = _silver_counts(catalog, resources["silver"].namespace, stream.table)
        counts.append(StreamCount(stream.topic, table, in_kafka, in_bronze, dead_lettered, silver, quarantined))
    return counts


def _execute(defs, instance: DagsterInstance, job: str, request: RunRequest):
    run = defs.resolve_job_def(job).execute_in_process(
        instance=instance,
        asset_selection=request.asset_selection,
        tags={**request.tags, "dagster/run_key": request.run_key or ""},
        run_config=QUIET_RUN_CONFIG,
    )
    if not run.success:
        raise RuntimeError(f"the {job} run {run.run_id} failed; see `dagster dev` → Runs")
    return run


def _silver_counts(catalog, namespace: str, name: str) -> tuple[int, int]:
    """Rows of the family's silver table, and its rows in the quarantine."""
    entities = {e.name: e for e in (*EVENT_ENTITIES, *REFERENCE_ENTITIES)}
    if name not in entities:
        return 0, 0
    silver = snapshot_row_count(catalog, entities[name].table.qualified_in(namespace))
    return silver, _count_where(catalog, QUARANTINE.qualified_in(namespace), "entity", name)


def _count_where(catalog, table: str, column: str, value: str) -> int:
    if not catalog.table_exists(table):
        return 0
    return (
        catalog.load_table(table).scan(row_filter=EqualTo(column, value), selected_fields=(column,)).to_arrow().num_rows
    )


def _instance() -> DagsterInstance:
    try:
        return DagsterInstance.get()
    except Exception:
        log.warning("DAGSTER_HOME is not set: the runs are kept in memory only (use `make demo` to keep them)")
        return DagsterInstance.ephemeral()


def mart_rows(namespace: str = "gold") -> dict[str, int]:
    """Rows per table in the gold namespace (the dbt marts), read through PyIceberg."""
    catalog = build_resources({**os.environ, "SHOP_ENV": "local"})["iceberg"].load()
    if namespace not in {ns[0] for ns in catalog.list_namespaces()}:
        return {}
    return {".".join(t): snapshot_row_count(catalog, ".".join(t)) for t in sorted(catalog.list_tables(namespace))}


def format_marts(rows: dict[str, int]) -> str:
    if not rows:
        return "no gold marts yet"
    width = max(len(name) for name in rows)
    return "\n".join(f"{name:<{width}} {count:>10,}" for name, count in rows.items())


def format_counts(counts: list[StreamCount]) -> str:
    fields = ("in_kafka", "in_bronze", "dead_lettered", "in_silver", "quarantined")
    lines = [
        f"{'topic':<20} {'in Kafka':>9} {'in bronze':>10} {'dead letter':>12} {'in silver':>10} {'quarantined':>12}"
    ]
    for row in counts:
        values = [getattr(row, f) for f in fields]
        lines.append(
            f"{row.topic:<20} {values[0]:>9,} {values[1]:>10,} {values[2]:>12,} {values[3]:>10,} {values[4]:>12,}"
        )
    total = [sum(getattr(r, f) for r in counts) for f in fields]
    lines.append(f"{'total':<20} {total[0]:>9,} {total[1]:>10,} {total[2]:>12,} {total[3]:>10,} {total[4]:>12,}")
    lines.append("(silver: one row per event after de-duplication; reference topics: one row per key)")
    return "\n".join(lines)
