"""The slice end to end on real services, faults on:
simulator → Kafka → sensor → Spark availableNow run → Iceberg bronze + dead letter →
run-status sensor → silver run → silver tables + quarantine.

Reconciles per topic: records in Kafka = bronze rows + dead-letter rows, each
topic/partition/offset exactly once, and every malformed record of the simulator's fault
manifest is in the dead-letter table.
"""

import json
import time
from collections import Counter
from pathlib import Path

import pytest
from dagster import (
    AssetKey,
    DagsterEventType,
    DagsterInstance,
    DagsterRunStatus,
    RunRequest,
    RunsFilter,
    SkipReason,
    build_run_status_sensor_context,
    build_sensor_context,
)
from pyiceberg.catalog.sql import SqlCatalog
from pyiceberg.expressions import EqualTo

from shop_analytics.assets.streams import BRONZE_STREAMS
from shop_analytics.definitions import build_definitions
from shop_analytics.platform import lakehouse
from shop_analytics.platform.settings import PlatformSettings
from shop_analytics.sensors.kafka_offsets_sensor import CHECKED_AT, CHECKS_TAG
from shop_analytics.silver.entities import EVENT_ENTITIES
from shop_analytics.simulator.config import SimulationConfig
from shop_analytics.simulator.faults import FaultRates, read_manifest
from shop_analytics.simulator.runner import run_simulation
from shop_analytics.simulator.world import WorldSize
from shop_analytics.streaming.checkpoint import committed_offsets
from shop_analytics_tests.orchestration.helpers import platform_resources

DAY_MS = 86_400_000
# Today's midnight (UTC): the simulator's future-timestamp faults (a day or more past the
# window's end) are then really ahead of when Kafka receives them, so silver quarantines
# them instead of keeping a second copy of an order or sale (the marts built on these
# topics later in the session require unique order and sale ids).
END_MS = int(time.time() * 1000) // DAY_MS * DAY_MS


@pytest.fixture(scope="module")
def instance():
    with DagsterInstance.ephemeral() as ephemeral:
        yield ephemeral


@pytest.fixture(scope="module")
def slice_defs(platform: PlatformSettings):
    return build_definitions(platform_resources(platform))


def _tick(slice_defs, instance, cursor: str | None = None):
    sensor = slice_defs.get_sensor_def("kafka_offsets_sensor")
    context = build_sensor_context(
        instance=instance, resources={"kafka": slice_defs.resources["kafka"]}, definitions=slice_defs, cursor=cursor
    )
    return sensor(context)


def _run(slice_defs, instance, request: RunRequest) -> None:
    job = slice_defs.resolve_job_def("bronze_ingest_job")
    assert job.execute_in_process(instance=instance, asset_selection=request.asset_selection, tags=request.tags).success


def _simulate(platform: PlatformSettings, manifest: Path, seed: int) -> None:
    summary = run_simulation(
        SimulationConfig(
            days=1,
            end_ms=END_MS,
            seed=seed,
            world=WorldSize(customers=600, products=40),
            bootstrap=platform.kafka_bootstrap,
            schema_registry_url=platform.registry_url,
            faults=FaultRates(malformed=0.02, invalid=0.01, duplicate=0.01, late=0.01),
            manifest_path=str(manifest),
        )
    )
    assert summary.ok and summary.delivered == summary.produced > 0


def _coordinates(catalog: SqlCatalog, table: str, topic: str) -> list[tuple[int, int]]:
    if not catalog.table_exists(table):
        return []
    scan = catalog.load_table(table).scan(
        row_filter=EqualTo("kafka_topic", topic), selected_fields=("kafka_partition", "kafka_offset")
    )
    arrow = scan.to_arrow()
    return list(zip(arrow.column("kafka_partition").to_pylist(), arrow.column("kafka_offset").to_pylist(), strict=True))


def test_sensor_skips_while_no_topic_exists(slice_defs, instance) -> None:
    result = _tick(slice_defs, instance)
    assert not result.run_requests
    assert isinstance(result.skip_reason, SkipReason)
    assert "does not exist" in result.skip_reason.skip_message


