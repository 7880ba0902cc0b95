"""The main job on the embedded platform: start it, stream events, run the asset graph,
and print what landed where.

Steps: platform up (jars resolved once) → a seeded backfill simulation into Kafka → the
Kafka offsets sensor's tick → the run it requests, executed against the Dagster instance in
DAGSTER_HOME (so `dagster dev` shows it afterwards) → counts per topic and bronze table.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

from dagster import DagsterInstance, SensorResult, build_sensor_context

from shop_analytics.assets.streams import BRONZE_STREAMS
from shop_analytics.definitions import build_definitions
from shop_analytics.platform import jars, services
from shop_analytics.platform.settings import PlatformSettings
from shop_analytics.resources.environments import build_resources
from shop_analytics.simulator.config import SimulationConfig
from shop_analytics.simulator.runner import run_simulation
from shop_analytics.simulator.world import WorldSize

log = logging.getLogger(__name__)

DEMO_PRODUCTS = 200
QUIET_RUN_CONFIG = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}


@dataclass(frozen=True)
class StreamCount:
    topic: str
    table: str
    in_kafka: int
    in_bronze: int


def run_demo(settings: PlatformSettings, days: float, customers: int, seed: int) -> list[StreamCount]:
    log.info("1/4 platform: starting the broker and the schema registry (jars resolve once)")
    services.up(settings)
    jars.resolve(settings, jars.SPARK)

    log.info("2/4 simulator: %.1f day(s) of a shop with %d customers, seed %d", days, customers, seed)
    summary = run_simulation(
        SimulationConfig(
            days=days,
            world=WorldSize(customers=customers, products=DEMO_PRODUCTS),
            seed=seed,
            bootstrap=settings.kafka_bootstrap,
            schema_registry_url=settings.registry_url,
        )
    )
    log.info("simulator: %s records delivered, %s failed", f"{summary.delivered:,}", summary.failed)

    # The same wiring as `dagster dev` (SHOP_* overrides, SHOP_SPARK_MASTER), on the local platform.
    resources = build_resources({**os.environ, "SHOP_ENV": "local"})
    defs = build_definitions(resources)
    with _instance() as instance:
        log.info("3/4 sensor: comparing topic end offsets with what bronze committed")
        sensor = defs.get_sensor_def("kafka_offsets_sensor")
        result = sensor(build_sensor_context(instance=instance, resources={"kafka": resources["kafka"]}, definitions=defs))
        assert isinstance(result, SensorResult)
        for request in result.run_requests or []:
            log.info("4/4 run %s: bronze ingest of %d topic(s) through Spark availableNow", request.run_key, len(request.asset_selection or []))
            run = defs.resolve_job_def("bronze_ingest_job").execute_in_process(
                instance=instance,
                asset_selection=request.asset_selection,
                tags={**request.tags, "dagster/run_key": request.run_key or ""},
                run_config=QUIET_RUN_CONFIG,
            )
            if not run.success:
                raise RuntimeError(f"the bronze ingest run {run.run_id} failed; see `dagster dev` → Runs")
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
        in_bronze = 0
        if catalog.table_exists(table):
            snapshot = catalog.load_table(table).current_snapshot()
            in_bronze = int(snapshot.summary.get("total-records", 0)) if snapshot and snapshot.summary else 0
        counts.append(StreamCount(stream.topic, table, in_kafka, in_bronze))
    return counts


def _instance() -> DagsterInstance:
    try:
        return DagsterInstance.get()
    except Exception:
        log.warning("DAGSTER_HOME is not set: the runs are kept in memory only (use `make demo` to keep them)")
        return DagsterInstance.ephemeral()


def format_counts(counts: list[StreamCount]) -> str:
    lines = [f"{'topic':<22} {'in Kafka':>10} {'in bronze':>10}  table"]
    for row in counts:
        lines.append(f"{row.topic:<22} {row.in_kafka:>10,} {row.in_bronze:>10,}  {row.table}")
    total_kafka = sum(r.in_kafka for r in counts)
    total_bronze = sum(r.in_bronze for r in counts)
    lines.append(f"{'total':<22} {total_kafka:>10,} {total_bronze:>10,}")
    return "\n".join(lines)
