"""Which runs ``kafka_offsets_sensor`` requests while ingest runs are going (real broker).

Runs linger while their topics keep receiving records, so the sensor leaves the streams of
a queued or running ingest run to that run (one query per checkpoint) and requests a run
for the other topics that moved; its runs carry the lingering config.
"""

from __future__ import annotations

import uuid

import pytest
from dagster import DagsterInstance, DagsterRun, DagsterRunStatus, build_sensor_context

from shop_analytics.assets.ingest import BronzeStream
from shop_analytics.jobs import bronze_ingest_job
from shop_analytics.platform.settings import PlatformSettings
from shop_analytics.resources.kafka import KafkaResource
from shop_analytics.sensors.kafka_offsets_sensor import INGEST_TAG, build_kafka_offsets_sensor
from shop_analytics_tests.orchestration.helpers import create_topic, produce

pytestmark = pytest.mark.integration


@pytest.fixture
def streams(platform: PlatformSettings) -> list[BronzeStream]:
    suffix = uuid.uuid4().hex[:8]
    made = [BronzeStream(f"sensor-{suffix}.{name}", f"{name}_{suffix}") for name in ("clicks", "orders", "stock")]
    for stream in made:
        create_topic(platform.kafka_bootstrap, stream.topic, 2)
        assert produce(platform.kafka_bootstrap, stream.topic, 10) == 10
    return made


def _going(instance: DagsterInstance, streams: list[BronzeStream] | None, status: DagsterRunStatus) -> DagsterRun:
    run = DagsterRun(
        job_name=bronze_ingest_job.name,
        run_id=uuid.uuid4().hex,
        status=status,
        tags={INGEST_TAG: "bronze"},
        asset_selection=frozenset(s.bronze_key for s in streams) if streams is not None else None,
    )
    return instance.add_run(run)


def _tick(instance: DagsterInstance, platform: PlatformSettings, streams: list[BronzeStream], **options):
    sensor = build_kafka_offsets_sensor(streams, bronze_ingest_job, **options)
    kafka = KafkaResource(bootstrap_servers=platform.kafka_bootstrap)
    return sensor(build_sensor_context(instance=instance, resources={"kafka": kafka}))


def test_streams_of_a_run_still_going_are_left_to_it(platform: PlatformSettings, streams) -> None:
    clicks, orders, stock = streams
    with DagsterInstance.ephemeral() as instance:
        [first] = _tick(instance, platform, streams).run_requests
        assert set(first.asset_selection) == {s.bronze_key for s in streams}
        # The sensor's runs linger (BronzeIngestConfig of the bronze_ingest asset).
        assert first.run_config == {"ops": {"bronze_ingest": {"config": {"linger_idle_seconds": 30.0}}}}

        _going(instance, [clicks], DagsterRunStatus.STARTED)
        _going(instance, [orders], DagsterRunStatus.NOT_STARTED)
        result = _tick(instance, platform, streams, linger_idle_seconds=5.0)
        [only] = result.run_requests
        assert list(only.asset_selection) == [stock.bronze_key]
        assert only.run_config["ops"]["bronze_ingest"]["config"]["linger_idle_seconds"] == 5.0

        _going(instance, [stock], DagsterRunStatus.STARTED)
        skipped = _tick(instance, platform, streams)
        assert not skipped.run_requests
        assert f"{clicks.topic}: in a run still going" in skipped.skip_reason.skip_message

        # Finished runs hold nothing: the streams are free again.
        for run in instance.get_runs():
            instance.delete_run(run.run_id)
        _going(instance, [clicks], DagsterRunStatus.SUCCESS)
        [again] = _tick(instance, platform, streams).run_requests
        assert set(again.asset_selection) == {s.bronze_key for s in streams}


def test_a_run_of_the_whole_job_holds_every_stream(platform: PlatformSettings, streams) -> None:
    with DagsterInstance.ephemeral() as instance:
        _going(instance, None, DagsterRunStatus.STARTING)
        result = _tick(instance, platform, streams)
        assert not result.run_requests
        assert all(f"{s.topic}: in a run still going" in result.skip_reason.skip_message for s in streams)
