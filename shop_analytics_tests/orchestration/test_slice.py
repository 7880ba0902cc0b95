"""The first slice end to end on real services: topic → sensor → Spark availableNow → Iceberg."""

import pytest
from dagster import DagsterInstance, RunRequest, SkipReason, build_sensor_context
from pyiceberg.catalog.sql import SqlCatalog

from shop_analytics.assets.streams import BRONZE_STREAMS
from shop_analytics.definitions import build_definitions
from shop_analytics.platform import lakehouse
from shop_analytics.platform.settings import PlatformSettings
from shop_analytics.sensors.kafka_offsets_sensor import build_kafka_offsets_sensor
from shop_analytics.streaming.checkpoint import committed_offsets
from shop_analytics_tests.orchestration.helpers import create_topic, platform_resources, produce

STREAM = next(s for s in BRONZE_STREAMS if s.table == "clickstream")


@pytest.fixture(scope="module")
def instance():
    with DagsterInstance.ephemeral() as ephemeral:
        yield ephemeral


@pytest.fixture(scope="module")
def slice_defs(platform: PlatformSettings):
    return build_definitions(platform_resources(platform))


def _tick(slice_defs, instance, cursor=None):
    # The code location's sensor, narrowed to this test's stream: other tests may fill other topics.
    sensor = build_kafka_offsets_sensor([STREAM], slice_defs.resolve_job_def("bronze_ingest_job"))
    context = build_sensor_context(
        instance=instance, cursor=cursor, resources={"kafka": slice_defs.resources["kafka"]}, definitions=slice_defs
    )
    return sensor(context), context


def _run(slice_defs, instance, request: RunRequest) -> None:
    job = slice_defs.resolve_job_def("bronze_ingest_job")
    result = job.execute_in_process(instance=instance, asset_selection=request.asset_selection, tags=request.tags)
    assert result.success


def _bronze_rows(settings: PlatformSettings) -> list[tuple[int, int]]:
    catalog = SqlCatalog(lakehouse.CATALOG_NAME, **lakehouse.pyiceberg_properties(settings))
    table = catalog.load_table(f"bronze.{STREAM.table}")
    arrow = table.scan(selected_fields=("kafka_partition", "kafka_offset")).to_arrow()
    return list(zip(arrow.column("kafka_partition").to_pylist(), arrow.column("kafka_offset").to_pylist(), strict=True))


def test_sensor_skips_when_topics_do_not_exist(slice_defs, instance) -> None:
    result, _ = _tick(slice_defs, instance)
    assert not result.run_requests
    assert isinstance(result.skip_reason, SkipReason)
    assert "does not exist" in result.skip_reason.skip_message


def test_slice_lands_every_record_exactly_once(slice_defs, instance, platform: PlatformSettings) -> None:
    create_topic(platform.kafka_bootstrap, STREAM.topic, partitions=3)
    produced = produce(platform.kafka_bootstrap, STREAM.topic, 2500)

    result, _ = _tick(slice_defs, instance)
    [request] = result.run_requests
    assert request.asset_selection == [STREAM.bronze_key]
    # The same offsets give the same run key, so a repeated tick never doubles a run.
    again, _ = _tick(slice_defs, instance)
    assert again.run_requests[0].run_key == request.run_key

    _run(slice_defs, instance, request)
    rows = _bronze_rows(platform)
    assert len(rows) == produced == 2500
    assert len(set(rows)) == len(rows)

    event = instance.get_latest_materialization_event(STREAM.bronze_key)
    metadata = event.asset_materialization.metadata
    assert metadata["rows_ingested"].value == 2500
    assert metadata["consumer_lag"].value == 0
    assert sum(metadata["offsets_end"].value.values()) == 2500

    # Bronze is caught up: the sensor now skips, and a forced rerun adds nothing.
    caught_up, _ = _tick(slice_defs, instance)
    assert not caught_up.run_requests
    _run(slice_defs, instance, request)
    assert len(_bronze_rows(platform)) == 2500

    # New records: exactly those are added on the next run.
    produce(platform.kafka_bootstrap, STREAM.topic, 700, start=2500)
    result, _ = _tick(slice_defs, instance)
    [request] = result.run_requests
    _run(slice_defs, instance, request)
    rows = _bronze_rows(platform)
    assert len(rows) == len(set(rows)) == 3200
    checkpoint = slice_defs.resources["ingest"].checkpoint_for(STREAM.table)
    assert sum(committed_offsets(checkpoint, STREAM.topic).values()) == 3200