def test_produced_equals_bronze_plus_dead_letter_exactly_once(slice_defs, instance, platform, tmp_path) -> None:
    manifest = tmp_path / "faults.jsonl"
    _simulate(platform, manifest, seed=7)

    result = _tick(slice_defs, instance)
    [request] = result.run_requests
    # The same offsets give the same run key, so a repeated tick never doubles a run.
    assert _tick(slice_defs, instance).run_requests[0].run_key == request.run_key
    # A first tick carries the bronze checks; a tick soon after a checked run carries none.
    assert request.asset_check_keys is None and request.tags[CHECKS_TAG] == "included"
    soon = _tick(slice_defs, instance, cursor=json.dumps({CHECKED_AT: time.time() - 60}))
    assert soon.run_requests[0].asset_check_keys == [] and soon.run_requests[0].tags[CHECKS_TAG] == "skipped"
    assert json.loads(soon.cursor)[CHECKED_AT] == pytest.approx(time.time() - 60, abs=5)
    _run(slice_defs, instance, request)

    kafka = slice_defs.resources["kafka"]
    catalog = SqlCatalog(lakehouse.CATALOG_NAME, **lakehouse.pyiceberg_properties(platform))
    dead_letter = slice_defs.resources["ingest"].dead_letter_table_name
    for stream in BRONZE_STREAMS:
        in_kafka = sum(kafka.end_offsets(stream.topic).values())
        bronze = _coordinates(catalog, f"bronze.{stream.table}", stream.topic)
        dead = _coordinates(catalog, dead_letter, stream.topic)
        assert len(bronze) + len(dead) == in_kafka, stream.topic
        assert len(set(bronze) | set(dead)) == in_kafka, f"{stream.topic}: a coordinate twice"
        if in_kafka == 0:
            continue
        event = instance.get_latest_materialization_event(stream.bronze_key)
        metadata = event.asset_materialization.metadata
        assert metadata["rows_in"].value == in_kafka
        assert metadata["rows_dead_lettered"].value == len(dead)
        assert metadata["consumer_lag"].value == 0
        # The run's figures are also in ops.ingest_runs, for the dashboards.
        runs = catalog.load_table("ops.ingest_runs").scan(row_filter=EqualTo("run_id", event.run_id)).to_arrow()
        [row] = [r for r in runs.to_pylist() if r["topic"] == stream.topic]
        assert (row["rows_in"], row["dead_lettered"], row["consumer_lag"]) == (in_kafka, len(dead), 0)

    malformed = [e for e in read_manifest(manifest) if e.fault == "malformed"]
    assert malformed, "the simulation injected no malformed record"
    dead_rows = catalog.load_table(dead_letter).scan().to_arrow().to_pylist()
    dead_at = {(r["kafka_topic"], r["kafka_partition"], r["kafka_offset"]): r["reason"] for r in dead_rows}
    for entry in malformed:
        assert (entry.topic, entry.partition, entry.offset) in dead_at, entry
    assert set(Counter(dead_at.values())) <= {"not_confluent_framed", "unknown_schema_id", "avro_decode_failed"}
    # Only malformed records are dead-lettered: invalid business values are silver's to quarantine.
    assert len(dead_at) == len(malformed)

    # Caught up: the sensor skips, and a forced rerun adds nothing.
    assert not _tick(slice_defs, instance).run_requests
    _run(slice_defs, instance, request)
    stream = BRONZE_STREAMS[0]
    assert len(_coordinates(catalog, f"bronze.{stream.table}", stream.topic)) + len(
        _coordinates(catalog, dead_letter, stream.topic)
    ) == sum(kafka.end_offsets(stream.topic).values())


def test_new_records_are_added_exactly_once(slice_defs, instance, platform, tmp_path) -> None:
    stream = next(s for s in BRONZE_STREAMS if s.table == "clickstream")
    kafka = slice_defs.resources["kafka"]
    before = sum(kafka.end_offsets(stream.topic).values())
    _simulate(platform, tmp_path / "more.jsonl", seed=8)
    after = sum(kafka.end_offsets(stream.topic).values())
    assert after > before

    [request] = _tick(slice_defs, instance).run_requests
    _run(slice_defs, instance, request)
    catalog = SqlCatalog(lakehouse.CATALOG_NAME, **lakehouse.pyiceberg_properties(platform))
    coordinates = _coordinates(catalog, f"bronze.{stream.table}", stream.topic) + _coordinates(
        catalog, slice_defs.resources["ingest"].dead_letter_table_name, stream.topic
    )
    assert len(coordinates) == len(set(coordinates)) == after
    checkpoint = slice_defs.resources["ingest"].checkpoint_for(stream.table)
    assert sum(committed_offsets(checkpoint, stream.topic).values()) == after


def test_silver_follows_a_bronze_run_through_the_run_status_sensor(slice_defs, instance, platform) -> None:
    [bronze_run] = instance.get_runs(
        filters=RunsFilter(job_name="bronze_ingest_job", statuses=[DagsterRunStatus.SUCCESS]), limit=1
    )
    [success] = instance.get_records_for_run(bronze_run.run_id, of_type=DagsterEventType.RUN_SUCCESS).records
    request = slice_defs.get_sensor_def("bronze_to_silver_sensor")(
        build_run_status_sensor_context(
            sensor_name="bronze_to_silver_sensor",
            dagster_event=success.event_log_entry.dagster_event,
            dagster_instance=instance,
            dagster_run=bronze_run,
            repository_def=slice_defs.get_repository_def(),
        )
    )
    assert isinstance(request, RunRequest) and request.run_key == f"silver-after-{bronze_run.run_id}"
    assert AssetKey(["silver", "order_lines"]) in request.asset_selection
    result = slice_defs.resolve_job_def("silver_job").execute_in_process(
        instance=instance, asset_selection=request.asset_selection
    )
    assert result.success

    catalog = SqlCatalog(lakehouse.CATALOG_NAME, **lakehouse.pyiceberg_properties(platform))
    quarantine = catalog.load_table("silver.quarantine").scan(selected_fields=("entity",)).to_arrow()
    quarantined = Counter(quarantine.column("entity").to_pylist())
    checked = []
    for entity in EVENT_ENTITIES:
        if not catalog.table_exists(f"bronze.{entity.name}"):
            continue  # the family had no events in these simulations (returns come days later)
        checked.append(entity.name)
        bronze = catalog.load_table(f"bronze.{entity.name}").scan().count()
        silver = catalog.load_table(entity.table.qualified).scan().count()
        metadata = instance.get_latest_materialization_event(AssetKey(["silver", entity.name])).asset_materialization
        duplicates = metadata.metadata["duplicates_dropped"].value
        assert bronze == silver + quarantined[entity.name] + duplicates, entity.name
        assert metadata.metadata["accepted"].value == silver, entity.name
    assert {"clickstream", "orders", "store_sales", "inventory"} <= set(checked)
